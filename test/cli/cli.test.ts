import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { describeInternalError, main } from '../../lib/cli/main.js';

interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

async function runCli(argv: string[], signal?: AbortSignal): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const status = await main(argv, { stdout, stderr, signal });
  return { status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

const NS = {
  def: 'http://oval.mitre.org/XMLSchema/oval-definitions-5',
  common: 'http://oval.mitre.org/XMLSchema/oval-common-5',
  ind: 'http://oval.mitre.org/XMLSchema/oval-definitions-5#independent',
};

/**
 * Three definitions in document order 1, 20, 3 over textfilecontent54 tests: def:1 finds
 * "PermitRootLogin no" in /etc/ssh/sshd_config, def:20 looks in a file that does not exist,
 * and def:3 negates def:1's test.
 */
const SMALL_OVAL = `<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="${NS.def}" xmlns:oval="${NS.common}" xmlns:ind="${NS.ind}">
  <generator><oval:schema_version>5.11.2</oval:schema_version><oval:timestamp>2026-01-01T00:00:00</oval:timestamp></generator>
  <definitions>
    <definition id="oval:x:def:1" version="1" class="compliance">
      <metadata><title>root login disabled</title><description>d</description></metadata>
      <criteria><criterion test_ref="oval:x:tst:1"/></criteria>
    </definition>
    <definition id="oval:x:def:20" version="1" class="compliance">
      <metadata><title>missing file</title><description>d</description></metadata>
      <criteria><criterion test_ref="oval:x:tst:2"/></criteria>
    </definition>
    <definition id="oval:x:def:3" version="1" class="compliance">
      <metadata><title>negated</title><description>d</description></metadata>
      <criteria><criterion test_ref="oval:x:tst:1" negate="true"/></criteria>
    </definition>
  </definitions>
  <tests>
    <ind:textfilecontent54_test id="oval:x:tst:1" version="1" check="all" check_existence="at_least_one_exists" comment="sshd">
      <ind:object object_ref="oval:x:obj:1"/>
    </ind:textfilecontent54_test>
    <ind:textfilecontent54_test id="oval:x:tst:2" version="1" check="all" check_existence="at_least_one_exists" comment="missing">
      <ind:object object_ref="oval:x:obj:2"/>
    </ind:textfilecontent54_test>
  </tests>
  <objects>
    <ind:textfilecontent54_object id="oval:x:obj:1" version="1">
      <ind:filepath>/etc/ssh/sshd_config</ind:filepath>
      <ind:pattern operation="pattern match">^PermitRootLogin no$</ind:pattern>
      <ind:instance datatype="int">1</ind:instance>
    </ind:textfilecontent54_object>
    <ind:textfilecontent54_object id="oval:x:obj:2" version="1">
      <ind:filepath>/etc/absent.conf</ind:filepath>
      <ind:pattern operation="pattern match">.*</ind:pattern>
      <ind:instance datatype="int">1</ind:instance>
    </ind:textfilecontent54_object>
  </objects>
</oval_definitions>
`;

let work: string;
let root: string;
let ovalFile: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'scapula-cli-'));
  root = path.join(work, 'root');
  mkdirSync(path.join(root, 'etc/ssh'), { recursive: true });
  writeFileSync(path.join(root, 'etc/ssh/sshd_config'), 'Port 22\nPermitRootLogin no\n');
  ovalFile = path.join(work, 'small.xml');
  writeFileSync(ovalFile, SMALL_OVAL);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('scapula command line', () => {
  it('prints help without arguments', async () => {
    const run = await runCli([]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: scapula /);
    expect(run.stdout).toContain('oval eval');
    expect(run.stderr).toBe('');
  });

  it('prints the package version', async () => {
    const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string };
    const run = await runCli(['--version']);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`scapula ${manifest.version}\n`);
  });

  it('rejects an unknown command', async () => {
    const run = await runCli(['frobnicate']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^scapula: unknown command 'frobnicate'/);
  });

  it('rejects an unknown option', async () => {
    const run = await runCli(['oval', 'eval', '--frobnicate', ovalFile]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe("scapula: unknown option '--frobnicate' for 'oval eval' (see 'scapula oval eval --help')\n");
    expect(run.stdout).toBe('');
  });

  it('rejects --root with --image', async () => {
    const run = await runCli(['oval', 'eval', '--root', root, '--image', path.join(work, 'x.tar'), ovalFile]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('--root and --image cannot be used together');
  });

  it('rejects HTML reports with a reason', async () => {
    const run = await runCli(['oval', 'eval', '--report', path.join(work, 'r.html'), ovalFile]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("option '--report' is not supported: HTML reports are not supported");
  });

  it('writes the verbose log to a file', async () => {
    const log = path.join(work, 'verbose.log');
    const run = await runCli(['oval', 'eval', '--verbose', 'DEVEL', '--verbose-log-file', log, '--root', root, ovalFile]);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(readFileSync(log, 'utf8')).toContain(`I: Evaluating ${ovalFile} against directory ${root}\n`);
  });

  it('reports a log file it cannot write', async () => {
    const log = path.join(work, 'no-such-folder', 'verbose.log');
    const run = await runCli(['oval', 'eval', '--verbose', '--verbose-log-file', log, '--root', root, ovalFile]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^scapula: ${escapeRegExp(log)}: cannot write the log: ENOENT`));
  });

  it('accepts log options before the command', async () => {
    const log = path.join(work, 'leading.log');
    const run = await runCli(['--verbose', 'INFO', 'oval', '--verbose-log-file=' + log, 'eval', '--root', root, ovalFile]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Definition oval:x:def:1: true\n');
    expect(readFileSync(log, 'utf8')).toContain(`I: Evaluating ${ovalFile} against directory ${root}\n`);
  });

  it('requires --verbose for a log file', async () => {
    const run = await runCli(['oval', 'eval', '--verbose-log-file', path.join(work, 'v.log'), ovalFile]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('--verbose-log-file requires --verbose');
  });

  it('requires --results for analyse', async () => {
    const run = await runCli(['oval', 'analyze', ovalFile, ovalFile]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('--results FILE is required');
  });

  it('prints oval eval help', async () => {
    const run = await runCli(['oval', 'eval', '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: scapula oval eval /);
    expect(run.stdout).toContain('--without-syschar');
  });
});

describe('scapula oval eval', () => {
  it('prints results in descending id order', async () => {
    const run = await runCli(['oval', 'eval', '--root', root, ovalFile]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      ['Definition oval:x:def:3: false', 'Definition oval:x:def:20: false', 'Definition oval:x:def:1: true', 'Evaluation done.', ''].join('\n'),
    );
  });

  it('evaluates only the definitions given with --id', async () => {
    const run = await runCli(['oval', 'eval', '--root', root, '--id', 'oval:x:def:20', ovalFile]);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('Definition oval:x:def:20: false\nEvaluation done.\n');
  });

  it('writes a results file', async () => {
    const results = path.join(work, 'results.xml');
    const run = await runCli(['oval', 'eval', '--root', root, '--results', results, ovalFile]);
    expect(run.status).toBe(0);
    const text = readFileSync(results, 'utf8');
    expect(text).toMatch(/<definition [^>]*definition_id="oval:x:def:1"[^>]*result="true"/);
    expect(text).toMatch(/<definition [^>]*definition_id="oval:x:def:20"[^>]*result="false"/);
    expect(text).toContain('oval_system_characteristics');
  });

  it('writes results over its own input', async () => {
    const same = path.join(work, 'same.xml');
    writeFileSync(same, SMALL_OVAL);
    const run = await runCli(['oval', 'eval', '--root', root, '--results', same, same]);
    expect(run.status).toBe(0);
    const text = readFileSync(same, 'utf8');
    expect(text).toContain('<oval_results');
    expect(text).toMatch(/<definition [^>]*definition_id="oval:x:def:1"[^>]*result="true"/);
    expect(readdirSync(work).filter((name) => name.includes('.scapula-'))).toEqual([]);
  });

  it('warns about a test that names nothing', async () => {
    const dangling = path.join(work, 'dangling.xml');
    writeFileSync(dangling, SMALL_OVAL.replace('<criterion test_ref="oval:x:tst:2"/>', '<criterion test_ref="oval:x:tst:404"/>'));
    const run = await runCli(['oval', 'eval', '--root', root, dangling]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Definition oval:x:def:20: error');
    expect(run.stderr).toContain("W: the criterion refers to the test 'oval:x:tst:404', which is not defined");
  });

  it('leaves no results file after an error', async () => {
    const results = path.join(work, 'failed-results.xml');
    const run = await runCli(['oval', 'eval', '--root', root, '--results', results, '--id', 'oval:x:def:404', ovalFile]);
    expect(run.status).toBe(1);
    expect(existsSync(results)).toBe(false);
  });

  it('writes the input schema versions in both generators', async () => {
    // oscap 1.3.7 copies the definitions' schema_version elements, platform ones included,
    // into the results generator and the system characteristics generator.
    const platformOval = SMALL_OVAL.replace(
      '<oval:schema_version>5.11.2</oval:schema_version>',
      '<oval:schema_version>5.11.1</oval:schema_version><oval:schema_version platform="http://oval.mitre.org/XMLSchema/oval-definitions-5#unix">5.11.1:1.0</oval:schema_version>',
    );
    const platformFile = path.join(work, 'platform.oval.xml');
    writeFileSync(platformFile, platformOval);
    const results = path.join(work, 'platform-results.xml');
    const run = await runCli(['oval', 'eval', '--root', root, '--results', results, platformFile]);
    expect(run.status).toBe(0);
    const generators = [...readFileSync(results, 'utf8').matchAll(/<generator>([\s\S]*?)<\/generator>/g)].map((match) => match[1]);
    const written = generators.filter((generator) => generator.includes('<oval:product_name>scapula<'));
    expect(written).toHaveLength(2);
    for (const generator of written) {
      expect(generator).toContain('<oval:product_version>');
      expect(generator).toContain('<oval:schema_version>5.11.1</oval:schema_version>');
      expect(generator).toContain('<oval:schema_version platform="http://oval.mitre.org/XMLSchema/oval-definitions-5#unix">5.11.1:1.0</oval:schema_version>');
    }
  });

  it('leaves out collected items on request', async () => {
    // oscap 1.3.7 keeps the generator and system_info and drops collected_objects and system_data.
    const results = path.join(work, 'results-without.xml');
    const run = await runCli(['oval', 'eval', '--root', root, '--without-syschar', '--results', results, ovalFile]);
    expect(run.status).toBe(0);
    const text = readFileSync(results, 'utf8');
    expect(text).toContain('<system_info>');
    expect(text).not.toContain('<collected_objects');
    expect(text).not.toContain('<system_data');
  });

  it('rejects an unknown definition id', async () => {
    const run = await runCli(['oval', 'eval', '--root', root, '--id', 'oval:x:def:99', ovalFile]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`scapula: ${ovalFile}: no definition with id 'oval:x:def:99'\n`);
    expect(run.stdout).toBe('');
  });

  it('reports malformed XML with line and column', async () => {
    const bad = path.join(work, 'malformed.xml');
    writeFileSync(bad, `<?xml version="1.0"?>\n<oval_definitions xmlns="${NS.def}">\n  <definitions>\n  </tests>\n</oval_definitions>\n`);
    const run = await runCli(['oval', 'eval', '--root', root, bad]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^scapula: ${escapeRegExp(bad)}:4:\\d+: `));
    expect(run.stdout).toBe('');
  });

  it('reports a missing file', async () => {
    const missing = path.join(work, 'absent.xml');
    const run = await runCli(['oval', 'eval', '--root', root, missing]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`scapula: ${missing}: cannot read: no such file\n`);
  });

  it('stops when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const run = await runCli(['oval', 'eval', '--root', root, ovalFile], controller.signal);
    expect(run.status).toBe(130);
    expect(run.stderr).toBe('scapula: interrupted\n');
  });
});

describe('scapula oval collect and analyse', () => {
  it('analyse reproduces eval from collected items', async () => {
    const syschar = path.join(work, 'collected.xml');
    const collect = await runCli(['oval', 'collect', '--root', root, '--syschar', syschar, ovalFile]);
    expect(collect.stderr).toBe('');
    expect(collect.status).toBe(0);
    expect(readFileSync(syschar, 'utf8')).toMatch(/<object [^>]*id="oval:x:obj:2"[^>]*flag="does not exist"/);

    const results = path.join(work, 'analysed.xml');
    const analyse = await runCli(['oval', 'analyse', '--results', results, ovalFile, syschar]);
    expect(analyse.status).toBe(0);
    expect(analyse.stdout).toBe('');
    const text = readFileSync(results, 'utf8');
    expect(text).toMatch(/<definition [^>]*definition_id="oval:x:def:1"[^>]*result="true"/);
    expect(text).toMatch(/<definition [^>]*definition_id="oval:x:def:20"[^>]*result="false"/);
    expect(text).toMatch(/<definition [^>]*definition_id="oval:x:def:3"[^>]*result="false"/);
  });

  it('collects only the objects given with --id', async () => {
    const run = await runCli(['oval', 'collect', '--root', root, '--id', 'oval:x:obj:2', ovalFile]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('id="oval:x:obj:2"');
    expect(run.stdout).not.toContain('id="oval:x:obj:1"');
  });

  it('rejects an unknown object id', async () => {
    const run = await runCli(['oval', 'collect', '--root', root, '--id', 'oval:x:obj:9', ovalFile]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`scapula: ${ovalFile}: no object with id 'oval:x:obj:9'\n`);
  });
});

describe('scapula info', () => {
  it('lists the registered probes', async () => {
    const run = await runCli(['info', '--probes']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^\d+ supported object types\n/);
    expect(run.stdout).toContain('independent:textfilecontent54_object\n');
    expect(run.stdout).toContain('  on the host: ');
  });

  it('summarises a definitions file', async () => {
    const run = await runCli(['info', ovalFile]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Definitions: 3\n');
    expect(run.stdout).toContain('Tests: 2\n');
    expect(run.stdout).toContain('Objects: 2\n');
  });
});

describe('scapula oval validate', () => {
  it('accepts a valid definitions file', async () => {
    const run = await runCli(['oval', 'validate', ovalFile]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('returns 2 for a schema violation', async () => {
    const invalid = path.join(work, 'invalid.xml');
    writeFileSync(invalid, SMALL_OVAL.replace('id="oval:x:def:20"', 'id="oval:x:definition:20"'));
    const run = await runCli(['oval', 'validate', invalid]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^${escapeRegExp(invalid)}:9: .*'oval:x:definition:20' is not accepted by the pattern`, 'm'));
    expect(run.stderr).toContain(`scapula: ${invalid}: invalid OVAL definitions document (schema 5.11.2)`);
  });

  it('returns 1 for a file that is not XML', async () => {
    const text = path.join(work, 'not-xml.sh');
    writeFileSync(text, '#!/bin/sh\necho hello\n');
    const run = await runCli(['oval', 'validate', text]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^scapula: ${escapeRegExp(text)}:1:\\d+: not well-formed XML`));
  });

  it('validates a gzip-compressed file', async () => {
    const compressed = path.join(work, 'small.xml.gz');
    writeFileSync(compressed, gzipSync(SMALL_OVAL));
    const run = await runCli(['oval', 'validate', compressed]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('checks the expected document type', async () => {
    const run = await runCli(['oval', 'validate', '--syschar', ovalFile]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`scapula: ${ovalFile}: expected an oval_system_characteristics document, found oval_definitions\n`);
  });

  it('rejects --schematron with a reason', async () => {
    const run = await runCli(['oval', 'validate', '--schematron', ovalFile]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("option '--schematron' is not supported");
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('internal error report', () => {
  it('names an import-time SyntaxError', () => {
    // V8 starts the stack of a module link error with the file and line, not the message.
    const error = new SyntaxError("The requested module './tree.js' does not provide an export named 'SubtreeBuilder'");
    error.stack = "file:///scapula/dist/lib/xml/stream.js:11\nimport { SubtreeBuilder } from './tree.js';\n         ^^^^^^^^^^^^^^\n\nSyntaxError: The requested module";
    const text = describeInternalError(error);
    expect(text.split('\n')[0]).toBe("SyntaxError: The requested module './tree.js' does not provide an export named 'SubtreeBuilder'");
    expect(text).toContain('stream.js:11');
  });

  it('keeps a stack that names the error', () => {
    const error = new TypeError('x is undefined');
    expect(describeInternalError(error)).toBe(error.stack);
    expect(describeInternalError('plain')).toBe('plain');
  });
});

