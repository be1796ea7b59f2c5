/**
 * RPM version comparison: the evr_string datatype ("epoch:version-release") compared the way
 * rpm's rpmvercmp() orders versions, including "~" (sorts before everything, even the end of
 * the string) and "^" (sorts after the end of the string but before any other segment).
 */

/** The three parts of an RPM EVR; `epoch` is "0" when the string has none. */
export interface RpmEvr {
  epoch: string;
  version: string;
  release: string;
}

/**
 * Splits "epoch:version-release". The epoch is what precedes the first ":" when that prefix
 * is all digits, as rpm's parseEVR() reads it; the release follows the last "-".
 */
export function parseRpmEvr(value: string): RpmEvr {
  let rest = value;
  let epoch = '0';
  const colon = rest.indexOf(':');
  if (colon >= 0 && /^[0-9]*$/.test(rest.slice(0, colon))) {
    epoch = colon === 0 ? '0' : rest.slice(0, colon);
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  if (dash < 0) return { epoch, version: rest, release: '' };
  return { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) };
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isAlpha(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

const TILDE = 0x7e;
const CARET = 0x5e;

/**
 * Orders two version strings segment by segment as rpmvercmp() does: runs of ASCII digits
 * compare numerically, runs of ASCII letters compare bytewise, a numeric segment is newer
 * than an alphabetic one, and other characters only separate segments.
 * Returns a negative number, zero or a positive number.
 */
export function rpmVersionCompare(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;

  while (i < a.length || j < b.length) {
    while (i < a.length && !isSegmentStart(a.charCodeAt(i))) i++;
    while (j < b.length && !isSegmentStart(b.charCodeAt(j))) j++;

    const ca = i < a.length ? a.charCodeAt(i) : 0;
    const cb = j < b.length ? b.charCodeAt(j) : 0;

    // "~" sorts before anything, the end of the string included.
    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1;
      if (cb !== TILDE) return -1;
      i++;
      j++;
      continue;
    }

    // "^" sorts after the end of the string but before any further segment.
    if (ca === CARET || cb === CARET) {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (ca !== CARET) return 1;
      if (cb !== CARET) return -1;
      i++;
      j++;
      continue;
    }

    if (i >= a.length || j >= b.length) break;

    const numeric = isDigit(ca);
    const inSegment = numeric ? isDigit : isAlpha;
    const startA = i;
    const startB = j;
    while (i < a.length && inSegment(a.charCodeAt(i))) i++;
    while (j < b.length && inSegment(b.charCodeAt(j))) j++;
    let segmentA = a.slice(startA, i);
    let segmentB = b.slice(startB, j);

    // Segments of different kinds: the numeric one is newer.
    if (segmentB.length === 0) return numeric ? 1 : -1;

    if (numeric) {
      segmentA = segmentA.replace(/^0+/, '');
      segmentB = segmentB.replace(/^0+/, '');
      if (segmentA.length !== segmentB.length) return segmentA.length > segmentB.length ? 1 : -1;
    }
    if (segmentA !== segmentB) return segmentA < segmentB ? -1 : 1;
  }

  const restA = i < a.length;
  const restB = j < b.length;
  if (!restA && !restB) return 0;
  return restA ? 1 : -1;
}

function isSegmentStart(code: number): boolean {
  return isDigit(code) || isAlpha(code) || code === TILDE || code === CARET;
}

/** Compares two EVR strings: epochs first, then versions, then releases, each with rpmvercmp. */
export function compareRpmEvr(a: string, b: string): number {
  const left = parseRpmEvr(a);
  const right = parseRpmEvr(b);
  return (
    rpmVersionCompare(left.epoch, right.epoch) ||
    rpmVersionCompare(left.version, right.version) ||
    rpmVersionCompare(left.release, right.release)
  );
}
