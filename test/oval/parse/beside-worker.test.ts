/**
 * Files of 16 MiB and more are read with the fast reader while the copy's worker checks them
 * with saxes (parseOvalDefinitions with keepDefinitionsCopy). Each case compares that reading
 * with the plain saxes reading of the same file: same model, same warnings, same errors.
 *
 * The worker runs only from the compiled library (its script is a .js file in dist/), so the
 * cases load the parser from there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import type { ScapulaError } from '../../../lib/errors.js';
import type { ParseOptions, ParsedOvalDefinitions } from '../../../lib/oval/parser.js';
import { repoRoot } from '../../fixtures.js';

const compiledParser = path.join(repoRoot, 'dist/lib/oval/parser.js');
const built = existsSync(path.join(repoRoot, 'dist/lib/oval/definitions-copy-worker.js')) && existsSync(compiledParser);

const DEFS = 'http://oval.mitre.org/XMLSchema/oval-definitions-5';
const temporary = mkdtempSync(path.join(os.tmpdir(), 'scapula-beside-worker-'));
afterAll(() => rmSync(temporary, { recursive: true, force: true }));

/** Enough objects to pass the 16 MiB from which the worker runs. */
const FILLER = Array.from(
  { length: 120_000 },
  (_, index) => `<file_object xmlns="${DEFS}#unix" id="oval:t:obj:${index + 10}" version="1" comment="filler"><filepath>/nonexistent/${index}</filepath></file_object>`,
).join('\r\n    ');

/** Writes a document of over 16 MiB: `tests` go in the tests section, `tail` just before the end. */
function bigDocument(name: string, parts: { head?: string; tests?: string; objectsTail?: string; tail?: string; after?: string }): string {
  const text = [
    '<?xml version="1.0" encoding="UTF-8"?>\r\n',
    parts.head ?? '',
    `<oval_definitions xmlns="${DEFS}" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5">\r\n`,
    '  <generator><oval:schema_version>5.11.2</oval:schema_version><oval:timestamp>2024-01-01T00:00:00</oval:timestamp></generator>\r\n',
    '  <definitions>\r\n',
    '    <definition id="oval:t:def:1" version="1" class="compliance"><metadata><title>\u{1F600} t</title><description/></metadata>\r\n',
    '      <criteria><criterion test_ref="oval:t:tst:1"/><criterion test_ref="oval:t:tst:2" negate="true"/></criteria></definition>\r\n',
    '  </definitions>\r\n',
    `  <tests>\r\n    ${parts.tests ?? ''}\r\n  </tests>\r\n`,
    `  <objects>\r\n    ${FILLER}\r\n    ${parts.objectsTail ?? ''}\r\n  </objects>\r\n`,
    parts.tail ?? '',
    '</oval_definitions>\r\n',
    parts.after ?? '',
  ].join('');
  const file = path.join(temporary, name);
  writeFileSync(file, text);
  expect(statSync(file).size).toBeGreaterThan(16 * 1024 * 1024);
  return file;
}

const TESTS = [
  `<family_test xmlns="${DEFS}#independent" id="oval:t:tst:1" version="1" check="all"><object object_ref="oval:t:obj:10"/></family_test>`,
  // No check attribute: a warning with the test's place.
  `<family_test xmlns="${DEFS}#independent" id="oval:t:tst:2" version="1">\r\n<object object_ref="oval:t:obj:11"/></family_test>`,
].join('\r\n    ');

interface Reading {
  document?: ParsedOvalDefinitions;
  warnings: string[];
  error?: string;
  code?: string;
}

async function read(file: string, options: ParseOptions): Promise<Reading> {
  const { parseOvalDefinitions } = (await import(compiledParser)) as typeof import('../../../lib/oval/parser.js');
  const warnings: string[] = [];
  try {
    const document = await parseOvalDefinitions(file, { ...options, onWarning: (warning) => warnings.push(warning.message) });
    // The worker ran: its copy is there.
    if (options.keepDefinitionsCopy === true) expect(await document.definitionsCopy?.result()).toBeDefined();
    return { document, warnings };
  } catch (error) {
    // The compiled library has its own ScapulaError class.
    if ((error as Error).name !== 'ScapulaError') throw error;
    return { warnings, error: (error as ScapulaError).message, code: (error as ScapulaError).code };
  }
}

/** Reads `file` both ways and returns the two readings: beside the worker, then with saxes alone. */
async function bothWays(file: string, options: ParseOptions = {}): Promise<[Reading, Reading]> {
  return [await read(file, { ...options, keepDefinitionsCopy: true }), await read(file, options)];
}

describe.skipIf(!built)('parseOvalDefinitions beside the copy worker', () => {
  it('builds the model saxes builds', { timeout: 60_000 }, async () => {
    const [fast, checked] = await bothWays(bigDocument('valid.xml', { tests: TESTS }));
    expect(fast.error).toBeUndefined();
    expect(fast.warnings).toEqual(checked.warnings);
    expect(fast.warnings).toEqual([expect.stringMatching(/valid\.xml:10:5: test oval:t:tst:2 has no check attribute/)]);
    const model = (reading: Reading) => {
      const document = reading.document!;
      return {
        definitions: [...document.definitions.values()],
        tests: [...document.tests.values()],
        objects: [...document.objects.values()].slice(-3),
        objectCount: document.objects.size,
        span: document.span,
      };
    };
    expect(model(fast)).toEqual(model(checked));
    expect(fast.document!.objects.get('oval:t:obj:120009')!.position).toEqual({ line: 120_013, column: 5 });
  });

  it('raises the XML fault saxes raises', { timeout: 60_000 }, async () => {
    const [fast, checked] = await bothWays(bigDocument('malformed.xml', { tests: TESTS, objectsTail: '<file_object id="x"></wrong>' }));
    expect(fast.code).toBe('XML_MALFORMED');
    expect(fast.error).toBe(checked.error);
    expect(fast.error).toMatch(/malformed\.xml:120014:33: malformed XML: unexpected close tag/);
    // The warnings before the fault, as saxes alone reports them.
    expect(fast.warnings).toEqual(checked.warnings);
    expect(fast.warnings).toHaveLength(2);
  });

  it('reports an element after the root as saxes does', { timeout: 60_000 }, async () => {
    const [fast, checked] = await bothWays(bigDocument('after-root.xml', { tests: TESTS, after: '<extra/>\r\n' }));
    expect(fast.code).toBe('XML_MALFORMED');
    expect(fast.error).toBe(checked.error);
    expect(fast.warnings).toEqual(checked.warnings);
  });

  it('forbids a DOCTYPE as saxes does', { timeout: 60_000 }, async () => {
    const [fast, checked] = await bothWays(bigDocument('doctype.xml', { head: '<!DOCTYPE oval_definitions [<!ENTITY x "y">]>\r\n', tests: TESTS }));
    expect(fast.code).toBe('XML_FORBIDDEN');
    expect(fast.error).toBe(checked.error);
  });

  it('reads an attribute over 1 MiB with saxes', { timeout: 60_000 }, async () => {
    const long = `<family_test xmlns="${DEFS}#independent" id="oval:t:tst:3" version="1" check="all" comment="${'x'.repeat(1_200_000)}"><object object_ref="oval:t:obj:12"/></family_test>`;
    const [fast, checked] = await bothWays(bigDocument('long.xml', { tests: `${TESTS}\r\n    ${long}` }));
    expect(fast.error).toBeUndefined();
    expect(fast.document!.tests.get('oval:t:tst:3')!.comment).toHaveLength(1_200_000);
    expect(fast.warnings).toEqual(checked.warnings);
  });

  it('reads a 40-million-character description', { timeout: 120_000 }, async () => {
    // The worker once had a heap limit, and reaching it while allocating a buffer for this text
    // ended the whole process.
    const text = 'x'.repeat(40_000_000);
    const file = bigDocument('huge-text.xml', { tests: TESTS });
    const withText = path.join(temporary, 'huge-text-description.xml');
    const { readFileSync } = await import('node:fs');
    writeFileSync(withText, readFileSync(file, 'utf8').replace('<description/>', `<description>${text}</description>`));
    const [fast, checked] = await bothWays(withText, { keepDescriptions: true });
    expect(fast.error).toBeUndefined();
    expect(fast.document!.definitions.get('oval:t:def:1')!.metadata.description).toHaveLength(40_000_000);
    expect(fast.warnings).toEqual(checked.warnings);
  });

  it('raises the first of a model and an XML error', { timeout: 60_000 }, async () => {
    // In strict mode the test without check fails, and the document is malformed after it.
    const file = bigDocument('both.xml', { tests: TESTS, objectsTail: '<file_object id="x"></wrong>' });
    const [fast, checked] = await bothWays(file, { strict: true });
    expect(fast.code).toBe('OVAL_INVALID');
    expect(fast.error).toBe(checked.error);
  });

  it('evaluates while the worker checks, and reports only a fault', { timeout: 120_000 }, () => {
    const root = path.join(temporary, 'empty-root');
    mkdirSync(root, { recursive: true });
    const run = (file: string, results: string) =>
      spawnSync(process.execPath, [path.join(repoRoot, 'bin/scapula.js'), 'oval', 'eval', '--results', results, '--root', root, file], { encoding: 'utf8' });

    const valid = run(bigDocument('cli-valid.xml', { tests: TESTS }), path.join(temporary, 'valid-results.xml'));
    expect(valid.status).toBe(0);
    expect(valid.stdout).toBe('Definition oval:t:def:1: false\nEvaluation done.\n');
    // The parse warning comes once, before what the evaluation logs.
    expect(valid.stderr.split('\n')[0]).toMatch(/^W: .*cli-valid\.xml:10:5: test oval:t:tst:2 has no check attribute/);
    expect(valid.stderr.match(/has no check attribute/g)).toHaveLength(1);
    expect(statSync(path.join(temporary, 'valid-results.xml')).size).toBeGreaterThan(16 * 1024 * 1024);

    const malformedFile = bigDocument('cli-malformed.xml', { tests: TESTS, objectsTail: '<file_object id="x"></wrong>' });
    const malformed = run(malformedFile, path.join(temporary, 'malformed-results.xml'));
    expect(malformed.status).toBe(1);
    expect(malformed.stdout).toBe('');
    expect(malformed.stderr).toMatch(new RegExp(`\\nscapula: ${malformedFile}:120014:33: malformed XML: unexpected close tag\\.\\n$`));
    expect(existsSync(path.join(temporary, 'malformed-results.xml'))).toBe(false);
    // Without --results no worker runs: the same warnings and error.
    const alone = spawnSync(process.execPath, [path.join(repoRoot, 'bin/scapula.js'), 'oval', 'eval', '--root', root, malformedFile], { encoding: 'utf8' });
    expect(malformed.stderr).toBe(alone.stderr);
  });
});
