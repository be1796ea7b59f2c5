import { describe, expect, it } from 'vitest';

import { readRpmDatabase, type RpmDatabaseFormat } from '../../lib/packages/rpm/rpmdb.js';
import { epochText } from '../../lib/packages/rpm/package.js';
import { MemoryFileSystem, fixtureBytes, readPackageList } from './memory-fs.js';

const databases: { folder: string; file: string; format: RpmDatabaseFormat; directory: string }[] = [
  { folder: 'rpmdb/bdb/rhel8-libuuid', file: 'Packages', format: 'bdb', directory: '/var/lib/rpm' },
  { folder: 'rpmdb/bdb/epoch-hello', file: 'Packages', format: 'bdb', directory: '/var/lib/rpm' },
  { folder: 'rpmdb/sqlite/amazonlinux2023', file: 'rpmdb.sqlite', format: 'sqlite', directory: '/var/lib/rpm' },
  { folder: 'rpmdb/sqlite/cbl-mariner-2.0', file: 'rpmdb.sqlite', format: 'sqlite', directory: '/var/lib/rpm' },
  { folder: 'rpmdb/ndb/sle15-bci', file: 'Packages.db', format: 'ndb', directory: '/usr/lib/sysimage/rpm' },
];

/** A header value as `rpm -q --qf` prints it: a missing tag is "(none)". */
function printed(value: string | number | null): string {
  return value === null ? '(none)' : String(value);
}

describe('rpm databases', () => {
  for (const database of databases) {
    it(`${database.folder} matches its package list`, async () => {
      const fs = new MemoryFileSystem({ [`${database.directory}/${database.file}`]: fixtureBytes(`${database.folder}/${database.file}`) });
      const result = await readRpmDatabase(fs);
      expect(result?.format).toBe(database.format);

      const expected = readPackageList(`${database.folder}/packages.tsv`);
      const actual = result!.packages.map((pkg) => ({
        name: pkg.name,
        epoch: epochText(pkg),
        version: pkg.version,
        release: pkg.release,
        arch: printed(pkg.arch),
        size: printed(pkg.size),
        license: printed(pkg.license),
        sourcerpm: printed(pkg.sourceRpm),
        vendor: printed(pkg.vendor),
        sigmd5: printed(pkg.sigmd5),
        summary: printed(pkg.summary),
      }));
      const key = (p: Record<string, string>) => `${p.name}-${p.version}-${p.release}.${p.arch}`;
      expect(actual.map(key).sort()).toEqual(expected.map(key).sort());
      const byKey = new Map(actual.map((p) => [key(p), p]));
      for (const row of expected) expect(byKey.get(key(row))).toEqual(row);
    });
  }

  it('epoch-hello reads epoch 1', async () => {
    const fs = new MemoryFileSystem({ '/var/lib/rpm/Packages': fixtureBytes('rpmdb/bdb/epoch-hello/Packages') });
    const result = await readRpmDatabase(fs);
    expect(result!.packages.map((pkg) => `${pkg.name}:${epochText(pkg)}`)).toEqual(['hello:1']);
  });

  it('a target without a database reads as null', async () => {
    expect(await readRpmDatabase(new MemoryFileSystem({ '/etc/os-release': 'ID=debian\n' }))).toBeNull();
  });
});
