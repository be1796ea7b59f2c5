/**
 * OVAL's operations on its datatypes (OVAL 5.11.2 Language Specification, section 5.3.6.3):
 * comparing one collected value with one expected value. Shared by the evaluator (states)
 * and by probes (object entities with operations other than "equals").
 *
 * Which operation each datatype allows follows the OperationEnumeration of the OVAL common
 * schema; any other pair is an error result. Record values are compared field by field by the
 * evaluator, so `compareValues` returns 'error' for the record datatype.
 */
import { compareDebianEvr } from './datatypes/debian-evr.js';
import { compareRpmEvr } from './datatypes/evr.js';
import { maskAddress, parseIpv4Network, parseIpv6Network, type IpNetwork } from './datatypes/ip.js';
import { compareFloats, parseFloatValue, parseInt64 } from './datatypes/numbers.js';
import { compareVersions } from './datatypes/version.js';
import type { Datatype, Operation } from './model.js';
import { compilePattern } from './regex.js';
import type { OvalResult } from './results-model.js';

/** A comparison result, with the reason when it is 'error' or 'not evaluated'. */
export interface Comparison {
  result: OvalResult;
  message?: string;
  /**
   * True when the reason is a value that is not of its datatype or a pattern that cannot be
   * used, which OpenSCAP 1.3.7 reports as a warning; other reasons it keeps to its debug log.
   */
  invalidInput?: boolean;
}

const ORDERING: readonly Operation[] = ['equals', 'not equal', 'greater than', 'greater than or equal', 'less than', 'less than or equal'];

/** The operations the OVAL common schema allows on each datatype. */
export const ALLOWED_OPERATIONS: Readonly<Record<Datatype, readonly Operation[]>> = {
  binary: ['equals', 'not equal'],
  boolean: ['equals', 'not equal'],
  evr_string: ORDERING,
  debian_evr_string: ORDERING,
  fileset_revision: ORDERING,
  float: ORDERING,
  ios_version: ORDERING,
  int: [...ORDERING, 'bitwise and', 'bitwise or'],
  ipv4_address: [...ORDERING, 'subset of', 'superset of'],
  ipv6_address: [...ORDERING, 'subset of', 'superset of'],
  string: ['equals', 'not equal', 'case insensitive equals', 'case insensitive not equal', 'pattern match'],
  version: ORDERING,
  record: ['equals'],
};

/**
 * Compares `actual` (the collected value) against `expected` (the object's or state's value)
 * with `operation` under `datatype`. Returns 'true', 'false' or 'error' (a value that does not
 * parse as the datatype, an operation the datatype does not allow, an untranslatable pattern).
 */
export function compareValues(operation: Operation, datatype: Datatype, actual: string, expected: string): OvalResult {
  return compareValuesWithReason(operation, datatype, actual, expected).result;
}

/** Does what `compareValues` does and also returns why a comparison is an error. */
export function compareValuesWithReason(operation: Operation, datatype: Datatype, actual: string, expected: string): Comparison {
  const allowed = ALLOWED_OPERATIONS[datatype];
  if (allowed === undefined) return { result: 'error', message: `the datatype "${datatype}" is unknown` };
  if (!allowed.includes(operation)) {
    return { result: 'error', message: `the operation "${operation}" is not defined for the datatype "${datatype}"` };
  }

  switch (datatype) {
    case 'string':
      return compareStrings(operation, actual, expected);
    case 'int':
      return compareInts(operation, actual, expected);
    case 'float':
      return compareFloatValues(operation, actual, expected);
    case 'boolean':
      return compareBooleans(operation, actual, expected);
    case 'binary':
      return compareBinaries(operation, actual, expected);
    case 'evr_string':
      return ordered(operation, compareRpmEvr(actual, expected));
    case 'debian_evr_string': {
      const order = compareDebianEvr(actual, expected);
      if (order === undefined) return invalid(datatype, actual, expected);
      return ordered(operation, order);
    }
    case 'version': {
      const order = compareVersions(actual, expected);
      if (order === undefined) return invalid(datatype, actual, expected);
      return ordered(operation, order);
    }
    case 'ipv4_address':
      return compareAddresses(operation, datatype, parseIpv4Network(actual), parseIpv4Network(expected), actual, expected);
    case 'ipv6_address':
      return compareAddresses(operation, datatype, parseIpv6Network(actual), parseIpv6Network(expected), actual, expected);
    case 'fileset_revision':
    case 'ios_version':
      // OpenSCAP 1.3.7 does not compare these AIX and Cisco formats and reports "not evaluated"; so does scapula.
      return { result: 'not evaluated', message: `comparing values of the datatype "${datatype}" is not supported` };
    case 'record':
      return { result: 'error', message: 'record values are compared field by field, not as one value' };
  }
}

/** The comparisons without a reason, shared: callers only read them. */
const TRUE: Comparison = Object.freeze({ result: 'true' });
const FALSE: Comparison = Object.freeze({ result: 'false' });

function truth(value: boolean): Comparison {
  return value ? TRUE : FALSE;
}

function invalid(datatype: Datatype, actual: string, expected: string): Comparison {
  return {
    result: 'error',
    message: `the value ${JSON.stringify(actual)} or ${JSON.stringify(expected)} is not a valid ${datatype}`,
    invalidInput: true,
  };
}

/** Applies an equality or ordering operation to the sign of a comparison of actual against expected. */
function ordered(operation: Operation, order: number): Comparison {
  switch (operation) {
    case 'equals':
      return truth(order === 0);
    case 'not equal':
      return truth(order !== 0);
    case 'greater than':
      return truth(order > 0);
    case 'greater than or equal':
      return truth(order >= 0);
    case 'less than':
      return truth(order < 0);
    case 'less than or equal':
      return truth(order <= 0);
    default:
      return { result: 'error', message: `the operation "${operation}" is not an ordering` };
  }
}

function compareStrings(operation: Operation, actual: string, expected: string): Comparison {
  switch (operation) {
    case 'equals':
      return truth(actual === expected);
    case 'not equal':
      return truth(actual !== expected);
    case 'case insensitive equals':
      return truth(actual.toLowerCase() === expected.toLowerCase());
    case 'case insensitive not equal':
      return truth(actual.toLowerCase() !== expected.toLowerCase());
    case 'pattern match':
      try {
        return truth(compilePattern(expected).test(actual));
      } catch (error) {
        return { result: 'error', message: error instanceof Error ? error.message : String(error), invalidInput: true };
      }
    default:
      return { result: 'error', message: `the operation "${operation}" is not defined for strings` };
  }
}

function compareInts(operation: Operation, actual: string, expected: string): Comparison {
  const actualValue = parseInt64(actual);
  const expectedValue = parseInt64(expected);
  if (actualValue === undefined || expectedValue === undefined) return invalidNumber('int', actualValue === undefined ? actual : expected);
  if (operation === 'bitwise and') return truth((actualValue & expectedValue) === expectedValue);
  if (operation === 'bitwise or') return truth((actualValue | expectedValue) === expectedValue);
  return ordered(operation, signOf(actualValue - expectedValue));
}

function signOf(difference: bigint): number {
  if (difference === 0n) return 0;
  return difference > 0n ? 1 : -1;
}

function compareFloatValues(operation: Operation, actual: string, expected: string): Comparison {
  const actualValue = parseFloatValue(actual);
  const expectedValue = parseFloatValue(expected);
  if (actualValue === undefined || expectedValue === undefined) return invalidNumber('float', actualValue === undefined ? actual : expected);
  return ordered(operation, compareFloats(actualValue, expectedValue));
}

/** Reports a value that is not a number, in the words OpenSCAP 1.3.7 uses for the same fault. */
function invalidNumber(datatype: 'float' | 'int', value: string): Comparison {
  const what = datatype === 'int' ? 'an integer (64 bits)' : 'a floating type (double)';
  return { result: 'error', message: `Conversion of the string ${JSON.stringify(value)} to ${what} failed: Invalid argument`, invalidInput: true };
}

function parseBoolean(value: string): boolean | undefined {
  const text = value.trim();
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  return undefined;
}

function compareBooleans(operation: Operation, actual: string, expected: string): Comparison {
  const actualValue = parseBoolean(actual);
  const expectedValue = parseBoolean(expected);
  if (actualValue === undefined || expectedValue === undefined) return invalid('boolean', actual, expected);
  return truth(operation === 'equals' ? actualValue === expectedValue : actualValue !== expectedValue);
}

function compareBinaries(operation: Operation, actual: string, expected: string): Comparison {
  const hex = /^[0-9A-Fa-f]*$/;
  if (!hex.test(actual.trim()) || !hex.test(expected.trim())) return invalid('binary', actual, expected);
  const same = actual.trim().toLowerCase() === expected.trim().toLowerCase();
  return truth(operation === 'equals' ? same : !same);
}

/**
 * Compares addresses with prefixes as OpenSCAP 1.3.7 does. Equality needs the same address
 * and prefix. Ordering compares the addresses masked with their prefix, which must be the
 * same on both sides. "subset of" holds when every address of the actual network lies in the
 * expected one, and "superset of" the other way round.
 */
function compareAddresses(
  operation: Operation,
  datatype: Datatype,
  actual: IpNetwork | undefined,
  expected: IpNetwork | undefined,
  actualText: string,
  expectedText: string,
): Comparison {
  if (actual === undefined || expected === undefined) return invalid(datatype, actualText, expectedText);

  switch (operation) {
    case 'equals':
      return truth(actual.address === expected.address && actual.prefixLength === expected.prefixLength);
    case 'not equal':
      return truth(actual.address !== expected.address || actual.prefixLength !== expected.prefixLength);
    case 'subset of':
      if (actual.prefixLength < expected.prefixLength) return truth(false);
      return truth(maskAddress(actual, expected.prefixLength) === maskAddress(expected, expected.prefixLength));
    case 'superset of':
      if (actual.prefixLength > expected.prefixLength) return truth(false);
      return truth(maskAddress(actual, actual.prefixLength) === maskAddress(expected, actual.prefixLength));
    default: {
      if (actual.prefixLength !== expected.prefixLength) {
        return { result: 'error', message: `the addresses ${actualText} and ${expectedText} have different prefix lengths and cannot be ordered` };
      }
      const left = maskAddress(actual, actual.prefixLength);
      const right = maskAddress(expected, expected.prefixLength);
      return ordered(operation, signOf(left - right));
    }
  }
}
