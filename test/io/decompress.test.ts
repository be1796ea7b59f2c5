import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { isScapulaError } from '../../lib/errors.js';
import { detectCompression, openDecompressed } from '../../lib/io/decompress.js';
import { bufferSource } from '../../lib/io/source.js';
import { fixturesDir, skipWithoutShared } from '../fixtures.js';

const hasBzip2 = existsSync('/usr/bin/bzip2') || existsSync('/bin/bzip2');

function bzip2(bytes: Uint8Array): Buffer {
  return execFileSync('bzip2', ['-c'], { input: bytes, maxBuffer: 1 << 28 });
}

async function readAll(bytes: Uint8Array): Promise<Buffer> {
  const { stream } = await openDecompressed(bufferSource('input', bytes));
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('detectCompression', () => {
  it('recognises formats by magic bytes', () => {
    expect(detectCompression(Buffer.from([0x1f, 0x8b, 8, 0]))).toBe('gzip');
    expect(detectCompression(Buffer.from('BZh91AY'))).toBe('bzip2');
    expect(detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))).toBe('xz');
    expect(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe('zstd');
    expect(detectCompression(Buffer.from('<?xml'))).toBe('none');
  });
});

describe.skipIf(!hasBzip2)('bzip2 decompression', () => {
  it('decodes several megabytes exactly', async () => {
    // Random bytes in hex text: several bzip2 blocks and several 1 MiB output chunks.
    const original = Buffer.from(randomBytes(3 * 1024 * 1024).toString('hex'));
    const decoded = await readAll(bzip2(original));
    expect(decoded.length).toBe(original.length);
    expect(createHash('sha256').update(decoded).digest('hex')).toBe(createHash('sha256').update(original).digest('hex'));
  });

  it('decodes concatenated streams', async () => {
    const input = Buffer.concat([bzip2(Buffer.from('first\n')), bzip2(Buffer.from('second\n'))]);
    expect((await readAll(input)).toString()).toBe('first\nsecond\n');
  });

  it('rejects corrupt data with the file name', async () => {
    const input = bzip2(Buffer.from('x'.repeat(100_000) + 'y'.repeat(100_000)));
    input[input.length >> 1] ^= 0xff;
    const error = await readAll(input).catch((caught: unknown) => caught);
    expect(isScapulaError(error, 'IO')).toBe(true);
    expect((error as Error).message).toMatch(/^input: invalid bzip2 data, the file is truncated or corrupt/);
  });

  it('rejects truncated data', async (context) => {
    // The first half of a real feed: the decoder runs out of input inside a block.
    const feedPath = path.join(fixturesDir, 'oval/debian/oval-definitions-bookworm-changelogs.xml.bz2');
    skipWithoutShared(context, feedPath);
    const feed = readFileSync(feedPath);
    const error = await readAll(feed.subarray(0, feed.length >> 1)).catch((caught: unknown) => caught);
    expect(isScapulaError(error, 'IO')).toBe(true);
    expect((error as Error).message).toMatch(/^input: invalid bzip2 data, the file is truncated or corrupt \(.+\)$/);
  });

  it('stops the decoder when the reader stops early', async () => {
    // A bomb: 64 MiB of zeros compress to a few hundred bytes. Reading one chunk and then
    // destroying the stream must end the worker instead of decoding everything.
    const bomb = execFileSync('sh', ['-c', 'head -c 67108864 /dev/zero | bzip2 -c'], { maxBuffer: 1 << 24 });
    const { stream } = await openDecompressed(bufferSource('bomb', bomb));
    let seen = 0;
    for await (const chunk of stream) {
      seen += (chunk as Buffer).length;
      if (seen >= 1 << 20) break;
    }
    expect(seen).toBeGreaterThanOrEqual(1 << 20);
    expect(seen).toBeLessThan(64 * 1024 * 1024);
  });
});
