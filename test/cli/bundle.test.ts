import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { repoRoot } from '../fixtures.js';

const bundle = path.join(repoRoot, 'dist/cli/main.js');
const compiled = path.join(repoRoot, 'dist/lib/cli/main.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'scapula-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the command line from one entry module, as bin/scapula.js does. */
function run(entry: string, args: string[]) {
  const script = `const { runCli } = await import(${JSON.stringify(entry)}); await runCli(process.argv.slice(1));`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script, '--', ...args], { encoding: 'utf8' });
}

describe.skipIf(!existsSync(bundle))('the bundled command line', () => {
  it('has its worker script beside it', () => {
    expect(existsSync(path.join(repoRoot, 'dist/cli/definitions-copy-worker.js'))).toBe(true);
    expect(readFileSync(bundle, 'utf8')).toContain('new URL("./definitions-copy-worker.js", import.meta.url)');
  });

  it('evaluates the built-in content as the compiled modules do', () => {
    const root = path.join(work, 'root');
    mkdirSync(path.join(root, 'etc'), { recursive: true });
    writeFileSync(path.join(root, 'etc/os-release'), 'NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n');
    writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');

    const fromBundle = run(bundle, ['oval', 'eval', '--root', root, '--results', path.join(work, 'bundle.xml')]);
    const fromModules = run(compiled, ['oval', 'eval', '--root', root, '--results', path.join(work, 'modules.xml')]);
    expect(fromBundle.status).toBe(0);
    expect(fromModules.status).toBe(0);
    expect(fromBundle.stdout).toMatch(/: (true|false)\n/);
    expect(fromBundle.stdout).toBe(fromModules.stdout);
    expect(fromBundle.stderr).toBe(fromModules.stderr);
    const withoutTimes = (file: string) => readFileSync(path.join(work, file), 'utf8').replace(/<oval:timestamp>[^<]*</g, '<oval:timestamp><');
    expect(withoutTimes('bundle.xml')).toBe(withoutTimes('modules.xml'));
  });
});
