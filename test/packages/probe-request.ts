/**
 * Builders for probe requests and contexts in the package probe tests.
 */
import type { Datatype, Operation, OvalObject } from '../../lib/oval/model.js';
import type { ProbeContext, ProbeRequest, ResolvedEntity } from '../../lib/probes/probe.js';
import type { FileSystemView } from '../../lib/targets/target.js';
import { memoryTarget } from './memory-fs.js';

export function entity(name: string, value: string | string[], operation: Operation = 'equals', datatype: Datatype = 'string'): ResolvedEntity {
  return {
    name,
    datatype,
    operation,
    values: Array.isArray(value) ? value : [value],
    nil: false,
    mask: false,
    position: { line: 1, column: 1 },
  };
}

export function request(type: string, entities: ResolvedEntity[], behaviors: Record<string, string> = {}): ProbeRequest {
  const object: OvalObject = {
    id: `oval:test:obj:1`,
    version: 1,
    type,
    family: 'linux',
    namespace: 'http://oval.mitre.org/XMLSchema/oval-definitions-5#linux',
    deprecated: false,
    behaviors,
    entities: [],
    filters: [],
    position: { line: 1, column: 1 },
  };
  return { object, entities, behaviors };
}

export function context(fs: FileSystemView): ProbeContext {
  return { target: memoryTarget(fs), cache: new Map() };
}

/** Maps an item's entity names to values (the last value for repeated names). */
export function entityMap(item: { entities: { name: string; value?: string }[] }): Record<string, string | undefined> {
  return Object.fromEntries(item.entities.map((e) => [e.name, e.value]));
}
