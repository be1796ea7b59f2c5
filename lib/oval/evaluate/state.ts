/**
 * Comparing an item with a state. Each state entity is compared with the item's entities of the
 * same name (combined by entity_check), against its value or each value of its variable
 * (combined by var_check). The entity results combine by the state's operator.
 *
 * Faults are logged, not written into the results, as OpenSCAP 1.3.7 does: a warning for
 * values that are not of their datatype, invalid patterns, variables without values and
 * entities missing from items, and a debug line for the rest.
 */
import { compareValuesWithReason } from '../operations.js';
import type { Entity, ExistenceEnumeration, OvalState } from '../model.js';
import type { OvalResult } from '../results-model.js';
import type { Item, ItemEntity } from '../syschar.js';
import type { Evaluation } from './evaluation.js';
import { combineByCheck, combineByOperator, combineOneByCheck } from './logic.js';
import { resolveVariable } from './variables.js';

export interface StateOutcome {
  result: OvalResult;
}

interface Comparing {
  evaluation: Evaluation;
  state: OvalState;
  item: Item;
}

/**
 * Resolves the variables that `state` names, in its entities and record fields, so that
 * `evaluateState` can compare items without waiting. Call it once before comparing items.
 */
export async function prepareState(evaluation: Evaluation, state: OvalState): Promise<void> {
  for (const entity of state.entities) {
    if (entity.varRef !== undefined) await resolveVariable(evaluation, entity.varRef);
    for (const field of entity.fields ?? []) {
      if (field.varRef !== undefined) await resolveVariable(evaluation, field.varRef);
    }
  }
}

/** Compares `item` with `state`, whose variables `prepareState` resolved before. */
export function evaluateState(evaluation: Evaluation, state: OvalState, item: Item): StateOutcome {
  // A state with no entities places no constraint, so every item satisfies it.
  if (state.entities.length === 0) return { result: 'true' };

  const context: Comparing = { evaluation, state, item };
  // Any operator gives a single result back unchanged.
  if (state.entities.length === 1) return { result: evaluateStateEntity(context, state.entities[0]!) };
  const results: OvalResult[] = [];
  for (const entity of state.entities) {
    results.push(evaluateStateEntity(context, entity));
  }
  return { result: combineByOperator(state.operator, results) };
}

/** The list of one value of each state entity without a var_ref, made once: entities never change. */
const constantValues = new WeakMap<Entity, string[]>();

function expectedValues(context: Comparing, entity: Entity): string[] | undefined {
  if (entity.varRef === undefined) {
    let values = constantValues.get(entity);
    if (values === undefined) {
      values = [entity.value ?? ''];
      constantValues.set(entity, values);
    }
    return values;
  }
  const resolved = context.evaluation.variables.get(entity.varRef);
  if (resolved === undefined) throw new Error(`internal error: the variable '${entity.varRef}' of the state '${context.state.id}' was not prepared`);
  if (resolved.error !== undefined || resolved.values.length === 0) {
    const reason = resolved.error ?? resolved.warning ?? 'it has no values';
    context.evaluation.logOnce('warn', `There was a problem processing the variable '${entity.varRef}' of the state '${context.state.id}': ${reason}`);
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

function evaluateStateEntity(context: Comparing, entity: Entity): OvalResult {
  const itemEntityName = itemEntityFor(context.state, entity);
  const matching = entitiesNamed(context.item.entities, itemEntityName);
  const existence = entityExistence(entity.checkExistence ?? 'at_least_one_exists', context.item.entities);
  // Like OpenSCAP 1.3.7, a masked state entity masks the item entities it is compared with.
  if (entity.mask) maskEntities(context.item, itemEntityName);

  // The item lacks the entity. OpenSCAP 1.3.7 makes that unknown (and warns), rather than
  // failing the state entity's default check_existence, at_least_one_exists.
  if (matching.length === 0) {
    context.evaluation.logOnce(
      'warn',
      `Entity name '${itemEntityName}' from state (id: '${context.state.id}') not found in item (id: '${context.item.id}').`,
    );
    return existence === 'true' ? 'unknown' : existence;
  }
  if (existence !== 'true') return existence;

  let expected: string[] | undefined = [];
  if (entity.datatype !== 'record') {
    expected = expectedValues(context, entity);
  }
  if (expected === undefined) return 'error';
  const fieldValues = entity.datatype === 'record' ? recordFieldValues(context, entity) : NO_FIELD_VALUES;
  if (fieldValues === undefined) return 'error';

  if (matching.length === 1) return combineOneByCheck(entity.entityCheck ?? 'all', compareItemEntity(context, entity, matching[0]!, expected, fieldValues));
  const perItemEntity: OvalResult[] = [];
  for (const candidate of matching) {
    perItemEntity.push(compareItemEntity(context, entity, candidate, expected, fieldValues));
  }
  return combineByCheck(entity.entityCheck ?? 'all', perItemEntity);
}

/** Returns the item entities named `name`, without a callback per entity in the common case of one or none. */
function entitiesNamed(entities: readonly ItemEntity[], name: string): readonly ItemEntity[] {
  let first = -1;
  let count = 0;
  for (let index = 0; index < entities.length; index++) {
    if (entities[index]!.name !== name) continue;
    if (first === -1) first = index;
    count++;
  }
  if (count === 0) return NO_ENTITIES;
  if (count === 1) return [entities[first]!];
  return entities.filter((candidate) => candidate.name === name);
}

const NO_ENTITIES: readonly ItemEntity[] = [];

/**
 * Marks the item's entities named `name` as masked. The item gets new entity objects: probes
 * and the collector share entity objects between the items of several objects, which must
 * not see this item's marks.
 */
function maskEntities(item: Item, name: string): void {
  if (!item.entities.some((candidate) => candidate.name === name && candidate.mask !== true)) return;
  item.entities = item.entities.map((candidate) => (candidate.name === name && candidate.mask !== true ? { ...candidate, mask: true } : candidate));
}

/**
 * Applies a state entity's check_existence as OpenSCAP 1.3.7 does: to the statuses of all the
 * item's entities, whatever their names, not only those the state entity names. So
 * "only_one_exists" fails on any item with two entities, and "none_exist" on any item with
 * one. The entity's values are compared only when this returns true.
 */
function entityExistence(claim: ExistenceEnumeration, entities: readonly ItemEntity[]): OvalResult {
  // The default claim is true as soon as one entity exists, which is nearly always the first.
  if (claim === 'at_least_one_exists' && entities.length > 0 && (entities[0]!.status ?? 'exists') === 'exists') return 'true';
  let exists = 0;
  let doesNotExist = 0;
  let errors = 0;
  let notCollected = 0;
  for (let index = 0; index < entities.length; index++) {
    const status = entities[index]!.status ?? 'exists';
    if (status === 'exists') exists++;
    else if (status === 'does not exist') doesNotExist++;
    else if (status === 'error') errors++;
    else notCollected++;
  }

  switch (claim) {
    case 'all_exist':
      if (doesNotExist > 0) return 'false';
      if (errors > 0) return 'error';
      if (notCollected > 0) return 'unknown';
      return exists > 0 ? 'true' : 'false';
    case 'any_exist':
      return errors === 0 || exists > 0 ? 'true' : 'error';
    case 'at_least_one_exists':
      if (exists > 0) return 'true';
      if (errors > 0) return 'error';
      return 'unknown';
    case 'none_exist':
      if (exists > 0) return 'false';
      if (errors > 0) return 'error';
      if (notCollected > 0) return 'unknown';
      return 'true';
    case 'only_one_exists':
      if (exists >= 2) return 'false';
      if (errors > 0) return 'error';
      if (exists === 1 && notCollected === 0) return 'true';
      if (exists === 0 && notCollected === 1) return 'false';
      return notCollected > 0 ? 'error' : 'unknown';
  }
}

/** Resolves the variables that record fields name (var_ref); undefined when one has no values. */
function recordFieldValues(context: Comparing, entity: Entity): Map<Entity, string[]> | undefined {
  const values = new Map<Entity, string[]>();
  for (const field of entity.fields ?? []) {
    if (field.varRef === undefined) continue;
    const resolved = expectedValues(context, field);
    if (resolved === undefined) return undefined;
    values.set(field, resolved);
  }
  return values;
}

const NO_FIELD_VALUES: ReadonlyMap<Entity, string[]> = new Map();

function compareItemEntity(
  context: Comparing,
  entity: Entity,
  candidate: ItemEntity,
  expected: string[],
  fieldValues: ReadonlyMap<Entity, string[]> = NO_FIELD_VALUES,
): OvalResult {
  const status = candidate.status ?? 'exists';
  if (status === 'does not exist') return 'false';
  if (status === 'error') return 'error';
  if (status === 'not collected') return 'unknown';

  if (entity.datatype === 'record') return compareRecord(context, entity, candidate, fieldValues);

  const actual = candidate.value ?? '';
  if (expected.length === 1) return combineOneByCheck(entity.varCheck ?? 'all', compareValue(context, entity, actual, expected[0]!));
  const results = expected.map((value) => compareValue(context, entity, actual, value));
  return combineByCheck(entity.varCheck ?? 'all', results);
}

/** Compares an item entity's value with one value of the state entity, logging why a comparison failed. */
function compareValue(context: Comparing, entity: Entity, actual: string, value: string): OvalResult {
  const comparison = compareValuesWithReason(entity.operation, entity.datatype, actual, value);
  if (comparison.result === 'error' && comparison.message !== undefined) {
    const subject =
      entity.varRef === undefined
        ? `Can't compare the state '${context.state.id}' entity '${entity.name}' value = '${value}'`
        : `Can't compare variable '${entity.varRef}' value = '${value}'`;
    context.evaluation.logOnce(
      comparison.invalidInput ? 'warn' : 'debug',
      `${subject} with collected item entity = '${actual}' (item id: ${context.item.id}): ${comparison.message}`,
    );
  }
  return comparison.result;
}

/** Compares a record field by field: each field of the state's record against the item's fields of that name. */
function compareRecord(context: Comparing, entity: Entity, candidate: ItemEntity, fieldValues: ReadonlyMap<Entity, string[]>): OvalResult {
  if (candidate.datatype !== 'record') {
    context.evaluation.logOnce(
      'warn',
      `Expected record data type, but found ${candidate.datatype} data type in ${entity.name} entity of item (id: ${context.item.id}) compared with the state '${context.state.id}'.`,
    );
    return 'error';
  }
  const fieldResults: OvalResult[] = [];
  for (const field of entity.fields ?? []) {
    const itemFields = (candidate.fields ?? []).filter((itemField) => itemField.name === field.name);
    if (itemFields.length === 0) {
      fieldResults.push('false');
      continue;
    }
    const expected = fieldValues.get(field) ?? [field.value ?? ''];
    const results = itemFields.map((itemField) => compareItemEntity(context, field, itemField, expected));
    fieldResults.push(combineByCheck(field.entityCheck ?? 'all', results));
  }
  if (fieldResults.length === 0) return 'true';
  return combineByOperator('AND', fieldResults);
}
