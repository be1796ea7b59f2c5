import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { isScapulaError } from '../../lib/errors.js';
import { readBdbHeaders } from '../../lib/packages/rpm/bdb.js';
import { RpmHeader } from '../../lib/packages/rpm/header.js';
import { readNdbHeaders } from '../../lib/packages/rpm/ndb.js';
import { packageFiles, packageFromHeader } from '../../lib/packages/rpm/package.js';
import { readRpmDatabase } from '../../lib/packages/rpm/rpmdb.js';
import { readSqliteHeaders } from '../../lib/packages/rpm/sqlite.js';
import { MemoryFileSystem, fixtureBytes, repoRoot } from './memory-fs.js';
import { describeWithShared, fixturesDir } from '../fixtures.js';

/** Decodes every header the way the probes do, so a bad blob surfaces here too. */
function decodeAll(blobs: { blob: Uint8Array; instance: number }[]): number {
  let files = 0;
  for (const entry of blobs) files += packageFiles(packageFromHeader(new RpmHeader(entry.blob, `header ${entry.instance}`))).length;
  return files;
}

/** Runs `read` and accepts only success or a PACKAGE_DB_CORRUPT error. */
async function expectCleanOutcome(read: () => unknown | Promise<unknown>): Promise<'ok' | 'corrupt'> {
  try {
    await read();
    return 'ok';
  } catch (error) {
    if (isScapulaError(error, 'PACKAGE_DB_CORRUPT')) return 'corrupt';
    throw error;
  }
}

/** Returns a deterministic pseudo-random sequence (xorshift32), so failures can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}

function headerBlob(entries: { tag: number; type: number; offset: number; count: number }[], data: Uint8Array): Uint8Array {
  const blob = new Uint8Array(8 + entries.length * 16 + data.length);
  const view = new DataView(blob.buffer);
  view.setUint32(0, entries.length);
  view.setUint32(4, data.length);
  entries.forEach((entry, i) => {
    view.setUint32(8 + i * 16, entry.tag);
    view.setUint32(12 + i * 16, entry.type);
    view.setInt32(16 + i * 16, entry.offset);
    view.setUint32(20 + i * 16, entry.count);
  });
  blob.set(data, 8 + entries.length * 16);
  return blob;
}

describe('rpm header decoder on hostile input', () => {
  const name = new TextEncoder().encode('bash\0');

  it('decodes a minimal header', () => {
    const header = new RpmHeader(headerBlob([{ tag: 1000, type: 6, offset: 0, count: 1 }], name), 'test');
    expect(header.string(1000)).toBe('bash');
  });

  const cases: [string, Uint8Array, RegExp][] = [
    ['a blob shorter than its preamble', new Uint8Array(5), /shorter than its 8-byte preamble/],
    ['an index count of zero', headerBlob([], new Uint8Array(0)), /0 index entries/],
    ['a giant index count', (() => { const b = new Uint8Array(8); new DataView(b.buffer).setUint32(0, 0x7fffffff); return b; })(), /index entries/],
    ['a giant data length', (() => { const b = new Uint8Array(24); const v = new DataView(b.buffer); v.setUint32(0, 1); v.setUint32(4, 0x7fffffff); return b; })(), /data store is/],
    ['an offset past the data', headerBlob([{ tag: 1000, type: 6, offset: 9, count: 1 }], name), /offset 9 outside/],
    ['a negative offset', headerBlob([{ tag: 1000, type: 6, offset: -4, count: 1 }], name), /offset -4 outside/],
    ['an INT32 array past the data', headerBlob([{ tag: 1003, type: 4, offset: 0, count: 1000 }], new Uint8Array(8)), /past the end/],
    ['a misaligned INT32', headerBlob([{ tag: 1003, type: 4, offset: 1, count: 1 }], new Uint8Array(8)), /not aligned/],
    ['an unknown type', headerBlob([{ tag: 1000, type: 77, offset: 0, count: 1 }], name), /unknown type 77/],
    ['more strings than bytes', headerBlob([{ tag: 1117, type: 8, offset: 0, count: 0x7fffffff }], name), /strings but only/],
    ['a region trailer that lies', headerBlob([{ tag: 63, type: 7, offset: 0, count: 16 }], new Uint8Array(16)), /region trailer/],
  ];
  for (const [label, blob, message] of cases) {
    it(`rejects ${label}`, () => {
      expect(() => new RpmHeader(blob, 'test')).toThrow(message);
    });
  }

  it('rejects file tags of the wrong length', () => {
    // NAME "pkg", BASENAMES ["a", "b"], DIRNAMES ["/usr/"], FILEMODES [0o100644], DIRINDEXES [0, 0].
    const data = new Uint8Array(28);
    data.set(new TextEncoder().encode('pkg\0a\0b\0/usr/\0'));
    new DataView(data.buffer).setUint16(16, 0o100644);
    const header = new RpmHeader(
      headerBlob(
        [
          { tag: 1000, type: 6, offset: 0, count: 1 },
          { tag: 1117, type: 8, offset: 4, count: 2 },
          { tag: 1118, type: 8, offset: 8, count: 1 },
          { tag: 1030, type: 3, offset: 16, count: 1 },
          { tag: 1116, type: 4, offset: 20, count: 2 },
        ],
        data,
      ),
      'test',
    );
    expect(() => packageFiles(packageFromHeader(header))).toThrow('FILEMODES has 1 values for 2 files');
  });

  it('rejects a directory index out of range', () => {
    const data = new Uint8Array(16);
    data.set(new TextEncoder().encode('pkg\0a\0/usr/\0'));
    new DataView(data.buffer).setUint32(12, 7);
    const header = new RpmHeader(
      headerBlob(
        [
          { tag: 1000, type: 6, offset: 0, count: 1 },
          { tag: 1117, type: 8, offset: 4, count: 1 },
          { tag: 1118, type: 8, offset: 6, count: 1 },
          { tag: 1116, type: 4, offset: 12, count: 1 },
        ],
        data,
      ),
      'test',
    );
    expect(() => packageFiles(packageFromHeader(header))).toThrow('file 0 (a) has no directory (DIRINDEXES 7 of 1)');
  });

  it('rejects a string without its NUL', () => {
    const header = new RpmHeader(headerBlob([{ tag: 1000, type: 6, offset: 0, count: 1 }], new TextEncoder().encode('bash')), 'test');
    expect(() => header.string(1000)).toThrow(/runs past the end/);
  });
});

describeWithShared('rpm storage readers on corrupt files', [fixturesDir], () => {
  const formats: [string, Uint8Array, (bytes: Uint8Array) => unknown][] = [
    ['bdb', fixtureBytes('rpmdb/bdb/rhel8-libuuid/Packages'), (bytes) => decodeAll(readBdbHeaders(bytes, 'Packages'))],
    ['ndb', fixtureBytes('rpmdb/ndb/sle15-bci/Packages.db'), (bytes) => decodeAll(readNdbHeaders(bytes, 'Packages.db'))],
    ['sqlite', fixtureBytes('rpmlab/db/sqlite/rpmdb.sqlite'), async (bytes) => decodeAll(await readSqliteHeaders(bytes, null, 'rpmdb.sqlite'))],
  ];

  for (const [format, original, read] of formats) {
    it(`${format}: truncated copies fail cleanly`, async () => {
      for (const fraction of [0, 0.01, 0.1, 0.33, 0.5, 0.9, 0.999]) {
        const outcome = await expectCleanOutcome(() => read(original.slice(0, Math.floor(original.byteLength * fraction))));
        expect(outcome, `cut at ${fraction}`).toBe('corrupt');
      }
    });

    it(`${format}: random byte damage never crashes`, async () => {
      const next = random(0x5eed + format.length);
      for (let round = 0; round < 40; round++) {
        const damaged = original.slice();
        for (let flips = 0; flips < 16; flips++) damaged[Math.floor(next() * damaged.byteLength)] = Math.floor(next() * 256);
        await expectCleanOutcome(() => read(damaged));
      }
    });
  }

  it('bdb: an overflow chain that loops is rejected', () => {
    const bytes = fixtureBytes('rpmdb/bdb/rhel8-libuuid/Packages').slice();
    const view = new DataView(bytes.buffer);
    const pageSize = view.getUint32(20, true);
    // Point the next_pgno of every overflow page back at itself.
    for (let page = 1; page * pageSize < bytes.byteLength; page++) {
      if (bytes[page * pageSize + 25] === 7) view.setUint32(page * pageSize + 16, page, true);
    }
    expect(() => readBdbHeaders(bytes, 'Packages')).toThrow(/overflow/);
  });

  it('ndb: a blob checksum mismatch is rejected', () => {
    const bytes = fixtureBytes('rpmdb/ndb/sle15-bci/Packages.db').slice();
    const view = new DataView(bytes.buffer);
    const firstBlock = view.getUint32(2 * 16 + 8, true);
    bytes[firstBlock * 16 + 40] ^= 0xff;
    expect(() => readNdbHeaders(bytes, 'Packages.db')).toThrow(/checksum mismatch/);
  });

  it('a corrupt database is an error, not an empty list', async () => {
    const fs = new MemoryFileSystem({ '/var/lib/rpm/rpmdb.sqlite': new TextEncoder().encode('SQLite format 3\0'.padEnd(4096, 'x')) });
    await expect(readRpmDatabase(fs)).rejects.toMatchObject({ code: 'PACKAGE_DB_CORRUPT' });
  });
});

describe('SQLite write-ahead log', () => {
  const database = new Uint8Array(gunzipSync(readFileSync(path.join(repoRoot, 'test/packages/data/wal-rpmdb.sqlite.gz'))));
  const wal = new Uint8Array(gunzipSync(readFileSync(path.join(repoRoot, 'test/packages/data/wal-rpmdb.sqlite-wal.gz'))));
  const pageSize = 4096;
  const frameSize = 24 + pageSize;

  it('without the WAL, the main file holds rows 1 and 2', async () => {
    const rows = await readSqliteHeaders(database, null, 'rpmdb.sqlite');
    expect(rows.map((row) => row.instance)).toEqual([1, 2]);
  });

  it('both committed transactions are applied', async () => {
    const rows = await readSqliteHeaders(database, wal, 'rpmdb.sqlite');
    expect(rows.map((row) => row.instance)).toEqual([2, 3]);
    const names = rows.map((row) => packageFromHeader(new RpmHeader(row.blob, `row ${row.instance}`)).name);
    expect(names).toEqual(['kernel', 'basesystem']);
  });

  it('a torn last transaction is ignored', async () => {
    const torn = wal.slice(0, 32 + 8 * frameSize + 100);
    const rows = await readSqliteHeaders(database, torn, 'rpmdb.sqlite');
    expect(rows.map((row) => row.instance)).toEqual([1, 2, 3]);
  });

  it('a frame with a bad checksum ends the log', async () => {
    const damaged = wal.slice();
    damaged[32 + 5 * frameSize + 24 + 100] ^= 0xff;
    const rows = await readSqliteHeaders(database, damaged, 'rpmdb.sqlite');
    expect(rows.map((row) => row.instance)).toEqual([1, 2, 3]);
  });

  it('a WAL with a bad header is ignored', async () => {
    const damaged = wal.slice();
    damaged[20] ^= 0xff;
    const rows = await readSqliteHeaders(database, damaged, 'rpmdb.sqlite');
    expect(rows.map((row) => row.instance)).toEqual([1, 2]);
  });

  it('the source bytes are left unchanged', async () => {
    const before = Buffer.from(database).toString('base64');
    await readSqliteHeaders(database, wal, 'rpmdb.sqlite');
    expect(Buffer.from(database).toString('base64')).toBe(before);
  });
});

/**
 * Rewrites a little-endian Berkeley DB hash file in big-endian order, as a big-endian machine
 * (s390x, older POWER) writes it: metadata words, page headers, item offsets, off-page
 * references and the 4-byte keys. Header blobs are big-endian already and stay as they are.
 */
function toBigEndian(little: Uint8Array): Uint8Array {
  const bytes = little.slice();
  const view = new DataView(bytes.buffer);
  const swap32 = (at: number) => view.setUint32(at, view.getUint32(at, true), false);
  const swap16 = (at: number) => view.setUint16(at, view.getUint16(at, true), false);
  const pageSize = view.getUint32(20, true);
  const pages = bytes.byteLength / pageSize;

  // Metadata page: the generic words from pgno to flags (bytes 24-27 are single bytes), then
  // the hash fields and 32 spares.
  for (let at = 8; at < 52; at += 4) if (at !== 24) swap32(at);
  for (let at = 72; at < 96 + 32 * 4; at += 4) swap32(at);

  for (let page = 1; page < pages; page++) {
    const start = page * pageSize;
    const type = bytes[start + 25];
    const entries = view.getUint16(start + 20, true);
    for (const at of [8, 12, 16]) swap32(start + at);
    if (type === 2 || type === 13) {
      for (let i = 0; i < entries; i++) {
        const offset = view.getUint16(start + 26 + i * 2, true);
        const itemType = bytes[start + offset];
        if (itemType === 3) {
          swap32(start + offset + 4);
          swap32(start + offset + 8);
        } else if (i % 2 === 0) {
          swap32(start + offset + 1);
        }
        swap16(start + 26 + i * 2);
      }
    }
    swap16(start + 20);
    swap16(start + 22);
  }
  return bytes;
}

describeWithShared('Berkeley DB byte order', [fixturesDir], () => {
  it('reads a big-endian copy like the original', () => {
    const little = fixtureBytes('rpmlab/db/bdb/Packages');
    const big = toBigEndian(little);
    expect(new DataView(big.buffer).getUint32(12, false)).toBe(0x061561);
    const fromLittle = readBdbHeaders(little, 'Packages');
    const fromBig = readBdbHeaders(big, 'Packages');
    expect(fromBig.map((entry) => entry.instance)).toEqual(fromLittle.map((entry) => entry.instance));
    expect(fromBig.map((entry) => Buffer.from(entry.blob).toString('base64'))).toEqual(fromLittle.map((entry) => Buffer.from(entry.blob).toString('base64')));
    expect(decodeAll(fromBig)).toBe(decodeAll(fromLittle));
  });
});
