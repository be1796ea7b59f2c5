/**
 * Streams an XML document from a byte source through saxes, one event at a time, so that no
 * document is ever held whole. Compressed sources are decompressed by their magic bytes.
 *
 * Safety rules apply to every document. A DOCTYPE, and with it any entity declaration or
 * external entity, is rejected with XML_FORBIDDEN before it is read further. Entity references
 * other than the five predefined ones are malformed. Input that is not UTF-8 (or ASCII) is rejected.
 */
import { SaxesParser, type SaxesStartTagNS, type SaxesTagNS } from 'saxes';

import { ScapulaError } from '../errors.js';
import { openDecompressed } from '../io/decompress.js';
import { fileSource, type ByteSource } from '../io/source.js';
import { XSI_NS } from './namespaces.js';
import { findInvalidUtf8 } from './utf8.js';

const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/**
 * Maximum element depth, counting the root as 1. Ten thousand nested OVAL criteria inside a
 * definition are about 10,005 levels deep, so this leaves room for them and stops hostile
 * nesting long before it costs much memory.
 */
export const MAX_ELEMENT_DEPTH = 20_000;

/**
 * Maximum length in characters of a text node, and of any stretch of input between two
 * element boundaries (whitespace, a comment, an attribute value). SCAP text nodes are at most
 * a few megabytes, while V8 in Node 20 cannot build a string longer than about 2^29 characters.
 */
export const MAX_TEXT_CHARACTERS = 64 * 1024 * 1024;

/**
 * The maximum number of character and entity references (`&amp;`, `&#65;`) in one stretch
 * between two `<`. saxes appends each reference's text to the text it gathers, and the rope of
 * small strings that makes costs about 75 bytes per reference: 378 MB to read a 30 MB file
 * whose one text holds 5 million references.
 */
export const MAX_REFERENCES_PER_TEXT = 1_000_000;

export interface StartTag {
  /** Local name of the element. */
  local: string;
  /** Namespace URI of the element ('' when it has none). */
  uri: string;
  prefix: string;
  /**
   * Attributes without a namespace, by local name; `xsi:` attributes as `xsi:<local>`;
   * attributes in other namespaces as `{uri}local`. Namespace declarations are left out.
   */
  attributes: Record<string, string>;
  /** Namespace declarations on this element, prefix ('' for the default namespace) to URI. */
  namespaceDeclarations: Record<string, string>;
  /** 1-based line and column of the start tag. */
  line: number;
  column: number;
}

export interface XmlEventHandler {
  openElement(tag: StartTag, depth: number): void;
  /** Text and CDATA content, in pieces; entity references already replaced. */
  text(text: string, depth: number): void;
  closeElement(depth: number): void;
}

export interface StreamResult {
  /** Byte offsets of the root element in the decompressed source: `<` of its start tag and just past its end tag. */
  rootStart?: number;
  rootEnd?: number;
  /** The name the source goes by in messages. */
  file: string;
}

export function toByteSource(source: ByteSource | string): ByteSource {
  return typeof source === 'string' ? fileSource(source) : source;
}

/** Characters of a chunk and where it starts, in characters and bytes, to turn positions into byte offsets. */
interface ChunkRecord {
  charBase: number;
  byteBase: number;
  text: string;
}

/**
 * Recent input kept to turn positions into byte offsets: at least this many characters before
 * the newest chunk, which covers a root start tag split over many small chunks.
 */
const KEPT_CHARACTERS = 4096;

/**
 * Reads `source` and calls `handler` for every element start, text piece and element end.
 * Errors thrown by the handler propagate unchanged. XML faults become ScapulaError
 * XML_MALFORMED (with file, line and column) or XML_FORBIDDEN. `afterChunk` runs after each
 * chunk of input, for a handler whose output must catch up.
 */
export async function streamXml(source: ByteSource | string, handler: XmlEventHandler, afterChunk?: () => Promise<void>): Promise<StreamResult> {
  const byteSource = toByteSource(source);
  const { stream, compression } = await openDecompressed(byteSource);
  const reader = new StreamReader(byteSource.name, handler, compression !== 'none');
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  // The last bytes read, which hold any sequence the decoder has not finished yet.
  let lastBytes: Uint8Array = new Uint8Array(0);
  let bytesRead = 0;

  try {
    for await (const chunk of stream) {
      const bytes = chunk as Buffer;
      let text: string;
      try {
        text = decoder.decode(bytes, { stream: true });
      } catch (error) {
        const unfinished = lastBytes.subarray(lastBytes.length - (bytesRead - reader.bytesFed));
        throw reader.invalidUtf8(Buffer.concat([unfinished, bytes]), error);
      }
      bytesRead += bytes.length;
      lastBytes = Buffer.concat([lastBytes, bytes.subarray(-3)]).subarray(-3);
      if (text.length > 0) reader.feed(text);
      if (afterChunk !== undefined) await afterChunk();
    }
    let rest: string;
    try {
      rest = decoder.decode();
    } catch (error) {
      throw reader.invalidUtf8(lastBytes.subarray(lastBytes.length - (bytesRead - reader.bytesFed)), error);
    }
    if (rest.length > 0) reader.feed(rest);
    reader.close();
  } catch (error) {
    stream.destroy();
    throw reader.asXmlError(error);
  }
  return reader.result();
}

/**
 * Feeds text to saxes and turns its events into handler calls.
 *
 * Only five saxes events are listened to, because each listener is a new property of the parser
 * object. With seven of them (xmldecl and doctype too), V8 in Node 20 read the parser's fields
 * about five times slower: 12 s instead of 2.2 s for a 145 MiB document. So the XML declaration
 * is read from `parser.xmlDecl` when the root opens, and a DOCTYPE is caught by scanning the text.
 */
class StreamReader {
  private readonly parser: ScopedSaxesParser;
  private readonly namespaces = new NamespaceScopes();
  private readonly recent: ChunkRecord[] = [];
  private recentCharacters = 0;
  private charBase = 0;
  private byteBase = 0;
  private depth = 0;
  /** Character offset of the last element boundary or text event. */
  private markupEnd = 0;
  private sawRoot = false;
  private tail = '';
  private tagLine = 1;
  private tagColumn = 1;
  private rootStart: number | undefined;
  private rootEnd: number | undefined;
  /** References counted since the last `<` fed, for MAX_REFERENCES_PER_TEXT. */
  private references = 0;

  constructor(
    private readonly file: string,
    private readonly handler: XmlEventHandler,
    private readonly compressed: boolean,
  ) {
    this.parser = new ScopedSaxesParser({ xmlns: true, position: true, namespaces: this.namespaces });
    this.parser.on('opentagstart', (tag) => this.onOpenTagStart(tag));
    this.parser.on('opentag', (tag) => this.onOpenTag(tag));
    this.parser.on('closetag', (tag) => this.onCloseTag(tag));
    this.parser.on('text', (text) => this.onText(text));
    this.parser.on('cdata', (text) => this.onText(text));
  }

  feed(text: string): void {
    if (!this.sawRoot) this.checkProlog(text);
    if (this.charBase + text.length - this.markupEnd > MAX_TEXT_CHARACTERS) {
      // saxes would gather the whole stretch into one string, so stop before it reaches V8's limit.
      throw new ScapulaError('LIMIT', `a text node, comment, attribute value or run of whitespace is longer than the maximum of ${MAX_TEXT_CHARACTERS} characters`, {
        file: this.file,
        line: this.parser.line,
        column: this.parser.column + 1,
      });
    }
    this.countReferences(text);
    this.recent.push({ charBase: this.charBase, byteBase: this.byteBase, text });
    this.recentCharacters += text.length;
    while (this.recent.length > 1 && this.recentCharacters - this.recent[0]!.text.length - text.length >= KEPT_CHARACTERS) {
      this.recentCharacters -= this.recent.shift()!.text.length;
    }
    this.charBase += text.length;
    this.byteBase += Buffer.byteLength(text, 'utf8');
    this.parser.write(text);
  }

  /**
   * Counts the `&` of a chunk not yet fed, from the last `<`, and stops before saxes gathers
   * more than MAX_REFERENCES_PER_TEXT references into one string. A `<` in a comment or CDATA
   * section resets the count too, which only makes the check more lenient.
   */
  private countReferences(text: string): void {
    let open = text.indexOf('<');
    for (let at = text.indexOf('&'); at >= 0; at = text.indexOf('&', at + 1)) {
      if (open >= 0 && open < at) {
        this.references = 0;
        open = text.indexOf('<', at);
      }
      if (++this.references > MAX_REFERENCES_PER_TEXT) {
        throw new ScapulaError('LIMIT', `a text node or attribute value has more than the maximum of ${MAX_REFERENCES_PER_TEXT} character or entity references; split the text or write its characters without references`, {
          file: this.file,
          ...this.placeInWindow(text, at, 0),
        });
      }
    }
    if (open >= 0) this.references = 0;
  }

  /**
   * Rejects a DOCTYPE or entity declaration before the parser buffers it, so that a huge internal
   * subset is never read. The last characters of the previous chunk are kept so that a
   * declaration split between two chunks is found too.
   */
  private checkProlog(text: string): void {
    const window = this.tail + text;
    const match = /<!(DOCTYPE|ENTITY)/i.exec(window);
    if (match !== null) {
      const what = match[1]!.toUpperCase() === 'DOCTYPE' ? 'a DOCTYPE declaration' : 'an entity declaration';
      throw this.forbidden(what, this.placeInWindow(window, match.index));
    }
    this.tail = window.slice(-16);
  }

  /**
   * Returns the line and column of `index` in `window`, whose first `tailLength` characters (by
   * default the kept tail of the prolog) the parser has read already and the rest not yet.
   */
  private placeInWindow(window: string, index: number, tailLength = this.tail.length): { line: number; column: number } {
    const unread = index - tailLength;
    // A match that starts in the tail has no line break between its start and the parser's position.
    if (unread < 0) return { line: this.parser.line, column: Math.max(1, this.parser.column + 1 + unread) };
    const before = window.slice(tailLength, index);
    const lineBreaks = before.match(/\r\n|\r|\n/g);
    if (lineBreaks === null) return { line: this.parser.line, column: this.parser.column + 1 + unread };
    const lastBreak = Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r'));
    return { line: this.parser.line + lineBreaks.length, column: before.length - lastBreak };
  }

  close(): void {
    this.parser.close();
    if (!this.sawRoot) throw new ScapulaError('XML_MALFORMED', 'the document has no root element', { file: this.file });
  }

  result(): StreamResult {
    return { file: this.file, rootStart: this.rootStart, rootEnd: this.rootEnd };
  }

  /** Bytes of the (decompressed) input whose text has been fed to the parser. */
  get bytesFed(): number {
    return this.byteBase;
  }

  /**
   * Feeds the well-formed start of `pending`, the bytes not yet fed, and returns the error for
   * the ill-formed sequence after it, placed at its line, column and byte offset.
   */
  invalidUtf8(pending: Uint8Array, error: unknown): ScapulaError {
    const valid = findInvalidUtf8(pending);
    if (valid > 0) this.feed(new TextDecoder('utf-8', { ignoreBOM: true }).decode(pending.subarray(0, valid)));
    const data = this.compressed ? ' of the decompressed data' : '';
    return new ScapulaError(
      'XML_MALFORMED',
      `invalid UTF-8 at byte ${this.byteBase}${data}; the document must be encoded in UTF-8`,
      { file: this.file, line: this.parser.line, column: this.parser.column + 1 },
      { cause: error },
    );
  }

  asXmlError(error: unknown): ScapulaError {
    if (error instanceof ScapulaError) {
      // Handlers such as SubtreeBuilder know the place of a fault but not the file.
      if (error.file !== undefined || error.line === undefined) return error;
      return new ScapulaError(error.code, error.message, { file: this.file, line: error.line, column: error.column }, { cause: error });
    }
    if (error instanceof RangeError && error.message === 'Invalid string length') {
      return new ScapulaError('LIMIT', 'a text node or attribute value is too long to be held in memory', {
        file: this.file,
        line: this.parser.line,
        column: this.parser.column + 1,
      });
    }
    const message = error instanceof Error ? error.message : String(error);
    // saxes starts its messages with "line:column: " (and the file name when it has one).
    const reason = message.replace(/^.*?\d+:\d+: /, '');
    return new ScapulaError('XML_MALFORMED', `malformed XML: ${reason}`, { file: this.file, line: this.parser.line, column: this.parser.column + 1 }, { cause: error });
  }

  private onOpenTagStart(tag: SaxesStartTagNS): void {
    const name = tag.name;
    this.namespaces.current = tag.ns;
    this.markupEnd = this.parser.position;
    this.tagLine = this.parser.line;
    // The parser position is just past the name and the character that ended it.
    this.tagColumn = Math.max(1, this.parser.column - name.length - 1);
    if (this.depth === 0 && !this.sawRoot) {
      this.sawRoot = true;
      this.checkEncoding(this.parser.xmlDecl.encoding);
      this.rootStart = this.findRootStart();
    }
  }

  private onOpenTag(tag: SaxesTagNS): void {
    this.markupEnd = this.parser.position;
    if (this.depth >= MAX_ELEMENT_DEPTH) {
      throw new ScapulaError('LIMIT', `elements are nested deeper than the maximum of ${MAX_ELEMENT_DEPTH} levels`, {
        file: this.file,
        line: this.tagLine,
        column: this.tagColumn,
      });
    }
    this.handler.openElement(toStartTag(tag, this.tagLine, this.tagColumn), this.depth);
    if (tag.isSelfClosing) {
      this.handler.closeElement(this.depth);
      if (this.depth === 0) this.rootEnd = this.byteOffsetAt(this.parser.position);
    } else {
      this.namespaces.enter(tag.ns);
      this.depth++;
    }
  }

  private onCloseTag(tag: SaxesTagNS): void {
    if (tag.isSelfClosing) return;
    this.markupEnd = this.parser.position;
    this.namespaces.leave(tag.ns);
    this.depth--;
    this.handler.closeElement(this.depth);
    if (this.depth === 0) this.rootEnd = this.byteOffsetAt(this.parser.position);
  }

  private onText(text: string): void {
    this.markupEnd = this.parser.position;
    if (this.depth > 0) this.handler.text(text, this.depth - 1);
  }

  private checkEncoding(encoding: string | undefined): void {
    const name = encoding?.toLowerCase();
    if (name !== undefined && name !== 'utf-8' && name !== 'utf8' && name !== 'us-ascii' && name !== 'ascii') {
      // The XML declaration can only open the document, so it is on line 1 whatever follows it.
      throw new ScapulaError('UNSUPPORTED', `encoding "${encoding}" is not supported; convert the document to UTF-8`, {
        file: this.file,
        line: 1,
      });
    }
  }

  /** Returns the byte offset of the `<` that opened the root element. */
  private findRootStart(): number | undefined {
    // The start tag may begin in an earlier chunk than the one that completed its name.
    for (let index = this.recent.length - 1; index >= 0; index--) {
      const chunk = this.recent[index]!;
      const lessThan = chunk.text.lastIndexOf('<', this.parser.position - chunk.charBase);
      if (lessThan >= 0) return this.byteOffsetAt(chunk.charBase + lessThan);
    }
    return undefined;
  }

  private byteOffsetAt(position: number): number | undefined {
    for (let index = this.recent.length - 1; index >= 0; index--) {
      const chunk = this.recent[index]!;
      if (position >= chunk.charBase) {
        return chunk.byteBase + Buffer.byteLength(chunk.text.slice(0, position - chunk.charBase), 'utf8');
      }
    }
    return undefined;
  }

  private forbidden(what: string, place: { line: number; column: number }): ScapulaError {
    return new ScapulaError('XML_FORBIDDEN', `${what} is not allowed in SCAP content; remove the DOCTYPE (no entities are expanded or fetched)`, {
      file: this.file,
      ...place,
    });
  }
}

/**
 * The namespace declarations in scope, one stack of URIs per prefix, so that a prefix resolves
 * in constant time at any depth. saxes 6 resolves a prefix by walking its element stack from the
 * innermost element outwards, and OVAL documents declare their namespaces on the root, so each
 * element cost time in proportion to its depth: 20,000 nested elements took seconds.
 */
export class NamespaceScopes {
  /** Declarations of the element whose start tag is being read; saxes fills it as it reads attributes. */
  current: Record<string, string> = {};
  private readonly uris = new Map<string, string[]>();

  /** Brings the declarations of an element that has opened into scope. */
  enter(declarations: Record<string, string>): void {
    for (const prefix in declarations) {
      const stack = this.uris.get(prefix);
      if (stack === undefined) this.uris.set(prefix, [declarations[prefix]!]);
      else stack.push(declarations[prefix]!);
    }
  }

  /** Takes the declarations of an element that has closed out of scope. */
  leave(declarations: Record<string, string>): void {
    for (const prefix in declarations) this.uris.get(prefix)?.pop();
  }

  resolve(prefix: string): string | undefined {
    const own = this.current[prefix];
    if (own !== undefined) return own;
    const stack = this.uris.get(prefix);
    if (stack !== undefined && stack.length > 0) return stack[stack.length - 1];
    if (prefix === 'xml') return XML_NS;
    if (prefix === 'xmlns') return XMLNS_NS;
    return undefined;
  }
}

interface ScopedOptions {
  xmlns: true;
  position: true;
  namespaces: NamespaceScopes;
}

/**
 * A saxes parser that resolves prefixes through NamespaceScopes. The scopes travel in the
 * options object, because a new field on the parser would slow V8's access to all its fields
 * (see StreamReader).
 */
class ScopedSaxesParser extends SaxesParser<ScopedOptions> {
  override resolve(prefix: string): string | undefined {
    return (this.opt as ScopedOptions).namespaces.resolve(prefix);
  }
}

function toStartTag(tag: SaxesTagNS, line: number, column: number): StartTag {
  return new LazyStartTag(tag, line, column);
}

/**
 * A start tag whose attribute record is built on first use. Readers skip most elements of a
 * large feed (vendor metadata) after looking at the name alone, so most records are never built.
 */
class LazyStartTag implements StartTag {
  readonly local: string;
  readonly uri: string;
  readonly prefix: string;
  readonly namespaceDeclarations: Record<string, string>;
  private record: Record<string, string> | undefined;

  constructor(
    private readonly tag: SaxesTagNS,
    readonly line: number,
    readonly column: number,
  ) {
    this.local = tag.local;
    this.uri = tag.uri;
    this.prefix = tag.prefix;
    // saxes collects the declarations of each element, with '' for the default namespace.
    this.namespaceDeclarations = tag.ns ?? {};
  }

  get attributes(): Record<string, string> {
    this.record ??= attributeRecord(this.tag);
    return this.record;
  }
}

function attributeRecord(tag: SaxesTagNS): Record<string, string> {
  const attributes: Record<string, string> = {};
  const found = tag.attributes;
  for (const key in found) {
    const attribute = found[key]!;
    const uri = attribute.uri;
    if (uri === '') attributes[attribute.local] = attribute.value;
    else if (uri === XSI_NS) attributes[`xsi:${attribute.local}`] = attribute.value;
    else if (uri !== XMLNS_NS) attributes[`{${uri}}${attribute.local}`] = attribute.value;
  }
  return attributes;
}
