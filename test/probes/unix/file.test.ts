import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fileProbe } from '../../../lib/probes/unix/file.js';
import { setXattr, xattrUnavailableReason } from '../../host-xattrs.js';
import { context, entityNames, makeTempRoot, request, run, value, type TempRoot } from '../helpers.js';

let root: TempRoot;

const aclReason = xattrUnavailableReason('user.scapula');

/**
 * The xattr form of the ACL "user::rw- user:1000:r-- group::r-- mask::r-- other::r--": version
 * 2, then entries of tag, permissions (both 16-bit) and id (32-bit), little-endian.
 */
const USER_1000_READ_ACL = Buffer.from([
  [2, 0, 0, 0],
  [0x01, 0, 6, 0, 0xff, 0xff, 0xff, 0xff],
  [0x02, 0, 4, 0, 0xe8, 0x03, 0, 0],
  [0x04, 0, 4, 0, 0xff, 0xff, 0xff, 0xff],
  [0x10, 0, 4, 0, 0xff, 0xff, 0xff, 0xff],
  [0x20, 0, 4, 0, 0xff, 0xff, 0xff, 0xff],
].flat());

beforeAll(async () => {
  root = await makeTempRoot((path) => {
    mkdirSync(join(path, 'etc/conf.d'), { recursive: true });
    mkdirSync(join(path, 'etc/lnk'), { recursive: true });
    writeFileSync(join(path, 'etc/ssh.conf'), 'PermitRootLogin no\n');
    writeFileSync(join(path, 'etc/conf.d/x.conf'), 'a=1\nb=2\n');
    writeFileSync(join(path, 'etc/conf.d/y.conf'), 'c=3\n');
    symlinkSync('../conf.d', join(path, 'etc/lnk/back'));
    symlinkSync('/etc', join(path, 'etc/lnk/loop'));
    writeFileSync(join(path, 'etc/setuid'), '');
    chmodSync(join(path, 'etc/setuid'), 0o4751);
    execFileSync('mkfifo', [join(path, 'etc/pipe')]);
  });
});

afterAll(() => root.remove());

describe('file probe', () => {
  it('reports entities in schema order', async () => {
    const result = await run(fileProbe, root.target, request('file_object', 'unix', [{ name: 'filepath', value: '/etc/setuid' }]));
    expect(result.items).toHaveLength(1);
    const item = result.items[0];
    expect(entityNames(item)).toEqual([
      'filepath', 'path', 'filename', 'type', 'group_id', 'user_id', 'a_time', 'c_time', 'm_time', 'size',
      'suid', 'sgid', 'sticky', 'uread', 'uwrite', 'uexec', 'gread', 'gwrite', 'gexec', 'oread', 'owrite', 'oexec',
      'has_extended_acl',
    ]);
  });

  it('decodes permission bits', async () => {
    const result = await run(fileProbe, root.target, request('file_object', 'unix', [{ name: 'filepath', value: '/etc/setuid' }]));
    const item = result.items[0];
    expect(value(item, 'type')).toBe('regular');
    expect(value(item, 'suid')).toBe('true');
    expect(value(item, 'sgid')).toBe('false');
    expect(value(item, 'uexec')).toBe('true');
    expect(value(item, 'gread')).toBe('true');
    expect(value(item, 'gwrite')).toBe('false');
    expect(value(item, 'gexec')).toBe('true');
    expect(value(item, 'oread')).toBe('false');
    expect(value(item, 'oexec')).toBe('true');
    expect(value(item, 'size')).toBe('0');
  });

  it.skipIf(aclReason !== null)('has_extended_acl false without an ACL', async () => {
    const result = await run(fileProbe, root.target, request('file_object', 'unix', [{ name: 'filepath', value: '/etc/setuid' }]));
    const acl = result.items[0].entities.find((entity) => entity.name === 'has_extended_acl');
    expect(acl?.status).toBeUndefined();
    expect(acl?.value).toBe('false');
  });

  it.skipIf(aclReason !== null)('has_extended_acl true with an ACL', async () => {
    writeFileSync(join(root.path, 'etc/shared'), '');
    setXattr(join(root.path, 'etc/shared'), 'system.posix_acl_access', USER_1000_READ_ACL);
    const result = await run(fileProbe, root.target, request('file_object', 'unix', [{ name: 'filepath', value: '/etc/shared' }]));
    expect(value(result.items[0], 'has_extended_acl')).toBe('true');
  });

  // The same object in oscap-chroot 1.3.7 gave exactly these four directories.
  it('nil filename lists directories down', async () => {
    const result = await run(
      fileProbe,
      root.target,
      request('file_object', 'unix', [{ name: 'path', value: '/etc' }, { name: 'filename', nil: true }], {
        recurse_direction: 'down',
        recurse: 'symlinks and directories',
      }),
    );
    const paths = result.items.map((item) => value(item, 'path'));
    expect(paths).toEqual(['/etc', '/etc/conf.d', '/etc/lnk', '/etc/lnk/back', '/etc/lnk/loop']);
    expect(result.items.map((item) => value(item, 'type'))).toEqual(['directory', 'directory', 'directory', 'symbolic link', 'symbolic link']);
    expect(entityNames(result.items[0]).slice(0, 2)).toEqual(['path', 'filename']);
    expect(value(result.items[0], 'filename')).toBe('');
  });

  it('recurse directories skips links', async () => {
    const result = await run(
      fileProbe,
      root.target,
      request('file_object', 'unix', [{ name: 'path', value: '/etc' }, { name: 'filename', nil: true }], {
        recurse_direction: 'down',
        recurse: 'directories',
      }),
    );
    expect(result.items.map((item) => value(item, 'path'))).toEqual(['/etc', '/etc/conf.d', '/etc/lnk']);
  });

  it('max_depth limits the descent', async () => {
    const result = await run(
      fileProbe,
      root.target,
      request('file_object', 'unix', [{ name: 'path', value: '/' }, { name: 'filename', nil: true }], {
        recurse_direction: 'down',
        max_depth: '1',
      }),
    );
    expect(result.items.map((item) => value(item, 'path'))).toEqual(['/', '/etc']);
  });

  it('recurse_direction up lists the parents', async () => {
    const result = await run(
      fileProbe,
      root.target,
      request('file_object', 'unix', [{ name: 'path', value: '/etc/conf.d' }, { name: 'filename', nil: true }], {
        recurse_direction: 'up',
      }),
    );
    expect(result.items.map((item) => value(item, 'path'))).toEqual(['/etc/conf.d', '/etc', '/']);
  });

  // oscap-chroot 1.3.7 found the same five files, the links' copies included.
  it('filepath pattern follows directory links', async () => {
    const result = await run(
      fileProbe,
      root.target,
      request('file_object', 'unix', [{ name: 'filepath', value: '^/etc/.*\\.conf$', operation: 'pattern match' }]),
    );
    expect(result.items.map((item) => value(item, 'filepath')).sort()).toEqual([
      '/etc/conf.d/x.conf',
      '/etc/conf.d/y.conf',
      '/etc/lnk/back/x.conf',
      '/etc/lnk/back/y.conf',
      '/etc/ssh.conf',
    ]);
  });

  it('reports a FIFO without opening it', async () => {
    const result = await run(fileProbe, root.target, request('file_object', 'unix', [{ name: 'path', value: '/etc' }, { name: 'filename', value: 'pipe' }]));
    expect(value(result.items[0], 'type')).toBe('named pipe');
  });

  it('rejects an invalid behavior', async () => {
    const result = await run(
      fileProbe,
      root.target,
      request('file_object', 'unix', [{ name: 'path', value: '/etc' }, { name: 'filename', nil: true }], { recurse_direction: 'sideways' }),
    );
    expect(result.flag).toBe('error');
    expect(result.messages?.[0].text).toContain('sideways');
  });

  it('stops links that fan out exponentially', async () => {
    const fanout = await makeTempRoot((path) => {
      // Each level contains links l0..l3 to the next level, so 4^8 paths lead to the last one.
      for (let level = 0; level < 8; level++) {
        mkdirSync(join(path, `d${level}`));
        for (let link = 0; link < 4; link++) symlinkSync(`/d${level + 1}`, join(path, `d${level}`, `l${link}`));
      }
      mkdirSync(join(path, 'd8'));
    });
    try {
      const started = Date.now();
      const result = await run(
        fileProbe,
        fanout.target,
        request('file_object', 'unix', [{ name: 'path', value: '/d0' }, { name: 'filename', nil: true }], { recurse_direction: 'down' }),
      );
      expect(result.flag).toBe('error');
      expect(result.messages?.[0].text).toContain('already entered 16 times');
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      fanout.remove();
    }
  });

  it('path pattern matches directories', async () => {
    const result = await run(
      fileProbe,
      root.target,
      request('file_object', 'unix', [
        { name: 'path', value: '^/etc/conf', operation: 'pattern match' },
        { name: 'filename', value: 'y.conf' },
      ]),
    );
    expect(result.items.map((item) => value(item, 'filepath'))).toEqual(['/etc/conf.d/y.conf']);
  });

  it('reuses a file item per evaluation', async () => {
    const shared = context(root.target);
    const byFilepath = request('file_object', 'unix', [{ name: 'filepath', value: '/etc/ssh.conf' }]);
    const byPath = request('file_object', 'unix', [
      { name: 'path', value: '/etc' },
      { name: 'filename', value: 'ssh.conf' },
    ]);
    const first = (await fileProbe.collect(byFilepath, shared)).items[0];
    const second = (await fileProbe.collect(byPath, shared)).items[0];
    expect(second).toBe(first);

    // Another evaluation, with its own cache, reads the file again.
    const other = (await fileProbe.collect(byPath, context(root.target))).items[0];
    expect(other).not.toBe(first);
    expect(other).toEqual(first);
  });

  it('rereads files of a live target', async () => {
    const live = { ...root.target, live: true };
    const shared = context(live);
    const byFilepath = request('file_object', 'unix', [{ name: 'filepath', value: '/etc/ssh.conf' }]);
    const first = (await fileProbe.collect(byFilepath, shared)).items[0];
    const second = (await fileProbe.collect(byFilepath, shared)).items[0];
    expect(second).not.toBe(first);
    expect(second).toEqual(first);
  });

  it('shares frozen boolean entities', async () => {
    const result = await run(fileProbe, root.target, request('file_object', 'unix', [{ name: 'filepath', value: '/etc/setuid' }]));
    const suid = result.items[0].entities.find((entity) => entity.name === 'suid');
    expect(suid).toEqual({ name: 'suid', value: 'true', datatype: 'boolean' });
    expect(Object.isFrozen(suid)).toBe(true);
  });
});
