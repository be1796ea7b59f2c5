/**
 * Debian version comparison for the debian_evr_string datatype
 * ("[epoch:]upstream_version[-debian_revision]"), ordered as dpkg's verrevcmp() does:
 * non-digit runs compare character by character with letters before other characters and
 * "~" before everything (the end of the string included), digit runs compare numerically.
 */

export interface DebianEvr {
  epoch: number;
  upstream: string;
  revision: string;
}

/**
 * Splits a Debian version. The epoch precedes the first ":" and must be a decimal number;
 * the revision follows the last "-". Returns undefined for an epoch that is not a number.
 */
export function parseDebianEvr(value: string): DebianEvr | undefined {
  let rest = value.trim();
  let epoch = 0;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const text = rest.slice(0, colon);
    if (!/^[0-9]+$/.test(text)) return undefined;
    epoch = Number(text);
    if (!Number.isSafeInteger(epoch) || epoch > 0x7fffffff) return undefined;
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  if (dash < 0) return { epoch, upstream: rest, revision: '' };
  return { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) };
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** Returns the sort weight of one character in a non-digit run, with 0 for the end of the string. */
function order(code: number): number {
  if (code === 0 || isDigit(code)) return 0;
  if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) return code;
  if (code === 0x7e) return -1;
  return code + 256;
}

/** Compares two upstream versions or two revisions. Returns a negative, zero or positive number. */
export function debianVersionCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  const at = (s: string, k: number): number => (k < s.length ? s.charCodeAt(k) : 0);

  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(at(a, i))) || (j < b.length && !isDigit(at(b, j)))) {
      const weightA = order(at(a, i));
      const weightB = order(at(b, j));
      if (weightA !== weightB) return weightA - weightB;
      i++;
      j++;
    }

    while (at(a, i) === 0x30) i++;
    while (at(b, j) === 0x30) j++;

    let firstDifference = 0;
    while (isDigit(at(a, i)) && isDigit(at(b, j))) {
      if (firstDifference === 0) firstDifference = at(a, i) - at(b, j);
      i++;
      j++;
    }
    if (isDigit(at(a, i))) return 1;
    if (isDigit(at(b, j))) return -1;
    if (firstDifference !== 0) return firstDifference;
  }
  return 0;
}

/** Compares two Debian EVR strings, or returns undefined when either has an invalid epoch. */
export function compareDebianEvr(a: string, b: string): number | undefined {
  const left = parseDebianEvr(a);
  const right = parseDebianEvr(b);
  if (left === undefined || right === undefined) return undefined;
  if (left.epoch !== right.epoch) return left.epoch - right.epoch;
  return debianVersionCompare(left.upstream, right.upstream) || debianVersionCompare(left.revision, right.revision);
}
