import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openDirectoryTarget } from '../../lib/targets/directory.js';
import type { Target } from '../../lib/targets/target.js';
import { setXattr, xattrUnavailableReason } from '../host-xattrs.js';

const userReason = xattrUnavailableReason('user.scapula');
const securityReason = xattrUnavailableReason('security.selinux');
if (userReason !== null) console.warn(`directory target xattr tests skipped: ${userReason}`);
if (userReason === null && securityReason !== null) console.warn(`security.selinux on links skipped: ${securityReason}`);

let workDir: string;
let root: string;
let target: Target;

beforeAll(async () => {
  if (userReason !== null) return;
  workDir = mkdtempSync(join(tmpdir(), 'scapula-directory-xattr-'));
  root = join(workDir, 'root');
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/with-values'), '');
  writeFileSync(join(root, 'etc/plain'), '');
  setXattr(join(root, 'etc/with-values'), 'user.text', 'foo');
  setXattr(join(root, 'etc/with-values'), 'user.empty', '');
  setXattr(join(root, 'etc/with-values'), 'user.binary', new Uint8Array([0, 1, 0xfe, 0xff]));
  mkdirSync(join(root, 'etc/folder'));
  setXattr(join(root, 'etc/folder'), 'user.folder', 'd');

  // A file outside the root with an attribute that no lookup inside the root may reach.
  writeFileSync(join(workDir, 'secret'), '');
  setXattr(join(workDir, 'secret'), 'user.secret', 'outside');
  symlinkSync(join(workDir, 'secret'), join(root, 'etc/host-absolute'));
  symlinkSync('../../secret', join(root, 'etc/host-relative'));
  symlinkSync(workDir, join(root, 'etc/host-folder'));
  symlinkSync('/etc/with-values', join(root, 'etc/inner-link'));
  symlinkSync('/etc', join(root, 'etc-link'));

  target = await openDirectoryTarget(root);
});

afterAll(() => {
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

function text(value: Uint8Array | undefined): string | undefined {
  return value === undefined ? undefined : Buffer.from(value).toString('utf8');
}

describe.skipIf(userReason !== null)('directory target extended attributes', () => {
  it('reads every attribute with its exact bytes', async () => {
    const attributes = await target.fs.xattrs('/etc/with-values');
    expect([...attributes.keys()].sort()).toEqual(['user.binary', 'user.empty', 'user.text']);
    expect(text(attributes.get('user.text'))).toBe('foo');
    expect(attributes.get('user.empty')?.byteLength).toBe(0);
    expect([...(attributes.get('user.binary') ?? [])]).toEqual([0, 1, 0xfe, 0xff]);
  });

  it('returns an empty map for a file without attributes', async () => {
    expect((await target.fs.xattrs('/etc/plain')).size).toBe(0);
  });

  it('returns copies of cached attributes', async () => {
    const first = await target.fs.xattrs('/etc/with-values');
    first.get('user.text')?.fill(0x21);
    first.delete('user.empty');
    const second = await target.fs.xattrs('/etc/with-values');
    expect(text(second.get('user.text'))).toBe('foo');
    expect(second.has('user.empty')).toBe(true);
  });

  it('reads the attributes of a directory', async () => {
    expect(text((await target.fs.xattrs('/etc/folder')).get('user.folder'))).toBe('d');
  });

  it('raises NOT_FOUND for a missing file', async () => {
    await expect(target.fs.xattrs('/etc/missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reads a final link itself, not its target', async () => {
    expect((await target.fs.xattrs('/etc/inner-link')).size).toBe(0);
    expect((await target.fs.xattrs('/etc/host-absolute')).size).toBe(0);
    expect((await target.fs.xattrs('/etc/host-relative')).size).toBe(0);
  });

  it('resolves links on the way inside the root', async () => {
    expect(text((await target.fs.xattrs('/etc-link/with-values')).get('user.text'))).toBe('foo');
    // The link names a host folder, which inside the root does not exist.
    await expect(target.fs.xattrs('/etc/host-folder/secret')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it.skipIf(securityReason !== null)('reads the label of a link itself', async () => {
    setXattr(join(root, 'etc/host-absolute'), 'security.selinux', 'system_u:object_r:etc_t:s0\0');
    // A new target, because a directory target caches what it read from a root that does not change.
    const reopened = await openDirectoryTarget(root);
    const attributes = await reopened.fs.xattrs('/etc/host-absolute');
    expect([...attributes.keys()]).toEqual(['security.selinux']);
    expect(text(attributes.get('security.selinux'))).toBe('system_u:object_r:etc_t:s0\0');
  });
});
