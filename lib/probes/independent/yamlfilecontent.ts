/**
 * yamlfilecontent_object: values selected by a YAML path in YAML files, or in YAML text given
 * in the `content` entity, each written as a record. The path syntax is the subset OpenSCAP
 * 1.3.7's probe reads:
 *
 *     .top.users[0].name        a key, an index, a key
 *     .top.users[:].name        every element of a sequence ([*] and [a:b] too)
 *     .top["key.with.dots"]     a quoted key
 *     .users[:]['name','uid']   only these keys of each mapping
 *     .*                        every value of a mapping
 *     &anchor                   the node that carries this anchor
 *
 * Scalars become fields named "#", all in one record. A mapping becomes its own record with a
 * field per key, a sequence value giving one field per element. Keys are written as OVAL field
 * names, which must be lower case: "lastTransitionTime" becomes "last^transition^time".
 */
import type { Document, Node as YamlNode, Pair } from 'yaml';

import { ScapulaError } from '../../errors.js';
import type { Datatype } from '../../oval/model.js';
import type { ItemEntity, Message, ProbeItem } from '../../oval/syschar.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { findEntity } from '../util/entity.js';
import { readTextContent } from '../util/file-content.js';
import { defineProbe, errorEntity, itemEntity, makeItem, throwIfAborted } from '../util/items.js';
import { searchFiles } from '../util/path-search.js';
import { fileLocationEntities } from './textfilecontent54.js';
import { MAX_YAML_DEPTH, findTooDeepCollection, lineAndColumn } from './yaml-depth.js';

/** One step of a YAML path. */
export type YamlPathStep =
  | { kind: 'key'; key: string }
  | { kind: 'keys'; keys: string[] }
  | { kind: 'index'; index: number }
  | { kind: 'slice'; start: number | null; end: number | null }
  | { kind: 'all' }
  | { kind: 'anchor'; anchor: string };

/** Parses a YAML path such as `.a.b[0][:]["c"]`, raising OVAL_INVALID on a syntax error. */
export function parseYamlPath(path: string): YamlPathStep[] {
  const steps: YamlPathStep[] = [];
  let i = 0;
  const fail = (reason: string): never => {
    throw new ScapulaError('OVAL_INVALID', `invalid YAML path "${path}" at offset ${i}: ${reason}`);
  };

  if (path.startsWith('&')) {
    const anchor = path.slice(1);
    if (!/^[^\s[\]{},]+$/.test(anchor)) fail('invalid anchor name');
    return [{ kind: 'anchor', anchor }];
  }

  while (i < path.length) {
    if (path[i] === '.') {
      i++;
      const key = /^[^.[\]]*/.exec(path.slice(i))![0];
      if (key === '') {
        if (i === path.length || path[i] === '[') continue;
        fail('expected a key after "."');
      }
      steps.push(key === '*' ? { kind: 'all' } : { kind: 'key', key });
      i += key.length;
      continue;
    }
    if (path[i] === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) fail('missing "]"');
      steps.push(parseSelector(path.slice(i + 1, close).trim(), fail));
      i = close + 1;
      continue;
    }
    fail(`unexpected character "${path[i]}"`);
  }
  return steps;
}

function parseSelector(inside: string, fail: (reason: string) => never): YamlPathStep {
  if (inside === ':' || inside === '*') return { kind: 'all' };
  if (/^\d+$/.test(inside)) return { kind: 'index', index: Number(inside) };

  const slice = /^(\d*):(\d*)$/.exec(inside);
  if (slice !== null) {
    return { kind: 'slice', start: slice[1] === '' ? null : Number(slice[1]), end: slice[2] === '' ? null : Number(slice[2]) };
  }

  const keys = inside.split(',').map((part) => part.trim());
  if (keys.every((key) => /^(["']).*\1$/.test(key))) {
    const names = keys.map((key) => key.slice(1, -1));
    return names.length === 1 ? { kind: 'key', key: names[0] } : { kind: 'keys', keys: names };
  }
  return fail(`unsupported selector [${inside}]`);
}

/** A mapping restricted to some of its keys by a `['a','b']` step. */
interface PartialMap {
  kind: 'partial';
  pairs: [string, unknown][];
}

function isPartialMap(node: unknown): node is PartialMap {
  return typeof node === 'object' && node !== null && (node as PartialMap).kind === 'partial';
}

function mapPairs(node: unknown): [string, unknown][] {
  if (isPartialMap(node)) return node.pairs;
  if (!yaml.isMap(node)) return [];
  return node.items.map((pair: Pair) => [String(yaml.isScalar(pair.key) ? pair.key.value : pair.key), pair.value]);
}

function findAnchor(node: unknown, anchor: string, depth = 0): unknown {
  if (depth > 1000 || typeof node !== 'object' || node === null) return undefined;
  if ((node as { anchor?: string }).anchor === anchor) return node;
  const children = yaml.isMap(node) ? node.items.map((pair) => pair.value) : yaml.isSeq(node) ? node.items : [];
  for (const child of children) {
    const found = findAnchor(child, anchor, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Selects the nodes a path reaches; steps over every element fan out. */
function selectNodes(document: Document.Parsed, steps: YamlPathStep[]): unknown[] {
  // An alias node is replaced by the node its anchor names; the path length bounds the work.
  const resolve = (node: unknown): unknown => (yaml.isAlias(node) ? node.resolve(document) : node);
  let current: unknown[] = [resolve(document.contents)];
  let fannedOut = false;

  for (const step of steps) {
    const next: unknown[] = [];
    for (const node of current) {
      switch (step.kind) {
        case 'anchor': {
          const found = findAnchor(document.contents, step.anchor);
          if (found !== undefined) next.push(resolve(found));
          break;
        }
        case 'key': {
          const pair = mapPairs(node).find(([key]) => key === step.key);
          if (pair !== undefined) next.push(resolve(pair[1]));
          break;
        }
        case 'keys': {
          const pairs = mapPairs(node).filter(([key]) => step.keys.includes(key));
          if (pairs.length > 0) next.push({ kind: 'partial', pairs } satisfies PartialMap);
          break;
        }
        case 'index':
          if (yaml.isSeq(node) && step.index < node.items.length) next.push(resolve(node.items[step.index]));
          break;
        case 'slice':
          if (yaml.isSeq(node)) {
            const elements = node.items.slice(step.start ?? 0, step.end ?? undefined);
            next.push(...elements.map(resolve));
            fannedOut = true;
          }
          break;
        case 'all':
          // Every element of a sequence; a mapping stands for all of its values, so it stays whole.
          if (yaml.isSeq(node)) {
            next.push(...node.items.map(resolve));
            fannedOut = true;
          } else if (yaml.isMap(node) || isPartialMap(node)) {
            next.push(node);
          }
          break;
      }
    }
    current = next;
  }

  // A sequence reached without fanning out stands for its elements, as OpenSCAP reports it.
  if (!fannedOut && current.length === 1 && yaml.isSeq(current[0])) return current[0].items.map(resolve);
  return current;
}

/** Writes a YAML key as an OVAL field name, which must be lower case: "aB" becomes "a^b". */
export function fieldName(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `^${letter.toLowerCase()}`);
}

const TYPED_TAGS: Record<string, Datatype> = {
  'tag:yaml.org,2002:bool': 'boolean',
  'tag:yaml.org,2002:int': 'int',
  'tag:yaml.org,2002:float': 'float',
};

/** Converts one scalar to a field, raising UNSUPPORTED for a value its explicit tag rejects. */
function scalarField(name: string, node: unknown): ItemEntity {
  if (!yaml.isScalar(node)) {
    throw new ScapulaError('UNSUPPORTED', `the value of "${name}" is a collection nested in a collection, which has no record form`);
  }
  const value = node.value;
  const taggedType = node.tag === undefined ? undefined : TYPED_TAGS[node.tag];
  if (taggedType !== undefined && typeof value === 'string') {
    throw new ScapulaError('UNSUPPORTED', `the value "${value}" of "${name}" is not a valid ${taggedType} for its tag ${node.tag}`);
  }

  if (typeof value === 'boolean') return itemEntity(name, String(value), 'boolean');
  if (typeof value === 'number') return itemEntity(name, formatNumber(value), Number.isInteger(value) ? 'int' : 'float');
  if (typeof value === 'bigint') return itemEntity(name, value.toString(), 'int');
  return itemEntity(name, value === null || value === undefined ? '' : String(value));
}

/** Formats infinities and NaN as C's printf does ("inf", "-inf", "nan"). */
function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return String(value);
}

/**
 * Builds the value records. Scalars, and scalars in nested sequences, go together into one
 * record of "#" fields. Each mapping gives its own record.
 */
function recordsOf(nodes: unknown[]): ItemEntity[] {
  const records: ItemEntity[] = [];
  const scalars: ItemEntity[] = [];

  const addNode = (node: unknown, depth: number): void => {
    if (depth > 100) throw new ScapulaError('LIMIT', 'sequences are nested more than 100 levels deep');
    if (yaml.isMap(node) || isPartialMap(node)) {
      records.push({ name: 'value', datatype: 'record', fields: mappingFields(node) });
    } else if (yaml.isSeq(node)) {
      for (const element of node.items) addNode(element, depth + 1);
    } else {
      scalars.push(scalarField('#', node));
    }
  };
  for (const node of nodes) addNode(node, 0);

  if (scalars.length > 0) records.unshift({ name: 'value', datatype: 'record', fields: scalars });
  return records;
}

function mappingFields(node: unknown): ItemEntity[] {
  const fields: ItemEntity[] = [];
  for (const [key, value] of mapPairs(node)) {
    const name = fieldName(key);
    if (yaml.isSeq(value)) for (const element of value.items) fields.push(scalarField(name, element));
    else fields.push(scalarField(name, value));
  }
  return fields;
}

/**
 * The yaml package, loaded by the first yamlfilecontent object because most content has none.
 * Every function that reads it runs inside `collect`, after the load.
 */
let yaml!: typeof import('yaml');

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  yaml ??= await import('yaml');
  const yamlpathEntity = findEntity(request, 'yamlpath');
  if (yamlpathEntity === undefined) throw new ScapulaError('OVAL_INVALID', `${request.object.id}: yamlfilecontent_object needs a yamlpath entity`);
  const paths = yamlpathEntity.values.map((path) => ({ path, steps: parseYamlPath(path) }));

  // The content entity gives the YAML text itself, in place of files.
  const contentEntity = findEntity(request, 'content');
  if (contentEntity !== undefined) {
    const items: ProbeItem[] = [];
    for (const content of contentEntity.values) {
      const source = [itemEntity('content', content)];
      for (const { path, steps } of paths) {
        const item = evaluateYaml(source, 'the content entity', content, path, steps);
        if (item !== null) items.push(item);
      }
    }
    return { items };
  }

  const items: ProbeItem[] = [];
  const messages: Message[] = [];
  for (const file of await searchFiles(request, context)) {
    throwIfAborted(context);
    const content = await readTextContent(context.target.fs, file.filepath);
    if (!content.ok) {
      if (content.skipped) messages.push({ level: 'info', text: `skipped ${file.filepath}: ${content.message}` });
      else for (const { path } of paths) items.push(errorItem(fileLocationEntities(file), path, content.message));
      continue;
    }

    for (const { path, steps } of paths) {
      const item = evaluateYaml(fileLocationEntities(file), file.filepath, content.text, path, steps);
      if (item !== null) items.push(item);
    }
  }
  return { items, messages };
}

/**
 * Evaluates one path over the first document of a YAML text. `source` contains the entities
 * that name where the text came from (filepath, path, filename, or content).
 */
function evaluateYaml(source: ItemEntity[], sourceName: string, text: string, path: string, steps: YamlPathStep[]): ProbeItem | null {
  const tooDeep = findTooDeepCollection(text, MAX_YAML_DEPTH);
  if (tooDeep !== null) {
    const { line, column } = lineAndColumn(text, tooDeep);
    return errorItem(source, path, `${sourceName} nests YAML collections deeper than ${MAX_YAML_DEPTH} levels (line ${line}, column ${column}), the maximum scapula reads`);
  }

  const documents = yaml.parseAllDocuments(text);
  if (!Array.isArray(documents) || documents.length === 0) return null;
  const document = documents[0];
  if (document.errors.length > 0) {
    return errorItem(source, path, `${sourceName} is not valid YAML: ${document.errors[0].message}`);
  }

  const nodes = selectNodes(document, steps);
  if (nodes.length === 0) return null;

  let records: ItemEntity[];
  try {
    records = recordsOf(nodes);
  } catch (error) {
    if (error instanceof ScapulaError) return errorItem(source, path, error.message);
    throw error;
  }
  return makeItem('yamlfilecontent_item', 'independent', [...source, itemEntity('yamlpath', path), ...records]);
}

function errorItem(source: ItemEntity[], path: string, message: string): ProbeItem {
  return makeItem('yamlfilecontent_item', 'independent', [...source, itemEntity('yamlpath', path), errorEntity('value', 'record')], 'error', [
    { level: 'error', text: message },
  ]);
}

export const yamlfilecontentProbe = defineProbe({
  objectType: 'yamlfilecontent_object',
  family: 'independent',
  description: {
    summary: 'Values selected by a YAML path in YAML files or inline YAML text, as records.',
    onImage: 'Reads the files inside the image or root.',
    onHost: 'Reads the files of the running host.',
  },
  collect,
});
