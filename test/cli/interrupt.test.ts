import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * Content with a large results file (about 19 MB): 20,000 definitions with long descriptions
 * (12 MB, below the size at which a worker thread makes the definitions copy), so the results
 * writer copies them while it writes. Every definition uses one test on a file that is missing
 * from the empty root, so the evaluation itself is quick.
 */
function largeResultsOval(): string {
  const description = 'x'.repeat(400);
  const definitions: string[] = [];
  for (let index = 1; index <= 20_000; index += 1) {
    definitions.push(
      `<definition id="oval:x:def:${index}" version="1" class="compliance"><metadata><title>t${index}</title>` +
        `<description>${description}</description></metadata><criteria><criterion test_ref="oval:x:tst:1"/></criteria></definition>\n`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"
    xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5"
    xmlns:ind="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent">
  <generator><oval:schema_version>5.11.2</oval:schema_version><oval:timestamp>2026-01-01T00:00:00</oval:timestamp></generator>
  <definitions>
${definitions.join('')}  </definitions>
  <tests>
    <ind:textfilecontent54_test id="oval:x:tst:1" version="1" check="all" check_existence="at_least_one_exists" comment="c">
      <ind:object object_ref="oval:x:obj:1"/>
    </ind:textfilecontent54_test>
  </tests>
  <objects>
    <ind:textfilecontent54_object id="oval:x:obj:1" version="1">
      <ind:filepath>/missing</ind:filepath>
      <ind:pattern operation="pattern match">x</ind:pattern>
      <ind:instance datatype="int">1</ind:instance>
    </ind:textfilecontent54_object>
  </objects>
</oval_definitions>
`;
}

let work: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'scapula-interrupt-'));
  writeFileSync(path.join(work, 'slow.xml'), SLOW_OVAL);
  writeFileSync(path.join(work, 'large.xml'), largeResultsOval());
  mkdirSync(path.join(work, 'root'));
});

/** What a run of `oval eval --results` on large.xml did when `signals` were sent as its writing started. */
interface WritingRun {
  signalledWhileWriting: boolean;
  status: number | null;
  stdout: string;
  stderr: string;
  leftInOutputFolder: string[];
}

async function interruptWriting(signals: NodeJS.Signals[]): Promise<WritingRun> {
  const outDir = mkdtempSync(path.join(work, 'out-'));
  const argv = [path.join(repoRoot, 'bin/scapula.js'), 'oval', 'eval', '--root', path.join(work, 'root'), '--results', path.join(outDir, 'r.xml'), path.join(work, 'large.xml')];
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  let exited = false;
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  void closed.then(() => (exited = true));

  // The results go to a temporary file beside r.xml; its appearance means the writing started.
  while (!exited && readdirSync(outDir).length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
  const signalledWhileWriting = !exited;
  if (signalledWhileWriting) for (const signal of signals) child.kill(signal);
  const status = await closed;

  return {
    signalledWhileWriting,
    status,
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8'),
    leftInOutputFolder: readdirSync(outDir),
  };
}

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

  it('stops writing results on SIGINT', async () => {
    const run = await interruptWriting(['SIGINT']);

    expect(run.signalledWhileWriting).toBe(true);
    expect(run.status).toBe(130);
    expect(run.stdout).toMatch(/\nEvaluation done\.\n$/);
    expect(run.stderr).toBe('scapula: SIGINT received, stopping\nscapula: interrupted\n');
    expect(run.leftInOutputFolder).toEqual([]);
  }, 60_000);

  it('removes the temporary file on a second signal', async () => {
    // Two different signals, because the kernel may merge two pending SIGINTs into one. Node
    // may handle them in either order.
    const run = await interruptWriting(['SIGTERM', 'SIGINT']);

    expect(run.signalledWhileWriting).toBe(true);
    expect(run.status).toBe(130);
    expect(run.stderr).toMatch(/^scapula: SIG(TERM|INT) received, stopping\n/);
    expect(run.leftInOutputFolder).toEqual([]);
  }, 60_000);
});
