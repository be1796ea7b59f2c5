/**
 * Builders for probe tests: object requests written as plain entity lists, and temporary
 * roots opened as directory targets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { CheckEnumeration, Datatype, OvalFamily, Operation } from '../../lib/oval/model.js';
import type { ItemEntity, ProbeItem } from '../../lib/oval/syschar.js';
import type { Probe, ProbeContext, ProbeRequest, ProbeResult, ResolvedEntity } from '../../lib/probes/probe.js';
import { openDirectoryTarget } from '../../lib/targets/directory.js';
import type { Target } from '../../lib/targets/target.js';

export interface EntitySpec {
  name: string;
  value?: string;
  values?: string[];
  operation?: Operation;
  datatype?: Datatype;
  varCheck?: CheckEnumeration;
  nil?: boolean;
}

export function entity(spec: EntitySpec): ResolvedEntity {
  return {
    name: spec.name,
    values: spec.values ?? (spec.value === undefined ? [] : [spec.value]),
    operation: spec.operation ?? 'equals',
    datatype: spec.datatype ?? 'string',
    varCheck: spec.varCheck,
    nil: spec.nil ?? false,
    mask: false,
    position: { line: 1, column: 1 },
  };
}

export function request(objectType: string, family: OvalFamily, entities: EntitySpec[], behaviors: Record<string, string> = {}): ProbeRequest {
  return {
    object: {
      id: 'oval:test:obj:1',
      version: 1,
      type: objectType,
      family,
      namespace: '',
      deprecated: false,
      behaviors,
      entities: [],
      filters: [],
      position: { line: 1, column: 1 },
    },
    entities: entities.map(entity),
    behaviors,
  };
}

export function context(target: Target): ProbeContext {
  return { target, cache: new Map() };
}

export async function run(probe: Probe, target: Target, objectRequest: ProbeRequest): Promise<ProbeResult> {
  return probe.collect(objectRequest, context(target));
}

/** Returns the values of an item's entities with this name, in order. */
export function values(item: ProbeItem, name: string): (string | undefined)[] {
  return item.entities.filter((itemEntity: ItemEntity) => itemEntity.name === name).map((itemEntity) => itemEntity.value);
}

export function value(item: ProbeItem, name: string): string | undefined {
  return values(item, name)[0];
}

export function entityNames(item: ProbeItem): string[] {
  return item.entities.map((itemEntity) => itemEntity.name);
}

export interface TempRoot {
  path: string;
  target: Target;
  remove(): void;
}

/** Creates an empty temporary directory, lets `fill` populate it and opens it as a target. */
export async function makeTempRoot(fill: (root: string) => void): Promise<TempRoot> {
  const path = mkdtempSync(join(tmpdir(), 'scapula-probe-'));
  fill(path);
  const target = await openDirectoryTarget(path);
  return { path, target, remove: () => rmSync(path, { recursive: true, force: true }) };
}
