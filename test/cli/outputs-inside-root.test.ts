import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runInProcess } from './in-process.js';

const repoRoot = path.resolve(__dirname, '../..');
const baseline = path.join(repoRoot, 'content/scapula-container-baseline.oval.xml');

let work: string;
let root: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'scapula-outputs-'));
  root = path.join(work, 'root');
  mkdirSync(path.join(root, 'tmp'), { recursive: true });
  symlinkSync(path.join(root, 'tmp'), path.join(work, 'link-into-root'));
  symlinkSync(root, path.join(work, 'root-link'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function warning(option: string, file: string, rootOption = root): string {
  return `W: --${option} ${file} is written into the scanned root (--root ${rootOption}), and later scans of that root will see it\n`;
}

describe('output file inside --root', () => {
  it('warns about --results in the root', async () => {
    const results = path.join(root, 'tmp/results.xml');
    const result = await runInProcess(['oval', 'eval', '--root', root, '--results', results, baseline]);

    expect(result.status).toBe(0);
    expect(result.stderr).toBe(warning('results', results));
    expect(existsSync(results)).toBe(true);
  });

  it('warns about --results through a link', async () => {
    const results = path.join(work, 'link-into-root/linked.xml');
    const result = await runInProcess(['oval', 'eval', '--root', root, '--results', results, baseline]);

    expect(result.status).toBe(0);
    expect(result.stderr).toBe(warning('results', results));
    expect(existsSync(path.join(root, 'tmp/linked.xml'))).toBe(true);
  });

  it('warns when the root is a link', async () => {
    const rootLink = path.join(work, 'root-link');
    const results = path.join(root, 'tmp/via-root-link.xml');
    const result = await runInProcess(['oval', 'eval', '--root', rootLink, '--results', results, baseline]);

    expect(result.stderr).toBe(warning('results', results, rootLink));
  });

  it('warns about --syschar in the root', async () => {
    const syschar = path.join(root, 'syschar.xml');
    const result = await runInProcess(['oval', 'collect', '--root', root, '--syschar', syschar, baseline]);

    expect(result.status).toBe(0);
    expect(result.stderr).toBe(warning('syschar', syschar));
  });

  it('warns about the log file in the root', async () => {
    const log = path.join(root, 'tmp/scapula.log');
    const result = await runInProcess(['oval', 'eval', '--root', root, '--verbose', 'WARNING', '--verbose-log-file', log, baseline]);

    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(readFileSync(log, 'utf8')).toBe(warning('verbose-log-file', log));
  });

  it('stays silent for files outside the root', async () => {
    const results = path.join(work, 'outside.xml');
    const result = await runInProcess(['oval', 'eval', '--root', root, '--results', results, baseline]);

    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('stays silent for a sibling with the same prefix', async () => {
    const sibling = `${root}-sibling`;
    mkdirSync(sibling);
    const results = path.join(sibling, 'results.xml');
    const result = await runInProcess(['oval', 'eval', '--root', root, '--results', results, baseline]);

    expect(result.stderr).toBe('');
  });

  it('stays silent for the host root', async () => {
    const results = path.join(work, 'host.xml');
    const result = await runInProcess(['oval', 'eval', '--root', '/', '--results', results, baseline]);

    expect(result.status).toBe(0);
    expect(result.stderr).not.toContain('scanned root');
  });
});
