import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(__dirname, '../..');
const built = existsSync(path.join(repoRoot, 'dist/lib/cli/main.js'));

/**
 * Content that keeps the textfilecontent54 probe busy for seconds: it reads every file under
 * the host's /usr, looking for a line that is never there.
 */
const SLOW_OVAL = `<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"
    xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5"
    xmlns:ind="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent">
  <generator><oval:schema_version>5.11.2</oval:schema_version><oval:timestamp>2026-01-01T00:00:00</oval:timestamp></generator>
  <definitions>
    <definition id="oval:x:def:1" version="1" class="compliance">
      <metadata><title>slow</title><description>d</description></metadata>
      <criteria><criterion test_ref="oval:x:tst:1"/></criteria>
    </definition>
  </definitions>
  <tests>
    <ind:textfilecontent54_test id="oval:x:tst:1" version="1" check="all" check_existence="at_least_one_exists" comment="c">
      <ind:object object_ref="oval:x:obj:1"/>
    </ind:textfilecontent54_test>
  </tests>
  <objects>
    <ind:textfilecontent54_object id="oval:x:obj:1" version="1">
      <ind:behaviors max_depth="-1" recurse_direction="down"/>
      <ind:path>/usr</ind:path>
      <ind:filename operation="pattern match">.*</ind:filename>
      <ind:pattern operation="pattern match">scapula-interrupt-test-never-matches</ind:pattern>
      <ind:instance datatype="int" operation="greater than or equal">1</ind:instance>
    </ind:textfilecontent54_object>
  </objects>
</oval_definitions>
`;

let work: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'scapula-interrupt-'));
  writeFileSync(path.join(work, 'slow.xml'), SLOW_OVAL);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!built)('scapula process', () => {
  it('stops on SIGINT with status 130', async () => {
    const argv = [path.join(repoRoot, 'bin/scapula.js'), 'oval', 'eval', '--verbose', '--root', '/', path.join(work, 'slow.xml')];
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));

    // The "I: Evaluating" line is logged once the target is open, after the signal handler exists.
    // A second SIGINT would make scapula exit at once, so the signal is sent one time only.
    let signalled = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      if (!signalled && Buffer.concat(stderr).toString('utf8').includes('I: Evaluating ')) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

    expect(status).toBe(130);
    expect(Buffer.concat(stdout).toString('utf8')).toBe('');
    expect(Buffer.concat(stderr).toString('utf8')).toMatch(/^I: Evaluating .*\nscapula: SIGINT received, stopping\nscapula: interrupted\n$/);
  }, 30_000);
});
