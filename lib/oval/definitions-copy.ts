/**
 * Writes the oval_definitions element of a results document the way OpenSCAP 1.3.7 writes it
 * back from its model, so that XPath queries written against oscap's results count the same:
 *
 *   source:  <file_object xmlns="…#unix" id="oval:x:obj:1" version="1">
 *              <filepath operation="equals">/etc/passwd</filepath>
 *   written: <unix-def:file_object id="oval:x:obj:1" version="1">
 *              <unix-def:filepath>/etc/passwd</unix-def:filepath>
 *
 * - OVAL namespaces get oscap's prefixes: the core definitions namespace is the default one,
 *   oval-common is `oval`, the component schemas are `ind-def`, `unix-def`, `lin-def`, `win-def`
 *   and `mac-def` (`<family>-def` for the other families), and record fields are `oval-def:field`.
 *   Elements of other namespaces keep the prefix of their source.
 * - Attributes equal to their schema default are left out where oscap leaves them out
 *   (`check_existence="at_least_one_exists"`, `operation="equals"`, `datatype="string"`, …), and
 *   oscap's additions are made: `var_check="all"` beside a `var_ref`, the `operator` of a
 *   possible_restriction from OVAL 5.11 on, `glob_noescape="false"`. Booleans are written as "true".
 * - Before OVAL 5.10, a masked entity is written without its value and operation. A masked
 *   record field is always written without its value and operation.
 * - Comments, processing instructions and whitespace between elements are dropped, and the
 *   elements are indented anew.
 *
 * oscap also reorders definitions, tests and the children of metadata, and leaves out the notes
 * of definitions (OpenSCAP 1.3.7 on upstream's maskattr tests). This copy keeps the source order
 * and the notes.
 *
 * The source is read again as a stream, so memory does not grow with the document.
 */
import { Readable } from 'node:stream';

import { ScapulaError } from '../errors.js';
import type { ByteSource } from '../io/source.js';
import { OVAL_COMMON_NS, OVAL_DEFINITIONS_NS, OVAL_RESULTS_NS, XSI_NS } from '../xml/namespaces.js';
import { streamXml, type StartTag, type XmlEventHandler } from '../xml/stream.js';
import { escapeText, type Attributes, type XmlWriter } from '../xml/writer.js';

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** oscap's prefixes for the definitions component schemas it declares on oval_definitions. */
const FAMILY_PREFIXES: Record<string, string> = {
  unix: 'unix-def',
  independent: 'ind-def',
  linux: 'lin-def',
  windows: 'win-def',
  macos: 'mac-def',
};

/**
 * Declarations on the written oval_definitions: oscap's, in its order, and `oval-def` for record
 * fields, which oscap declares on oval_results instead.
 */
const ROOT_DECLARATIONS: [prefix: string, uri: string][] = [
  ['oval', OVAL_COMMON_NS],
  ...Object.entries(FAMILY_PREFIXES).map(([family, prefix]): [string, string] => [prefix, `${OVAL_DEFINITIONS_NS}#${family}`]),
  ['', OVAL_DEFINITIONS_NS],
  ['oval-def', OVAL_DEFINITIONS_NS],
];

/** Prefixes the enclosing oval_results element declares. */
const RESULTS_SCOPE: ReadonlyMap<string, string> = new Map([
  ['', OVAL_RESULTS_NS],
  ['oval', OVAL_COMMON_NS],
  ['xsi', XSI_NS],
]);

/** What an element is in the definitions model; it decides which attribute rules apply. */
type Kind =
  | 'root'
  | 'section'
  | 'definition'
  | 'criteria'
  | 'criterion'
  | 'extend_definition'
  | 'test'
  | 'object'
  | 'object_entity'
  | 'set'
  | 'filter'
  | 'state'
  | 'state_entity'
  | 'field'
  | 'variable'
  | 'possible_restriction'
  | 'component'
  | 'other';

const SECTIONS: ReadonlySet<string> = new Set(['definitions', 'tests', 'objects', 'states', 'variables']);
const SECTION_ITEMS: Record<string, Kind> = { tests: 'test', objects: 'object', states: 'state', variables: 'variable' };

/** Attribute values oscap leaves out, by kind of element. */
const DEFAULTS: Partial<Record<Kind, Record<string, string>>> = {
  definition: { deprecated: 'false' },
  criteria: { operator: 'AND', negate: 'false', applicability_check: 'false' },
  criterion: { negate: 'false', applicability_check: 'false' },
  extend_definition: { negate: 'false', applicability_check: 'false' },
  test: { check_existence: 'at_least_one_exists', state_operator: 'AND', deprecated: 'false' },
  object: { deprecated: 'false' },
  state: { operator: 'AND', deprecated: 'false' },
  variable: { deprecated: 'false' },
  object_entity: { operation: 'equals', datatype: 'string', mask: 'false', var_check: 'all' },
  state_entity: { operation: 'equals', datatype: 'string', mask: 'false', var_check: 'all', entity_check: 'all', check_existence: 'at_least_one_exists' },
  field: { operation: 'equals', datatype: 'string', mask: 'false', var_check: 'all', entity_check: 'all' },
  set: { set_operator: 'UNION' },
  filter: { action: 'exclude' },
};

/** Component attribute values oscap leaves out, by component name. */
const COMPONENT_DEFAULTS: Record<string, Record<string, string>> = {
  literal_component: { datatype: 'string' },
  time_difference: { format_1: 'year_month_day', format_2: 'year_month_day' },
};

const BOOLEAN_ATTRIBUTES: ReadonlySet<string> = new Set(['deprecated', 'negate', 'applicability_check', 'mask', 'glob_noescape']);

interface Frame {
  kind: Kind;
  local: string;
  /** The written name, with its prefix. */
  name: string;
  attributes: Attributes;
  /** Prefixes in scope inside this element, prefix to URI. Shared with the parent unless this element declares one. */
  scope: ReadonlyMap<string, string>;
  /** Text gathered before the first child element. */
  text: string;
  /** Whether the start tag is written, which happens when the first child element opens. */
  started: boolean;
  /** Write the element without its value (a masked entity or field). */
  blank: boolean;
  /** The element or its entity is masked: record fields inside are written without values. */
  masked: boolean;
  /** The attributes include xsi:nil. */
  nil: boolean;
}

/**
 * Writes the oval_definitions document of `source` to `writer` in oscap's form (see above).
 * `schemaVersion` is the document's core schema version, which some rules depend on.
 * The enclosing oval_results element must declare `xsi`.
 */
export async function writeDefinitionsCopy(writer: XmlWriter, source: ByteSource, schemaVersion: string): Promise<void> {
  await streamXml(drainingSource(source, writer), definitionsCopier(writer, schemaVersion));
}

/**
 * Returns a handler that writes the copy of the document whose events it receives, from the
 * start of oval_definitions on, to `writer` (see writeDefinitionsCopy).
 */
export function definitionsCopier(writer: XmlWriter, schemaVersion: string): XmlEventHandler {
  return new DefinitionsCopier(writer, parseSchemaVersion(schemaVersion));
}

/**
 * Wraps `source` so that the writer hands its buffer to the output before each chunk is read.
 * The stream calls the copier synchronously, so this is where the output can catch up. Reading
 * at most 256 KiB ahead bounds what the writer buffers meanwhile.
 */
export function drainingSource(source: ByteSource, writer: Pick<XmlWriter, 'drain'>): ByteSource {
  return {
    name: source.name,
    size: () => source.size(),
    readRange: (offset, length) => source.readRange(offset, length),
    stream(offset) {
      const inner = source.stream(offset);
      async function* drained(): AsyncGenerator<Buffer> {
        for await (const chunk of inner) {
          await writer.drain();
          yield chunk as Buffer;
        }
      }
      return Readable.from(drained(), { objectMode: false, highWaterMark: 1 << 18 });
    },
  };
}

/** Returns the numeric parts of a version such as "5.11.1" ("5.11.1:1.2" gives 5, 11, 1). */
function parseSchemaVersion(version: string): number[] {
  return version
    .split(':')[0]!
    .split('.')
    .map((part) => Number.parseInt(part, 10))
    .filter((part) => Number.isFinite(part));
}

function versionAtLeast(version: readonly number[], minimum: readonly number[]): boolean {
  for (let index = 0; index < minimum.length; index++) {
    const part = version[index] ?? 0;
    if (part !== minimum[index]) return part > minimum[index]!;
  }
  return true;
}

/** The family of each component namespace URI seen (null for other namespaces), so each URI is sliced once. */
const families = new Map<string, string | null>();

function familyOf(uri: string): string | undefined {
  let family = families.get(uri);
  if (family === undefined) {
    const isFamily = uri.startsWith(OVAL_DEFINITIONS_NS) && uri.charCodeAt(OVAL_DEFINITIONS_NS.length) === 0x23; /* # */
    family = isFamily ? uri.slice(OVAL_DEFINITIONS_NS.length + 1) : null;
    families.set(uri, family);
  }
  return family ?? undefined;
}

function familyPrefix(family: string): string {
  return FAMILY_PREFIXES[family] ?? `${family.replace(/_/g, '-')}-def`;
}

class DefinitionsCopier implements XmlEventHandler {
  private readonly frames: Frame[] = [];
  /** The prefix the source last declared for each namespace, to name attributes of other namespaces. */
  private readonly sourcePrefixes = new Map<string, string>();
  private readonly maskHidesEntities: boolean;
  private readonly stateCheckExistence: boolean;
  private readonly restrictionOperator: boolean;

  constructor(
    private readonly writer: XmlWriter,
    schemaVersion: readonly number[],
  ) {
    this.maskHidesEntities = !versionAtLeast(schemaVersion, [5, 10]);
    this.stateCheckExistence = versionAtLeast(schemaVersion, [5, 11, 1]);
    this.restrictionOperator = versionAtLeast(schemaVersion, [5, 11]);
  }

  openElement(tag: StartTag): void {
    for (const prefix in tag.namespaceDeclarations) this.sourcePrefixes.set(tag.namespaceDeclarations[prefix]!, prefix);
    const parent = this.frames[this.frames.length - 1];
    if (parent !== undefined && !parent.started) this.startFrame(parent);

    const kind = kindOf(parent, tag);
    if (kind === 'root' && (tag.local !== 'oval_definitions' || tag.uri !== OVAL_DEFINITIONS_NS)) {
      throw new ScapulaError('OVAL_INVALID', `expected an oval_definitions document to copy into the results, found ${tag.local}`, {
        line: tag.line,
        column: tag.column,
      });
    }
    const naming = new ElementNaming(parent?.scope ?? RESULTS_SCOPE);
    if (kind === 'root') this.declareRoot(naming, tag);
    const name = naming.elementName(tag, kind);
    const frame: Frame = { kind, local: tag.local, name, attributes: [], scope: naming.scope, text: '', started: false, blank: false, masked: false, nil: false };
    const attributes = this.attributesOf(frame, tag, parent, naming);
    frame.attributes = naming.declarations === undefined ? attributes : [...naming.declarations, ...attributes];
    frame.scope = naming.scope;
    this.frames.push(frame);
  }

  text(text: string): void {
    const frame = this.frames[this.frames.length - 1]!;
    if (!frame.started) {
      frame.text += text;
      return;
    }
    // Whitespace between child elements is replaced by the writer's indentation.
    // NOTE: mixed content (text beside child elements) is kept, but the indentation adds whitespace to it.
    if (/\S/.test(text)) this.writer.raw(escapeText(text));
  }

  closeElement(): void {
    const frame = this.frames.pop()!;
    if (frame.started) {
      this.writer.end(frame.name);
      return;
    }
    const text = frame.blank ? '' : frame.text;
    // oscap writes xsi:nil only on an entity that is still empty.
    const attributes = frame.nil && text !== '' ? frame.attributes.filter(([name]) => name !== 'xsi:nil') : frame.attributes;
    this.writer.element(frame.name, attributes, text);
  }

  private startFrame(frame: Frame): void {
    this.writer.start(frame.name, frame.attributes);
    frame.started = true;
    if (/\S/.test(frame.text)) this.writer.raw(escapeText(frame.text));
    frame.text = '';
  }

  /** Declares oscap's prefixes, and those of the source's other families, on oval_definitions. */
  private declareRoot(naming: ElementNaming, tag: StartTag): void {
    for (const [prefix, uri] of ROOT_DECLARATIONS) naming.declare(prefix, uri);
    for (const uri of Object.values(tag.namespaceDeclarations)) {
      const family = familyOf(uri);
      if (family !== undefined) naming.bind(familyPrefix(family), uri);
    }
  }

  /** Returns the attributes to write, named for the output and with oscap's rules applied. */
  private attributesOf(frame: Frame, tag: StartTag, parent: Frame | undefined, naming: ElementNaming): Attributes {
    const source = tag.attributes;
    const kind = frame.kind;
    const defaults = kind === 'component' ? COMPONENT_DEFAULTS[tag.local] : DEFAULTS[kind];
    const isEntity = kind === 'object_entity' || kind === 'state_entity';

    if (isEntity || kind === 'field') frame.masked = normaliseBoolean(source['mask'] ?? '') === 'true' || (kind === 'field' && parent?.masked === true);
    // Before OVAL 5.10 a masked entity loses its value; a masked record field always does.
    frame.blank = frame.masked && (kind === 'field' || (isEntity && this.maskHidesEntities));
    const dropCheckExistence = kind === 'state_entity' && !this.stateCheckExistence;
    const dropOperator = kind === 'possible_restriction' && !this.restrictionOperator;
    // oscap writes var_check beside every var_ref of an entity, "all" included.
    const keepVarCheck = isEntity && source['var_ref'] !== undefined;

    const attributes: Attributes = [];
    for (const name in source) {
      let value = source[name]!;
      if (BOOLEAN_ATTRIBUTES.has(name)) value = normaliseBoolean(value);
      if (frame.blank && (name === 'operation' || name === 'xsi:nil')) continue;
      if ((dropCheckExistence && name === 'check_existence') || (dropOperator && name === 'operator')) continue;
      if (defaults !== undefined && defaults[name] === value && !(keepVarCheck && name === 'var_check')) continue;
      if (name === 'xsi:nil') frame.nil = true;
      const qualified = name.startsWith('xsi:') || name.charCodeAt(0) === 0x7b; /* { */
      attributes.push([qualified ? naming.attributeName(name, this.sourcePrefixes) : name, value]);
    }

    if (keepVarCheck && source['var_check'] === undefined) attributes.push(['var_check', 'all']);
    if (kind === 'possible_restriction' && this.restrictionOperator && source['operator'] === undefined) attributes.push(['operator', 'AND']);
    if (kind === 'component' && tag.local === 'glob_to_regex' && source['glob_noescape'] === undefined) attributes.push(['glob_noescape', 'false']);
    return attributes;
  }
}

function normaliseBoolean(value: string): string {
  const trimmed = value.trim();
  if (trimmed === '1') return 'true';
  if (trimmed === '0') return 'false';
  return trimmed;
}

/** Returns what `tag` is, from its parent and its namespace. */
function kindOf(parent: Frame | undefined, tag: StartTag): Kind {
  if (parent === undefined) return 'root';
  const core = tag.uri === OVAL_DEFINITIONS_NS;
  switch (parent.kind) {
    case 'root':
      return core && SECTIONS.has(tag.local) ? 'section' : 'other';
    case 'section':
      if (parent.local === 'definitions') return core && tag.local === 'definition' ? 'definition' : 'other';
      if (parent.local === 'variables') return core ? 'variable' : 'other';
      return familyOf(tag.uri) !== undefined ? SECTION_ITEMS[parent.local]! : 'other';
    case 'definition':
      return core && tag.local === 'criteria' ? 'criteria' : 'other';
    case 'criteria':
      return core && (tag.local === 'criteria' || tag.local === 'criterion' || tag.local === 'extend_definition') ? tag.local : 'other';
    case 'object':
      if (core && (tag.local === 'set' || tag.local === 'filter')) return tag.local;
      return familyOf(tag.uri) !== undefined && tag.local !== 'behaviors' ? 'object_entity' : 'other';
    case 'set':
      return core && (tag.local === 'set' || tag.local === 'filter') ? tag.local : 'other';
    case 'state':
      return familyOf(tag.uri) !== undefined ? 'state_entity' : 'other';
    case 'state_entity':
      return core && tag.local === 'field' ? 'field' : 'other';
    case 'variable':
      if (parent.local === 'external_variable') return core && tag.local === 'possible_restriction' ? 'possible_restriction' : 'other';
      return parent.local === 'local_variable' && core ? 'component' : 'other';
    case 'component':
      return core ? 'component' : 'other';
    default:
      return 'other';
  }
}

/**
 * Chooses the prefixes of one element and its attributes, and the namespace declarations the
 * element needs for them. A prefix in scope for another namespace is declared anew (shadowed),
 * unless the element itself already uses it.
 */
class ElementNaming {
  /** Declarations to write on the element; undefined while there are none. */
  declarations: Attributes | undefined;
  /** The first prefix the element uses (its name's) and its URI; the Map holds any further ones. */
  private firstPrefix: string | undefined;
  private firstUri = '';
  private otherPrefixes: Map<string, string> | undefined;
  private copied = false;

  constructor(public scope: ReadonlyMap<string, string>) {}

  elementName(tag: StartTag, kind: Kind): string {
    const prefix = this.bind(this.preferredPrefix(tag, kind), tag.uri);
    return prefix === '' ? tag.local : `${prefix}:${tag.local}`;
  }

  /** Returns the written name of an attribute as the stream names it: `xsi:local` or `{uri}local`. */
  attributeName(name: string, sourcePrefixes: ReadonlyMap<string, string>): string {
    if (name.startsWith('xsi:')) return `${this.bind('xsi', XSI_NS)}:${name.slice(4)}`;
    const qualified = /^\{(.*)\}(.+)$/.exec(name);
    if (qualified === null) return name;
    const uri = qualified[1]!;
    if (uri === XML_NS) return `xml:${qualified[2]}`;
    // An attribute in a namespace needs a prefix: the default namespace does not apply to it.
    const preferred = sourcePrefixes.get(uri) || 'ns';
    return `${this.bind(preferred, uri)}:${qualified[2]}`;
  }

  /** Returns a prefix bound to `uri` on this element, declaring it when the scope lacks it. */
  bind(preferred: string, uri: string): string {
    let prefix = preferred;
    for (let counter = 1; this.uriOfUsed(prefix) !== undefined && this.uriOfUsed(prefix) !== uri; counter++) prefix = `${preferred || 'ns'}${counter}`;
    this.markUsed(prefix, uri);
    const bound = this.scope.get(prefix);
    // A name without a namespace needs no declaration unless a default namespace is in scope.
    if (bound !== uri && !(bound === undefined && prefix === '' && uri === '')) this.declare(prefix, uri);
    return prefix;
  }

  private uriOfUsed(prefix: string): string | undefined {
    return prefix === this.firstPrefix ? this.firstUri : this.otherPrefixes?.get(prefix);
  }

  private markUsed(prefix: string, uri: string): void {
    if (this.firstPrefix === undefined || this.firstPrefix === prefix) {
      this.firstPrefix = prefix;
      this.firstUri = uri;
    } else {
      (this.otherPrefixes ??= new Map()).set(prefix, uri);
    }
  }

  declare(prefix: string, uri: string): void {
    if (!this.copied) {
      this.scope = new Map(this.scope);
      this.copied = true;
    }
    (this.scope as Map<string, string>).set(prefix, uri);
    (this.declarations ??= []).push([prefix === '' ? 'xmlns' : `xmlns:${prefix}`, uri]);
  }

  private preferredPrefix(tag: StartTag, kind: Kind): string {
    if (tag.uri === OVAL_DEFINITIONS_NS) return kind === 'field' ? 'oval-def' : '';
    if (tag.uri === OVAL_COMMON_NS) return 'oval';
    if (tag.uri === XSI_NS) return 'xsi';
    if (tag.uri === '') return '';
    const family = familyOf(tag.uri);
    return family === undefined ? tag.prefix : familyPrefix(family);
  }
}
