import { expect, it } from 'vitest';

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

import { epochText, extendedName, packageFiles, type RpmPackage } from '../../lib/packages/rpm/package.js';
import { readRpmDatabase, type RpmDatabaseFormat } from '../../lib/packages/rpm/rpmdb.js';
import { RpmFileFlag, RpmTag } from '../../lib/packages/rpm/tags.js';
import { MemoryFileSystem, fixtureBytes, fixtures, readPackageList, repoRoot, type MemoryFile } from './memory-fs.js';
import { describeWithShared, fixturesDir } from '../fixtures.js';

const databases: { folder: string; file: string; format: RpmDatabaseFormat; directory: string }[] = [
  { folder: 'rpmdb/bdb/rhel8-libuuid', file: 'Packages', format: 'bdb', directory: '/var/lib/rpm' },
  { folder: 'rpmdb/bdb/epoch-hello', file: 'Packages', format: 'bdb', directory: '/var/lib/rpm' },
  { folder: 'rpmdb/sqlite/amazonlinux2023', file: 'rpmdb.sqlite', format: 'sqlite', directory: '/var/lib/rpm' },
  { folder: 'rpmdb/sqlite/cbl-mariner-2.0', file: 'rpmdb.sqlite', format: 'sqlite', directory: '/var/lib/rpm' },
  { folder: 'rpmdb/ndb/sle15-bci', file: 'Packages.db', format: 'ndb', directory: '/usr/lib/sysimage/rpm' },
];

/** Formats a header value as `rpm -q --qf` prints it: a missing tag is "(none)". */
function printed(value: string | number | null): string {
  return value === null ? '(none)' : String(value);
}

describeWithShared('rpm databases', [fixturesDir], () => {
  for (const database of databases) {
    it(`${database.folder} matches its package list`, async () => {
      const fs = new MemoryFileSystem({ [`${database.directory}/${database.file}`]: fixtureBytes(`${database.folder}/${database.file}`) });
      const result = await readRpmDatabase(fs);
      expect(result?.format).toBe(database.format);

      const expected = readPackageList(path.join(fixtures, database.folder, 'packages.tsv'));
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

/** Formats the file list like the `rpm -q --qf '[%{FILENAMES}\t%{FILEMODES:octal}...]'` that made the expected data. */
function fileListing(pkg: RpmPackage): string {
  return packageFiles(pkg)
    .map((file) =>
      [
        file.path,
        file.mode.toString(8),
        file.size,
        file.digest,
        file.user,
        file.group,
        file.mtime,
        file.flags,
        file.linkTo,
        file.verifyFlags,
        file.state,
      ].join('\t') + '\n',
    )
    .join('');
}

describeWithShared('rpm lab database', [fixturesDir], () => {
  const expected = readPackageList(path.join(repoRoot, 'test/packages/data/rpmlab-packages.tsv'));
  const forms: { name: string; files: Record<string, MemoryFile | Uint8Array> }[] = [
    { name: 'sqlite', files: { '/var/lib/rpm/rpmdb.sqlite': fixtureBytes('rpmlab/db/sqlite/rpmdb.sqlite') } },
    { name: 'bdb', files: { '/var/lib/rpm/Packages': fixtureBytes('rpmlab/db/bdb/Packages') } },
    {
      name: 'sysimage sqlite',
      files: {
        '/usr/lib/sysimage/rpm/rpmdb.sqlite': fixtureBytes('rpmlab/db/sqlite/rpmdb.sqlite'),
        '/var/lib/rpm': { link: '../../usr/lib/sysimage/rpm' },
      },
    },
  ];

  for (const form of forms) {
    it(`${form.name} form decodes every field as rpm does`, async () => {
      const result = await readRpmDatabase(new MemoryFileSystem(form.files));
      const actual = result!.packages.map((pkg) => ({
        name: pkg.name,
        epoch: epochText(pkg),
        version: pkg.version,
        release: pkg.release,
        arch: printed(pkg.arch),
        sourcerpm: printed(pkg.sourceRpm),
        keyid: printed(pkg.signatureKeyId),
        digestalgo: pkg.header.has(RpmTag.FILEDIGESTALGO) ? String(pkg.header.number(RpmTag.FILEDIGESTALGO)) : '(none)',
        modularitylabel: printed(pkg.modularityLabel),
        filecount: String(packageFiles(pkg).length),
        filesha256: createHash('sha256').update(fileListing(pkg)).digest('hex'),
      }));
      expect(actual).toHaveLength(81);
      const key = (p: Record<string, string>) => `${p.name}-${p.version}-${p.release}.${p.arch}`;
      const byKey = new Map(actual.map((p) => [key(p), p]));
      for (const row of expected) expect(byKey.get(key(row))).toEqual(row);
    });
  }

  it('extended names follow OpenSCAP', async () => {
    const result = await readRpmDatabase(new MemoryFileSystem(forms[0].files));
    const names = result!.packages.map(extendedName);
    expect(names).toContain('bind-libs-32:9.11.4-16.P2.el8.x86_64');
    expect(names).toContain('bash-0:4.4.20-4.el8_6.x86_64');
    expect(names).toContain('gpg-pubkey-0:26edad66-6279ab00.(none)');
  });

  it('sudo files carry modes, owners and digests', async () => {
    const result = await readRpmDatabase(new MemoryFileSystem(forms[0].files));
    const sudo = result!.packages.find((pkg) => pkg.name === 'sudo')!;
    const binary = packageFiles(sudo).find((file) => file.path === '/usr/bin/sudo')!;
    expect(binary.mode).toBe(0o104111);
    expect(binary.user).toBe('root');
    expect(binary.digest).toBe('e96626ce8f49a90799205ce1d5dcfacdaf5f73af882ec71e59556964a351afe0');
    expect(sudo.fileDigestAlgorithm).toBe('sha256');
    const sudoers = packageFiles(sudo).find((file) => file.path === '/etc/sudoers')!;
    expect(sudoers.flags & RpmFileFlag.CONFIG).toBe(RpmFileFlag.CONFIG);
    expect(sudoers.flags & RpmFileFlag.NOREPLACE).toBe(RpmFileFlag.NOREPLACE);
  });
});

describeWithShared('rpm database location', [fixturesDir], () => {
  it('applies the -wal file beside rpmdb.sqlite', async () => {
    const fs = new MemoryFileSystem({
      '/var/lib/rpm/rpmdb.sqlite': new Uint8Array(gunzipSync(readFileSync(path.join(repoRoot, 'test/packages/data/wal-rpmdb.sqlite.gz')))),
      '/var/lib/rpm/rpmdb.sqlite-wal': new Uint8Array(gunzipSync(readFileSync(path.join(repoRoot, 'test/packages/data/wal-rpmdb.sqlite-wal.gz')))),
    });
    const result = await readRpmDatabase(fs);
    expect(result!.packages.map((pkg) => pkg.name)).toEqual(['kernel', 'basesystem']);
  });

  it('prefers SQLite over a leftover Packages file', async () => {
    const fs = new MemoryFileSystem({
      '/var/lib/rpm/Packages': fixtureBytes('rpmdb/bdb/rhel8-libuuid/Packages'),
      '/var/lib/rpm/rpmdb.sqlite': fixtureBytes('rpmlab/db/sqlite/rpmdb.sqlite'),
    });
    const result = await readRpmDatabase(fs);
    expect(result!.format).toBe('sqlite');
    expect(result!.path).toBe('/var/lib/rpm/rpmdb.sqlite');
  });

  it('finds the database under /usr/lib/sysimage/rpm', async () => {
    const fs = new MemoryFileSystem({
      '/var/lib/rpm/.keep': '',
      '/usr/lib/sysimage/rpm/Packages': fixtureBytes('rpmdb/bdb/epoch-hello/Packages'),
    });
    const result = await readRpmDatabase(fs);
    expect(result!.path).toBe('/usr/lib/sysimage/rpm/Packages');
    expect(result!.packages.map((pkg) => pkg.name)).toEqual(['hello']);
  });
});
