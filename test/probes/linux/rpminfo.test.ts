import { beforeAll, expect, it } from 'vitest';

import { rpminfoProbe } from '../../../lib/probes/linux/rpminfo.js';
import { MemoryFileSystem, fixtureBytes } from '../../packages/memory-fs.js';
import { context, entity, entityMap, request } from '../../packages/probe-request.js';
import { describeWithShared, fixturesDir } from '../../fixtures.js';

describeWithShared('rpminfo probe', [fixturesDir], () => {
  let fs: MemoryFileSystem;
  beforeAll(() => {
    fs = new MemoryFileSystem({ '/var/lib/rpm/rpmdb.sqlite': fixtureBytes('rpmlab/db/sqlite/rpmdb.sqlite') });
  });

  it('reports a package with an epoch', async () => {
    const result = await rpminfoProbe.collect(request('rpminfo_object', [entity('name', 'openssl')]), context(fs));
    expect(result.items).toHaveLength(1);
    expect(result.items[0].entities).toEqual([
      { name: 'name', value: 'openssl', datatype: 'string' },
      { name: 'arch', value: 'x86_64', datatype: 'string' },
      { name: 'epoch', value: '1', datatype: 'string' },
      { name: 'release', value: '8.el8', datatype: 'string' },
      { name: 'version', value: '1.1.1', datatype: 'string' },
      { name: 'evr', value: '1:1.1.1-8.el8', datatype: 'evr_string' },
      { name: 'signature_keyid', value: 'beba9cc826edad66', datatype: 'string' },
      { name: 'extended_name', value: 'openssl-1:1.1.1-8.el8.x86_64', datatype: 'string' },
    ]);
  });

  it('writes a missing epoch as (none) and 0', async () => {
    const result = await rpminfoProbe.collect(request('rpminfo_object', [entity('name', 'bash')]), context(fs));
    const values = entityMap(result.items[0]);
    expect(values.epoch).toBe('(none)');
    expect(values.evr).toBe('0:4.4.20-4.el8_6');
    expect(values.extended_name).toBe('bash-0:4.4.20-4.el8_6.x86_64');
  });

  it('returns one item per installed version', async () => {
    const result = await rpminfoProbe.collect(request('rpminfo_object', [entity('name', 'kernel')]), context(fs));
    expect(result.items.map((item) => entityMap(item).release).sort()).toEqual(['372.9.1.el8', '80.el8']);
  });

  it('returns both arches of a multilib package', async () => {
    const result = await rpminfoProbe.collect(request('rpminfo_object', [entity('name', 'glibc')]), context(fs));
    expect(result.items.map((item) => entityMap(item).arch).sort()).toEqual(['i686', 'x86_64']);
  });

  it('describes the gpg-pubkey header', async () => {
    const result = await rpminfoProbe.collect(request('rpminfo_object', [entity('name', 'gpg-pubkey')]), context(fs));
    const values = entityMap(result.items[0]);
    expect(values.arch).toBe('(none)');
    expect(values.signature_keyid).toBe('0');
    expect(values.extended_name).toBe('gpg-pubkey-0:26edad66-6279ab00.(none)');
  });

  it('matches names by pattern', async () => {
    const result = await rpminfoProbe.collect(request('rpminfo_object', [entity('name', '^openssh', 'pattern match')]), context(fs));
    expect(result.items.map((item) => entityMap(item).name).sort()).toEqual(['openssh', 'openssh-clients', 'openssh-server']);
  });

  it('selects every other package with not equal', async () => {
    const result = await rpminfoProbe.collect(request('rpminfo_object', [entity('name', 'bash', 'not equal')]), context(fs));
    expect(result.items).toHaveLength(80);
  });

  it('lists files with the filepaths behavior', async () => {
    const result = await rpminfoProbe.collect(request('rpminfo_object', [entity('name', 'sudo')], { filepaths: 'true' }), context(fs));
    const paths = result.items[0].entities.filter((e) => e.name === 'filepath').map((e) => e.value);
    expect(paths).toEqual(['/etc/pam.d/sudo', '/etc/sudoers', '/etc/sudoers.d', '/usr/bin/sudo', '/usr/bin/sudoreplay']);
  });

  it('finds nothing for an absent package', async () => {
    const result = await rpminfoProbe.collect(request('rpminfo_object', [entity('name', 'telnet-server')]), context(fs));
    expect(result.items).toEqual([]);
    expect(result.flag).toBeUndefined();
  });

  it('reports does not exist without a database', async () => {
    const result = await rpminfoProbe.collect(request('rpminfo_object', [entity('name', 'bash')]), context(new MemoryFileSystem({ '/etc/hostname': 'x\n' })));
    expect(result.flag).toBe('does not exist');
    expect(result.items).toEqual([]);
  });

  it('flags a corrupt database as an error', async () => {
    const bytes = fixtureBytes('rpmlab/db/sqlite/rpmdb.sqlite').slice(0, 100_000);
    const result = await rpminfoProbe.collect(request('rpminfo_object', [entity('name', 'bash')]), context(new MemoryFileSystem({ '/var/lib/rpm/rpmdb.sqlite': bytes })));
    expect(result.flag).toBe('error');
    expect(result.messages?.[0].text).toMatch(/rpmdb\.sqlite.*truncated/);
  });

  it('reads the Berkeley DB and NDB forms', async () => {
    const bdb = new MemoryFileSystem({ '/var/lib/rpm/Packages': fixtureBytes('rpmdb/bdb/rhel8-libuuid/Packages') });
    const fromBdb = await rpminfoProbe.collect(request('rpminfo_object', [entity('name', 'libuuid')]), context(bdb));
    expect(entityMap(fromBdb.items[0]).extended_name).toBe('libuuid-0:2.32.1-42.el8_8.x86_64');
    expect(entityMap(fromBdb.items[0]).signature_keyid).toBe('199e2f91fd431d51');
    const ndb = new MemoryFileSystem({ '/usr/lib/sysimage/rpm/Packages.db': fixtureBytes('rpmdb/ndb/sle15-bci/Packages.db') });
    const fromNdb = await rpminfoProbe.collect(request('rpminfo_object', [entity('name', 'filesystem')]), context(ndb));
    expect(entityMap(fromNdb.items[0]).evr).toBe('0:15.0-11.8.1');
  });
});

describeWithShared('rpminfo items by schema version', [fixturesDir], () => {
  it('leaves out extended_name before OVAL 5.10', async () => {
    const fs = new MemoryFileSystem({ '/var/lib/rpm/rpmdb.sqlite': fixtureBytes('rpmlab/db/sqlite/rpmdb.sqlite') });
    const result = await rpminfoProbe.collect(request('rpminfo_object', [entity('name', 'bash')], { filepaths: 'true' }), { ...context(fs), schemaVersion: '5.9' });
    expect(result.items[0].entities.map((e) => e.name)).toEqual(['name', 'arch', 'epoch', 'release', 'version', 'evr', 'signature_keyid']);
  });
});
