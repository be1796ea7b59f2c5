import path from 'node:path';

import { beforeAll, expect, it } from 'vitest';

import { rpmverifypackageProbe } from '../../../lib/probes/linux/rpmverifypackage.js';
import { MemoryFileSystem, fixtureBytes, fixtures, memoryFileSystemFromTar } from '../../packages/memory-fs.js';
import { context, entity, entityMap, request } from '../../packages/probe-request.js';
import { describeWithShared, fixturesDir } from '../../fixtures.js';

/** Flips one byte in the header blob stored for `name` in a copy of the lab's SQLite database. */
async function damagedDatabase(name: string): Promise<Uint8Array> {
  const bytes = fixtureBytes('rpmlab/db/sqlite/rpmdb.sqlite').slice();
  // The summary text sits inside the immutable region, which both digests and the signature cover.
  const marker = new TextEncoder().encode(name === 'bash' ? 'The GNU Bourne Again shell' : name);
  const at = Buffer.from(bytes).indexOf(Buffer.from(marker));
  if (at < 0) throw new Error(`marker for ${name} not found`);
  bytes[at] ^= 0x20;
  return bytes;
}

describeWithShared('rpmverifypackage probe', [fixturesDir], () => {
  let fs: MemoryFileSystem;
  beforeAll(async () => {
    // The file tree matters: "/bin/sh" is provided through the /bin -> usr/bin symbolic link.
    fs = await memoryFileSystemFromTar(path.join(fixtures, 'rpmlab/rootfs.tar.gz'));
    fs.add('/var/lib/rpm/rpmdb.sqlite', fixtureBytes('rpmlab/db/sqlite/rpmdb.sqlite'));
  });

  it('finds /bin/sh only through the symbolic link', async () => {
    const withoutTree = new MemoryFileSystem({ '/var/lib/rpm/rpmdb.sqlite': fixtureBytes('rpmlab/db/sqlite/rpmdb.sqlite') });
    const result = await rpmverifypackageProbe.collect(request('rpmverifypackage_object', [entity('name', 'cronie')]), context(withoutTree));
    expect(entityMap(result.items[0]).dependency_check_passed).toBe('false');
    expect(result.items[0].messages?.[0].text).toBe('cronie-0:1.5.2-7.el8.x86_64: unsatisfied requires: /bin/sh');
  });

  it('passes every check on the lab database', async () => {
    const result = await rpmverifypackageProbe.collect(request('rpmverifypackage_object', [entity('name', '.*', 'pattern match')]), context(fs));
    expect(result.items).toHaveLength(81);
    for (const item of result.items) {
      const values = entityMap(item);
      expect(values.digest_check_passed, values.extended_name).toBe('true');
      expect(values.signature_check_passed, values.extended_name).toBe('true');
      expect(values.dependency_check_passed, `${values.extended_name}: ${item.messages?.map((m) => m.text).join('; ')}`).toBe('true');
    }
    // Only gpg-pubkey is unsigned; every package verifies against the imported lab key.
    const noKey = result.items.filter((item) => item.messages?.some((m) => /not imported/.test(m.text)));
    expect(noKey).toEqual([]);
  });

  it('lists entities in schema order and leaves out omitted checks', async () => {
    const result = await rpmverifypackageProbe.collect(request('rpmverifypackage_object', [entity('name', 'sudo')], { nodeps: 'true', noscripts: 'true' }), context(fs));
    expect(result.items[0].entities.map((e) => `${e.name}=${e.value}`)).toEqual([
      'name=sudo',
      'epoch=(none)',
      'version=1.8.29',
      'release=8.el8',
      'arch=x86_64',
      'extended_name=sudo-0:1.8.29-8.el8.x86_64',
      'digest_check_passed=true',
      'signature_check_passed=true',
    ]);
  });

  it('fails the digest and signature of a damaged header', async () => {
    const damaged = new MemoryFileSystem({ '/var/lib/rpm/rpmdb.sqlite': await damagedDatabase('bash') });
    const result = await rpmverifypackageProbe.collect(request('rpmverifypackage_object', [entity('name', 'bash')]), context(damaged));
    const values = entityMap(result.items[0]);
    expect(values.digest_check_passed).toBe('false');
    expect(values.signature_check_passed).toBe('false');
  });

  it('passes a signature whose key is not imported, with a message', async () => {
    const withoutKey = new MemoryFileSystem({ '/var/lib/rpm/Packages': fixtureBytes('rpmdb/bdb/rhel8-libuuid/Packages') });
    const result = await rpmverifypackageProbe.collect(request('rpmverifypackage_object', [entity('name', 'libuuid')], { nodeps: 'true' }), context(withoutKey));
    expect(entityMap(result.items[0]).signature_check_passed).toBe('true');
    expect(result.items[0].messages?.map((m) => m.text)).toEqual(['libuuid-0:2.32.1-42.el8_8.x86_64: header signed with a key not imported into the rpm database']);
  });

  it('fails the dependency check when a provider is missing', async () => {
    const single = new MemoryFileSystem({ '/var/lib/rpm/Packages': fixtureBytes('rpmdb/bdb/rhel8-libuuid/Packages') });
    const result = await rpmverifypackageProbe.collect(request('rpmverifypackage_object', [entity('name', 'libuuid')]), context(single));
    expect(entityMap(result.items[0]).dependency_check_passed).toBe('false');
    expect(result.items[0].messages?.[0].text).toMatch(/unsatisfied requires: .*libc\.so\.6/);
  });
});
