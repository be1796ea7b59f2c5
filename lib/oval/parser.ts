/**
 * The streaming OVAL definitions parser: reads an oval_definitions document (OVAL 5.3 to
 * 5.11.2, plain or compressed) into the model of ./model.ts without holding the document in
 * memory. Each top-level definition, test, object, state or variable is built as a small tree,
 * converted and dropped.
 *
 * A fault inside one item (an invalid enumeration value, a missing required attribute) drops
 * that item with a warning, so the evaluator reports the references to it as not found. With
 * `strict`, the fault raises OVAL_INVALID instead. A repeated id keeps the first item and warns.
 */
import { isScapulaError, ScapulaError } from '../errors.js';
import type { ByteSource } from '../io/source.js';
import { OVAL_COMMON_NS, OVAL_DEFINITIONS_NS, XML_DSIG_NS } from '../xml/namespaces.js';
import { streamXml, toByteSource, type StartTag, type XmlEventHandler } from '../xml/stream.js';
import { SubtreeBuilder, type XmlNode } from '../xml/tree.js';
import { scanTrustedXml } from '../xml/trusted-scan.js';
import type { Generator, OvalDefinitions } from './model.js';
import { ParseContext } from './parse/context.js';
import { convertDefinition, keepInDefinition } from './parse/definitions.js';
import { convertObject, convertState } from './parse/entities.js';
import { convertTest } from './parse/tests.js';
import { convertVariable } from './parse/variables.js';
import { DefinitionsCopyJob, DefinitionsCopyRecorder, type DefinitionsCopySource, type KeptDefinitionsCopy } from './kept-copy.js';

export interface ParseOptions {
  /** Keep each definition's description in memory (off by default: results copy it from the source). */
  keepDescriptions?: boolean;
  /**
   * Keep the comments of criteria, tests, states and variables (default true). No output needs
   * them, and a Red Hat feed has about half a million; objects keep their comments always.
   */
  keepComments?: boolean;
  /** Raise every fault as an error instead of dropping the item with a warning. */
  strict?: boolean;
  /** Called for every warning as it is found. */
  onWarning?: (warning: ScapulaError) => void;
  /**
   * Make the definitions copy of a results document during the parse (see ./kept-copy.ts), so
   * that `writeOvalResults` need not read the source again. A file of 16 MiB and more is copied
   * on a worker thread beside the parse. The worker's saxes also checks the document, so the
   * parse itself uses a faster reader. A smaller source is copied during the parse itself. The
   * copy is kept as written up to 16 MiB, and deflated beyond, to about a tenth of its size.
   */
  keepDefinitionsCopy?: boolean;
}

export interface ParsedOvalDefinitions extends OvalDefinitions {
  /** Faults worked around while reading (at most 1000 are kept). */
  warnings: ScapulaError[];
  /** Warnings found beyond the 1000 kept. */
  suppressedWarnings: number;
  /** The source, kept so that a results writer can copy the definitions through. */
  source: ByteSource;
  /** The definitions copy being made beside the parse, with `keepDefinitionsCopy`. */
  definitionsCopy?: DefinitionsCopySource;
}

/** How much of a definitions copy recorded during the parse is kept as written, not deflated. */
const RAW_COPY_BYTES = 16 * 1024 * 1024;

type Section = 'definitions' | 'tests' | 'objects' | 'states' | 'variables';

const SECTIONS: ReadonlySet<string> = new Set<Section>(['definitions', 'tests', 'objects', 'states', 'variables']);

/** The element each section holds, where the schema fixes one. */
const SECTION_ITEMS: Partial<Record<Section, string>> = { definitions: 'definition' };

export async function parseOvalDefinitions(input: ByteSource | string, options: ParseOptions = {}): Promise<ParsedOvalDefinitions> {
  const { document, checked } = await parseOvalDefinitionsUnchecked(input, options);
  await checked;
  return document;
}

/** A model returned before the document's well-formedness is known (see parseOvalDefinitionsUnchecked). */
export interface UncheckedOvalDefinitions {
  document: ParsedOvalDefinitions;
  /**
   * Settles once the document is known to be well-formed, and rejects with its fault
   * otherwise. Warnings reach `onWarning` only after it has settled.
   */
  checked: Promise<void>;
}

/**
 * Parses like parseOvalDefinitions, but may return the model before the copy's worker has
 * checked that the document is well-formed (files of 16 MiB and more, with
 * `keepDefinitionsCopy`). A caller may evaluate the model meanwhile, because evaluating reads
 * the target and nothing else, but must await `checked` before it reports or writes anything:
 * a document that is not well-formed has no results. On the 145 MiB bench feed the check ends
 * about 0.5 s after the model is built, and the evaluation takes that time.
 */
export async function parseOvalDefinitionsUnchecked(input: ByteSource | string, options: ParseOptions = {}): Promise<UncheckedOvalDefinitions> {
  const source = toByteSource(input);
  const copyJob = options.keepDefinitionsCopy === true ? await DefinitionsCopyJob.start(source) : undefined;
  if (copyJob === undefined) {
    // Without a worker, the copy is recorded during the one reading with saxes.
    const recorder = options.keepDefinitionsCopy === true ? new DefinitionsCopyRecorder(RAW_COPY_BYTES) : undefined;
    const document = await readDefinitions(source, options, 'checked', recorder);
    if (recorder !== undefined) document.definitionsCopy = recordedCopy(recorder);
    return { document, checked: Promise.resolve() };
  }

  // The worker reads the document with saxes, which checks it, while this thread builds the
  // model with the fast reader of ../xml/trusted-scan.ts: 3.1 s instead of 4.0 s for the bench
  // feed. Warnings wait for the worker's verdict.
  const warnings: ScapulaError[] = [];
  let document: ParsedOvalDefinitions | undefined;
  let failure: unknown;
  try {
    document = await readDefinitions(source, { ...options, onWarning: (warning) => warnings.push(warning) }, 'trusted');
  } catch (error) {
    failure = error;
  }

  /** Waits for the worker's verdict and returns the model, read again with saxes where needed. */
  const finish = async (): Promise<ParsedOvalDefinitions> => {
    const verdict = await copyJob.verdict();
    // Where the worker failed for a reason of its own, or found a fault, the document is read
    // again with saxes. saxes stops at the first fault in document order, the model's or the
    // XML's, after the warnings before it, as a reading without the worker reports them.
    if (verdict === undefined || !verdict.wellFormed) return readDefinitions(source, options, 'checked');
    const span = verdict.span;
    if (document === undefined) {
      // The fast reader declines what it cannot read (an item over 1 MiB, a DOCTYPE), without a place.
      if (isScapulaError(failure, 'XML_MALFORMED') && failure.line === undefined) return readDefinitions(source, options, 'checked');
      throw failure;
    }
    for (const warning of warnings) options.onWarning?.(warning);
    if (span.start !== undefined && span.end !== undefined) document.span = { start: span.start, end: span.end };
    return document;
  };

  if (document === undefined) {
    // No model to hand out: wait for the verdict, which raises the fault or reads again.
    try {
      const read = await finish();
      read.definitionsCopy = copyJob;
      return { document: read, checked: Promise.resolve() };
    } catch (error) {
      copyJob.cancel();
      throw error;
    }
  }

  document.definitionsCopy = copyJob;
  const model = document;
  const checked = finish().then(
    (read) => {
      // Read again after a failed worker: the same model, but the span comes from that reading.
      if (read !== model) model.span = read.span;
    },
    (error: unknown) => {
      copyJob.cancel();
      throw error;
    },
  );
  // Marked as handled now: the caller awaits it later, after its evaluation.
  checked.catch(() => undefined);
  return { document, checked };
}

/**
 * Reads the document into the model: `checked` with saxes (./xml/stream.ts), which raises every
 * fault of the XML, or `trusted` with the fast reader, whose input must be checked apart.
 */
async function readDefinitions(
  source: ByteSource,
  options: ParseOptions,
  reading: 'checked' | 'trusted',
  recorder?: DefinitionsCopyRecorder,
): Promise<ParsedOvalDefinitions> {
  const context = new ParseContext(source.name, options.strict ?? false, options.onWarning);
  context.keepComments = options.keepComments ?? true;
  const document: ParsedOvalDefinitions = {
    file: source.name,
    generator: { schemaVersion: '', timestamp: '' },
    definitions: new Map(),
    tests: new Map(),
    objects: new Map(),
    states: new Map(),
    variables: new Map(),
    namespaces: {},
    warnings: context.warnings,
    suppressedWarnings: 0,
    source,
  };

  const reader = new DefinitionsReader(context, document, options.keepDescriptions ?? false);
  if (reading === 'trusted') {
    await scanTrustedXml(source, reader, undefined, { positions: true });
  } else {
    const result = recorder === undefined ? await streamXml(source, reader) : await streamXml(source, new Tee(reader, recorder), () => recorder.drain());
    if (result.rootStart !== undefined && result.rootEnd !== undefined) {
      document.span = { start: result.rootStart, end: result.rootEnd };
    }
  }
  reader.finish();
  document.suppressedWarnings = context.suppressedWarnings;
  context.releasePool();
  return document;
}

/** Routes stream events by depth: 0 is oval_definitions, 1 a section, 2 an item of a section. */
class DefinitionsReader implements XmlEventHandler {
  private section: Section | 'generator' | undefined;
  private readonly definitionBuilder: SubtreeBuilder;
  private readonly plainBuilder = new SubtreeBuilder();
  private builder: SubtreeBuilder | undefined;
  private sawGenerator = false;

  constructor(
    private readonly context: ParseContext,
    private readonly document: ParsedOvalDefinitions,
    keepDescriptions: boolean,
  ) {
    this.definitionBuilder = new SubtreeBuilder(keepInDefinition(keepDescriptions));
  }

  openElement(tag: StartTag, depth: number): void {
    if (depth === 0) return this.openRoot(tag);
    if (depth === 1) return this.openSection(tag);
    if (this.builder !== undefined) return this.builder.open(tag);
    if (depth === 2 && this.section !== undefined && this.section !== 'generator') return this.openItem(tag);
  }

  text(text: string): void {
    this.builder?.text(text);
  }

  closeElement(depth: number): void {
    if (depth === 1) {
      if (this.section === 'generator') this.finishGenerator();
      this.section = undefined;
      return;
    }
    if (this.builder === undefined || depth < 2) return;
    const node = this.builder.close();
    if (node === undefined) return;
    this.builder = undefined;
    this.storeItem(node);
  }

  finish(): void {
    if (!this.sawGenerator) {
      this.context.warn(new ScapulaError('OVAL_INVALID', 'the document has no generator element', { file: this.context.file }));
    }
  }

  private openRoot(tag: StartTag): void {
    if (tag.local !== 'oval_definitions' || tag.uri !== OVAL_DEFINITIONS_NS) {
      const found = tag.uri === '' ? tag.local : `${tag.local} in namespace ${tag.uri}`;
      throw new ScapulaError('OVAL_INVALID', `expected an oval_definitions document (namespace ${OVAL_DEFINITIONS_NS}), found ${found}`, {
        file: this.context.file,
        line: tag.line,
        column: tag.column,
      });
    }
    for (const [prefix, uri] of Object.entries(tag.namespaceDeclarations)) this.document.namespaces[prefix] = uri;
  }

  private openSection(tag: StartTag): void {
    if (tag.uri === OVAL_DEFINITIONS_NS && tag.local === 'generator') {
      this.section = 'generator';
      this.sawGenerator = true;
      this.builder = this.plainBuilder;
      this.builder.start(tag);
      return;
    }
    if (tag.uri === OVAL_DEFINITIONS_NS && SECTIONS.has(tag.local)) {
      this.section = tag.local as Section;
      return;
    }
    this.section = undefined;
    if (tag.uri === XML_DSIG_NS) return;
    this.context.warn(
      new ScapulaError('OVAL_INVALID', `unexpected element ${tag.local} in oval_definitions; its content is skipped`, {
        file: this.context.file,
        line: tag.line,
        column: tag.column,
      }),
    );
  }

  private openItem(tag: StartTag): void {
    const section = this.section as Section;
    const expected = SECTION_ITEMS[section];
    if (tag.uri === XML_DSIG_NS) return;
    if (expected !== undefined && (tag.local !== expected || tag.uri !== OVAL_DEFINITIONS_NS)) {
      this.context.warn(
        new ScapulaError('OVAL_INVALID', `unexpected element ${tag.local} in ${section}; expected ${expected}, so it is skipped`, {
          file: this.context.file,
          line: tag.line,
          column: tag.column,
        }),
      );
      return;
    }
    this.builder = section === 'definitions' ? this.definitionBuilder : this.plainBuilder;
    this.builder.start(tag);
  }

  private finishGenerator(): void {
    const node = this.builder?.close();
    this.builder = undefined;
    if (node !== undefined) this.document.generator = convertGenerator(this.context, node);
  }

  private storeItem(node: XmlNode): void {
    try {
      switch (this.section) {
        case 'definitions': {
          const definition = convertDefinition(this.context, node);
          return this.add(this.document.definitions, definition.id, definition, node);
        }
        case 'tests': {
          const test = convertTest(this.context, node);
          return this.add(this.document.tests, test.id, test, node);
        }
        case 'objects': {
          const object = convertObject(this.context, node);
          return this.add(this.document.objects, object.id, object, node);
        }
        case 'states': {
          const state = convertState(this.context, node);
          return this.add(this.document.states, state.id, state, node);
        }
        case 'variables': {
          const variable = convertVariable(this.context, node);
          return this.add(this.document.variables, variable.id, variable, node);
        }
      }
    } catch (error) {
      if (!(error instanceof ScapulaError) || error.code !== 'OVAL_INVALID') throw error;
      const id = node.attributes['id'];
      this.context.warn(
        new ScapulaError('OVAL_INVALID', `${node.name}${id === undefined ? '' : ` ${id}`} is skipped: ${stripPlace(error.message)}`, {
          file: error.file,
          line: error.line,
          column: error.column,
        }),
      );
    }
  }

  private add<T>(map: Map<string, T>, id: string, item: T, node: XmlNode): void {
    if (map.has(id)) {
      this.context.warn(this.context.invalid(`${node.name} ${id} appears more than once; the first one is kept`, node));
      return;
    }
    map.set(id, item);
  }
}

function convertGenerator(context: ParseContext, node: XmlNode): Generator {
  const generator: Generator = { schemaVersion: '', timestamp: '' };
  for (const child of node.children) {
    if (child.ns !== OVAL_COMMON_NS) continue;
    const text = context.intern(child.text.trim());
    if (child.name === 'product_name') generator.productName = text;
    else if (child.name === 'product_version') generator.productVersion = text;
    else if (child.name === 'schema_version' && child.attributes['platform'] !== undefined) {
      (generator.platformSchemaVersions ??= []).push({ platform: child.attributes['platform'], version: text });
    } else if (child.name === 'schema_version') generator.schemaVersion = text;
    else if (child.name === 'timestamp') generator.timestamp = text;
  }
  if (generator.schemaVersion === '') context.warn(context.invalid('the generator has no schema_version', node));
  return generator;
}

function stripPlace(message: string): string {
  return message.replace(/^.*?:\d+:\d+: /, '');
}

/** Hands each event to two handlers: the model's reader and the copy's recorder. */
class Tee implements XmlEventHandler {
  constructor(
    private readonly first: XmlEventHandler,
    private readonly second: XmlEventHandler,
  ) {}

  openElement(tag: StartTag, depth: number): void {
    this.first.openElement(tag, depth);
    this.second.openElement(tag, depth);
  }

  text(text: string, depth: number): void {
    this.first.text(text, depth);
    this.second.text(text, depth);
  }

  closeElement(depth: number): void {
    this.first.closeElement(depth);
    this.second.closeElement(depth);
  }
}

/** Wraps the copy a recorder made during the parse, so that it is handed over once. */
function recordedCopy(recorder: DefinitionsCopyRecorder): DefinitionsCopySource {
  let copy: Promise<KeptDefinitionsCopy> | undefined = recorder.finish();
  // Marked as handled now: a caller that never writes results never awaits it.
  copy.catch(() => undefined);
  return {
    async result() {
      const handedOver = copy;
      copy = undefined;
      return handedOver;
    },
  };
}
