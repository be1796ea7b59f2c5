import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { passwordProbe } from '../../../lib/probes/unix/password.js';
import { encryptMethodOf, shadowProbe } from '../../../lib/probes/unix/shadow.js';
import { symlinkProbe } from '../../../lib/probes/unix/symlink.js';
import { entityNames, makeTempRoot, request, run, value, type TempRoot } from '../helpers.js';

let root: TempRoot;

beforeAll(async () => {
  root = await makeTempRoot((path) => {
    mkdirSync(join(path, 'etc'));
    writeFileSync(join(path, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice A,,,:/home/alice:/bin/sh\nbad line\n');
    writeFileSync(join(path, 'etc/shadow'), 'root:$6$abc$def:19000:0:99999:7:::\nalice:!:19001:1:90:14:30:20000:\n');
    symlinkSync('/etc/passwd', join(path, 'etc/pw-link'));
    symlinkSync('/etc/../../missing', join(path, 'etc/dangling'));
    symlinkSync('loop', join(path, 'etc/loop'));
  });
});

afterAll(() => root.remove());

const everyone = { name: 'username', value: '.*', operation: 'pattern match' as const };

describe('password probe', () => {
  // Entity values as oscap-chroot 1.3.7 collected them from the same file.
  it('reads every well-formed entry', async () => {
    const result = await run(passwordProbe, root.target, request('password_object', 'unix', [everyone]));
    expect(result.items.map((item) => value(item, 'username'))).toEqual(['root', 'alice']);
    const alice = result.items[1];
    expect(entityNames(alice)).toEqual(['username', 'password', 'user_id', 'group_id', 'gcos', 'home_dir', 'login_shell', 'last_login']);
    expect(value(alice, 'user_id')).toBe('1000');
    expect(value(alice, 'gcos')).toBe('Alice A,,,');
    expect(value(alice, 'home_dir')).toBe('/home/alice');
    expect(value(alice, 'login_shell')).toBe('/bin/sh');
    expect(value(alice, 'last_login')).toBe('-1');
  });

  it('selects one user by name', async () => {
    const result = await run(passwordProbe, root.target, request('password_object', 'unix', [{ name: 'username', value: 'root' }]));
    expect(result.items).toHaveLength(1);
    expect(value(result.items[0], 'home_dir')).toBe('/root');
  });
});

describe('shadow probe', () => {
  it('reads aging fields and the hash method', async () => {
    const result = await run(shadowProbe, root.target, request('shadow_object', 'unix', [everyone]));
    expect(result.items).toHaveLength(2);
    const [rootItem, alice] = result.items;
    expect(entityNames(rootItem)).toEqual([
      'username', 'password', 'chg_lst', 'chg_allow', 'chg_req', 'exp_warn', 'exp_inact', 'exp_date', 'flag', 'encrypt_method',
    ]);
    expect(value(rootItem, 'encrypt_method')).toBe('SHA-512');
    expect(value(rootItem, 'chg_req')).toBe('99999');
    expect(value(rootItem, 'exp_inact')).toBe('-1');
    expect(value(alice, 'exp_date')).toBe('20000');
    expect(value(alice, 'flag')).toBe('-1');
    expect(value(alice, 'encrypt_method')).toBe('');
  });

  it('names crypt methods', () => {
    expect(encryptMethodOf('$1$salt$hash')).toBe('MD5');
    expect(encryptMethodOf('$2b$10$hash')).toBe('Blowfish');
    expect(encryptMethodOf('$5$salt$hash')).toBe('SHA-256');
    expect(encryptMethodOf('abcdefghijklm')).toBe('DES');
    expect(encryptMethodOf('*')).toBe('');
  });
});

describe('symlink probe', () => {
  it('resolves a link inside the root', async () => {
    const result = await run(symlinkProbe, root.target, request('symlink_object', 'unix', [{ name: 'filepath', value: '/etc/pw-link' }]));
    expect(result.items).toHaveLength(1);
    expect(value(result.items[0], 'canonical_path')).toBe('/etc/passwd');
  });

  it('gives no item for a regular file', async () => {
    const result = await run(symlinkProbe, root.target, request('symlink_object', 'unix', [{ name: 'filepath', value: '/etc/passwd' }]));
    expect(result.items).toHaveLength(0);
  });

  it('marks dangling and looping links as errors', async () => {
    for (const path of ['/etc/dangling', '/etc/loop']) {
      const result = await run(symlinkProbe, root.target, request('symlink_object', 'unix', [{ name: 'filepath', value: path }]));
      expect(result.items[0].status).toBe('error');
      expect(result.items[0].entities[1].status).toBe('error');
      // The item carries the error, so the collector flags the object "complete" (OVAL 5.11.2 FlagEnumeration).
      expect(result.flag).toBeUndefined();
    }
  });

  it('names the cause of a broken link', async () => {
    const dangling = await run(symlinkProbe, root.target, request('symlink_object', 'unix', [{ name: 'filepath', value: '/etc/dangling' }]));
    expect(dangling.items[0].messages?.[0]?.text).toBe(
      'the symbolic link /etc/dangling -> /etc/../../missing is broken: the path it resolves to does not exist in the target',
    );

    const loop = await run(symlinkProbe, root.target, request('symlink_object', 'unix', [{ name: 'filepath', value: '/etc/loop' }]));
    expect(loop.items[0].messages?.[0]?.text).toBe('the symbolic link /etc/loop -> loop is circular or too long a chain: too many symbolic links (more than 40) in /etc/loop');
  });
});
