import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { repoRoot } from '../fixtures.js';

const built = existsSync(path.join(repoRoot, 'dist/lib/cli/main.js'));
const work = mkdtempSync(path.join(tmpdir(), 'scapula-pipe-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Builds a document whose 30,000 definitions print about 1 MB, many times what a pipe holds. */
function manyDefinitions(): string {
  const definitions = Array.from(
    { length: 30_000 },
    (_, index) =>
      `<definition id="oval:x:def:${index + 1}" version="1" class="compliance"><metadata><title>t</title><description>d</description></metadata>` +
      '<criteria><criterion test_ref="oval:x:tst:1"/></criteria></definition>',
  ).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:ind="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent">
  <generator><oval:schema_version>5.11.2</oval:schema_version><oval:timestamp>2026-01-01T00:00:00</oval:timestamp></generator>
  <definitions>${definitions}</definitions>
  <tests><ind:family_test id="oval:x:tst:1" version="1" check="all"><ind:object object_ref="oval:x:obj:1"/></ind:family_test></tests>
  <objects><ind:family_object id="oval:x:obj:1" version="1"/></objects>
</oval_definitions>
`;
}

/** Runs the command, closes its standard output after the first chunk, and returns how it ended. */
function runUntilFirstOutput(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/scapula.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

describe.skipIf(!built)('a reader that closes the pipe', () => {
  const file = path.join(work, 'many.xml');
  writeFileSync(file, manyDefinitions());

  it('ends the command with status 141 and no trace', async () => {
    const { status, stderr } = await runUntilFirstOutput(['oval', 'eval', '--root', work, file]);
    expect(status).toBe(141);
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).not.toContain('node:events');
  });

  it('ends a results file written to standard output the same way', async () => {
    const { status, stderr } = await runUntilFirstOutput(['oval', 'eval', '--root', work, '--results', '/dev/stdout', file]);
    expect(status).toBe(141);
    expect(stderr).not.toContain('node:events');
  });
});
