import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { evaluateOval } from '../../../lib/oval/evaluate/index.js';
import { parseOvalDefinitions } from '../../../lib/oval/parser.js';
import { createDefaultRegistry } from '../../../lib/probes/builtin.js';
import { registerLinuxProbes } from '../../../lib/probes/linux/index.js';
import { makeTempRoot, type TempRoot } from '../helpers.js';
import { describeWithShared } from '../../fixtures.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const upstreamTests = resolve(repoRoot, '../shared/conformance/openscap/tests/probes/systemdunitproperty');
const VENDOR = '/usr/lib/systemd/system';

function writeFile(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

/**
 * Writes a root where the facts that the upstream test assumes of a running Fedora hold:
 * -.mount is a loaded unit name, journald exists, a service conflicts with shutdown.target
 * and sockets.target wants two units.
 */
function fillRoot(root: string): void {
  mkdirSync(join(root, VENDOR), { recursive: true });
  symlinkSync('multi-user.target', join(root, VENDOR, 'default.target'));
  writeFile(root, `${VENDOR}/multi-user.target`, '[Unit]\nRequires=basic.target\n');
  writeFile(root, `${VENDOR}/basic.target`, '[Unit]\nWants=sockets.target\nRequiresMountsFor=/\nAfter=-.mount\n');
  writeFile(root, `${VENDOR}/sockets.target`, '[Unit]\nWants=systemd-journald.socket dbus.socket\n');
  writeFile(root, `${VENDOR}/systemd-journald.socket`, '[Unit]\nDescription=Journal Socket\n');
  writeFile(root, `${VENDOR}/dbus.socket`, '[Unit]\nDescription=D-Bus Socket\n');
  writeFile(root, `${VENDOR}/systemd-journald.service`, '[Unit]\nDescription=Journal Service\n');
}

describeWithShared('upstream systemdunitproperty test on an offline root', [upstreamTests], () => {
  let root: TempRoot;

  beforeAll(async () => {
    root = await makeTempRoot(fillRoot);
  });
  afterAll(() => root.remove());

  it('gives every definition the result its comment states', async () => {
    const definitions = await parseOvalDefinitions(join(upstreamTests, 'test_probes_systemdunitproperty.xml'));
    const results = await evaluateOval(definitions, { target: root.target, registry: registerLinuxProbes(createDefaultRegistry()) });
    const byId = Object.fromEntries([...results.definitions].map(([id, result]) => [id, result.result]));
    expect(byId).toEqual({
      'oval:0:def:1': 'true',
      'oval:0:def:2': 'true',
      'oval:0:def:3': 'true',
      'oval:0:def:4': 'true',
      'oval:0:def:5': 'true',
      'oval:0:def:6': 'false',
      'oval:0:def:7': 'false',
      'oval:0:def:8': 'true',
    });
  });
});
