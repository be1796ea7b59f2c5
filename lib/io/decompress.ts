/**
 * Recognises a compressed stream by its first bytes and decompresses it as a stream:
 * gzip (1f 8b), bzip2 ("BZh"), xz (fd "7zXZ" 00) and zstd (28 b5 2f fd). Names are never
 * trusted: a ".gz" file that is plain XML is read as plain XML.
 */
import { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { createRequire } from 'node:module';
import type * as Fzstd from 'fzstd';

import { ScapulaError } from '../errors.js';
import { bzip2Stream } from './bzip2.js';
import type { ByteSource } from './source.js';

const require = createRequire(import.meta.url);

export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

/** xz is decompressed whole (the library has no streaming decoder); larger inputs are refused. */
const MAX_XZ_INPUT_BYTES = 256 * 1024 * 1024;

export function detectCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 3 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  if (head.length >= 6 && head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a && head[5] === 0x00) return 'xz';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/** Opens `source` and returns its decompressed bytes as a stream, with the compression found. */
export async function openDecompressed(source: ByteSource): Promise<{ stream: Readable; compression: Compression }> {
  const head = await source.readRange(0, 8);
  const compression = detectCompression(head);
  return { stream: decompressStream(source.stream(), compression, source.name), compression };
}

export function decompressStream(input: Readable, compression: Compression, name: string): Readable {
  switch (compression) {
    case 'none':
      return input;
    case 'gzip':
      return pipeWithErrors(input, createGunzip(), name, 'gzip');
    case 'bzip2':
      return bzip2Stream(input, name);
    case 'zstd':
      return pipeWithErrors(input, zstdTransform(), name, 'zstd');
    case 'xz':
      return xzStream(input, name);
  }
}

function pipeWithErrors(input: Readable, transform: Transform, name: string, format: string): Readable {
  input.on('error', (error) => transform.destroy(error));
  const output = input.pipe(transform);
  const result = new Readable({ read() {} });
  output.on('data', (chunk: Buffer) => {
    if (!result.push(chunk)) output.pause();
  });
  result._read = () => output.resume();
  output.on('end', () => result.push(null));
  output.on('error', (error: Error) => {
    const known = error instanceof ScapulaError ? error : new ScapulaError('IO', `invalid ${format} data: ${error.message}`, { file: name }, { cause: error });
    result.destroy(known);
  });
  result._destroy = (error, callback) => {
    input.destroy();
    callback(error);
  };
  return result;
}

function zstdTransform(): Transform {
  // Loaded on first use, as the other decoders: most documents are not compressed with zstd.
  const { Decompress } = require('fzstd') as typeof Fzstd;
  let decoder: Fzstd.Decompress;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback) {
      try {
        decoder.push(new Uint8Array(0), true);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  decoder = new Decompress((data) => {
    transform.push(Buffer.from(data));
  });
  return transform;
}

function xzStream(input: Readable, name: string): Readable {
  async function* run(): AsyncGenerator<Buffer> {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of input) {
      total += (chunk as Buffer).length;
      if (total > MAX_XZ_INPUT_BYTES) {
        throw new ScapulaError('LIMIT', `xz input larger than ${MAX_XZ_INPUT_BYTES} bytes; decompress it first`, { file: name });
      }
      chunks.push(chunk as Buffer);
    }
    const { xz } = require('@napi-rs/lzma') as { xz: { decompress(input: Buffer): Promise<Buffer> } };
    let output: Buffer;
    try {
      output = await xz.decompress(Buffer.concat(chunks));
    } catch (error) {
      throw new ScapulaError('IO', `invalid xz data: ${(error as Error).message}`, { file: name }, { cause: error });
    }
    for (let offset = 0; offset < output.length; offset += 1 << 20) yield output.subarray(offset, offset + (1 << 20));
  }
  return Readable.from(run());
}
