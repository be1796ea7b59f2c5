/**
 * Content stores: random access to the host files (or byte sources) that hold the bytes of
 * an image's regular files, such as an uncompressed archive, a blob or a spool file.
 */
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';

import { ScapulaError } from '../../errors.js';
import type { ByteSource } from '../../io/source.js';
import type { ContentStore } from './tree.js';

/** A content store that can also stream a range, for reading layers and blobs in order. */
export interface RandomAccessStore extends ContentStore {
  /** Streams `length` bytes from `offset`. */
  stream(offset: number, length: number): Readable;
  close(): Promise<void>;
}

/** A host file read through one handle, opened on first use and kept until `close`. */
export class FileStore implements RandomAccessStore {
  readonly name: string;
  private readonly path: string;
  private handle: Promise<FileHandle> | null = null;
  private closed = false;

  constructor(path: string, name = path) {
    this.path = path;
    this.name = name;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const handle = await this.openHandle();
    const buffer = Buffer.alloc(length);
    let filled = 0;
    try {
      while (filled < length) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
    } catch (error) {
      throw storeError(this.name, error);
    }
    return buffer.subarray(0, filled);
  }

  stream(offset: number, length: number): Readable {
    if (this.closed) throw new ScapulaError('IO', 'cannot read: the target was closed', { file: this.name });
    if (length === 0) return Readable.from([]);
    const stream = createReadStream(this.path, { start: offset, end: offset + length - 1, highWaterMark: 1 << 20 });
    return withErrorMapping(stream, this.name);
  }

  async close(): Promise<void> {
    this.closed = true;
    const handle = this.handle;
    this.handle = null;
    if (handle !== null) await (await handle.catch(() => null))?.close();
  }

  private openHandle(): Promise<FileHandle> {
    if (this.closed) return Promise.reject(new ScapulaError('IO', 'cannot read: the target was closed', { file: this.name }));
    this.handle ??= open(this.path, 'r').catch((error: unknown) => {
      this.handle = null;
      throw storeError(this.name, error);
    });
    return this.handle;
  }
}

/** A caller's ByteSource used as a content store. */
export class SourceStore implements RandomAccessStore {
  readonly name: string;
  private readonly source: ByteSource;

  constructor(source: ByteSource) {
    this.source = source;
    this.name = source.name;
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    return this.source.readRange(offset, length);
  }

  stream(offset: number, length: number): Readable {
    const source = this.source.stream(offset);
    let remaining = length;
    const limited = new Readable({
      read() {
        source.resume();
      },
      destroy(error, callback) {
        source.destroy();
        callback(error);
      },
    });
    source.on('data', (chunk: Buffer) => {
      if (remaining === 0) return;
      const part = chunk.byteLength > remaining ? chunk.subarray(0, remaining) : chunk;
      remaining -= part.byteLength;
      if (!limited.push(part)) source.pause();
      if (remaining === 0) {
        limited.push(null);
        source.destroy();
      }
    });
    source.on('end', () => {
      if (remaining > 0) limited.push(null);
    });
    source.on('error', (error) => limited.destroy(storeError(this.name, error)));
    return limited;
  }

  async close(): Promise<void> {
    // The caller owns the source.
  }
}

function withErrorMapping(stream: Readable, name: string): Readable {
  const mapped = new Readable({
    read() {
      stream.resume();
    },
    destroy(error, callback) {
      stream.destroy();
      callback(error);
    },
  });
  stream.on('data', (chunk: Buffer) => {
    if (!mapped.push(chunk)) stream.pause();
  });
  stream.on('end', () => mapped.push(null));
  stream.on('error', (error) => mapped.destroy(storeError(name, error)));
  return mapped;
}

function storeError(name: string, error: unknown): ScapulaError {
  if (error instanceof ScapulaError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new ScapulaError('IO', `cannot read: ${reason}`, { file: name }, { cause: error });
}
