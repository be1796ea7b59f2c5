/**
 * Comparing an item with a state. Each state entity is compared with the item's entities of the
 * same name (combined by entity_check), against its value or each value of its variable
 * (combined by var_check). The entity results combine by the state's operator.
 */
import { compareValuesWithReason } from '../operations.js';
import type { Entity, OvalState } from '../model.js';
import type { OvalResult } from '../results-model.js';
import type { Item, ItemEntity } from '../syschar.js';
import type { Evaluation } from './evaluation.js';
import { combineByCheck, combineByOperator } from './logic.js';
import { resolveVariable } from './variables.js';

export interface StateOutcome {
  result: OvalResult;
  /** Reasons for an error result, for the test's messages. */
  messages: string[];
  /** Comparisons that could not be made, for the test's messages. */
  warnings: string[];
}

export async function evaluateState(evaluation: Evaluation, state: OvalState, item: Item): Promise<StateOutcome> {
  const outcome: StateOutcome = { result: 'true', messages: [], warnings: [] };
  // A state with no entities places no constraint, so every item satisfies it.
  if (state.entities.length === 0) return outcome;

  const results: OvalResult[] = [];
  for (const entity of state.entities) {
    const itemEntityName = itemEntityFor(state, entity);
    results.push(await evaluateStateEntity(evaluation, entity, itemEntityName, item.entities, outcome));
  }
  outcome.result = combineByOperator(state.operator, results);
  return outcome;
}

async function expectedValues(evaluation: Evaluation, entity: Entity, outcome: StateOutcome): Promise<string[] | undefined> {
  if (entity.varRef === undefined) return [entity.value ?? ''];
  const resolved = await resolveVariable(evaluation, entity.varRef);
  if (resolved.error !== undefined) {
    outcome.messages.push(`the variable '${entity.varRef}' of the state entity '${entity.name}' has no value: ${resolved.error}`);
    return undefined;
  }
  if (resolved.values.length === 0) {
    const reason = resolved.warning === undefined ? '' : ` (${resolved.warning})`;
    outcome.messages.push(`the variable '${entity.varRef}' of the state entity '${entity.name}' has no values${reason}`);
    return undefined;
  }
  return resolved.values;
}

/**
 * Returns the name of the item entity a state entity is compared with: the same name, except
 * for the deprecated textfilecontent_state. Its "line" is the line text that the item reports
 * as "text" (the item's "line" repeats the object's pattern), and OpenSCAP 1.3.7 compares them so.
 */
function itemEntityFor(state: OvalState, entity: Entity): string {
  if (state.type === 'textfilecontent_state' && entity.name === 'line') return 'text';
  return entity.name;
}

async function evaluateStateEntity(
  evaluation: Evaluation,
  entity: Entity,
  itemEntityName: string,
  itemEntities: ItemEntity[],
  outcome: StateOutcome,
): Promise<OvalResult> {
  const matching = itemEntities.filter((candidate) => candidate.name === itemEntityName);
  // The item lacks the entity. OpenSCAP 1.3.7 makes that unknown (and warns), rather than
  // failing the state entity's default check_existence, at_least_one_exists.
  if (matching.length === 0) {
    outcome.warnings.push(`the item has no '${itemEntityName}' entity to compare with the state`);
    return 'unknown';
  }

  let expected: string[] | undefined = [];
  if (entity.datatype !== 'record') {
    expected = entity.varRef === undefined ? [entity.value ?? ''] : await expectedValues(evaluation, entity, outcome);
  }
  if (expected === undefined) return 'error';

  const perItemEntity: OvalResult[] = [];
  for (const candidate of matching) {
    perItemEntity.push(compareItemEntity(entity, candidate, expected, outcome));
  }
  return combineByCheck(entity.entityCheck ?? 'all', perItemEntity);
}

function compareItemEntity(entity: Entity, candidate: ItemEntity, expected: string[], outcome: StateOutcome): OvalResult {
  const status = candidate.status ?? 'exists';
  if (status === 'does not exist') return 'false';
  if (status === 'error') return 'error';
  if (status === 'not collected') return 'unknown';

  if (entity.datatype === 'record') return compareRecord(entity, candidate, outcome);

  const results = expected.map((value) => {
    const comparison = compareValuesWithReason(entity.operation, entity.datatype, candidate.value ?? '', value);
    if (comparison.message !== undefined && comparison.result === 'error') outcome.messages.push(`${entity.name}: ${comparison.message}`);
    return comparison.result;
  });
  return combineByCheck(entity.varCheck ?? 'all', results);
}

/** Compares a record field by field: each field of the state's record against the item's fields of that name. */
function compareRecord(entity: Entity, candidate: ItemEntity, outcome: StateOutcome): OvalResult {
  if (candidate.datatype !== 'record') {
    outcome.messages.push(`${entity.name}: the state expects a record but the item entity has the datatype ${candidate.datatype}`);
    return 'error';
  }
  const fieldResults: OvalResult[] = [];
  for (const field of entity.fields ?? []) {
    const itemFields = (candidate.fields ?? []).filter((itemField) => itemField.name === field.name);
    if (itemFields.length === 0) {
      fieldResults.push('false');
      continue;
    }
    const results = itemFields.map((itemField) => compareItemEntity(field, itemField, [field.value ?? ''], outcome));
    fieldResults.push(combineByCheck(field.entityCheck ?? 'all', results));
  }
  if (fieldResults.length === 0) return 'true';
  return combineByOperator('AND', fieldResults);
}
