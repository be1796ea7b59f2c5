import { describe, expect, it } from 'vitest';
import { combineByCheck, combineByOperator, combineOneByCheck, evaluateExistence, negateResult } from '../../../lib/oval/evaluate/logic.js';
import type { OvalResult } from '../../../lib/oval/results-model.js';

const T: OvalResult = 'true';
const F: OvalResult = 'false';
const E: OvalResult = 'error';
const U: OvalResult = 'unknown';
const NE: OvalResult = 'not evaluated';
const NA: OvalResult = 'not applicable';

describe('combineByOperator', () => {
  // Rows of the OVAL 5.11.2 OperatorEnumeration tables.
  const rows: [string, OvalResult[], OvalResult][] = [
    ['AND', [T, T, NA], T],
    ['AND', [T, F, E], F],
    ['AND', [T, E, U], E],
    ['AND', [T, U, NE], U],
    ['AND', [T, NE], NE],
    ['AND', [NA, NA], NA],
    ['AND', [], NA],
    ['OR', [F, T, E], T],
    ['OR', [F, F], F],
    ['OR', [F, E, U], E],
    ['OR', [F, U], U],
    ['OR', [F, NE, NA], NE],
    ['ONE', [T, F, F], T],
    ['ONE', [T, T, E], F],
    ['ONE', [F, F], F],
    ['ONE', [T, E], E],
    ['ONE', [F, U], U],
    ['ONE', [T, NE], NE],
    ['XOR', [T, T, T], T],
    ['XOR', [T, T, F], F],
    ['XOR', [T, E], E],
    ['XOR', [T, U, NE], U],
    ['XOR', [F, NE], NE],
  ];
  it.each(rows)('%s of %j is %s', (operator, results, expected) => {
    expect(combineByOperator(operator as 'AND', results)).toBe(expected);
  });

  // evaluateState returns the result of a state with one entity as it is.
  it.each(['AND', 'OR', 'ONE', 'XOR'] as const)('%s of one result is that result', (operator) => {
    for (const result of [T, F, E, U, NE, NA]) {
      expect(combineByOperator(operator, [result])).toBe(result);
    }
  });
});

describe('combineByCheck', () => {
  const rows: [string, OvalResult[], OvalResult][] = [
    ['all', [T, T], T],
    ['all', [T, F, E], F],
    ['all', [T, E], E],
    ['at least one', [F, T, E], T],
    ['at least one', [F, F], F],
    ['at least one', [F, U], U],
    ['only one', [T, F], T],
    ['only one', [T, T], F],
    ['only one', [F, F], F],
    ['only one', [T, E], E],
    ['none satisfy', [F, F], T],
    ['none satisfy', [F, T], F],
    ['none satisfy', [F, E], E],
    ['none exist', [F], T],
  ];
  it.each(rows)('%s of %j is %s', (check, results, expected) => {
    expect(combineByCheck(check as 'all', results)).toBe(expected);
  });
});

describe('combineOneByCheck', () => {
  const checks = ['all', 'at least one', 'only one', 'none satisfy', 'none exist'] as const;
  const single: [string, OvalResult, OvalResult][] = [
    ['all', T, T],
    ['at least one', F, F],
    ['only one', U, U],
    ['none satisfy', T, F],
    ['none exist', F, T],
    ['none satisfy', NA, NA],
  ];
  it.each(single)('%s of %s is %s', (check, result, expected) => {
    expect(combineOneByCheck(check as 'all', result)).toBe(expected);
  });

  it.each(checks)('agrees with combineByCheck for %s', (check) => {
    for (const result of [T, F, E, U, NE, NA]) {
      expect(combineOneByCheck(check, result)).toBe(combineByCheck(check, [result]));
    }
  });
});

describe('negateResult', () => {
  it('flips only true and false', () => {
    expect(negateResult(T, true)).toBe(F);
    expect(negateResult(F, true)).toBe(T);
    expect(negateResult(E, true)).toBe(E);
    expect(negateResult(U, true)).toBe(U);
    expect(negateResult(NE, true)).toBe(NE);
    expect(negateResult(NA, true)).toBe(NA);
    expect(negateResult(T, false)).toBe(T);
  });
});

describe('evaluateExistence', () => {
  const counts = (exists: number, doesNotExist = 0, error = 0, notCollected = 0) => ({ exists, doesNotExist, error, notCollected });
  const rows: [string, ReturnType<typeof counts>, OvalResult][] = [
    ['all_exist', counts(2), T],
    ['all_exist', counts(0), F],
    ['all_exist', counts(1, 1), F],
    ['all_exist', counts(1, 0, 1), E],
    ['all_exist', counts(1, 0, 0, 1), U],
    ['any_exist', counts(0), T],
    ['any_exist', counts(0, 0, 1), E],
    ['any_exist', counts(1, 0, 1), T],
    ['at_least_one_exists', counts(1, 1, 1), T],
    ['at_least_one_exists', counts(0, 1), F],
    ['at_least_one_exists', counts(0, 0, 1), E],
    ['at_least_one_exists', counts(0, 0, 0, 1), U],
    ['none_exist', counts(0, 2), T],
    ['none_exist', counts(1), F],
    ['none_exist', counts(0, 0, 1), E],
    ['none_exist', counts(0, 0, 0, 1), U],
    ['only_one_exists', counts(1), T],
    ['only_one_exists', counts(2), F],
    ['only_one_exists', counts(0), F],
    ['only_one_exists', counts(1, 0, 1), E],
    ['only_one_exists', counts(0, 0, 0, 1), U],
  ];
  it.each(rows)('%s with %j is %s', (existence, statusCounts, expected) => {
    expect(evaluateExistence(existence as 'all_exist', statusCounts)).toBe(expected);
  });
});
