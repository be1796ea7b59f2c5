/**
 * Glue between object entities and probes. It finds an entity, compares a collected value
 * with it under its operation, datatype and var_check, and lists the exact values an
 * "equals" entity allows, so a probe can look them up instead of enumerating everything.
 */
import { ScapulaError } from '../../errors.js';
import type { CheckEnumeration } from '../../oval/model.js';
import { compareValuesWithReason } from '../../oval/operations.js';
import type { ProbeRequest, ResolvedEntity } from '../probe.js';

export function findEntity(request: ProbeRequest, name: string): ResolvedEntity | undefined {
  return request.entities.find((entity) => entity.name === name);
}

/**
 * Tells whether `actual` satisfies the entity: each of its values is compared and the results
 * are combined by var_check ("all" when absent), as OVAL 5.11.2 defines for object entities.
 * A nil entity matches every value.
 * Raises a ScapulaError when a comparison fails with an error (an invalid pattern or value).
 */
export function entityMatches(entity: ResolvedEntity, actual: string): boolean {
  // An entity written as xsi:nil places no constraint, as the collector treats it.
  if (entity.nil) return true;
  // Probes call this for every candidate of a walk, so it counts instead of keeping the results.
  const values = entity.values;
  let trueCount = 0;
  for (let index = 0; index < values.length; index++) {
    const expected = values[index]!;
    const comparison = compareValuesWithReason(entity.operation, entity.datatype, actual, expected);
    if (comparison.result === 'error') {
      throw new ScapulaError(
        'OVAL_INVALID',
        `cannot compare "${actual}" with the ${entity.name} entity "${expected}": ${comparison.message ?? 'the comparison failed'}`,
        { line: entity.position.line, column: entity.position.column },
      );
    }
    if (comparison.result === 'true') trueCount++;
  }
  return combineByCheck(entity.varCheck ?? 'all', trueCount, values.length);
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
