import { expect, it } from 'vitest';

import { parseApkInstalled, readApkDatabase } from '../../lib/packages/apk.js';
import { isInstalled, parseDebianVersion, parseDpkgStatus, readDpkgDatabase, readDpkgMd5sums } from '../../lib/packages/dpkg.js';
import { MemoryFileSystem, fixtureBytes } from './memory-fs.js';
import { describeWithShared, fixturesDir } from '../fixtures.js';

const text = (relative: string) => new TextDecoder().decode(fixtureBytes(relative));

describeWithShared('dpkg status', [fixturesDir], () => {
  it('reads all 89 packages of the Ubuntu 18.04 status file', () => {
    const packages = parseDpkgStatus(text('dpkg/status'), 'status');
    expect(packages).toHaveLength(89);
    const libc = packages.find((pkg) => pkg.name === 'libc6')!;
    expect(libc.version).toBe('2.27-3ubuntu1');
    expect(libc.architecture).toBe('amd64');
    expect(libc.source).toBe('glibc');
    expect(libc.multiArch).toBe('same');
    const baseFiles = packages.find((pkg) => pkg.name === 'base-files')!;
    expect(baseFiles.version).toBe('10.1ubuntu2.2');
  });

  it('splits a "name (version)" Source field', () => {
    const packages = parseDpkgStatus(text('dpkg/status-debian10-postgresql'), 'status');
    const client = packages.find((pkg) => pkg.name === 'postgresql-client')!;
    expect(client.source).toBe('postgresql-common');
    expect(client.sourceVersion).toBe('200+deb10u5');
    expect(client.version).toBe('11+200+deb10u5');
  });

  it('reads conffiles with their flags', () => {
    const status = [
      'Package: sudo',
      'Status: install ok installed',
      'Architecture: amd64',
      'Version: 1.9.13p3-1+deb12u1',
      'Conffiles:',
      ' /etc/sudoers 45437b4e86fba2ab890ac81db2ec3606',
      ' /etc/pam.d/sudo-old 0123456789abcdef0123456789abcdef obsolete',
      'Description: run commands as root',
      ' Sudo is a program designed ...',
      '',
    ].join('\n');
    const [sudo] = parseDpkgStatus(status, 'status');
    expect(sudo.conffiles).toEqual([
      { path: '/etc/sudoers', md5: '45437b4e86fba2ab890ac81db2ec3606', flags: [] },
      { path: '/etc/pam.d/sudo-old', md5: '0123456789abcdef0123456789abcdef', flags: ['obsolete'] },
    ]);
  });

  it('counts only states with files on disk', () => {
    const stanza = (name: string, status: string) => `Package: ${name}\nStatus: ${status}\nArchitecture: all\nVersion: 1.0\n`;
    const status = [
      stanza('installed', 'install ok installed'),
      stanza('unpacked', 'install ok unpacked'),
      stanza('half-configured', 'install ok half-configured'),
      stanza('held', 'hold ok installed'),
      stanza('removed', 'deinstall ok config-files'),
      stanza('purged', 'purge ok not-installed'),
    ].join('\n');
    expect(parseDpkgStatus(status, 'status').map((pkg) => pkg.name)).toEqual(['installed', 'unpacked', 'half-configured', 'held']);
  });

  it('reports a malformed line with its position', () => {
    expect(() => parseDpkgStatus('Package: a\nthis line has no colon\n', '/var/lib/dpkg/status')).toThrow(
      '/var/lib/dpkg/status:2:1: expected "Field: value"',
    );
  });

  it('rejects an installed package without a version', () => {
    const status = 'Package: x\nStatus: install ok installed\n\nPackage: gone\nStatus: purge ok not-installed\n';
    expect(() => parseDpkgStatus(status, '/var/lib/dpkg/status')).toThrow('/var/lib/dpkg/status: package x is installed but has no Version field');
    expect(parseDpkgStatus('Package: gone\nStatus: purge ok not-installed\n', 'status')).toEqual([]);
  });

  it('rejects a status path that is a directory', async () => {
    const fs = new MemoryFileSystem({ '/var/lib/dpkg/status/inner': new Uint8Array(0) });
    await expect(readDpkgDatabase(fs)).rejects.toThrow('/var/lib/dpkg/status: the dpkg status database is a directory, not a regular file');
  });

  it('splits versions at the last hyphen', () => {
    expect(parseDebianVersion('1:2.30-1ubuntu2')).toEqual({ epoch: '1', upstream: '2.30', revision: '1ubuntu2' });
    expect(parseDebianVersion('2.27-3ubuntu1')).toEqual({ epoch: '0', upstream: '2.27', revision: '3ubuntu1' });
    expect(parseDebianVersion('1.2-beta-4')).toEqual({ epoch: '0', upstream: '1.2-beta', revision: '4' });
    expect(parseDebianVersion('6.3')).toEqual({ epoch: '0', upstream: '6.3', revision: '' });
  });

  it('reads distroless status.d entries whose file name is not the package name', async () => {
    const fs = new MemoryFileSystem({
      '/var/lib/dpkg/status.d/base': fixtureBytes('dpkg/status.d/base'),
      '/var/lib/dpkg/status.d/netbase': fixtureBytes('dpkg/status.d/netbase'),
      '/var/lib/dpkg/status.d/tzdata': fixtureBytes('dpkg/status.d/tzdata'),
    });
    const database = await readDpkgDatabase(fs);
    expect(database!.packages.map((pkg) => `${pkg.name} ${pkg.version}`)).toEqual(['base-files 11.1+deb11u1', 'netbase 6.3', 'tzdata 2021a-1+deb11u2']);
    expect(database!.packages.every(isInstalled)).toBe(true);
  });

  it('skips md5sums files inside status.d and finds them for the package', async () => {
    const fs = new MemoryFileSystem({
      '/var/lib/dpkg/status.d/libsqlite3-0': fixtureBytes('dpkg/status.d-syft/libsqlite3-0'),
      '/var/lib/dpkg/status.d/libsqlite3-0.md5sums': fixtureBytes('dpkg/status.d-syft/libsqlite3-0.md5sums'),
    });
    const database = await readDpkgDatabase(fs);
    expect(database!.packages.map((pkg) => `${pkg.name} ${pkg.version} ${pkg.architecture}`)).toEqual(['libsqlite3-0 3.34.1-3 arm64']);
    const sums = await readDpkgMd5sums(fs, database!.packages[0]);
    expect(sums!.size).toBe(text('dpkg/status.d-syft/libsqlite3-0.md5sums').trim().split('\n').length);
  });

  it('finds md5sums with and without the architecture suffix', async () => {
    const fs = new MemoryFileSystem({
      '/var/lib/dpkg/info/zlib1g:amd64.md5sums': fixtureBytes('dpkg/info/zlib1g.md5sums'),
      '/var/lib/dpkg/info/gzip.md5sums': fixtureBytes('dpkg/info/gzip.md5sums'),
    });
    const zlib = await readDpkgMd5sums(fs, { name: 'zlib1g', architecture: 'amd64' });
    expect(zlib!.get('/lib/x86_64-linux-gnu/libz.so.1.2.11')).toBe('55f905631797551d4d936a34c7e73474');
    const gzip = await readDpkgMd5sums(fs, { name: 'gzip', architecture: 'amd64' });
    expect(gzip!.size).toBe(29);
    expect(await readDpkgMd5sums(fs, { name: 'tar', architecture: 'amd64' })).toBeNull();
  });

  it('a target without dpkg reads as null', async () => {
    expect(await readDpkgDatabase(new MemoryFileSystem({ '/etc/alpine-release': '3.18.0\n' }))).toBeNull();
  });
});

describeWithShared('apk installed database', [fixturesDir], () => {
  it('reads the 15 packages of Alpine 3.18', async () => {
    const packages = await readApkDatabase(new MemoryFileSystem({ '/lib/apk/db/installed': fixtureBytes('apk/installed') }));
    expect(packages).toHaveLength(15);
    const musl = packages!.find((pkg) => pkg.name === 'musl')!;
    expect(musl.version).toBe('1.2.4-r0');
    expect(musl.architecture).toBe('x86_64');
    const baselayout = packages!.find((pkg) => pkg.name === 'alpine-baselayout')!;
    expect(baselayout.files.find((file) => file.path === '/etc/crontabs/root')).toEqual({
      path: '/etc/crontabs/root',
      checksum: 'Q1vfk1apUWI4yLJGhhNRd0kJixfvY=',
      uid: 0,
      gid: 0,
      mode: 0o600,
    });
  });

  it('rejects a record without a version, naming its line', () => {
    const source = text('apk/installed-alpine-old');
    const line = source.split('\n').findIndex((entry) => entry === 'P:invalidPackageWithoutAVersion') + 1;
    expect(() => parseApkInstalled(source, 'installed')).toThrow(`installed:${line}: record without a V: version`);
  });
});
