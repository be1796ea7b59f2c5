import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ProbeItem } from '../../../lib/oval/syschar.js';
import { parseCilBooleans, readPolicyBooleans } from '../../../lib/probes/linux/selinux-policy-store.js';
import { selinuxBooleanProbe } from '../../../lib/probes/linux/selinuxboolean.js';
import { openHostTarget } from '../../../lib/targets/host.js';
import { makeTempRoot, request, run, value, type TempRoot } from '../helpers.js';

const STORE = '/var/lib/selinux/targeted/active';

function writeFile(root: string, path: string, contents: string | Buffer): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), contents);
}

/** Compresses with the bzip2 tool, as semodule stores module CIL. */
function bzip2(text: string): Buffer {
  return execFileSync('bzip2', ['-c'], { input: text });
}

function fillPolicyStore(root: string): void {
  writeFile(root, '/etc/selinux/config', '# comment\nSELINUX=enforcing\nSELINUXTYPE=targeted\n');
  writeFile(root, `${STORE}/modules/100/base/cil`, bzip2('(boolean tftp_home_dir false)\n(boolean httpd_can_network_connect false)\n(tunable ftpd_anon_write false)\n'));
  writeFile(root, `${STORE}/modules/100/apache/cil`, bzip2('(boolean httpd_enable_cgi true)\n(booleanif httpd_enable_cgi (true (allow a b (file (read)))))\n'));
  writeFile(root, `${STORE}/modules/400/apache/cil`, bzip2('(boolean httpd_enable_cgi false)\n'));
  writeFile(root, `${STORE}/modules/100/games/cil`, '(boolean games_enabled true)\n');
  writeFile(root, `${STORE}/modules/disabled/games`, '');
  writeFile(root, `${STORE}/booleans.local`, 'httpd_can_network_connect=1\nallow_ftpd_anon_write=on\nnot_declared=1\n');
  writeFile(root, '/etc/selinux/targeted/booleans.subs_dist', 'allow_ftpd_anon_write ftpd_anon_write\n');
}

function byName(items: ProbeItem[]): Record<string, string> {
  return Object.fromEntries(items.map((item) => [value(item, 'name'), `${value(item, 'current_status')}/${value(item, 'pending_status')}`]));
}

describe('CIL boolean parser', () => {
  it('finds boolean and tunable declarations', () => {
    expect(parseCilBooleans('(boolean a true)\n( tunable b  false )\n(booleanif a (true))')).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });
});

describe('selinuxboolean probe on an image', () => {
  let root: TempRoot;

  beforeAll(async () => {
    root = await makeTempRoot(fillPolicyStore);
  });
  afterAll(() => root.remove());

  it('computes boot values from modules and local settings', async () => {
    const result = await run(selinuxBooleanProbe, root.target, request('selinuxboolean_object', 'linux', [{ name: 'name', value: '.*', operation: 'pattern match' }]));
    expect(byName(result.items)).toEqual({
      ftpd_anon_write: 'true/true',
      httpd_can_network_connect: 'true/true',
      httpd_enable_cgi: 'false/false',
      tftp_home_dir: 'false/false',
    });
  });

  it('gives no item for an unknown boolean', async () => {
    const result = await run(selinuxBooleanProbe, root.target, request('selinuxboolean_object', 'linux', [{ name: 'name', value: 'games_enabled' }]));
    expect(result.items).toEqual([]);
    expect(result.flag).toBeUndefined();
  });

  it('writes boolean entities', async () => {
    const result = await run(selinuxBooleanProbe, root.target, request('selinuxboolean_object', 'linux', [{ name: 'name', value: 'tftp_home_dir' }]));
    const item = result.items[0] as ProbeItem;
    expect(item.entities.map((entity) => `${entity.name}:${entity.datatype}`)).toEqual(['name:string', 'current_status:boolean', 'pending_status:boolean']);
  });
});

describe('selinuxboolean probe without a policy', () => {
  it('reports no boolean where SELinux is not configured', async () => {
    const root = await makeTempRoot(() => {});
    try {
      const result = await run(selinuxBooleanProbe, root.target, request('selinuxboolean_object', 'linux', [{ name: 'name', value: 'tftp_home_dir' }]));
      expect(result.items).toEqual([]);
      expect(result.flag).toBeUndefined();
      expect(result.messages?.[0]?.text).toMatch(/not configured/);
    } finally {
      root.remove();
    }
  });

  it('reports no boolean where SELinux is disabled', async () => {
    const root = await makeTempRoot((path) => writeFile(path, '/etc/selinux/config', 'SELINUX=disabled\n'));
    try {
      const result = await run(selinuxBooleanProbe, root.target, request('selinuxboolean_object', 'linux', [{ name: 'name', value: 'tftp_home_dir' }]));
      expect(result.items).toEqual([]);
      expect(result.messages?.[0]?.text).toMatch(/disabled/);
    } finally {
      root.remove();
    }
  });

  it('is not collected when the policy store is missing', async () => {
    const root = await makeTempRoot((path) => writeFile(path, '/etc/selinux/config', 'SELINUX=enforcing\nSELINUXTYPE=targeted\n'));
    try {
      const result = await run(selinuxBooleanProbe, root.target, request('selinuxboolean_object', 'linux', [{ name: 'name', value: 'tftp_home_dir' }]));
      expect(result.flag).toBe('not collected');
    } finally {
      root.remove();
    }
  });

  it('rejects a decompression bomb in a module', async () => {
    const root = await makeTempRoot((path) => {
      writeFile(path, `${STORE}/modules/100/base/cil`, bzip2('(boolean a true)\n'.repeat(100_000)));
    });
    try {
      await expect(readPolicyBooleans(root.target.fs, 'targeted', 1024 * 1024)).rejects.toMatchObject({ code: 'LIMIT' });
    } finally {
      root.remove();
    }
  });
});

describe('selinuxboolean probe on the live host', () => {
  const hasSelinuxfs = existsSync('/sys/fs/selinux/booleans');

  it.runIf(!hasSelinuxfs)('reports no boolean without selinuxfs', async () => {
    const host = await openHostTarget();
    const result = await run(selinuxBooleanProbe, host, request('selinuxboolean_object', 'linux', [{ name: 'name', value: 'tftp_home_dir' }]));
    expect(result.items).toEqual([]);
    expect(result.messages?.[0]?.text).toMatch(/not enabled on the host/);
  });

  it.runIf(hasSelinuxfs)('reads values from selinuxfs', async () => {
    const host = await openHostTarget();
    const name = readdirSync('/sys/fs/selinux/booleans')[0] as string;
    const [current, pending] = readFileSync(`/sys/fs/selinux/booleans/${name}`, 'utf8').trim().split(/\s+/);
    const result = await run(selinuxBooleanProbe, host, request('selinuxboolean_object', 'linux', [{ name: 'name', value: name }]));
    expect(byName(result.items)).toEqual({ [name]: `${current === '1'}/${pending === '1'}` });
  });
});
