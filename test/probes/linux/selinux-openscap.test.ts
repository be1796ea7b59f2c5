import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect, it } from 'vitest';

import { evaluateOval } from '../../../lib/oval/evaluate/index.js';
import { parseOvalDefinitions } from '../../../lib/oval/parser.js';
import { createDefaultRegistry } from '../../../lib/probes/builtin.js';
import { registerLinuxProbes } from '../../../lib/probes/linux/index.js';
import type { Target } from '../../../lib/targets/target.js';
import { FileTree, type TreeNode } from '../../../lib/targets/tree/tree.js';
import { TreeFileSystemView } from '../../../lib/targets/tree/view.js';
import { makeTempRoot } from '../helpers.js';
import { describeWithShared } from '../../fixtures.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const upstreamTests = resolve(repoRoot, '../shared/conformance/openscap/tests/probes');

function writeFile(root: string, path: string, contents: string | Buffer): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), contents);
}

async function definitionResults(file: string, target: Target): Promise<Record<string, string>> {
  const definitions = await parseOvalDefinitions(file);
  const results = await evaluateOval(definitions, { target, registry: registerLinuxProbes(createDefaultRegistry()) });
  return Object.fromEntries([...results.definitions].map(([id, result]) => [id, result.result]));
}

/** Builds an image-like target whose /dev nodes carry the labels of a targeted policy. */
function labelledDevImage(): Target {
  const tree = new FileTree();
  const node = (type: 'character' | 'directory', extra: Partial<TreeNode> = {}) =>
    tree.createNode({ type, mode: type === 'directory' ? 0o755 : 0o666, uid: 0, gid: 0, size: 0, mtime: 0, atime: 0, ctime: 0, ...extra });
  const label = (text: string) => new Map([['security.selinux', new TextEncoder().encode(`${text}\0`)]]);

  const dev = node('directory');
  tree.link(tree.root, 'dev', dev);
  tree.link(dev, 'null', node('character', { rdevMajor: 1, rdevMinor: 3, xattrs: label('system_u:object_r:null_device_t:s0') }));
  tree.link(dev, 'zero', node('character', { rdevMajor: 1, rdevMinor: 5, xattrs: label('system_u:object_r:zero_device_t:s0') }));
  return {
    kind: 'image',
    source: 'memory',
    fs: new TreeFileSystemView(tree),
    live: false,
    facts: async () => ({ osName: 'Linux', osVersion: '', architecture: 'x86_64', primaryHostName: '', interfaces: [], environment: null, uname: null }),
    close: async () => {},
  };
}

describeWithShared('upstream SELinux probe tests on images', [upstreamTests], () => {
  it('finds null_device_t under /dev', async () => {
    const results = await definitionResults(join(upstreamTests, 'selinuxsecuritycontext/test_probes_selinuxsecuritycontext.xml'), labelledDevImage());
    expect(results).toEqual({ 'oval:1:def:1': 'true' });
  });

  it('finds tftp_home_dir off in the policy store', async () => {
    const root = await makeTempRoot((path) => {
      writeFile(path, '/etc/selinux/config', 'SELINUX=enforcing\nSELINUXTYPE=targeted\n');
      writeFile(path, '/var/lib/selinux/targeted/active/modules/100/tftp/cil', execFileSync('bzip2', ['-c'], { input: '(boolean tftp_home_dir false)\n' }));
    });
    try {
      const results = await definitionResults(join(upstreamTests, 'selinuxboolean/test_probes_selinuxboolean_offline_mode.xml'), root.target);
      expect(results).toEqual({ 'oval:1:def:1': 'true' });
    } finally {
      root.remove();
    }
  });

  it('finds tftp_home_dir mismatched when switched on', async () => {
    const root = await makeTempRoot((path) => {
      writeFile(path, '/etc/selinux/config', 'SELINUX=enforcing\nSELINUXTYPE=targeted\n');
      writeFile(path, '/var/lib/selinux/targeted/active/modules/100/tftp/cil', '(boolean tftp_home_dir false)\n');
      writeFile(path, '/var/lib/selinux/targeted/active/booleans.local', 'tftp_home_dir=1\n');
    });
    try {
      const results = await definitionResults(join(upstreamTests, 'selinuxboolean/test_probes_selinuxboolean_offline_mode.xml'), root.target);
      expect(results).toEqual({ 'oval:1:def:1': 'false' });
    } finally {
      root.remove();
    }
  });
});
