/** Small builders for hand-made OVAL documents, fake probes and system characteristics in tests. */
import type {
  Criteria,
  CriteriaNode,
  Definition,
  Entity,
  OvalDefinitions,
  OvalObject,
  OvalState,
  Test,
  Variable,
} from '../../../lib/oval/model.js';
import { ProbeRegistry, type Probe, type ProbeRequest, type ProbeResult } from '../../../lib/probes/probe.js';
import type { Target } from '../../../lib/targets/target.js';
import type { ItemEntity, ProbeItem } from '../../../lib/oval/syschar.js';

const position = { line: 1, column: 1 };

export function document(parts: {
  definitions?: Definition[];
  tests?: Test[];
  objects?: OvalObject[];
  states?: OvalState[];
  variables?: Variable[];
}): OvalDefinitions {
  return {
    file: 'test.xml',
    generator: { schemaVersion: '5.11.2', timestamp: '2026-01-01T00:00:00' },
    definitions: new Map((parts.definitions ?? []).map((d) => [d.id, d])),
    tests: new Map((parts.tests ?? []).map((t) => [t.id, t])),
    objects: new Map((parts.objects ?? []).map((o) => [o.id, o])),
    states: new Map((parts.states ?? []).map((s) => [s.id, s])),
    variables: new Map((parts.variables ?? []).map((v) => [v.id, v])),
    namespaces: {},
  };
}

export function definition(id: string, criteria?: Criteria, deprecated = false): Definition {
  return {
    id,
    version: 1,
    class: 'compliance',
    deprecated,
    metadata: { title: id, description: '', affected: [], references: [] },
    criteria,
    position,
  };
}

export function criteria(operator: Criteria['operator'], children: CriteriaNode[], negate = false): Criteria {
  return { kind: 'criteria', operator, negate, children };
}

export function criterion(testRef: string, negate = false): CriteriaNode {
  return { kind: 'criterion', testRef, negate };
}

export function extend(definitionRef: string, negate = false): CriteriaNode {
  return { kind: 'extend_definition', definitionRef, negate };
}

export function test(id: string, objectRef: string | undefined, options: Partial<Test> = {}): Test {
  return {
    id,
    version: 1,
    type: 'fake_test',
    family: 'independent',
    namespace: 'urn:test',
    comment: id,
    deprecated: false,
    check: 'all',
    checkExistence: 'at_least_one_exists',
    stateOperator: 'AND',
    objectRef,
    stateRefs: [],
    position,
    ...options,
  };
}

export function entity(name: string, value: string | undefined, options: Partial<Entity> = {}): Entity {
  return { name, datatype: 'string', operation: 'equals', value, nil: false, mask: false, position, ...options };
}

export function object(id: string, entities: Entity[], options: Partial<OvalObject> = {}): OvalObject {
  return {
    id,
    version: 1,
    type: 'fake_object',
    family: 'independent',
    namespace: 'urn:test',
    deprecated: false,
    entities,
    filters: [],
    position,
    ...options,
  };
}

export function state(id: string, entities: Entity[], operator: OvalState['operator'] = 'AND'): OvalState {
  return { id, version: 1, type: 'fake_state', family: 'independent', namespace: 'urn:test', deprecated: false, operator, entities, position };
}

export function constant(id: string, values: string[], datatype: Variable['datatype'] = 'string'): Variable {
  return { kind: 'constant_variable', id, version: 1, datatype, comment: id, deprecated: false, position, values };
}

export function local(id: string, component: Extract<Variable, { kind: 'local_variable' }>['component'], datatype: Variable['datatype'] = 'string'): Variable {
  return { kind: 'local_variable', id, version: 1, datatype, comment: id, deprecated: false, position, component };
}

export function item(entities: Record<string, string | string[]>, status: ProbeItem['status'] = 'exists'): ProbeItem {
  const list: ItemEntity[] = [];
  for (const [name, value] of Object.entries(entities)) {
    for (const single of Array.isArray(value) ? value : [value]) list.push({ name, value: single, datatype: 'string' });
  }
  return { type: 'fake_item', family: 'independent', status, entities: list };
}

/**
 * A registry whose fake_object probe returns the items listed for the value of the object's
 * "name" entity (every value when it has several) and records each request it receives.
 */
export function fakeRegistry(itemsByName: Record<string, ProbeItem[]>, requests: ProbeRequest[] = []): ProbeRegistry {
  return registryOf(async (request) => {
    requests.push(request);
    const name = request.entities.find((e) => e.name === 'name');
    if (name?.values.includes('throw')) throw new Error('disk on fire');
    const items = (name?.values ?? []).flatMap((value) => itemsByName[value] ?? []);
    return { items };
  });
}

/** Returns a registry with one fake_object probe whose collect function is `collect`. */
export function registryOf(collect: (request: ProbeRequest) => Promise<ProbeResult>): ProbeRegistry {
  const probe: Probe = {
    objectType: 'fake_object',
    family: 'independent',
    description: { summary: 'test probe', onImage: '', onHost: '' },
    collect,
  };
  return new ProbeRegistry().register(probe);
}

/** A target no fake probe reads; only its facts are used. */
export const fakeTarget: Target = {
  kind: 'directory',
  source: '/nowhere',
  live: false,
  fs: undefined as unknown as Target['fs'],
  async facts() {
    return { osName: 'Linux', osVersion: '1', architecture: 'x86_64', primaryHostName: 'test', interfaces: [], environment: null, uname: null };
  },
  async close() {},
};
