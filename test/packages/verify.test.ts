import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { parseCapabilityText, parseCapabilityXattr } from '../../lib/packages/rpm/capabilities.js';
import type { RpmFile } from '../../lib/packages/rpm/package.js';
import { RpmFileFlag, RpmFileState, RpmVerify } from '../../lib/packages/rpm/tags.js';
import { VerifyFailure, verifyFile, type AccountNames } from '../../lib/packages/rpm/verify.js';
import { MemoryFileSystem } from './memory-fs.js';

const NET_RAW = 1n << 13n;
const NET_ADMIN = 1n << 12n;

/** Builds a version-2 security.capability value: magic with the effective flag, then two word pairs. */
function capabilityXattr(permitted: number, effective: boolean): Uint8Array {
  const bytes = new Uint8Array(20);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x02000000 | (effective ? 1 : 0), true);
  view.setUint32(4, permitted, true);
  return bytes;
}

const accounts: AccountNames = {
  users: new Map([[0, 'root'], [998, 'chrony']]),
  userIds: new Map([['root', 0], ['chrony', 998]]),
  groups: new Map([[0, 'root'], [994, 'ssh_keys']]),
  groupIds: new Map([['root', 0], ['ssh_keys', 994]]),
};

function packaged(overrides: Partial<RpmFile>): RpmFile {
  return {
    path: '/usr/bin/ping',
    mode: 0o100755,
    size: 5,
    digest: '',
    linkTo: '',
    flags: 0,
    verifyFlags: 0xffffffff,
    state: RpmFileState.NORMAL,
    user: 'root',
    group: 'root',
    mtime: 1652140800,
    rdev: 0,
    capabilities: '',
    ...overrides,
  };
}

describe('file capabilities', () => {
  it('parses libcap text forms', () => {
    expect(parseCapabilityText('cap_net_raw=ep')).toEqual({ permitted: NET_RAW, inheritable: 0n, effective: NET_RAW });
    expect(parseCapabilityText('cap_net_admin,cap_net_raw+ep')).toEqual({ permitted: NET_RAW | NET_ADMIN, inheritable: 0n, effective: NET_RAW | NET_ADMIN });
    expect(parseCapabilityText('cap_net_raw=p cap_net_raw+e')).toEqual({ permitted: NET_RAW, inheritable: 0n, effective: NET_RAW });
    expect(parseCapabilityText('cap_nonsense=ep')).toBeNull();
  });

  it('decodes security.capability values', () => {
    expect(parseCapabilityXattr(capabilityXattr(1 << 13, true))).toEqual({ permitted: NET_RAW, inheritable: 0n, effective: NET_RAW });
    expect(parseCapabilityXattr(capabilityXattr(1 << 13, false))).toEqual({ permitted: NET_RAW, inheritable: 0n, effective: 0n });
    expect(parseCapabilityXattr(new Uint8Array(3))).toBeNull();
  });
});

describe('verifyFile', () => {
  const content = new TextEncoder().encode('ping\n');
  const realDigest = createHash('sha256').update(content).digest('hex');

  it('passes a file that matches the database', async () => {
    const fs = new MemoryFileSystem({ '/usr/bin/ping': { bytes: content, mode: 0o755, mtime: 1652140800 } });
    expect(await verifyFile(fs, packaged({ digest: realDigest }), 'sha256', 0, accounts)).toBe(0);
  });

  it('compares capabilities with the extended attribute', async () => {
    const withCaps = new MemoryFileSystem({
      '/usr/bin/ping': { bytes: content, mode: 0o755, mtime: 1652140800, xattrs: new Map([['security.capability', capabilityXattr(1 << 13, true)]]) },
    });
    const without = new MemoryFileSystem({ '/usr/bin/ping': { bytes: content, mode: 0o755, mtime: 1652140800 } });
    expect(await verifyFile(withCaps, packaged({ digest: realDigest, capabilities: 'cap_net_raw=ep' }), 'sha256', 0, accounts)).toBe(0);
    expect(await verifyFile(without, packaged({ digest: realDigest, capabilities: 'cap_net_raw=ep' }), 'sha256', 0, accounts)).toBe(RpmVerify.CAPS);
    expect(await verifyFile(withCaps, packaged({ digest: realDigest }), 'sha256', 0, accounts)).toBe(RpmVerify.CAPS);
  });

  it('accepts an owner by name or by id', async () => {
    const byId = new MemoryFileSystem({ '/usr/bin/ping': { bytes: content, mode: 0o755, mtime: 1652140800, uid: 998, gid: 994 } });
    expect(await verifyFile(byId, packaged({ digest: realDigest, user: 'chrony', group: 'ssh_keys' }), 'sha256', 0, accounts)).toBe(0);
    expect(await verifyFile(byId, packaged({ digest: realDigest }), 'sha256', 0, accounts)).toBe(RpmVerify.USER | RpmVerify.GROUP);
  });

  it('reports a missing file as an lstat failure', async () => {
    expect(await verifyFile(new MemoryFileSystem({}), packaged({}), 'sha256', 0, accounts)).toBe(VerifyFailure.LSTAT);
  });

  it('skips files that were never installed', async () => {
    expect(await verifyFile(new MemoryFileSystem({}), packaged({ state: RpmFileState.NOTINSTALLED }), 'sha256', 0, accounts)).toBe(0);
  });

  it('ignores content and type of a %ghost file', async () => {
    const fs = new MemoryFileSystem({ '/var/log/lastlog': { bytes: new Uint8Array(100), mode: 0o644, mtime: 5 } });
    const ghost = packaged({ path: '/var/log/lastlog', mode: 0o644, size: 0, flags: RpmFileFlag.GHOST, mtime: 1 });
    expect(await verifyFile(fs, ghost, 'sha256', 0, accounts)).toBe(0);
  });

  it('compares device numbers of device files', async () => {
    // MemoryFileSystem has no device files, so a regular file takes its place and the type differs.
    const fs = new MemoryFileSystem({ '/dev/null': { bytes: new Uint8Array(0), mode: 0o666, mtime: 1652140800 } });
    const device = packaged({ path: '/dev/null', mode: 0o020666, rdev: (1 << 8) | 3 });
    expect((await verifyFile(fs, device, 'sha256', 0, accounts)) & RpmVerify.RDEV).toBe(RpmVerify.RDEV);
  });

  it('leaves out omitted checks', async () => {
    const fs = new MemoryFileSystem({ '/usr/bin/ping': { bytes: content, mode: 0o700, mtime: 9 } });
    const omit = RpmVerify.FILEDIGEST | RpmVerify.MODE | RpmVerify.MTIME;
    expect(await verifyFile(fs, packaged({ digest: 'wrong' }), 'sha256', omit, accounts)).toBe(0);
    expect(await verifyFile(fs, packaged({ digest: 'wrong' }), 'sha256', 0, accounts)).toBe(RpmVerify.FILEDIGEST | RpmVerify.MODE | RpmVerify.MTIME);
  });
});
