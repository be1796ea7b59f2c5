import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { evaluateOval } from '../../../lib/oval/evaluate/index.js';
import { parseOvalDefinitions } from '../../../lib/oval/parser.js';
import type { ProbeItem } from '../../../lib/oval/syschar.js';
import { createDefaultRegistry } from '../../../lib/probes/builtin.js';
import { registerLinuxProbes } from '../../../lib/probes/linux/index.js';
import { parseMountTable, partitionProbe } from '../../../lib/probes/linux/partition.js';
import { openHostTarget } from '../../../lib/targets/host.js';
import type { Target } from '../../../lib/targets/target.js';
import { makeTempRoot, request, run, value, values } from '../helpers.js';
import { describeWithShared } from '../../fixtures.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const upstreamTest = resolve(repoRoot, '../shared/conformance/openscap/tests/probes/partition/test_probes_partition.xml');

describe('mount table parser', () => {
  it('decodes octal escapes in fields', () => {
    const entries = parseMountTable('/dev/sdb1 /media/my\\040disk vfat rw,nosuid,nodev 0 0\n');
    expect(entries).toEqual([{ device: '/dev/sdb1', mountPoint: '/media/my disk', fsType: 'vfat', options: ['rw', 'nosuid', 'nodev'] }]);
  });

  it('skips short and comment lines', () => {
    const entries = parseMountTable('# comment\nbroken line\n\nproc /proc proc rw 0 0\n');
    expect(entries.map((entry) => entry.mountPoint)).toEqual(['/proc']);
  });
});

describe('partition probe', () => {
  let host: Target;

  beforeAll(async () => {
    host = await openHostTarget();
  });
  afterAll(async () => host.close());

  it('reports /proc on the live host', async () => {
    const result = await run(partitionProbe, host, request('partition_object', 'linux', [{ name: 'mount_point', value: '/proc' }]));
    expect(result.items).toHaveLength(1);
    const item = result.items[0] as ProbeItem;
    expect(value(item, 'device')).toBe('proc');
    expect(value(item, 'fs_type')).toBe('proc');
    expect(values(item, 'mount_options')).toContain('rw');
    expect(item.entities.find((entity) => entity.name === 'uuid')?.status).toBe('does not exist');
    expect(value(item, 'total_space')).toBe('0');
  });

  it('matches mount points by pattern', async () => {
    const mounts = parseMountTable(readFileSync('/proc/mounts', 'utf8')).filter((entry) => entry.fsType !== 'rootfs');
    const result = await run(partitionProbe, host, request('partition_object', 'linux', [{ name: 'mount_point', value: '^/proc', operation: 'pattern match' }]));
    expect(result.items.map((item) => value(item, 'mount_point'))).toEqual(mounts.filter((entry) => entry.mountPoint.startsWith('/proc')).map((entry) => entry.mountPoint));
  });

  it('finds no mount point without a leading slash', async () => {
    const result = await run(partitionProbe, host, request('partition_object', 'linux', [{ name: 'mount_point', value: '^something.*without.*leading.*slash$', operation: 'pattern match' }]));
    expect(result.items).toEqual([]);
    expect(result.flag).toBeUndefined();
  });

  it('is not collected on a directory root', async () => {
    const root = await makeTempRoot(() => {});
    try {
      const result = await run(partitionProbe, root.target, request('partition_object', 'linux', [{ name: 'mount_point', value: '/' }]));
      expect(result.flag).toBe('not collected');
      expect(result.items).toEqual([]);
      expect(result.messages?.[0]?.text).toMatch(/\/proc\/mounts/);
    } finally {
      root.remove();
    }
  });
});

describeWithShared('upstream partition test on the live host', [upstreamTest], () => {
  it('gives every definition the result its comment states', async () => {
    const host = await openHostTarget();
    try {
      const definitions = await parseOvalDefinitions(upstreamTest);
      const results = await evaluateOval(definitions, { target: host, registry: registerLinuxProbes(createDefaultRegistry()) });
      const byId = Object.fromEntries([...results.definitions].map(([id, result]) => [id, result.result]));
      expect(byId).toEqual({ 'oval:1:def:1': 'true', 'oval:1:def:2': 'true', 'oval:1:def:3': 'true' });
    } finally {
      await host.close();
    }
  });
});
