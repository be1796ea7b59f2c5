import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { process58Probe } from '../../../lib/probes/unix/process58.js';
import { sysctlProbe } from '../../../lib/probes/unix/sysctl.js';
import { unameProbe } from '../../../lib/probes/unix/uname.js';
import { openHostTarget } from '../../../lib/targets/host.js';
import type { Target } from '../../../lib/targets/target.js';
import { makeTempRoot, request, run, value, type TempRoot } from '../helpers.js';

let root: TempRoot;
let host: Target;

beforeAll(async () => {
  root = await makeTempRoot(() => {});
  host = await openHostTarget();
});

afterAll(() => root.remove());

describe('probes that need a running system', () => {
  it('uname offline describes the root', async () => {
    const kernelRoot = await makeTempRoot((path) => {
      mkdirSync(join(path, 'lib/modules/6.1.0-28-amd64'), { recursive: true });
      mkdirSync(join(path, 'etc'), { recursive: true });
      writeFileSync(join(path, 'etc/hostname'), 'builder\n');
      // An ELF header of an x86-64 executable: class 64-bit, little endian, e_machine 0x3e.
      const elf = Buffer.alloc(64);
      elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
      elf.writeUInt16LE(0x3e, 18);
      mkdirSync(join(path, 'bin'), { recursive: true });
      writeFileSync(join(path, 'bin/sh'), elf);
    });
    try {
      const result = await run(unameProbe, kernelRoot.target, request('uname_object', 'unix', []));
      expect(result.flag).toBeUndefined();
      expect(result.items).toHaveLength(1);
      const item = result.items[0];
      expect(value(item, 'machine_class')).toBe('x86_64');
      expect(value(item, 'processor_type')).toBe('x86_64');
      expect(value(item, 'os_name')).toBe('Linux');
      expect(value(item, 'node_name')).toBe('builder');
      expect(value(item, 'os_release')).toBe('6.1.0-28-amd64');
      expect(item.entities.find((entity) => entity.name === 'os_version')?.status).toBe('does not exist');
    } finally {
      kernelRoot.remove();
    }
  });

  it('uname offline without kernel modules', async () => {
    const result = await run(unameProbe, root.target, request('uname_object', 'unix', []));
    expect(result.items).toHaveLength(1);
    expect(result.items[0].entities.find((entity) => entity.name === 'os_release')?.status).toBe('does not exist');
  });

  it('uname offline without an architecture', async () => {
    // The root has no /bin/sh and no image config, so its architecture is unknown.
    const result = await run(unameProbe, root.target, request('uname_object', 'unix', []));
    const entities = result.items[0].entities;
    expect(entities.find((entity) => entity.name === 'machine_class')).toEqual({ name: 'machine_class', datatype: 'string', status: 'not collected' });
    expect(entities.find((entity) => entity.name === 'processor_type')?.status).toBe('not collected');
  });

  it('uname reads the host kernel', async () => {
    const result = await run(unameProbe, host, request('uname_object', 'unix', []));
    const item = result.items[0];
    expect(value(item, 'os_release')).toBe(execFileSync('uname', ['-r']).toString().trim());
    expect(value(item, 'machine_class')).toBe(execFileSync('uname', ['-m']).toString().trim());
    expect(value(item, 'os_version')).toBe(execFileSync('uname', ['-v']).toString().trim());
  });

  it('sysctl is not collected offline', async () => {
    const result = await run(sysctlProbe, root.target, request('sysctl_object', 'unix', [{ name: 'name', value: 'kernel.ostype' }]));
    expect(result.flag).toBe('not collected');
  });

  it('sysctl reads /proc/sys on the host', async () => {
    const result = await run(
      sysctlProbe,
      host,
      request('sysctl_object', 'unix', [{ name: 'name', value: '^kernel\\.(ostype|osrelease)$', operation: 'pattern match' }]),
    );
    expect(result.items.map((item) => value(item, 'name'))).toEqual(['kernel.osrelease', 'kernel.ostype']);
    expect(value(result.items[1], 'value')).toBe('Linux');
  });

  it('sysctl skips a parameter that reads empty', async () => {
    const kernelRoot = await makeTempRoot((path) => {
      mkdirSync(join(path, 'proc/sys/kernel'), { recursive: true });
      mkdirSync(join(path, 'proc/sys/vm'), { recursive: true });
      writeFileSync(join(path, 'proc/sys/kernel/ostype'), 'Linux\n');
      writeFileSync(join(path, 'proc/sys/vm/stat_refresh'), '');
    });
    try {
      // The directory plays the part of a running system's /proc/sys.
      const live: Target = { ...kernelRoot.target, live: true };
      const result = await run(sysctlProbe, live, request('sysctl_object', 'unix', [{ name: 'name', value: '.*', operation: 'pattern match' }]));
      expect(result.items.map((item) => value(item, 'name'))).toEqual(['kernel.ostype']);
      expect(value(result.items[0], 'value')).toBe('Linux');
    } finally {
      kernelRoot.remove();
    }
  });

  it('process58 finds this process', async () => {
    const result = await run(
      process58Probe,
      host,
      request('process58_object', 'unix', [
        { name: 'command_line', value: '.*', operation: 'pattern match' },
        { name: 'pid', value: String(process.pid), datatype: 'int' },
      ]),
    );
    expect(result.items).toHaveLength(1);
    const item = result.items[0];
    const commandLine = readFileSync(`/proc/${process.pid}/cmdline`, 'utf8').replace(/\0$/, '').replaceAll('\0', ' ');
    expect(value(item, 'command_line')).toBe(commandLine);
    expect(value(item, 'ppid')).toBe(String(process.ppid));
    expect(value(item, 'user_id')).toBe(String(process.geteuid?.()));
  });

  it('process58 is not collected offline', async () => {
    const result = await run(
      process58Probe,
      root.target,
      request('process58_object', 'unix', [
        { name: 'command_line', value: '.*', operation: 'pattern match' },
        { name: 'pid', value: '1', datatype: 'int' },
      ]),
    );
    expect(result.flag).toBe('not collected');
  });

  it('process58 finds no process in an empty proc', async () => {
    // As oscap 1.3.7 with OSCAP_PROBE_ROOT on upstream probes/process58/empty_proc.sh.
    const procRoot = await makeTempRoot((path) => mkdirSync(join(path, 'proc')));
    try {
      const result = await run(
        process58Probe,
        procRoot.target,
        request('process58_object', 'unix', [
          { name: 'command_line', value: '.*', operation: 'pattern match' },
          { name: 'pid', value: '1', datatype: 'int' },
        ]),
      );
      expect(result.flag).toBeUndefined();
      expect(result.items).toEqual([]);
      expect(result.messages?.[0]?.level).toBe('warning');
    } finally {
      await procRoot.remove();
    }
  });
});
