import path from 'node:path';

import { beforeAll, expect, it } from 'vitest';

import { rpmverifyfileProbe } from '../../../lib/probes/linux/rpmverifyfile.js';
import { MemoryFileSystem, fixtureBytes, fixtures, memoryFileSystemFromTar } from '../../packages/memory-fs.js';
import { context, entity, entityMap, request } from '../../packages/probe-request.js';
import { describeWithShared, fixturesDir } from '../../fixtures.js';

const RESULT_NAMES = [
  'size_differs',
  'mode_differs',
  'md5_differs',
  'filedigest_differs',
  'device_differs',
  'link_mismatch',
  'ownership_differs',
  'group_differs',
  'mtime_differs',
  'capabilities_differ',
];

/** Builds an object over every package and file, as `rpm -Va` checks them. */
function allFiles(behaviors: Record<string, string> = {}) {
  return request(
    'rpmverifyfile_object',
    [
      entity('name', '.*', 'pattern match'),
      entity('epoch', '.*', 'pattern match'),
      entity('version', '.*', 'pattern match'),
      entity('release', '.*', 'pattern match'),
      entity('arch', '.*', 'pattern match'),
      entity('filepath', '.*', 'pattern match'),
    ],
    behaviors,
  );
}

describeWithShared('rpmverifyfile probe on the lab root', [fixturesDir], () => {
  let fs: MemoryFileSystem;
  beforeAll(async () => {
    fs = await memoryFileSystemFromTar(path.join(fixtures, 'rpmlab/rootfs.tar.gz'));
    fs.add('/var/lib/rpm/rpmdb.sqlite', fixtureBytes('rpmlab/db/sqlite/rpmdb.sqlite'));
  });

  it('finds only the modified rsync binary, as rpm -Va does', async () => {
    const result = await rpmverifyfileProbe.collect(allFiles(), context(fs));
    const failures = result.items.flatMap((item) => {
      const values = entityMap(item);
      return RESULT_NAMES.filter((name) => values[name] === 'fail').map((name) => `${values.filepath} ${name}`);
    });
    expect(failures).toEqual(['/usr/bin/rsync md5_differs', '/usr/bin/rsync filedigest_differs']);

    // Only files missing from disk go unchecked, and rpm -Va does not report missing %ghost files.
    const unchecked = result.items.filter((item) => entityMap(item).size_differs === 'not performed');
    expect(unchecked.length).toBeGreaterThan(0);
    expect(unchecked.length).toBeLessThan(result.items.length / 4);
    for (const item of unchecked) expect(entityMap(item).ghost_file, entityMap(item).filepath).toBe('true');
  });

  it('marks every check of a missing %ghost file not performed', async () => {
    const result = await rpmverifyfileProbe.collect(request('rpmverifyfile_object', [entity('name', 'setup'), entity('filepath', '/etc/fstab')]), context(fs));
    expect(result.items).toHaveLength(1);
    const values = entityMap(result.items[0]);
    expect(values.ghost_file).toBe('true');
    for (const name of RESULT_NAMES) expect(values[name], name).toBe('not performed');
  });

  it('writes the entities in schema order', async () => {
    const result = await rpmverifyfileProbe.collect(request('rpmverifyfile_object', [entity('name', 'rsync'), entity('filepath', '/usr/bin/rsync')]), context(fs));
    expect(result.items[0].entities.map((e) => `${e.name}=${e.value}`)).toEqual([
      'name=rsync',
      'epoch=(none)',
      'version=3.1.3',
      'release=14.el8',
      'arch=x86_64',
      'filepath=/usr/bin/rsync',
      'extended_name=rsync-0:3.1.3-14.el8.x86_64',
      'size_differs=pass',
      'mode_differs=pass',
      'md5_differs=fail',
      'filedigest_differs=fail',
      'device_differs=pass',
      'link_mismatch=pass',
      'ownership_differs=pass',
      'group_differs=pass',
      'mtime_differs=pass',
      'capabilities_differ=pass',
      'configuration_file=false',
      'documentation_file=false',
      'ghost_file=false',
      'license_file=false',
      'readme_file=false',
    ]);
  });

  it('omits checks named by behaviors', async () => {
    const result = await rpmverifyfileProbe.collect(
      request('rpmverifyfile_object', [entity('name', 'rsync'), entity('filepath', '/usr/bin/rsync')], { nomd5: 'true', nofiledigest: 'true', nomtime: 'true' }),
      context(fs),
    );
    const values = entityMap(result.items[0]);
    expect(values.md5_differs).toBe('not performed');
    expect(values.filedigest_differs).toBe('not performed');
    expect(values.mtime_differs).toBe('not performed');
    expect(values.size_differs).toBe('pass');
  });

  it('skips configuration files with noconfigfiles', async () => {
    const withConfig = await rpmverifyfileProbe.collect(request('rpmverifyfile_object', [entity('name', 'sudo'), entity('filepath', '.*', 'pattern match')]), context(fs));
    const withoutConfig = await rpmverifyfileProbe.collect(
      request('rpmverifyfile_object', [entity('name', 'sudo'), entity('filepath', '.*', 'pattern match')], { noconfigfiles: 'true' }),
      context(fs),
    );
    expect(withConfig.items.map((item) => entityMap(item).filepath)).toEqual(['/etc/pam.d/sudo', '/etc/sudoers', '/etc/sudoers.d', '/usr/bin/sudo', '/usr/bin/sudoreplay']);
    expect(withoutConfig.items.map((item) => entityMap(item).filepath)).toEqual(['/etc/sudoers.d', '/usr/bin/sudo', '/usr/bin/sudoreplay']);
  });

  it('checks setuid modes and group owners from the target', async () => {
    const result = await rpmverifyfileProbe.collect(
      request('rpmverifyfile_object', [entity('name', 'openssh'), entity('filepath', '/usr/libexec/openssh/ssh-keysign')]),
      context(fs),
    );
    const values = entityMap(result.items[0]);
    expect(values.mode_differs).toBe('pass');
    expect(values.group_differs).toBe('pass');
  });

  it('reports changed mode, owner, size and link target', async () => {
    const changed = await memoryFileSystemFromTar(path.join(fixtures, 'rpmlab/rootfs.tar.gz'));
    changed.add('/var/lib/rpm/rpmdb.sqlite', fixtureBytes('rpmlab/db/sqlite/rpmdb.sqlite'));
    const sudo = changed.files.get('/usr/bin/sudo')!;
    changed.add('/usr/bin/sudo', { ...sudo, mode: 0o755, uid: 1000, bytes: new Uint8Array([...sudo.bytes!, 0x0a]) });
    changed.add('/etc/system-release', { link: 'os-release' });

    const sudoResult = await rpmverifyfileProbe.collect(request('rpmverifyfile_object', [entity('name', 'sudo'), entity('filepath', '/usr/bin/sudo')]), context(changed));
    const sudoValues = entityMap(sudoResult.items[0]);
    expect(sudoValues.mode_differs).toBe('fail');
    expect(sudoValues.ownership_differs).toBe('fail');
    expect(sudoValues.size_differs).toBe('fail');
    expect(sudoValues.md5_differs).toBe('fail');
    expect(sudoValues.group_differs).toBe('pass');

    const linkResult = await rpmverifyfileProbe.collect(
      request('rpmverifyfile_object', [entity('name', 'redhat-release'), entity('filepath', '/etc/system-release')]),
      context(changed),
    );
    expect(entityMap(linkResult.items[0]).link_mismatch).toBe('fail');
  });
});

describeWithShared('rpmverifyfile items by schema version', [fixturesDir], () => {
  it('leaves out filedigest_differs before OVAL 5.11.1', async () => {
    const fs = await memoryFileSystemFromTar(path.join(fixtures, 'rpmlab/rootfs.tar.gz'));
    fs.add('/var/lib/rpm/rpmdb.sqlite', fixtureBytes('rpmlab/db/sqlite/rpmdb.sqlite'));
    const object = request('rpmverifyfile_object', [entity('name', 'rsync'), entity('filepath', '/usr/bin/rsync')]);
    const old = await rpmverifyfileProbe.collect(object, { ...context(fs), schemaVersion: '5.11' });
    expect(old.items[0].entities.map((e) => e.name)).not.toContain('filedigest_differs');
    expect(entityMap(old.items[0]).md5_differs).toBe('fail');
    const current = await rpmverifyfileProbe.collect(object, { ...context(fs), schemaVersion: '5.11.1' });
    expect(entityMap(current.items[0]).filedigest_differs).toBe('fail');
  });

  it('treats an empty pattern entity as matching everything', async () => {
    const fs = await memoryFileSystemFromTar(path.join(fixtures, 'rpmlab/rootfs.tar.gz'));
    fs.add('/var/lib/rpm/rpmdb.sqlite', fixtureBytes('rpmlab/db/sqlite/rpmdb.sqlite'));
    const empty = (name: string) => ({ ...entity(name, [], 'pattern match') });
    const object = request('rpmverifyfile_object', [empty('name'), empty('epoch'), empty('version'), empty('release'), empty('arch'), entity('filepath', '/etc/redhat-release')]);
    const result = await rpmverifyfileProbe.collect(object, context(fs));
    expect(result.items.map((item) => entityMap(item).extended_name)).toEqual(['redhat-release-0:8.6-0.1.el8.x86_64']);
  });
});
