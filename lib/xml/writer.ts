/**
 * A small streaming XML writer. Text is collected in a buffer and handed to a Node Writable in
 * pieces of about 64 KiB, waiting for 'drain' whenever `write` returns false. A file stream that
 * is open and has nothing queued is written directly, with `writeSync`: see `writeChunk`. The
 * writer never ends the stream, because callers may write to standard output.
 */
import { fstatSync, WriteStream, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';

import { ScapulaError } from '../errors.js';

const FLUSH_SIZE = 64 * 1024;

/** After this many bytes written directly to a file, the writer lets the event loop run (Ctrl-C). */
const YIELD_SIZE = 4 * 1024 * 1024;

/** Scratch space for encoding a chunk before a direct write; a larger chunk gets its own buffer. */
const encoded = Buffer.allocUnsafe(4 * FLUSH_SIZE);

/**
 * Deeper elements are indented like this level, so that deeply nested criteria (10,000 levels in
 * hostile content) do not make the output grow with the square of the depth.
 */
const MAX_INDENTED_DEPTH = 32;
const INDENTATION = Array.from({ length: MAX_INDENTED_DEPTH + 1 }, (_, depth) => `\n${'  '.repeat(depth)}`);

/**
 * Characters that XML 1.0 cannot contain: C0 controls other than tab, newline and carriage
 * return, lone surrogates, U+FFFE and U+FFFF. They are written as U+FFFD.
 */
const INVALID_XML_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Characters that make `escapeText` change its input; most text has none. */
const TEXT_NEEDS_WORK = /[\u0000-\u0008\u000B\u000C\u000E-\u001F&<>\r\uD800-\uDFFF\uFFFE\uFFFF]/;

/** Characters that make `escapeAttribute` change its input; most values (ids, results, numbers) have none. */
const ATTRIBUTE_NEEDS_WORK = /[\u0000-\u001F&<>"\uD800-\uDFFF\uFFFE\uFFFF]/;

/** Escapes element text the way libxml2 writes it (OpenSCAP's output): `&`, `<` and `>`. */
export function escapeText(text: string): string {
  if (!TEXT_NEEDS_WORK.test(text)) return text;
  let escaped = text.replace(INVALID_XML_CHARACTERS, '\uFFFD');
  if (!/[&<>\r]/.test(escaped)) return escaped;
  escaped = escaped.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  // A literal carriage return would be read back as a newline.
  return escaped.replace(/\r/g, '&#13;');
}

/**
 * Escapes an attribute value as libxml2 does: `&`, `<`, `>` and `"`, and tab, newline and
 * carriage return as character references so that they survive attribute normalisation.
 */
export function escapeAttribute(value: string): string {
  if (!ATTRIBUTE_NEEDS_WORK.test(value)) return value;
  const cleaned = value.replace(INVALID_XML_CHARACTERS, '\uFFFD');
  if (!/[&<>"\t\n\r]/.test(cleaned)) return cleaned;
  return cleaned
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/** Attributes in writing order; undefined values are left out. */
export type Attributes = [name: string, value: string | number | undefined][];

/**
 * Writes XML indented by two spaces per level, as OpenSCAP does, so that results can be read and
 * compared line by line. Element text is never indented, so no value changes.
 */
export class XmlWriter {
  private pieces: string[] = [];
  private size = 0;
  private depth = 0;
  /** Whether the last thing written was an end tag or an empty element, so a closing tag goes on a new line. */
  private closedChild = false;
  /** Bytes written directly to a file since the event loop last ran. */
  private directBytes = 0;
  /** Whether the file stream's descriptor is a regular file, once known. */
  private regularFile: boolean | undefined;

  /** `depth`: the nesting depth of the first element written, for a part of a larger document. */
  constructor(
    private readonly out: Writable,
    private readonly name = 'output',
    depth = 0,
  ) {
    this.depth = depth;
  }

  raw(text: string): void {
    this.pieces.push(text);
    this.size += text.length;
  }

  /** Writes a start tag, or an empty element when `empty` is set. */
  start(name: string, attributes: Attributes = [], empty = false): void {
    this.raw(this.indentation() + openingTag(name, attributes, empty));
    if (empty) {
      this.closedChild = true;
    } else {
      this.depth++;
      this.closedChild = false;
    }
  }

  /**
   * Writes a start tag, or an empty element when `empty` is set, from markup the caller built with
   * `escapeAttribute`: `<name a="v">`. Hot loops use it to skip building attribute lists.
   */
  startMarkup(markup: string, empty = false): void {
    this.raw(this.indentation() + markup);
    if (empty) {
      this.closedChild = true;
    } else {
      this.depth++;
      this.closedChild = false;
    }
  }

  end(name: string): void {
    this.depth--;
    this.raw(this.closedChild ? `${this.indentation()}</${name}>` : `</${name}>`);
    this.closedChild = true;
  }

  /** Writes `<name …>text</name>` on one line, or an empty element for empty text. */
  element(name: string, attributes: Attributes, text: string): void {
    if (text === '') {
      this.start(name, attributes, true);
      return;
    }
    this.raw(`${this.indentation()}${openingTag(name, attributes, false)}${escapeText(text)}</${name}>`);
    this.closedChild = true;
  }

  /** Starts a new line at the current depth, before content written with `bytes`. */
  newLine(): void {
    this.raw(this.indentation());
  }

  private indentation(): string {
    return INDENTATION[Math.min(this.depth, MAX_INDENTED_DEPTH)]!;
  }

  /** Hands the buffer to the stream once it is large enough, waiting if the stream is full. */
  async drain(): Promise<void> {
    if (this.size >= FLUSH_SIZE) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pieces.length === 0) return;
    const text = this.pieces.join('');
    this.pieces = [];
    this.size = 0;
    await this.writeChunk(text);
  }

  /** Writes bytes as they are, after whatever text is buffered. */
  async bytes(chunk: Uint8Array): Promise<void> {
    await this.flush();
    await this.writeChunk(chunk);
    this.closedChild = true;
  }

  /**
   * Writes bytes as they are, from a buffer the caller reuses once this returns. A file stream
   * gets the buffer itself and this waits until the bytes are in the file. Another stream may keep
   * the chunks it is given (a PassThrough does), so it gets a copy.
   */
  async reusedBytes(chunk: Uint8Array): Promise<void> {
    if (!(this.out instanceof WriteStream)) return this.bytes(Buffer.from(chunk));
    await this.flush();
    this.checkOpen();
    if (this.directDescriptor() !== undefined) {
      await this.writeChunk(chunk);
    } else {
      await new Promise<void>((resolve, reject) => {
        this.out.write(chunk, (error) => {
          if (error) reject(this.writeError(error));
          else resolve();
        });
      });
    }
    this.closedChild = true;
  }

  /**
   * Hands a chunk to the stream. A file stream is written with `writeSync` while it has nothing
   * queued: a 64 KiB write into the page cache takes microseconds, while waiting for 'drain' after
   * each one (the stream buffers 16 KiB) left the thread idle for over a second on a 230 MB result.
   */
  private async writeChunk(chunk: string | Uint8Array): Promise<void> {
    this.checkOpen();
    const descriptor = this.directDescriptor();
    if (descriptor !== undefined) {
      this.directBytes += writeFully(descriptor, chunk, (error) => this.writeError(error));
      if (this.directBytes >= YIELD_SIZE) {
        this.directBytes = 0;
        await new Promise((resolve) => setImmediate(resolve));
        this.checkOpen();
      }
      return;
    }
    if (this.out.write(chunk)) return;
    await new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        this.out.off('drain', onDrain);
        this.out.off('error', onError);
        this.out.off('close', onClose);
        if (error) reject(error);
        else resolve();
      };
      const onDrain = () => settle();
      const onError = (error: Error) => settle(this.writeError(error));
      const onClose = () => settle(new ScapulaError('IO', 'cannot write: the output stream closed', { file: this.name }));
      this.out.on('drain', onDrain);
      this.out.on('error', onError);
      this.out.on('close', onClose);
    });
  }

  /**
   * Returns the descriptor of a file stream that can be written directly: open on a regular
   * file, with nothing queued that would have to come first, and writing at the file's current
   * offset (no `start` option). A pipe or FIFO is not written directly: a write to it waits for
   * its reader, which may need this thread to run.
   */
  private directDescriptor(): number | undefined {
    const out = this.out;
    if (!(out instanceof WriteStream) || out.pending || out.writableLength > 0) return undefined;
    // Both are set by fs.WriteStream but not declared in its type.
    const { fd, pos } = out as unknown as { fd?: unknown; pos?: unknown };
    if (typeof fd !== 'number' || pos !== undefined) return undefined;
    this.regularFile ??= isRegularFile(fd);
    return this.regularFile ? fd : undefined;
  }

  private checkOpen(): void {
    if (this.out.destroyed || this.out.writableEnded) {
      throw new ScapulaError('IO', 'cannot write: the output stream is closed', { file: this.name });
    }
  }

  private writeError(error: Error): ScapulaError {
    return new ScapulaError('IO', `cannot write: ${error.message}`, { file: this.name }, { cause: error });
  }
}

function isRegularFile(descriptor: number): boolean {
  try {
    return fstatSync(descriptor).isFile();
  } catch {
    return false;
  }
}

/** Writes all of `chunk` to `descriptor` and returns the number of bytes written. */
function writeFully(descriptor: number, chunk: string | Uint8Array, failure: (error: Error) => Error): number {
  let bytes: Uint8Array;
  if (typeof chunk !== 'string') bytes = chunk;
  else if (chunk.length * 3 <= encoded.length) bytes = encoded.subarray(0, encoded.write(chunk, 0, 'utf8'));
  else bytes = Buffer.from(chunk, 'utf8');
  let offset = 0;
  try {
    while (offset < bytes.length) offset += writeSync(descriptor, bytes, offset, bytes.length - offset);
  } catch (error) {
    throw failure(error as Error);
  }
  return bytes.length;
}

function openingTag(name: string, attributes: Attributes, empty: boolean): string {
  let tag = `<${name}`;
  // An indexed loop: before V8 optimizes this function, destructuring each pair costs an iterator.
  for (let index = 0; index < attributes.length; index++) {
    const value = attributes[index]![1];
    if (value !== undefined) tag += ` ${attributes[index]![0]}="${escapeAttribute(String(value))}"`;
  }
  return empty ? `${tag}/>` : `${tag}>`;
}

/** Returns the local time as OpenSCAP writes generator timestamps: `2024-06-01T12:00:00`. */
export function timestampNow(date = new Date()): string {
  const pad = (value: number): string => String(value).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}
