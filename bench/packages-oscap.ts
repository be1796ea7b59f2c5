/**
 * Compares the package probes' items with the items OpenSCAP collected for the same objects.
 *
 *   node dist/bench/packages-oscap.js ROOT DEFINITIONS OSCAP_RESULTS
 *
 * ROOT is the root directory oscap-chroot evaluated, DEFINITIONS the OVAL file (plain or
 * compressed) and OSCAP_RESULTS oscap's `--results` file. For every rpminfo, rpmverifyfile,
 * rpmverifypackage and dpkginfo object with literal entities, the script collects the items
 * with scapula's probe and compares them, as sets of entity lists, with the items oscap
 * recorded under that object in its system characteristics. Filters whose states test
 * entities with "equals" are applied; objects with variable references, sets or other filters
 * are counted and left out. Prints a summary and the first differences as JSON lines.
 */
import { readFile } from 'node:fs/promises';

import type { OvalDefinitions, OvalObject } from '../lib/oval/model.js';
import type { ProbeItem } from '../lib/oval/syschar.js';
import { parseOvalDefinitions } from '../lib/oval/parser.js';
import { registerPackageProbes } from '../lib/probes/linux/packages.js';
import { ProbeRegistry, type ProbeRequest, type ResolvedEntity } from '../lib/probes/probe.js';
import { openDirectoryTarget } from '../lib/targets/directory.js';

const OBJECT_TYPES = new Set(['rpminfo_object', 'rpmverifyfile_object', 'rpmverifypackage_object', 'dpkginfo_object']);
const MAX_DIFFERENCES_SHOWN = 20;

interface OscapObject {
  flag: string;
  items: string[];
}

async function main(): Promise<void> {
  const [root, definitionsFile, resultsFile] = process.argv.slice(2);
  if (resultsFile === undefined) {
    process.stderr.write('usage: node dist/bench/packages-oscap.js ROOT DEFINITIONS OSCAP_RESULTS\n');
    process.exit(2);
  }

  const definitions = await parseOvalDefinitions(definitionsFile);
  const oscap = parseOscapResults(await readFile(resultsFile, 'utf8'));
  const target = await openDirectoryTarget(root);
  const registry = registerPackageProbes(new ProbeRegistry());
  const cache = new Map<string, unknown>();

  const counts = { compared: 0, equal: 0, different: 0, skippedVariables: 0, skippedFilters: 0, notInOscap: 0 };
  const differences: unknown[] = [];
  for (const object of definitions.objects.values()) {
    if (!OBJECT_TYPES.has(object.type)) continue;
    const request = literalRequest(object);
    if (request === null) {
      counts.skippedVariables++;
      continue;
    }
    const theirs = oscap.get(object.id);
    if (theirs === undefined) {
      counts.notInOscap++;
      continue;
    }

    const filter = equalsFilter(object, definitions);
    if (filter === null) {
      counts.skippedFilters++;
      continue;
    }

    const result = await registry.get('linux', object.type)!.collect(request, { target, cache, schemaVersion: definitions.generator.schemaVersion });
    const filtered = result.items.filter(filter);
    const ourFlag = result.flag ?? (filtered.length > 0 ? 'complete' : 'does not exist');
    const ours = filtered.map((item) => canonicalItem(item.entities.map((entity) => [entity.name, entity.value ?? ''])));
    counts.compared++;
    if (ourFlag === theirs.flag && sameMultiset(ours, theirs.items)) {
      counts.equal++;
      continue;
    }
    counts.different++;
    if (differences.length < MAX_DIFFERENCES_SHOWN) {
      differences.push({
        object: object.id,
        type: object.type,
        flags: { scapula: ourFlag, oscap: theirs.flag },
        onlyScapula: ours.filter((item) => !theirs.items.includes(item)).slice(0, 3),
        onlyOscap: theirs.items.filter((item) => !ours.includes(item)).slice(0, 3),
        messages: result.messages,
      });
    }
  }

  process.stdout.write(`${JSON.stringify(counts)}\n`);
  for (const difference of differences) process.stdout.write(`${JSON.stringify(difference)}\n`);
  await target.close();
}

/** Builds a request for an object whose entities are all literal, or returns null when one refers to a variable. */
function literalRequest(object: OvalObject): ProbeRequest | null {
  if (object.set !== undefined) return null;
  const entities: ResolvedEntity[] = [];
  for (const entity of object.entities) {
    if (entity.varRef !== undefined) return null;
    const { value, varRef: _varRef, fields: _fields, ...rest } = entity;
    entities.push({ ...rest, values: value === undefined ? [] : [value] });
  }
  return { object, entities, behaviors: object.behaviors ?? {} };
}

/**
 * Returns a predicate applying the object's filters, or null when a filter's state uses an
 * operation other than "equals" or a variable (the evaluator's work, not this script's).
 */
function equalsFilter(object: OvalObject, definitions: OvalDefinitions): ((item: ProbeItem) => boolean) | null {
  const filters: { include: boolean; entities: { name: string; value: string }[] }[] = [];
  for (const filter of object.filters) {
    const state = definitions.states.get(filter.stateRef);
    if (state === undefined || state.operator !== 'AND') return null;
    const entities: { name: string; value: string }[] = [];
    for (const entity of state.entities) {
      if (entity.operation !== 'equals' || entity.value === undefined || entity.varRef !== undefined) return null;
      entities.push({ name: entity.name, value: entity.value });
    }
    filters.push({ include: filter.action === 'include', entities });
  }
  return (item) =>
    filters.every((filter) => {
      const matches = filter.entities.every((expected) => item.entities.some((entity) => entity.name === expected.name && entity.value === expected.value));
      return filter.include ? matches : !matches;
    });
}

/**
 * Reads oscap's collected objects and items. The results file is machine-written, so plain
 * patterns over its elements are enough here.
 */
function parseOscapResults(xml: string): Map<string, OscapObject> {
  const items = new Map<string, string>();
  const itemPattern = /<(?:[\w-]+:)?(\w+_item) id="(\d+)"[^>]*?(?:\/>|>([\s\S]*?)<\/(?:[\w-]+:)?\1>)/g;
  for (const match of xml.matchAll(itemPattern)) {
    const entities: [string, string][] = [];
    const entityPattern = /<(?:[\w-]+:)?(\w+)(?:\s[^>]*?)?(?:\/>|>([^<]*)<\/(?:[\w-]+:)?\1>)/g;
    for (const entity of (match[3] ?? '').matchAll(entityPattern)) entities.push([entity[1], unescapeXml(entity[2] ?? '')]);
    items.set(match[2], canonicalItem(entities));
  }

  const objects = new Map<string, OscapObject>();
  const collected = xml.slice(xml.indexOf('<collected_objects>'), xml.indexOf('</collected_objects>'));
  const objectPattern = /<object id="([^"]+)"[^>]*?flag="([^"]+)"[^>]*?(?:\/>|>([\s\S]*?)<\/object>)/g;
  for (const match of collected.matchAll(objectPattern)) {
    const references = [...(match[3] ?? '').matchAll(/item_ref="(\d+)"/g)].map((reference) => items.get(reference[1]) ?? `missing item ${reference[1]}`);
    objects.set(match[1], { flag: match[2], items: references });
  }
  return objects;
}

/** Writes one item as text, entities in order, with booleans as OVAL's "true" and "false". */
function canonicalItem(entities: [string, string][]): string {
  return entities.map(([name, value]) => `${name}=${value === '1' && name.endsWith('_passed') ? 'true' : value === '0' && name.endsWith('_passed') ? 'false' : value}`).join('|');
}

function sameMultiset(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_, name: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[name] ?? '');
}

await main();
