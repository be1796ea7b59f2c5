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
import type { Alias, Document, Node as YamlNode, Pair } from 'yaml';

import { ScapulaError, isScapulaError } from '../../errors.js';
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

/**
 * Limits on the nodes one path may select and on the fields and sequences its records may
 * contain. Aliases let a small file name one node many times: 527 bytes with ten levels of ten
 * aliases name 10^10 scalars. Kubernetes supports clusters of at most 150,000 pods and 300,000
 * containers (kubernetes.io, "Considerations for large clusters"), so a path such as
 * `.items[:].spec.containers[:].image` over every pod of such a cluster stays below both.
 * A CLI run that reached a limit took about 1 s and 300 MB of memory on a 2-core machine.
 */
export const MAX_YAML_SELECTED_NODES = 1_000_000;
export const MAX_YAML_RECORD_NODES = 1_000_000;

/** Sequences nested deeper than this inside a selected value are not flattened into fields. */
export const MAX_YAML_FLATTENED_DEPTH = 100;

/** The selection and the records yield to the event loop after this many nodes, so Ctrl-C is seen. */
const NODES_PER_YIELD = 50_000;

/** A mapping restricted to some of its keys by a `['a','b']` step. */
interface PartialMap {
  kind: 'partial';
  pairs: [string, unknown][];
}

function isPartialMap(node: unknown): node is PartialMap {
  return typeof node === 'object' && node !== null && (node as PartialMap).kind === 'partial';
}

/**
 * One YAML document being read: it resolves aliases, counts the nodes each step visits and
 * names the source and the place in its error messages.
 */
class YamlReader {
  private readonly aliasTargets = new Map<unknown, unknown>();
  private visitedSinceYield = 0;
  /** The first alias with no anchor before it, which makes the document invalid YAML. */
  readonly unresolvedAlias: Alias | undefined;

  constructor(
    readonly document: Document.Parsed,
    private readonly text: string,
    private readonly sourceName: string,
    private readonly context: ProbeContext,
  ) {
    // One pass in document order maps each alias to the last node before it with that anchor,
    // the node yaml's Alias.resolve finds. Alias.resolve without a context walks the whole
    // document on every call, which made selection quadratic in the number of aliases.
    const anchored = new Map<string, unknown>();
    let unresolvedAlias: Alias | undefined;
    yaml.visit(document, {
      Node: (_key, node) => {
        if (yaml.isAlias(node)) {
          const target = anchored.get(node.source);
          if (target === undefined) unresolvedAlias ??= node;
          this.aliasTargets.set(node, target);
        } else if (node.anchor !== undefined) {
          anchored.set(node.anchor, node);
        }
      },
    });
    this.unresolvedAlias = unresolvedAlias;
  }

  /** Returns the node an alias names, or the node itself. */
  resolve(node: unknown): unknown {
    return yaml.isAlias(node) ? this.aliasTargets.get(node) : node;
  }

  mapPairs(node: unknown): [string, unknown][] {
    if (isPartialMap(node)) return node.pairs;
    if (!yaml.isMap(node)) return [];
    return node.items.map((pair: Pair) => {
      const key = this.resolve(pair.key);
      return [String(yaml.isScalar(key) ? key.value : key), this.resolve(pair.value)];
    });
  }

  sequenceItems(node: unknown): unknown[] {
    return yaml.isSeq(node) ? node.items.map((item) => this.resolve(item)) : [];
  }

  /** Yields to the event loop now and then, and raises INTERRUPTED once the evaluation is cancelled. */
  async visited(count: number): Promise<void> {
    this.visitedSinceYield += count;
    if (this.visitedSinceYield < NODES_PER_YIELD) return;
    this.visitedSinceYield = 0;
    await new Promise((resolve) => setImmediate(resolve));
    throwIfAborted(this.context);
  }

  /** Returns a LIMIT error that names the source and the limit. */
  limitError(problem: string): ScapulaError {
    return new ScapulaError('LIMIT', `${this.sourceName}: ${problem}. Each alias counts as a copy of the node it names.`);
  }

  /** Returns the line and column where a node starts, for a message. */
  place(node: { range?: [number, number, number] | null }): string {
    const { line, column } = lineAndColumn(this.text, node.range?.[0] ?? 0);
    return `line ${line}, column ${column}`;
  }
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

/** Returns the value of a `.key` step in a mapping, or the mapping cut to a `['a','b']` step's keys. */
function pickKeys(reader: YamlReader, node: unknown, step: { kind: 'key'; key: string } | { kind: 'keys'; keys: string[] }): unknown {
  const pairs = reader.mapPairs(node);
  if (step.kind === 'key') return pairs.find(([key]) => key === step.key)?.[1];

  const kept = pairs.filter(([key]) => step.keys.includes(key));
  return kept.length > 0 ? ({ kind: 'partial', pairs: kept } satisfies PartialMap) : undefined;
}

/**
 * The nodes a path reaches, and the sequence nesting level they lie at: 1 when they are the
 * elements of a single selected sequence, else 0.
 */
interface Selection {
  nodes: unknown[];
  level: number;
}

/**
 * Selects the nodes a path reaches. Steps over every element fan out, and each alias counts as
 * a node of its own, so the selection raises LIMIT past MAX_YAML_SELECTED_NODES.
 */
async function selectNodes(reader: YamlReader, steps: YamlPathStep[]): Promise<Selection> {
  const { document } = reader;
  let current: unknown[] = [reader.resolve(document.contents)];
  let fannedOut = false;

  for (const step of steps) {
    const next: unknown[] = [];
    const picked = new Map<unknown, unknown>();
    for (const node of current) {
      switch (step.kind) {
        case 'anchor': {
          const found = findAnchor(document.contents, step.anchor);
          if (found !== undefined) next.push(reader.resolve(found));
          break;
        }
        case 'key':
        case 'keys': {
          // Aliases repeat a mapping, so each distinct mapping's keys are searched once per step.
          if (!picked.has(node)) picked.set(node, pickKeys(reader, node, step));
          const value = picked.get(node);
          if (value !== undefined) next.push(value);
          break;
        }
        case 'index':
          if (yaml.isSeq(node) && step.index < node.items.length) next.push(reader.resolve(node.items[step.index]));
          break;
        case 'slice':
          if (yaml.isSeq(node)) {
            for (const element of node.items.slice(step.start ?? 0, step.end ?? undefined)) next.push(reader.resolve(element));
            fannedOut = true;
          }
          break;
        case 'all':
          // Every element of a sequence; a mapping stands for all of its values, so it stays whole.
          if (yaml.isSeq(node)) {
            for (const element of node.items) next.push(reader.resolve(element));
            fannedOut = true;
          } else if (yaml.isMap(node) || isPartialMap(node)) {
            next.push(node);
          }
          break;
      }
      if (next.length > MAX_YAML_SELECTED_NODES) {
        throw reader.limitError(`the YAML path selects more than ${MAX_YAML_SELECTED_NODES} nodes, the maximum scapula reads`);
      }
      await reader.visited(1);
    }
    current = next;
  }

  // A sequence reached without fanning out stands for its elements, as OpenSCAP reports it.
  if (!fannedOut && current.length === 1 && yaml.isSeq(current[0])) return { nodes: reader.sequenceItems(current[0]), level: 1 };
  return { nodes: current, level: 0 };
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
 * record of "#" fields. Each mapping gives its own record. Raises LIMIT when the records would
 * contain more than MAX_YAML_RECORD_NODES fields and sequences, or when sequences nest deeper
 * than MAX_YAML_FLATTENED_DEPTH, which an alias inside its own anchored sequence does forever.
 */
async function recordsOf(reader: YamlReader, { nodes, level }: Selection): Promise<ItemEntity[]> {
  const records: ItemEntity[] = [];
  const scalars: ItemEntity[] = [];
  let recordNodes = 0;
  const count = async (added: number): Promise<void> => {
    recordNodes += added;
    if (recordNodes > MAX_YAML_RECORD_NODES) {
      throw reader.limitError(`the selected values contain more than ${MAX_YAML_RECORD_NODES} fields and sequences, the maximum scapula writes`);
    }
    await reader.visited(added);
  };

  // Depth first, in document order: the stack contains the nodes still to be written, the next one last.
  const pending: Array<[unknown, number]> = nodes.map((node): [unknown, number] => [node, level]).reverse();
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (yaml.isMap(node) || isPartialMap(node)) {
      const fields = mappingFields(reader, node);
      await count(1 + fields.length);
      records.push({ name: 'value', datatype: 'record', fields });
    } else if (yaml.isSeq(node)) {
      if (depth >= MAX_YAML_FLATTENED_DEPTH) {
        throw reader.limitError(
          `the selected value nests sequences more than ${MAX_YAML_FLATTENED_DEPTH} levels deep (${reader.place(node)}), the maximum scapula flattens into fields`,
        );
      }
      await count(1);
      const elements = reader.sequenceItems(node);
      for (let index = elements.length - 1; index >= 0; index--) pending.push([elements[index], depth + 1]);
    } else {
      await count(1);
      scalars.push(scalarField('#', node));
    }
  }

  if (scalars.length > 0) records.unshift({ name: 'value', datatype: 'record', fields: scalars });
  return records;
}

function mappingFields(reader: YamlReader, node: unknown): ItemEntity[] {
  const fields: ItemEntity[] = [];
  for (const [key, value] of reader.mapPairs(node)) {
    const name = fieldName(key);
    const elements = yaml.isSeq(value) ? reader.sequenceItems(value) : [value];
    if (fields.length + elements.length > MAX_YAML_RECORD_NODES) {
      throw reader.limitError(`a selected mapping contains more than ${MAX_YAML_RECORD_NODES} fields, the maximum scapula writes`);
    }
    for (const element of elements) fields.push(scalarField(name, element));
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
        const item = await evaluateYaml(context, source, 'the content entity', content, path, steps);
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
      const item = await evaluateYaml(context, fileLocationEntities(file), file.filepath, content.text, path, steps);
      if (item !== null) items.push(item);
    }
  }
  return { items, messages };
}

/**
 * Evaluates one path over the first document of a YAML text. `source` contains the entities
 * that name where the text came from (filepath, path, filename, or content).
 */
async function evaluateYaml(
  context: ProbeContext,
  source: ItemEntity[],
  sourceName: string,
  text: string,
  path: string,
  steps: YamlPathStep[],
): Promise<ProbeItem | null> {
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

  const reader = new YamlReader(document, text, sourceName, context);
  if (reader.unresolvedAlias !== undefined) {
    const alias = reader.unresolvedAlias;
    return errorItem(source, path, `${sourceName} is not valid YAML: the alias *${alias.source} (${reader.place(alias)}) names no anchor before it`);
  }
  try {
    const selection = await selectNodes(reader, steps);
    if (selection.nodes.length === 0) return null;
    const records = await recordsOf(reader, selection);
    return makeItem('yamlfilecontent_item', 'independent', [...source, itemEntity('yamlpath', path), ...records]);
  } catch (error) {
    if (isScapulaError(error, 'LIMIT')) return errorItem(source, path, error.message);
    if (isScapulaError(error, 'UNSUPPORTED')) return errorItem(source, path, `${sourceName}: ${error.message}`);
    throw error;
  }
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
