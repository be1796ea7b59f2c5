/**
 * The OVAL version datatype: non-negative integers separated by single non-digit characters
 * ("1.2.3", "1.2-3" and "1c2c3" are the same version). Components compare as numbers from
 * the left. Missing components count as 0, as OpenSCAP 1.3.7 reads them ("1.2" equals "1.2.0").
 */

/** Splits a version into its integer components, or returns undefined when it has none. */
export function parseVersion(value: string): bigint[] | undefined {
  const text = value.trim();
  if (!/^[0-9]/.test(text)) return undefined;
  const parts = text.split(/[^0-9]/);
  return parts.map((part) => (part === '' ? 0n : BigInt(part)));
}

/** Compares two versions; undefined when either is not a version. */
export function compareVersions(a: string, b: string): number | undefined {
  const left = parseVersion(a);
  const right = parseVersion(b);
  if (left === undefined || right === undefined) return undefined;
  const length = Math.max(left.length, right.length);
  for (let k = 0; k < length; k++) {
    const x = left[k] ?? 0n;
    const y = right[k] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
