/**
 * Glue between object entities and probes: finding an entity, comparing a collected value
 * with it under its operation, datatype and var_check, and listing the exact values an
 * "equals" entity allows so a probe can look them up instead of enumerating everything.
 */
import { ScapulaError } from '../../errors.js';
import type { CheckEnumeration } from '../../oval/model.js';
import { compareValues } from '../../oval/operations.js';
import type { OvalResult } from '../../oval/results-model.js';
import type { ProbeRequest, ResolvedEntity } from '../probe.js';
import { compileProbePattern } from './pattern.js';

export function findEntity(request: ProbeRequest, name: string): ResolvedEntity | undefined {
  return request.entities.find((entity) => entity.name === name);
}

/**
 * Compares one value with one expected value. "pattern match", string and int comparisons
 * run here (patterns on RE2); every other operation and datatype goes to the evaluator's
 * `compareValues`.
 */
export function compareEntityValue(entity: ResolvedEntity, actual: string, expected: string): OvalResult {
  if (entity.operation === 'pattern match') {
    return compileProbePattern(expected).test(actual) ? 'true' : 'false';
  }
  if (entity.datatype === 'string') {
    switch (entity.operation) {
      case 'equals':
        return actual === expected ? 'true' : 'false';
      case 'not equal':
        return actual !== expected ? 'true' : 'false';
      case 'case insensitive equals':
        return actual.toLowerCase() === expected.toLowerCase() ? 'true' : 'false';
      case 'case insensitive not equal':
        return actual.toLowerCase() !== expected.toLowerCase() ? 'true' : 'false';
      default:
        break;
    }
  }
  if (entity.datatype === 'int') {
    const integerResult = compareIntegers(entity.operation, actual, expected);
    if (integerResult !== null) return integerResult;
  }
  return compareValues(entity.operation, entity.datatype, actual, expected);
}

/** Compares two decimal integers of any size, or returns null for an operation it lacks. */
function compareIntegers(operation: string, actualText: string, expectedText: string): OvalResult | null {
  const actual = parseInteger(actualText);
  const expected = parseInteger(expectedText);
  if (actual === null || expected === null) return 'error';

  const asResult = (value: boolean): OvalResult => (value ? 'true' : 'false');
  switch (operation) {
    case 'equals':
      return asResult(actual === expected);
    case 'not equal':
      return asResult(actual !== expected);
    case 'greater than':
      return asResult(actual > expected);
    case 'less than':
      return asResult(actual < expected);
    case 'greater than or equal':
      return asResult(actual >= expected);
    case 'less than or equal':
      return asResult(actual <= expected);
    case 'bitwise and':
      return asResult((actual & expected) === expected);
    case 'bitwise or':
      return asResult((actual | expected) === expected);
    default:
      return null;
  }
}

function parseInteger(text: string): bigint | null {
  const trimmed = text.trim();
  return /^[+-]?\d+$/.test(trimmed) ? BigInt(trimmed) : null;
}

/**
 * Tells whether `actual` satisfies the entity: each of its values is compared and the results
 * are combined by var_check ("all" when absent), as OVAL 5.11.2 defines for object entities.
 * Raises a ScapulaError when a comparison fails with an error (an invalid pattern or value).
 */
export function entityMatches(entity: ResolvedEntity, actual: string): boolean {
  const results = entity.values.map((expected) => compareEntityValue(entity, actual, expected));
  if (results.includes('error')) {
    throw new ScapulaError(
      'OVAL_INVALID',
      `cannot compare ${JSON.stringify(actual)} with entity ${entity.name} (operation "${entity.operation}", datatype ${entity.datatype})`,
      { line: entity.position.line, column: entity.position.column },
    );
  }
  return combineByCheck(entity.varCheck ?? 'all', results.filter((result) => result === 'true').length, results.length);
}

function combineByCheck(check: CheckEnumeration, trueCount: number, total: number): boolean {
  switch (check) {
    case 'all':
      return total > 0 && trueCount === total;
    case 'at least one':
      return trueCount >= 1;
    case 'only one':
      return trueCount === 1;
    case 'none satisfy':
    case 'none exist':
      return trueCount === 0;
  }
}

/**
 * Returns the values an entity can match exactly, when it is an "equals" entity of datatype
 * string, so a probe can look them up directly. Returns null when the probe
 * must enumerate candidates and test each with `entityMatches`.
 */
export function exactValues(entity: ResolvedEntity | undefined): string[] | null {
  if (entity === undefined || entity.operation !== 'equals' || entity.datatype !== 'string') return null;

  const distinct = [...new Set(entity.values)];
  switch (entity.varCheck ?? 'all') {
    case 'all':
      // One value can equal every expected value only when they are all the same.
      return distinct.length === 1 ? distinct : [];
    case 'at least one':
      return distinct;
    case 'only one':
      return distinct;
    default:
      return null;
  }
}
