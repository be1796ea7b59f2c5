/**
 * OVAL's truth tables (OVAL 5.11.2, OperatorEnumeration, CheckEnumeration and
 * ExistenceEnumeration): how several results combine into one.
 */
import type { CheckEnumeration, ExistenceEnumeration, LogicalOperator } from '../model.js';
import type { OvalResult } from '../results-model.js';
import type { ItemStatus } from '../syschar.js';

/** How many results of each kind a set holds. */
export interface ResultCounts {
  true: number;
  false: number;
  error: number;
  unknown: number;
  notEvaluated: number;
  notApplicable: number;
}

export function countResults(results: Iterable<OvalResult>): ResultCounts {
  const counts = noResults();
  for (const result of results) countResult(counts, result);
  return counts;
}

function noResults(): ResultCounts {
  return { true: 0, false: 0, error: 0, unknown: 0, notEvaluated: 0, notApplicable: 0 };
}

function countResult(counts: ResultCounts, result: OvalResult | undefined): void {
  switch (result) {
    case 'true':
      counts.true++;
      break;
    case 'false':
      counts.false++;
      break;
    case 'error':
      counts.error++;
      break;
    case 'unknown':
      counts.unknown++;
      break;
    case 'not evaluated':
      counts.notEvaluated++;
      break;
    case 'not applicable':
      counts.notApplicable++;
      break;
  }
}

/** Returns the result that no true or false can decide: error, then unknown, then not evaluated. */
function undecided(counts: ResultCounts): OvalResult | undefined {
  if (counts.error > 0) return 'error';
  if (counts.unknown > 0) return 'unknown';
  if (counts.notEvaluated > 0) return 'not evaluated';
  return undefined;
}

function onlyNotApplicable(counts: ResultCounts): boolean {
  return counts.true + counts.false + counts.error + counts.unknown + counts.notEvaluated === 0;
}

/**
 * Combines results with a logical operator. "not applicable" results are left out, and a set
 * made only of them (or an empty set) is "not applicable".
 */
export function combineByOperator(operator: LogicalOperator, results: Iterable<OvalResult>): OvalResult {
  return combineCountsByOperator(operator, countResults(results));
}

/** Combines `results[start]` up to `results[end - 1]` as combineByOperator does, without a copy of the range. */
export function combineRangeByOperator(operator: LogicalOperator, results: readonly OvalResult[], start: number, end: number): OvalResult {
  const counts = noResults();
  for (let index = start; index < end; index++) countResult(counts, results[index]);
  return combineCountsByOperator(operator, counts);
}

function combineCountsByOperator(operator: LogicalOperator, counts: ResultCounts): OvalResult {
  if (onlyNotApplicable(counts)) return 'not applicable';

  switch (operator) {
    case 'AND':
      if (counts.false > 0) return 'false';
      return undecided(counts) ?? 'true';
    case 'OR':
      if (counts.true > 0) return 'true';
      return undecided(counts) ?? 'false';
    case 'ONE':
      if (counts.true > 1) return 'false';
      return undecided(counts) ?? (counts.true === 1 ? 'true' : 'false');
    case 'XOR':
      return undecided(counts) ?? (counts.true % 2 === 1 ? 'true' : 'false');
  }
}

/**
 * Combines per-value results with a check (the check, var_check and entity_check attributes).
 * "none exist" is the deprecated spelling of "none satisfy" here.
 */
export function combineByCheck(check: CheckEnumeration, results: Iterable<OvalResult>): OvalResult {
  const counts = countResults(results);
  if (onlyNotApplicable(counts)) return 'not applicable';

  switch (check) {
    case 'all':
      if (counts.false > 0) return 'false';
      return undecided(counts) ?? 'true';
    case 'at least one':
      if (counts.true > 0) return 'true';
      return undecided(counts) ?? 'false';
    case 'only one':
      if (counts.true > 1) return 'false';
      return undecided(counts) ?? (counts.true === 1 ? 'true' : 'false');
    case 'none satisfy':
    case 'none exist':
      if (counts.true > 0) return 'false';
      return undecided(counts) ?? 'true';
  }
}

/**
 * Combines a single result with a check, as combineByCheck does for a set of one: the result
 * itself, or its negation for "none satisfy". Most state comparisons have one value and one
 * item entity, and this skips the set and its counts for them.
 */
export function combineOneByCheck(check: CheckEnumeration, result: OvalResult): OvalResult {
  return check === 'none satisfy' || check === 'none exist' ? negateResult(result, true) : result;
}

/** Flips true and false; every other result stays as it is. */
export function negateResult(result: OvalResult, negate: boolean): OvalResult {
  if (!negate) return result;
  if (result === 'true') return 'false';
  if (result === 'false') return 'true';
  return result;
}

/** How many items of a collected object have each status. */
export interface StatusCounts {
  exists: number;
  doesNotExist: number;
  error: number;
  notCollected: number;
}

export function countStatuses(statuses: Iterable<ItemStatus>): StatusCounts {
  const counts: StatusCounts = { exists: 0, doesNotExist: 0, error: 0, notCollected: 0 };
  for (const status of statuses) {
    if (status === 'exists') counts.exists++;
    else if (status === 'does not exist') counts.doesNotExist++;
    else if (status === 'error') counts.error++;
    else counts.notCollected++;
  }
  return counts;
}

/** Applies the check_existence table: whether the items found satisfy the test's existence claim. */
export function evaluateExistence(existence: ExistenceEnumeration, counts: StatusCounts): OvalResult {
  const { exists, doesNotExist, error, notCollected } = counts;
  switch (existence) {
    case 'all_exist':
      if (doesNotExist > 0) return 'false';
      if (error > 0) return 'error';
      if (notCollected > 0) return 'unknown';
      return exists > 0 ? 'true' : 'false';
    case 'any_exist':
      if (exists === 0 && error > 0) return 'error';
      return 'true';
    case 'at_least_one_exists':
      if (exists > 0) return 'true';
      if (error > 0) return 'error';
      if (notCollected > 0) return 'unknown';
      return 'false';
    case 'none_exist':
      if (exists > 0) return 'false';
      if (error > 0) return 'error';
      if (notCollected > 0) return 'unknown';
      return 'true';
    case 'only_one_exists':
      if (exists > 1) return 'false';
      if (error > 0) return 'error';
      if (notCollected > 0) return 'unknown';
      return exists === 1 ? 'true' : 'false';
  }
}
