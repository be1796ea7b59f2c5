/**
 * The int and float datatypes, parsed as OpenSCAP 1.3.7 parses them with C's strtoimax (base
 * 10) and strtod, the whole string consumed. Integers are decimal and at most 64 bits. Floats
 * are written in decimal, with an exponent, or as INF, INFINITY or NAN in any case.
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Parses a signed 64-bit decimal integer with optional leading white space and sign. */
export function parseInt64(value: string): bigint | undefined {
  const match = /^[\t\n\v\f\r ]*([+-]?[0-9]+)$/.exec(value);
  if (match === null) return undefined;
  const parsed = BigInt(match[1]!);
  return parsed < INT64_MIN || parsed > INT64_MAX ? undefined : parsed;
}

/** Parses a float the way strtod reads it; undefined when the text is not entirely a number. */
export function parseFloatValue(value: string): number | undefined {
  const text = value.replace(/^[\t\n\v\f\r ]+/, '');
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
  if (special !== null) {
    if (special[2]!.toLowerCase() === 'nan') return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(text)) return undefined;
  const parsed = Number(text);
  // strtod reports an overflow as a range error, and OpenSCAP turns that into an error result.
  return Number.isFinite(parsed) ? parsed : undefined;
}

/**
 * Orders two floats as OpenSCAP 1.3.7 does: values within a relative difference of 1e-9
 * are equal. NaN is never equal, and it orders below every value from either side, which
 * is what that comparison yields.
 */
export function compareFloats(a: number, b: number): number {
  if (a === b) return 0;
  const order = a > b ? 1 : -1;
  const relativeError = Math.abs(a) > Math.abs(b) ? Math.abs((a - b) / a) : Math.abs((a - b) / b);
  return relativeError <= 1e-9 ? 0 : order;
}
