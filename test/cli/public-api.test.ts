import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import * as scapula from '../../lib/index.js';

const DEFINITIONS = `<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"
    xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5"
    xmlns:unix="http://oval.mitre.org/XMLSchema/oval-definitions-5#unix">
  <generator><oval:schema_version>5.11.2</oval:schema_version><oval:timestamp>2026-01-01T00:00:00</oval:timestamp></generator>
  <definitions>
    <definition id="oval:x:def:1" version="1" class="compliance">
      <metadata><title>hostname file exists</title><description>d</description></metadata>
      <criteria><criterion test_ref="oval:x:tst:1"/></criteria>
    </definition>
  </definitions>
  <tests>
    <unix:file_test id="oval:x:tst:1" version="1" check="all" check_existence="at_least_one_exists" comment="c">
      <unix:object object_ref="oval:x:obj:1"/>
    </unix:file_test>
  </tests>
  <objects>
    <unix:file_object id="oval:x:obj:1" version="1"><unix:filepath>/etc/hostname</unix:filepath></unix:file_object>
  </objects>
</oval_definitions>
`;

let work: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'scapula-api-'));
  mkdirSync(path.join(work, 'root/etc'), { recursive: true });
  writeFileSync(path.join(work, 'root/etc/hostname'), 'box\n');
  writeFileSync(path.join(work, 'defs.xml'), DEFINITIONS);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('public API', () => {
  it('runs the documented evaluation flow', async () => {
    const definitions = await scapula.parseOvalDefinitions(path.join(work, 'defs.xml'));
    const target = await scapula.openTarget({ root: path.join(work, 'root') });
    try {
      const results = await scapula.evaluateOval(definitions, { target, registry: scapula.createDefaultRegistry() });
      expect(results.definitions.get('oval:x:def:1')?.result).toBe('true');

      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (chunk: Buffer) => chunks.push(chunk));
      await scapula.writeOvalResults(out, { definitions, results });
      out.end();
      expect(Buffer.concat(chunks).toString('utf8')).toMatch(/<definition [^>]*definition_id="oval:x:def:1"[^>]*result="true"/);
    } finally {
      await target.close();
    }
  });

  it('parses without waiting for the check', async () => {
    const { document, checked } = await scapula.parseOvalDefinitionsUnchecked(path.join(work, 'defs.xml'), { keepDefinitionsCopy: true });
    // A small file gets no worker: the check is the parse itself, done already.
    await expect(checked).resolves.toBeUndefined();
    const definitions = await scapula.parseOvalDefinitions(path.join(work, 'defs.xml'));
    expect([...document.definitions.keys()]).toEqual([...definitions.definitions.keys()]);
    expect(document.span).toEqual(definitions.span);
  });

  it('raises ScapulaError with the place', async () => {
    const bad = path.join(work, 'bad.xml');
    writeFileSync(bad, '<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5">\n  <definitions>\n</oval_definitions>\n');
    const error = await scapula.parseOvalDefinitions(bad).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(scapula.isScapulaError(error, 'XML_MALFORMED')).toBe(true);
    expect((error as scapula.ScapulaError).file).toBe(bad);
    expect((error as scapula.ScapulaError).line).toBe(3);
  });

  it('runs a command line with given streams', async () => {
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const status = await scapula.runCommandLine(['oval', 'eval', '--root', path.join(work, 'root'), path.join(work, 'defs.xml')], {
      stdout,
      stderr: new PassThrough(),
    });
    expect(status).toBe(0);
    expect(Buffer.concat(chunks).toString('utf8')).toBe('Definition oval:x:def:1: true\nEvaluation done.\n');
  });
});
