/**
 * The collector: turns each object into a collected object with items, once per evaluation.
 * Entity variable references are resolved first, then the registry's probe runs, or in
 * analyse mode the collected object is read from the given system characteristics.
 * Set objects combine the items of other objects, and filters keep or drop items by state.
 */
import type { ResolvedEntity } from '../../probes/probe.js';
import { compareValues } from '../operations.js';
import type { Entity, Filter, ObjectSet, OvalObject } from '../model.js';
import type { OvalResult } from '../results-model.js';
import type { CollectedFlag, CollectedObject, Item, Message, ProbeItem, VariableValue } from '../syschar.js';
import type { Evaluation } from './evaluation.js';
import { directDependencies, MAX_NESTING, prepareDependencies, type DependencyNode } from './dependencies.js';
import { combineByCheck } from './logic.js';
import { evaluateState, prepareState } from './state.js';
import { resolveVariable } from './variables.js';

/**
 * Compares a candidate value against an object entity whose variable references are resolved:
 * each of the entity's values is compared with its operation, and the results combine by its
 * var_check (default "all"). An entity written as xsi:nil places no constraint.
 */
export function entityMatches(entity: ResolvedEntity, value: string): OvalResult {
  if (entity.nil) return 'true';
  if (entity.values.length === 0) return 'false';
  const results = entity.values.map((expected) => compareValues(entity.operation, entity.datatype, value, expected));
  return combineByCheck(entity.varCheck ?? 'all', results);
}

/** Returns the collected object for `objectId`, collecting it on first use. */
export async function collectObject(evaluation: Evaluation, objectId: string): Promise<CollectedObject> {
  const cached = evaluation.collected.get(objectId);
  if (cached !== undefined) return cached;
  evaluation.checkAborted();

  const object = evaluation.definitions.objects.get(objectId);
  if (object === undefined) {
    return failed(objectId, 1, 'error', `the object '${objectId}' is not defined`);
  }
  if (evaluation.collectingObjects.has(objectId)) {
    return failed(objectId, object.version, 'error', `the object '${objectId}' depends on itself through a variable or a set`);
  }
  if (evaluation.collectingObjects.size >= MAX_NESTING) {
    return failed(objectId, object.version, 'error', `the object '${objectId}' is nested more than ${MAX_NESTING} levels deep in other objects`);
  }

  await prepareDependencies(evaluation, { kind: 'object', id: objectId });
  const prepared = evaluation.collected.get(objectId);
  if (prepared !== undefined) return prepared;
  evaluation.collectingObjects.add(objectId);
  let collected: CollectedObject;
  try {
    collected = evaluation.analyseMode ? readCollected(evaluation, object) : await collectWithProbe(evaluation, object);
  } finally {
    evaluation.collectingObjects.delete(objectId);
  }
  if (!evaluation.analyseMode) collected.variableValues = objectBindings(evaluation, object);
  evaluation.collected.set(objectId, collected);
  return collected;
}

/**
 * Adds a collected object to the system characteristics of the results. Objects that tests
 * and object_components use are listed; objects used only as members of a set are not, as in
 * OpenSCAP 1.3.7 results.
 */
export function reportCollected(evaluation: Evaluation, collected: CollectedObject): void {
  if (evaluation.analyseMode || evaluation.output.collectedObjects.has(collected.objectId)) return;
  evaluation.output.collectedObjects.set(collected.objectId, collected);
}

/**
 * Lists the variable values an object was collected with: those of its entities, filters and
 * set members, those a variable_object names, and those the variables themselves use, as
 * OpenSCAP reports them.
 */
function objectBindings(evaluation: Evaluation, object: OvalObject): VariableValue[] {
  return variableBindings(evaluation, [{ kind: 'object', id: object.id }]);
}

/**
 * Lists the values of every variable `roots` use, directly or through other variables,
 * objects, sets and filter states, each variable and value once. An object collected before
 * contributes the bindings stored with it, so each object's graph is walked once.
 */
export function variableBindings(evaluation: Evaluation, roots: DependencyNode[]): VariableValue[] {
  const bindings: VariableValue[] = [];
  const seen = new Set<string>();
  const add = (variableId: string, value: string): void => {
    const key = `${variableId}\u0000${value}`;
    if (seen.has(key)) return;
    seen.add(key);
    bindings.push({ variableId, value });
  };

  const visited = new Set<string>();
  const rootObjects = new Set(roots.filter((root) => root.kind === 'object').map((root) => root.id));
  const pending = [...roots].reverse();
  while (pending.length > 0) {
    const node = pending.pop()!;
    const key = `${node.kind}\u0000${node.id}`;
    if (visited.has(key)) continue;
    visited.add(key);

    const collected = node.kind === 'object' && !rootObjects.has(node.id) ? evaluation.collected.get(node.id) : undefined;
    if (collected !== undefined) {
      for (const binding of collected.variableValues) add(binding.variableId, binding.value);
      continue;
    }
    if (node.kind === 'variable') {
      for (const value of evaluation.variables.get(node.id)?.values ?? []) add(node.id, value);
    }
    pending.push(...directDependencies(evaluation.definitions, node).reverse());
  }
  return bindings;
}

function failed(objectId: string, version: number, flag: CollectedFlag, text: string): CollectedObject {
  return {
    objectId,
    version,
    variableInstance: 1,
    flag,
    messages: [{ level: flag === 'error' ? 'error' : 'warning', text }],
    variableValues: [],
    items: [],
  };
}

/** Analyse mode: the object as the system characteristics document recorded it. */
function readCollected(evaluation: Evaluation, object: OvalObject): CollectedObject {
  const recorded = evaluation.output.collectedObjects.get(object.id);
  if (recorded !== undefined) return recorded;
  return failed(object.id, object.version, 'not collected', `the system characteristics contain no collected object '${object.id}'`);
}

async function collectWithProbe(evaluation: Evaluation, object: OvalObject): Promise<CollectedObject> {
  if (object.set !== undefined) {
    const result = await collectSet(evaluation, object.set);
    return { ...base(object), flag: result.flag, messages: result.messages, items: result.items };
  }

  // Resolve variable references: an error, or a variable with no value, decides the flag at once.
  const resolution = await resolveEntities(evaluation, object.entities);
  if (resolution.error !== undefined) {
    return { ...base(object), flag: 'error', messages: [{ level: 'error', text: resolution.error }] };
  }
  if (resolution.empty !== undefined) {
    return { ...base(object), flag: 'does not exist', messages: [{ level: 'warning', text: resolution.empty }] };
  }

  const probe = evaluation.options.registry?.get(object.family, object.type);
  if (probe === undefined) {
    const text = `the object type ${object.family}:${object.type} is not supported (no probe collects it)`;
    evaluation.options.logger?.debug(`${object.id}: ${text}`);
    return { ...base(object), flag: 'not collected', messages: [{ level: 'warning', text }] };
  }
  if (evaluation.options.target === undefined) {
    const text = 'no target was given, so no probe can run';
    return { ...base(object), flag: 'not collected', messages: [{ level: 'warning', text }] };
  }

  // variable_object names variables by id; their values must be ready before the probe reads them.
  const namedVariables = await resolveNamedVariables(evaluation, object, resolution.entities);
  if (namedVariables.error !== undefined) {
    return { ...base(object), flag: 'error', messages: [{ level: 'error', text: namedVariables.error }] };
  }

  const cacheKey = probeResultKey(object, resolution.entities);
  let result = evaluation.probeResults.get(cacheKey);
  if (result === undefined) {
    try {
      result = await probe.collect(
        { object, entities: resolution.entities, behaviors: object.behaviors ?? {} },
        {
          target: evaluation.options.target,
          logger: evaluation.options.logger,
          cache: evaluation.probeCache,
          signal: evaluation.options.signal,
          schemaVersion: evaluation.definitions.generator.schemaVersion,
          ignoredPaths: evaluation.options.ignoredPaths,
          variableValues: (variableId) => {
            const values = evaluation.variables.get(variableId);
            // An empty list, unlike undefined, means the variable exists but has no values.
            if (values === undefined || values.error !== undefined || values.doesNotExist) return undefined;
            return values.values;
          },
        },
      );
    } catch (error) {
      evaluation.checkAborted();
      const text = `the ${object.type} probe failed: ${error instanceof Error ? error.message : String(error)}`;
      evaluation.options.logger?.warn(`${object.id}: ${text}`);
      return { ...base(object), flag: 'error', messages: [{ level: 'error', text }] };
    }
    // An error result is not shared: its message names the object that asked (and errors are rare).
    if (result.flag !== 'error') evaluation.keepProbeResult(cacheKey, result);
  }

  // Filters run before numbering, as in OpenSCAP 1.3.7, whose probes drop filtered-out items
  // before they get an id. Until then an item's id is 0.
  const messages: Message[] = [...(result.messages ?? [])];
  const probeItems = maskItemEntities(object, result.items);
  const candidates = object.filters.length === 0 ? probeItems : await applyFilters(evaluation, object.filters, probeItems.map(unnumbered), messages);
  const items = candidates.map((item) => evaluation.addItem(item));
  const flag = result.flag ?? (items.length > 0 ? 'complete' : 'does not exist');
  evaluation.options.logger?.debug(`${object.id}: the ${object.type} probe returned ${result.items.length} items, ${items.length} after filters (flag ${flag})`);
  return { ...base(object), flag, messages, items };
}

/**
 * Returns the key under which a probe's result is kept for other objects that make the same
 * request: the object type, the resolved entities and the behaviors, without the object's id, filters or
 * position. SSG content requests the same directory walk under different filters several
 * times. Items share their entity objects then, so nothing may change an entity in place.
 */
function probeResultKey(object: OvalObject, entities: ResolvedEntity[]): string {
  let key = `${object.family}\u0000${object.type}\u0000${JSON.stringify(object.behaviors ?? {})}`;
  for (const entity of entities) key += `\u0000${resolvedEntityKey(entity)}`;
  return key;
}

function resolvedEntityKey(entity: ResolvedEntity): string {
  const { position: _position, fields, ...rest } = entity as ResolvedEntity & { position?: unknown };
  const nested = fields === undefined ? '' : fields.map(resolvedEntityKey).join('\u0001');
  return `${JSON.stringify(rest)}[${nested}]`;
}

/** Resolves the variables a variable_object names in its var_ref entity; returns the first error. */
async function resolveNamedVariables(evaluation: Evaluation, object: OvalObject, entities: ResolvedEntity[]): Promise<{ error?: string }> {
  if (object.type !== 'variable_object') return {};
  const varRef = entities.find((entity) => entity.name === 'var_ref');
  for (const variableId of varRef?.values ?? []) {
    const resolved = await resolveVariable(evaluation, variableId);
    if (resolved.error !== undefined) return { error: `the variable '${variableId}' has no value: ${resolved.error}` };
  }
  return {};
}

function base(object: OvalObject): CollectedObject {
  return {
    objectId: object.id,
    version: object.version,
    variableInstance: 1,
    flag: 'complete',
    messages: [],
    variableValues: [],
    items: [],
  };
}

interface EntityResolution {
  entities: ResolvedEntity[];
  error?: string;
  empty?: string;
}

async function resolveEntities(evaluation: Evaluation, entities: Entity[]): Promise<EntityResolution> {
  const resolution: EntityResolution = { entities: [] };
  for (const entity of entities) {
    const { value, varRef, fields, ...rest } = entity;
    let values: string[] = value === undefined ? [] : [value];
    if (varRef !== undefined) {
      const resolved = await resolveVariable(evaluation, varRef);
      if (resolved.error !== undefined) {
        resolution.error ??= `the variable '${varRef}' of the entity '${entity.name}' has no value: ${resolved.error}`;
      } else if (resolved.values.length === 0) {
        const reason = resolved.warning === undefined ? '' : ` (${resolved.warning})`;
        resolution.empty ??= `the variable '${varRef}' of the entity '${entity.name}' has no values${reason}`;
      }
      values = resolved.values;
    } else if (value === undefined && !entity.nil) {
      values = [''];
    }
    const resolvedEntity: ResolvedEntity = { ...rest, values };
    if (fields !== undefined) {
      const nested = await resolveEntities(evaluation, fields);
      resolution.error ??= nested.error;
      resolution.empty ??= nested.empty;
      resolvedEntity.fields = nested.entities;
    }
    resolution.entities.push(resolvedEntity);
  }
  return resolution;
}

/**
 * Marks the item entities named by the object's masked entities (`mask="true"`), so that results
 * leave their values out, as OpenSCAP 1.3.7's probes do.
 */
function maskItemEntities(object: OvalObject, items: ProbeItem[]): ProbeItem[] {
  const masked = new Set(object.entities.filter((entity) => entity.mask).map((entity) => entity.name));
  if (masked.size === 0) return items;
  return items.map((item) => ({
    ...item,
    entities: item.entities.map((entity) => (masked.has(entity.name) ? { ...entity, mask: true } : entity)),
  }));
}

/** Returns a probe's item with id 0, for filters to compare before the collector numbers it. */
function unnumbered(item: ProbeItem): Item {
  return { id: 0, ...item };
}

/** Keeps (include) or drops (exclude) the items that match each filter's state, in order. */
async function applyFilters(evaluation: Evaluation, filters: Filter[], items: Item[], messages: Message[]): Promise<Item[]> {
  let kept = items;
  for (const filter of filters) {
    const state = evaluation.definitions.states.get(filter.stateRef);
    if (state === undefined) {
      messages.push({ level: 'error', text: `the filter refers to the state '${filter.stateRef}', which is not defined` });
      continue;
    }
    if (kept.length > 0) await prepareState(evaluation, state);
    const next: Item[] = [];
    for (const item of kept) {
      const matches = evaluateState(evaluation, state, item).result === 'true';
      if (matches === (filter.action === 'include')) next.push(item);
    }
    kept = next;
  }
  return kept;
}

interface SetResult {
  flag: CollectedFlag;
  items: Item[];
  messages: Message[];
}

/**
 * Collects a set: its object references (or nested sets), each filtered, then combined with
 * the set operator. Items are compared by their ids, which the collector shares for identical items.
 */
async function collectSet(evaluation: Evaluation, set: ObjectSet): Promise<SetResult> {
  const operands: SetResult[] = [];
  for (const nested of set.sets) operands.push(await collectSet(evaluation, nested));
  for (const objectRef of set.objectRefs) {
    const collected = await collectObject(evaluation, objectRef);
    const messages = [...collected.messages];
    const items = await applyFilters(evaluation, set.filters, collected.items, messages);
    operands.push({ flag: collected.flag, items, messages });
  }
  const messages = operands.flatMap((operand) => operand.messages);

  switch (set.operator) {
    case 'UNION': {
      const items = uniqueItems(operands.flatMap((operand) => operand.items));
      return { flag: unionFlag(operands.map((operand) => operand.flag), items.length), items, messages };
    }
    case 'INTERSECTION': {
      const [first, ...rest] = operands;
      let items = first?.items ?? [];
      for (const operand of rest) {
        const ids = new Set(operand.items.map((item) => item.id));
        items = items.filter((item) => ids.has(item.id));
      }
      return { flag: intersectionFlag(operands.map((operand) => operand.flag), items.length), items, messages };
    }
    case 'COMPLEMENT': {
      if (operands.length !== 2) {
        return { flag: 'error', items: [], messages: [...messages, { level: 'error', text: `a COMPLEMENT set needs two operands, not ${operands.length}` }] };
      }
      const [first, second] = operands as [SetResult, SetResult];
      const ids = new Set(second.items.map((item) => item.id));
      const items = first.items.filter((item) => !ids.has(item.id));
      return { flag: complementFlag(first.flag, second.flag, items.length), items, messages };
    }
  }
}

function uniqueItems(items: Item[]): Item[] {
  const seen = new Set<number>();
  const unique: Item[] = [];
  for (const item of items) {
    if (seen.has(item.id)) continue;
    seen.add(item.id);
    unique.push(item);
  }
  return unique;
}

/** Turns a complete flag with no items into does not exist, and the reverse. */
function withItems(flag: CollectedFlag, itemCount: number): CollectedFlag {
  if (flag === 'complete' && itemCount === 0) return 'does not exist';
  if (flag === 'does not exist' && itemCount > 0) return 'complete';
  return flag;
}

/** Combines the flags of a union's operands: any error wins, then operands not fully known make it incomplete. */
function unionFlag(flags: CollectedFlag[], itemCount: number): CollectedFlag {
  const relevant = flags.filter((flag) => flag !== 'not applicable');
  if (relevant.length === 0) return flags.length === 0 ? 'does not exist' : 'not applicable';
  if (relevant.includes('error')) return 'error';
  if (relevant.every((flag) => flag === 'not collected')) return 'not collected';
  if (relevant.includes('incomplete') || relevant.includes('not collected')) return 'incomplete';
  return withItems('complete', itemCount);
}

function intersectionFlag(flags: CollectedFlag[], itemCount: number): CollectedFlag {
  const relevant = flags.filter((flag) => flag !== 'not applicable');
  if (relevant.length === 0) return flags.length === 0 ? 'does not exist' : 'not applicable';
  if (relevant.includes('error')) return 'error';
  if (relevant.includes('does not exist')) return 'does not exist';
  if (relevant.includes('not collected')) return 'not collected';
  if (relevant.includes('incomplete')) return 'incomplete';
  return withItems('complete', itemCount);
}

function complementFlag(first: CollectedFlag, second: CollectedFlag, itemCount: number): CollectedFlag {
  if (first === 'error' || second === 'error') return 'error';
  if (first === 'not applicable') return 'not applicable';
  if (first === 'does not exist') return 'does not exist';
  if (first === 'not collected') return 'not collected';
  // Without all of the second set's items, what remains of the first cannot be known.
  if (second === 'incomplete' || second === 'not collected') return 'error';
  if (first === 'incomplete') return 'incomplete';
  return withItems('complete', itemCount);
}
