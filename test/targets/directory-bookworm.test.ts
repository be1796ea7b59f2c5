/**
 * Real checks on the Debian 12 root of the fixtures, extracted into a temporary folder.
 * The expected values are the items oscap-chroot 1.3.7 collected from a copy of the same root.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { filehash58Probe } from '../../lib/probes/independent/filehash58.js';
import { textfilecontent54Probe } from '../../lib/probes/independent/textfilecontent54.js';
import { fileProbe } from '../../lib/probes/unix/file.js';
import { passwordProbe } from '../../lib/probes/unix/password.js';
import { symlinkProbe } from '../../lib/probes/unix/symlink.js';
import { openDirectoryTarget } from '../../lib/targets/directory.js';
import type { Target } from '../../lib/targets/target.js';
import { request, run, value, values } from '../probes/helpers.js';
import { missingSharedReason, skipWithoutShared } from '../fixtures.js';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const archive = resolve(repoRoot, '../shared/fixtures/images/bookworm/bookworm-rootfs.tar.gz');

let workDir: string;
let target: Target;

beforeAll(async () => {
  if (missingSharedReason(archive) !== null) return;
  workDir = mkdtempSync(join(tmpdir(), 'scapula-bookworm-'));
  execFileSync('tar', ['-xzf', archive, '-C', workDir]);
  target = await openDirectoryTarget(workDir);
}, 60_000);

afterAll(() => {
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

beforeEach((context) => skipWithoutShared(context, archive));

describe('bookworm root', () => {
  it('facts come from the root', async () => {
    const facts = await target.facts();
    expect(facts.osName).toBe('Debian GNU/Linux');
    expect(facts.osVersion).toBe('12 (bookworm)');
    expect(facts.architecture).toBe('x86_64');
    // The slimmed root has no etc/hostname, so the folder name is used.
    expect(facts.primaryHostName).toBe(workDir.split('/').pop());
  });

  it('file probe sees setuid sudo', async () => {
    const result = await run(fileProbe, target, request('file_object', 'unix', [{ name: 'filepath', value: '/usr/bin/sudo' }]));
    const item = result.items[0];
    expect(value(item, 'suid')).toBe('true');
    expect(value(item, 'size')).toBe('281624');
    expect(value(item, 'm_time')).toBe('1796342400');
    expect(value(item, 'oread')).toBe('true');
    expect(value(item, 'owrite')).toBe('false');
  });

  it('password probe reads three accounts', async () => {
    const result = await run(
      passwordProbe,
      target,
      request('password_object', 'unix', [{ name: 'username', value: '^(root|nobody|_apt)$', operation: 'pattern match' }]),
    );
    expect(result.items.map((item) => [value(item, 'username'), value(item, 'user_id'), value(item, 'login_shell')])).toEqual([
      ['root', '0', '/bin/bash'],
      ['_apt', '42', '/usr/sbin/nologin'],
      ['nobody', '65534', '/usr/sbin/nologin'],
    ]);
    expect(value(result.items[1], 'gcos')).toBe('');
  });

  it('textfilecontent54 reads login.defs', async () => {
    const result = await run(
      textfilecontent54Probe,
      target,
      request('textfilecontent54_object', 'independent', [
        { name: 'filepath', value: '/etc/login.defs' },
        { name: 'pattern', value: '^\\s*PASS_(MAX|MIN)_DAYS\\s+(\\d+)', operation: 'pattern match' },
        { name: 'instance', value: '1', datatype: 'int', operation: 'greater than or equal' },
      ]),
    );
    expect(result.items.map((item) => value(item, 'text'))).toEqual(['PASS_MAX_DAYS\t99999', 'PASS_MIN_DAYS\t0']);
    expect(values(result.items[0], 'subexpression')).toEqual(['MAX', '99999']);
  });

  it('symlink probe resolves merged /bin', async () => {
    const result = await run(symlinkProbe, target, request('symlink_object', 'unix', [{ name: 'filepath', value: '/bin' }]));
    expect(value(result.items[0], 'canonical_path')).toBe('/usr/bin');
  });

  it('filehash58 hashes debian_version', async () => {
    const result = await run(
      filehash58Probe,
      target,
      request('filehash58_object', 'independent', [{ name: 'filepath', value: '/etc/debian_version' }, { name: 'hash_type', value: 'SHA-256' }]),
    );
    expect(value(result.items[0], 'hash')).toBe('0e6ef511d8279cbe816b3596bdda9302016f5e29f6d16814b84ea7cbc12b3ffe');
  });

  // oscap-chroot 1.3.7 gives no item for the filepath pattern and /bin, /lib for the filename one.
  it('directory links match filename only', async () => {
    const byFilepath = await run(
      fileProbe,
      target,
      request('file_object', 'unix', [{ name: 'filepath', value: '^/(bin|lib|etc)$', operation: 'pattern match' }]),
    );
    expect(byFilepath.items).toHaveLength(0);

    const byFilename = await run(
      fileProbe,
      target,
      request('file_object', 'unix', [
        { name: 'path', value: '/' },
        { name: 'filename', value: '^(bin|lib|etc)$', operation: 'pattern match' },
      ]),
    );
    expect(byFilename.items.map((item) => [value(item, 'filepath'), value(item, 'type')])).toEqual([
      ['/bin', 'symbolic link'],
      ['/lib', 'symbolic link'],
    ]);
  });

  it('finds ssh_config by pattern', async () => {
    const result = await run(
      fileProbe,
      target,
      request('file_object', 'unix', [{ name: 'filepath', value: '^/etc/ssh/ssh_config$', operation: 'pattern match' }]),
    );
    expect(result.items.map((item) => value(item, 'filepath'))).toEqual(['/etc/ssh/ssh_config']);
  });
});
