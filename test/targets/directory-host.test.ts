import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { openHostTarget } from '../../lib/targets/host.js';

describe('host target', () => {
  it('is live with uname and environment', async () => {
    const host = await openHostTarget();
    const facts = await host.facts();
    expect(host.live).toBe(true);
    expect(host.kind).toBe('host');
    expect(facts.environment?.PATH).toBe(process.env.PATH);
    expect(facts.uname?.osRelease).toBe(execFileSync('uname', ['-r']).toString().trim());
    expect(facts.uname?.nodeName).toBe(execFileSync('uname', ['-n']).toString().trim());
    expect(facts.architecture).toBe(execFileSync('uname', ['-m']).toString().trim());
  });

  it('reads /proc files reported as empty', async () => {
    const host = await openHostTarget();
    const stat = await host.fs.stat('/proc/self/status');
    expect(stat?.size).toBe(0);
    const text = Buffer.from(await host.fs.readFile(`/proc/${process.pid}/status`)).toString();
    expect(text).toContain(`Pid:\t${process.pid}`);
  });

  // smaps lists every mapping of the process, far more than the 16 KiB first read buffer.
  it('reads a /proc file past its first buffer', async () => {
    const host = await openHostTarget();
    const text = Buffer.from(await host.fs.readFile(`/proc/${process.pid}/smaps`)).toString();
    expect(text.length).toBeGreaterThan(64 * 1024);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n').filter((line) => line.startsWith('VmFlags:')).length).toBeGreaterThan(50);
  });

  it('reads os-release like the host', async () => {
    const host = await openHostTarget();
    const facts = await host.facts();
    const osRelease = readFileSync('/etc/os-release', 'utf8');
    // oscap 1.3.7 reports VERSION ("12 (bookworm)"), not VERSION_ID, as os_version.
    const version = /^VERSION="?([^"\n]*)"?$/m.exec(osRelease)?.[1];
    expect(facts.osVersion).toBe(version);
  });
});
