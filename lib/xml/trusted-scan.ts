/**
 * A fast reader for XML whose well-formedness another reader checks. For a large file, the
 * parser builds the model with it while a worker thread reads the same file with saxes
 * (./stream.ts), which rejects DOCTYPEs, malformed markup and undeclared prefixes, so this
 * reader does not check them again. Nothing it read is used unless saxes accepted the file. It finds markup with indexOf and one pass over each start
 * tag. It sends the handler the same events as streamXml: the same element names, namespaces
 * and attribute records, and each text run and CDATA section as one piece. Line ends and
 * attribute whitespace are normalized and references replaced, as XML 1.0 specifies.
 *
 * Every step is linear in the input, so hostile input costs time in proportion to its size.
 * What it cannot read raises XML_MALFORMED without a position, and the caller falls back to
 * saxes. Start tags carry line and column 0 unless `positions` is set: then they carry the
 * line and column streamXml gives them, counted as saxes counts (see `tagPosition`).
 */
import { ScapulaError } from '../errors.js';
import { openDecompressed } from '../io/decompress.js';
import type { ByteSource } from '../io/source.js';
import { XSI_NS } from './namespaces.js';
import { MAX_ELEMENT_DEPTH, MAX_TEXT_CHARACTERS, NamespaceScopes, type StartTag, type XmlEventHandler } from './stream.js';

/**
 * The longest markup item (tag, comment, CDATA section) read. An item cut by the end of a chunk
 * is searched again from its start with the next chunk, so the work grows with the square of
 * its length. OVAL content has no item near this size; a longer one raises XML_MALFORMED, and
 * the caller falls back to saxes, which reads it in linear time.
 */
const MAX_MARKUP_CHARACTERS = 1024 * 1024;

const NO_DECLARATIONS: Record<string, string> = Object.freeze({}) as Record<string, string>;

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * Reads `source` and calls `handler` for each element start, text run and element end.
 * `afterChunk` runs after each chunk of input, for a handler whose output must catch up.
 */
export async function scanTrustedXml(
  source: ByteSource,
  handler: XmlEventHandler,
  afterChunk?: () => Promise<void>,
  options: { positions?: boolean } = {},
): Promise<void> {
  const { stream } = await openDecompressed(source);
  const scanner = new TrustedScanner(source.name, handler, options.positions ?? false);
  // The scanner skips a byte order mark itself, because saxes counts it as a column.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    for await (const chunk of stream) {
      scanner.feed(decoder.decode(chunk as Buffer, { stream: true }));
      await afterChunk?.();
    }
    scanner.feed(decoder.decode());
    scanner.close();
  } catch (error) {
    stream.destroy();
    throw error;
  }
}

class TrustedScanner {
  /** Input not consumed yet: the start of a markup item or a text run cut by the chunk end. */
  private pending = '';
  /** Pieces of a long text run, kept apart so that it is not copied again for each chunk. */
  private textPieces: string[] = [];
  private textLength = 0;
  private depth = 0;
  private sawRoot = false;
  /** The namespace declarations in scope, as streamXml keeps them. */
  private readonly namespaces = new NamespaceScopes();
  private readonly openDeclarations: Record<string, string>[] = [];

  private started = false;
  /** Position tracking: the line and column (in code points from 0, as saxes counts) at `cursor`. */
  private readonly lines: LineCounter | undefined;

  constructor(
    private readonly file: string,
    private readonly handler: XmlEventHandler,
    positions: boolean,
  ) {
    this.lines = positions ? new LineCounter() : undefined;
  }

  feed(chunk: string): void {
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) {
        chunk = chunk.slice(1);
        if (this.lines !== undefined) this.lines.column = 1;
      }
    }
    // A flat string, not a concatenation: in optimized code, slicing a concatenation copied
    // the whole of it for each slice, which made a 21 MB feed take 3.5 s instead of 0.2 s.
    const data = this.pending === '' ? chunk : [this.pending, chunk].join('');
    this.pending = '';
    this.lines?.startData(data);
    let at = 0;
    while (at < data.length) {
      const lessThan = data.indexOf('<', at);
      if (lessThan < 0) {
        this.addText(data.slice(at));
        this.lines?.advance(data.length);
        return;
      }
      if (lessThan > at) this.addText(data.slice(at, lessThan));
      const end = this.markupEnd(data, lessThan);
      if (end < 0) {
        this.pending = data.slice(lessThan);
        if (this.pending.length > MAX_MARKUP_CHARACTERS) {
          throw this.malformed(`a tag, comment or CDATA section is longer than ${MAX_MARKUP_CHARACTERS} characters, the most this reader takes`);
        }
        this.lines?.advance(lessThan);
        return;
      }
      this.flushText();
      this.lines?.advance(lessThan);
      this.markup(data, lessThan, end);
      at = end;
    }
    this.lines?.advance(data.length);
  }

  close(): void {
    if (this.pending !== '' || this.depth !== 0 || !this.sawRoot) throw this.malformed('the document ends inside markup or an element');
  }

  private addText(text: string): void {
    this.textLength += text.length;
    if (this.textLength > MAX_TEXT_CHARACTERS) throw this.malformed('a text node is longer than the maximum');
    this.textPieces.push(text);
  }

  private flushText(): void {
    if (this.textPieces.length === 0) return;
    const raw = this.textPieces.length === 1 ? this.textPieces[0]! : this.textPieces.join('');
    this.textPieces = [];
    this.textLength = 0;
    if (this.depth > 0) this.handler.text(decodeReferences(normalizeLineEnds(raw)), this.depth - 1);
  }

  /** Returns the index just past the markup item at `start`, or -1 when it is not complete yet. */
  private markupEnd(data: string, start: number): number {
    const next = data.charCodeAt(start + 1);
    if (next === 0x21 /* ! */) {
      if (data.startsWith('<!--', start)) return endAfter(data, '-->', start + 4);
      if (data.startsWith('<![CDATA[', start)) return endAfter(data, ']]>', start + 9);
      if (data.length - start < 9) return -1;
      throw this.malformed('a declaration other than a comment or CDATA section');
    }
    if (next === 0x3f /* ? */) return endAfter(data, '?>', start + 2);
    if (Number.isNaN(next)) return -1;
    // A start or end tag ends at the first ">" outside quotes.
    let quote = 0;
    for (let index = start + 1; index < data.length; index++) {
      const code = data.charCodeAt(index);
      if (quote !== 0) {
        if (code === quote) quote = 0;
      } else if (code === 0x22 || code === 0x27) {
        quote = code;
      } else if (code === 0x3e /* > */) {
        return index + 1;
      }
    }
    return -1;
  }

  private markup(data: string, start: number, end: number): void {
    const next = data.charCodeAt(start + 1);
    if (next === 0x21 /* ! */) {
      if (data.startsWith('<![CDATA[', start) && this.depth > 0) this.handler.text(normalizeLineEnds(data.slice(start + 9, end - 3)), this.depth - 1);
      return;
    }
    if (next === 0x3f /* ? */) return;
    if (next === 0x2f /* / */) return this.endTag();
    this.startTag(data.slice(start + 1, end - 1));
  }

  private startTag(tag: string): void {
    const selfClosing = tag.charCodeAt(tag.length - 1) === 0x2f;
    const body = selfClosing ? tag.slice(0, -1) : tag;
    let nameEnd = 0;
    while (nameEnd < body.length && !isSpace(body.charCodeAt(nameEnd))) nameEnd++;
    const qualifiedName = body.slice(0, nameEnd);

    // Attributes in document order, declarations apart.
    const names: string[] = [];
    const values: string[] = [];
    let declarations: Record<string, string> | undefined;
    let at = nameEnd;
    while (true) {
      while (at < body.length && isSpace(body.charCodeAt(at))) at++;
      if (at >= body.length) break;
      const equals = body.indexOf('=', at);
      if (equals < 0) throw this.malformed(`an attribute without a value in <${qualifiedName}>`);
      const name = body.slice(at, equals).trimEnd();
      let quoteAt = equals + 1;
      while (quoteAt < body.length && isSpace(body.charCodeAt(quoteAt))) quoteAt++;
      const quote = body[quoteAt];
      if (quote !== '"' && quote !== "'") throw this.malformed(`an unquoted attribute value in <${qualifiedName}>`);
      const close = body.indexOf(quote, quoteAt + 1);
      if (close < 0) throw this.malformed(`an unterminated attribute value in <${qualifiedName}>`);
      const value = decodeReferences(normalizeAttributeSpace(body.slice(quoteAt + 1, close)));
      at = close + 1;
      if (name === 'xmlns') (declarations ??= {})[''] = value;
      else if (name.startsWith('xmlns:')) (declarations ??= {})[name.slice(6)] = value;
      else {
        names.push(name);
        values.push(value);
      }
    }

    if (this.depth >= MAX_ELEMENT_DEPTH) throw this.malformed('elements are nested deeper than the maximum');
    const ownDeclarations = declarations ?? NO_DECLARATIONS;
    this.namespaces.enter(ownDeclarations);
    this.openDeclarations.push(ownDeclarations);

    const colon = qualifiedName.indexOf(':');
    const prefix = colon < 0 ? '' : qualifiedName.slice(0, colon);
    const attributes: Record<string, string> = {};
    for (let index = 0; index < names.length; index++) {
      const name = names[index]!;
      const attributeColon = name.indexOf(':');
      if (attributeColon < 0) {
        attributes[name] = values[index]!;
        continue;
      }
      const uri = this.resolve(name.slice(0, attributeColon));
      const local = name.slice(attributeColon + 1);
      attributes[uri === XSI_NS ? `xsi:${local}` : `{${uri}}${local}`] = values[index]!;
    }
    const startTag: StartTag = {
      local: colon < 0 ? qualifiedName : qualifiedName.slice(colon + 1),
      uri: this.resolve(prefix),
      prefix,
      attributes,
      namespaceDeclarations: ownDeclarations,
      line: 0,
      column: 0,
    };
    if (this.lines !== undefined) this.tagPosition(startTag, qualifiedName, body.charCodeAt(nameEnd));
    this.sawRoot = true;
    this.handler.openElement(startTag, this.depth);
    this.depth++;
    if (selfClosing) this.endTag();
  }

  private endTag(): void {
    if (this.depth === 0) throw this.malformed('an end tag without a start tag');
    this.depth--;
    this.namespaces.leave(this.openDeclarations.pop()!);
    this.handler.closeElement(this.depth);
  }

  /**
   * Sets the line and column of a start tag whose `<` is at the counter's cursor, as streamXml
   * sets them from saxes. saxes reports its place once it has read the name and the character
   * after it, and streamXml goes back over the name. So the column is that of `<`, unless the
   * name ends at a line break: then the tag is placed at column 1 of the next line.
   */
  private tagPosition(tag: StartTag, qualifiedName: string, after: number): void {
    const lines = this.lines!;
    if (after === 0x0a || after === 0x0d) {
      tag.line = lines.line + 1;
      tag.column = 1;
      return;
    }
    // saxes counts code points, and streamXml subtracts the name's length in UTF-16 units.
    const nameCodePoints = codePoints(qualifiedName, 0, qualifiedName.length);
    tag.line = lines.line;
    tag.column = Math.max(1, lines.column + 1 + nameCodePoints - qualifiedName.length);
  }

  /** Returns the URI of `prefix`; no prefix without a default namespace is no namespace. */
  private resolve(prefix: string): string {
    const uri = this.namespaces.resolve(prefix);
    if (uri !== undefined) return uri;
    if (prefix === '') return '';
    throw this.malformed(`the prefix ${prefix} is not declared`);
  }

  private malformed(what: string): ScapulaError {
    return new ScapulaError('XML_MALFORMED', `malformed XML: ${what}`, { file: this.file });
  }
}

/**
 * Counts lines and columns as saxes does: "\r\n", a lone "\r" and "\n" each end a line, and
 * columns count code points. The cursor moves forward only, through one data string at a time,
 * and each line feed is found once, so the work is linear in the input.
 */
class LineCounter {
  line = 1;
  column = 0;
  private data = '';
  private cursor = 0;
  /** The index of the next line feed at or after the cursor, or the data's length. */
  private nextLineFeed = 0;
  private hasCarriageReturns = false;
  private hasSurrogates = false;
  /** Whether the last data string ended with "\r", so that a "\n" starting the next is part of it. */
  private afterCarriageReturn = false;

  startData(data: string): void {
    this.data = data;
    this.cursor = 0;
    this.nextLineFeed = -1;
    this.hasCarriageReturns = data.includes('\r');
    this.hasSurrogates = /[\uD800-\uDFFF]/.test(data);
    if (this.afterCarriageReturn) {
      this.afterCarriageReturn = false;
      if (data.charCodeAt(0) === 0x0a) this.cursor = 1;
    }
  }

  /** Moves the cursor to `to`, counting the line ends and code points on the way. */
  advance(to: number): void {
    const data = this.data;
    const from = this.cursor;
    if (to <= from) return;
    let lineStart = -1;
    if (this.nextLineFeed < from) this.nextLineFeed = indexOrLength(data, '\n', from);
    while (this.nextLineFeed < to) {
      this.line++;
      lineStart = this.nextLineFeed + 1;
      this.nextLineFeed = indexOrLength(data, '\n', lineStart);
    }
    if (this.hasCarriageReturns) {
      for (let at = data.indexOf('\r', from); at >= 0 && at < to; at = data.indexOf('\r', at + 1)) {
        // A "\r\n" ends its line at the line feed, counted above.
        if (data.charCodeAt(at + 1) === 0x0a) continue;
        this.line++;
        if (at + 1 > lineStart) lineStart = at + 1;
        if (at + 1 === data.length) this.afterCarriageReturn = true;
      }
    }
    const count = this.hasSurrogates ? codePoints : (_: string, start: number, end: number) => end - start;
    if (lineStart >= 0) this.column = count(data, lineStart, to);
    else this.column += count(data, from, to);
    this.cursor = to;
  }
}

function indexOrLength(data: string, search: string, from: number): number {
  const found = data.indexOf(search, from);
  return found < 0 ? data.length : found;
}

/** Returns the number of code points in `text` from `start` to `end`: a surrogate pair counts once. */
function codePoints(text: string, start: number, end: number): number {
  let count = end - start;
  for (let index = start; index < end - 1; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        index++;
      }
    }
  }
  return count;
}

/** Returns the index just past `terminator` at or after `from`, or -1. */
function endAfter(data: string, terminator: string, from: number): number {
  const found = data.indexOf(terminator, from);
  return found < 0 ? -1 : found + terminator.length;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d;
}

/** XML 1.0 line-end handling: "\r\n" and a lone "\r" become "\n". */
function normalizeLineEnds(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

/** Attribute-value normalization for CDATA attributes: each line end, tab or newline is one space. */
function normalizeAttributeSpace(value: string): string {
  if (!/[\t\n\r]/.test(value)) return value;
  return value.replace(/\r\n|[\t\n\r]/g, ' ');
}

/**
 * Replaces the predefined entity references and character references, as the pattern
 * `&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z]+);` finds them; any other `&` stays as it is. The pieces
 * are joined in batches: String.replace with a callback kept about 100 bytes per reference, and
 * a text of 5 million references took 1 GB.
 */
function decodeReferences(text: string): string {
  let at = text.indexOf('&');
  if (at < 0) return text;
  const batches: string[] = [];
  let pieces: string[] = [];
  let from = 0;
  while (at >= 0) {
    const end = referenceEnd(text, at);
    if (end < 0) {
      at = text.indexOf('&', at + 1);
      continue;
    }
    pieces.push(text.slice(from, at), referenceValue(text.slice(at, end)));
    if (pieces.length >= REFERENCE_BATCH) {
      batches.push(pieces.join(''));
      pieces = [];
    }
    from = end;
    at = text.indexOf('&', end);
  }
  pieces.push(text.slice(from));
  batches.push(pieces.join(''));
  return batches.length === 1 ? batches[0]! : batches.join('');
}

/** The number of pieces joined into one string at a time by decodeReferences. */
const REFERENCE_BATCH = 8192;

/** Returns the index just past the reference that starts at `at` (an `&`), or -1 when none does. */
function referenceEnd(text: string, at: number): number {
  let index = at + 1;
  let isDigit: (code: number) => boolean = isLetter;
  if (text.charCodeAt(index) === 0x23 /* # */) {
    index++;
    isDigit = isDecimalDigit;
    if (text.charCodeAt(index) === 0x78 /* x */ && isHexDigit(text.charCodeAt(index + 1))) {
      index++;
      isDigit = isHexDigit;
    }
  }
  const start = index;
  while (index < text.length && isDigit(text.charCodeAt(index))) index++;
  return index > start && text.charCodeAt(index) === 0x3b /* ; */ ? index + 1 : -1;
}

/** Returns the text a reference such as `&amp;` or `&#x41;` stands for. */
function referenceValue(reference: string): string {
  const body = reference.slice(1, -1);
  if (body.charCodeAt(0) === 0x23 /* # */) {
    const code = body.charCodeAt(1) === 0x78 /* x */ ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
    return String.fromCodePoint(code);
  }
  const replacement = PREDEFINED[body];
  if (replacement === undefined) throw new ScapulaError('XML_MALFORMED', `malformed XML: the entity ${reference} is not defined`);
  return replacement;
}

function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function isDecimalDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isHexDigit(code: number): boolean {
  return isDecimalDigit(code) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}
