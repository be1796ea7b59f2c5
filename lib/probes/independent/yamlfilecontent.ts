/**
 * yamlfilecontent_object: values selected by a YAML path in YAML files, each written as a
 * record. The path syntax is the subset OpenSCAP 1.3.7's probe reads:
 *
 *     .top.users[0].name    a key, an index, a key
 *     .top.users[:].name    every element of a sequence
 *     .top["key.with.dots"] a quoted key
 *
 * A scalar becomes a field named "#"; a mapping becomes one field per key.
 */
import { parseAllDocuments, isAlias, isMap, isScalar, isSeq, type Document, type Node as YamlNode } from 'yaml';

import { ScapulaError } from '../../errors.js';
import type { Datatype } from '../../oval/model.js';
import type { ItemEntity, Message, ProbeItem } from '../../oval/syschar.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { findEntity } from '../util/entity.js';
import { readTextContent } from '../util/file-content.js';
import { defineProbe, errorEntity, itemEntity, makeItem, throwIfAborted } from '../util/items.js';
import { searchFiles, type FoundFile } from '../util/path-search.js';
import { fileLocationEntities } from './textfilecontent54.js';

/** One step of a YAML path. */
export type YamlPathStep = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'all' };

/** Parses a YAML path such as `.a.b[0][:]["c"]`, raising OVAL_INVALID on a syntax error. */
export function parseYamlPath(path: string): YamlPathStep[] {
  const steps: YamlPathStep[] = [];
  let i = 0;
  const fail = (reason: string): never => {
    throw new ScapulaError('OVAL_INVALID', `invalid YAML path "${path}" at offset ${i}: ${reason}`);
  };

  while (i < path.length) {
    if (path[i] === '.') {
      i++;
      const match = /^[^.[\]]*/.exec(path.slice(i))![0];
      if (match === '') {
        if (i === path.length || path[i] === '[') continue;
        fail('expected a key after "."');
      }
      steps.push({ kind: 'key', key: match });
      i += match.length;
      continue;
    }
    if (path[i] === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) fail('missing "]"');
      const inside = path.slice(i + 1, close).trim();
      i = close + 1;
      if (inside === ':' || inside === '*') steps.push({ kind: 'all' });
      else if (/^\d+$/.test(inside)) steps.push({ kind: 'index', index: Number(inside) });
      else if (/^(["']).*\1$/.test(inside)) steps.push({ kind: 'key', key: inside.slice(1, -1) });
      else fail(`unsupported selector [${inside}]`);
      continue;
    }
    fail(`unexpected character "${path[i]}"`);
  }
  return steps;
}

/** Selects the nodes a path reaches; "all" steps fan out over every element or value. */
function selectNodes(document: Document.Parsed, steps: YamlPathStep[]): unknown[] {
  // An alias node is replaced by the node its anchor names; the path length bounds the work.
  const resolve = (node: unknown): unknown => (isAlias(node) ? node.resolve(document) : node);
  let current: unknown[] = [resolve(document.contents)];
  let fannedOut = false;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const node of current) {
      if (step.kind === 'key' && isMap(node)) {
        const value = node.get(step.key, true);
        if (value !== undefined) next.push(resolve(value));
      } else if (step.kind === 'index' && isSeq(node)) {
        const value = node.items[step.index];
        if (value !== undefined) next.push(resolve(value));
      } else if (step.kind === 'all' && (isSeq(node) || isMap(node))) {
        for (const element of node.items) next.push(resolve(isSeq(node) ? element : (element as { value: unknown }).value));
        fannedOut = true;
      }
    }
    current = next;
  }
  // A sequence reached without fanning out stands for its elements, as OpenSCAP reports it.
  if (!fannedOut && current.length === 1 && isSeq(current[0])) return current[0].items.map(resolve);
  return current;
}

function scalarDatatype(value: unknown): Datatype {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return 'string';
}

function scalarField(name: string, node: YamlNode): ItemEntity {
  if (!isScalar(node)) throw new ScapulaError('UNSUPPORTED', `the value of "${name}" is a collection nested in a collection, which has no record form`);
  const value = node.value;
  return itemEntity(name, value === null ? '' : String(value), scalarDatatype(value));
}

/**
 * Builds the value records. Scalars go together into one record of "#" fields, and each
 * mapping gives its own record with a field per key.
 */
function recordsOf(nodes: unknown[]): ItemEntity[] {
  const records: ItemEntity[] = [];
  const scalars: ItemEntity[] = [];
  for (const node of nodes) {
    if (isMap(node)) {
      const fields = node.items.map((pair) => scalarField(String(isScalar(pair.key) ? pair.key.value : pair.key), pair.value as YamlNode));
      records.push({ name: 'value', datatype: 'record', fields });
    } else if (isScalar(node)) {
      scalars.push(scalarField('#', node));
    } else {
      throw new ScapulaError('UNSUPPORTED', 'a sequence nested in a sequence has no record form');
    }
  }
  if (scalars.length > 0) records.unshift({ name: 'value', datatype: 'record', fields: scalars });
  return records;
}

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const yamlpathEntity = findEntity(request, 'yamlpath');
  if (yamlpathEntity === undefined) throw new ScapulaError('OVAL_INVALID', `${request.object.id}: yamlfilecontent_object needs a yamlpath entity`);
  const paths = yamlpathEntity.values.map((path) => ({ path, steps: parseYamlPath(path) }));

  const items: ProbeItem[] = [];
  const messages: Message[] = [];
  for (const file of await searchFiles(request, context)) {
    throwIfAborted(context);
    const content = await readTextContent(context.target.fs, file.filepath);
    if (!content.ok) {
      if (content.skipped) messages.push({ level: 'info', text: `skipped ${file.filepath}: ${content.message}` });
      else for (const { path } of paths) items.push(errorItem(file, path, content.message));
      continue;
    }

    for (const { path, steps } of paths) {
      const item = evaluateFile(file, content.text, path, steps);
      if (item !== null) items.push(item);
    }
  }
  return { items, messages };
}

function evaluateFile(file: FoundFile, text: string, path: string, steps: YamlPathStep[]): ProbeItem | null {
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents) || documents.length === 0) return null;
  const document = documents[0];
  if (document.errors.length > 0) {
    return errorItem(file, path, `${file.filepath} is not valid YAML: ${document.errors[0].message}`);
  }

  const nodes = selectNodes(document, steps);
  if (nodes.length === 0) return null;

  let records: ItemEntity[];
  try {
    records = recordsOf(nodes);
  } catch (error) {
    if (error instanceof ScapulaError) return errorItem(file, path, error.message);
    throw error;
  }
  return makeItem('yamlfilecontent_item', 'independent', [...fileLocationEntities(file), itemEntity('yamlpath', path), ...records]);
}

function errorItem(file: FoundFile, path: string, message: string): ProbeItem {
  return makeItem('yamlfilecontent_item', 'independent', [...fileLocationEntities(file), itemEntity('yamlpath', path), errorEntity('value', 'record')], 'error', [
    { level: 'error', text: message },
  ]);
}

export const yamlfilecontentProbe = defineProbe({
  objectType: 'yamlfilecontent_object',
  family: 'independent',
  description: {
    summary: 'Values selected by a YAML path in YAML files, as records.',
    onImage: 'Reads the files inside the image or root.',
    onHost: 'Reads the files of the running host.',
  },
  collect,
});
