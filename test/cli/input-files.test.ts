import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runInProcess } from './in-process.js';

const repoRoot = path.resolve(__dirname, '../..');
const built = existsSync(path.join(repoRoot, 'dist/lib/cli/main.js'));
const baseline = path.join(repoRoot, 'content/scapula-container-baseline.oval.xml');

const PIPE_MESSAGE =
  'is not a regular file (a pipe, socket or terminal). scapula reads each file more than once, so save the data to a regular file and pass that file';

let work: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'scapula-input-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('OVAL file that is not a regular file', () => {
  it('reports a directory', async () => {
    const run = await runInProcess(['oval', 'eval', '--root', work, work]);

    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`scapula: ${work}: is a directory, not a regular file\n`);
  });

  // The shell connects the commands with a pipe, as `cat defs.xml | scapula oval eval /dev/stdin` does.
  it.skipIf(!built).each([
    ['oval eval'],
    ['info'],
    ['oval validate'],
    ['oval eval --root / --results pipe-results.xml'],
  ])('reports a pipe to %s', (command) => {
    const outDir = mkdtempSync(path.join(work, 'out-'));
    const run = spawnSync('sh', ['-c', `cat "$0" | "$1" "$2" ${command} /dev/stdin`, baseline, process.execPath, path.join(repoRoot, 'bin/scapula.js')], {
      cwd: outDir,
      encoding: 'utf8',
      timeout: 30_000,
    });

    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`scapula: /dev/stdin: ${PIPE_MESSAGE}\n`);
    expect(readdirSync(outDir)).toEqual([]);
  });

  // Node's child_process connects a child's stdin with a socket, which /dev/stdin cannot open.
  it.skipIf(!built)('reports a socket as standard input', () => {
    const run = spawnSync(process.execPath, [path.join(repoRoot, 'bin/scapula.js'), 'oval', 'eval', '/dev/stdin'], {
      input: '<a/>',
      encoding: 'utf8',
      timeout: 30_000,
    });

    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`scapula: /dev/stdin: ${PIPE_MESSAGE}\n`);
  });

  it('still reads a regular file', async () => {
    const run = await runInProcess(['info', baseline]);

    expect(run.status).toBe(0);
  });
});
