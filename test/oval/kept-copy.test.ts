import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';

import { afterAll, describe, expect, it } from 'vitest';

import { bufferSource, type ByteSource } from '../../lib/io/source.js';
import { writeDefinitionsCopy } from '../../lib/oval/definitions-copy.js';
import { parseOvalDefinitions } from '../../lib/oval/parser.js';
import { DefinitionsCopyJob, DefinitionsCopyRecorder, writeKeptCopy } from '../../lib/oval/kept-copy.js';
import { streamXml } from '../../lib/xml/stream.js';
import { XmlWriter } from '../../lib/xml/writer.js';
import { fixturesDir, repoRoot } from '../fixtures.js';

const DEFS = 'http://oval.mitre.org/XMLSchema/oval-definitions-5';
const temporary = mkdtempSync(path.join(os.tmpdir(), 'scapula-kept-copy-'));
afterAll(() => rmSync(temporary, { recursive: true, force: true }));

function document(generator: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="${DEFS}" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  ${generator}
  ${body}
</oval_definitions>`;
}

const MASKED_BODY = `<objects>
    <file_object xmlns="${DEFS}#unix" id="oval:t:obj:1" version="1">
      <filepath mask="true" operation="pattern match">/etc/passwd</filepath>
    </file_object>
  </objects>`;

/** Collects what an XmlWriter at depth 1 writes, as the results writer does inside oval_results. */
async function written(write: (writer: XmlWriter) => Promise<void>): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  const writer = new XmlWriter(out, 'test', 1);
  await write(writer);
  await writer.flush();
  return Buffer.concat(chunks).toString('utf8');
}

/** Makes the copy with the recorder from the document's events, then inflates it again. */
async function recorded(source: ByteSource, rawLimit?: number): Promise<string> {
  const recorder = new DefinitionsCopyRecorder(rawLimit);
  await streamXml(source, recorder);
  const copy = await recorder.finish();
  return written((writer) => writeKeptCopy(writer, copy));
}

/** The copy the results writer makes itself, with the schema version given as the parser reads it. */
function direct(source: ByteSource, schemaVersion: string): Promise<string> {
  return written((writer) => writeDefinitionsCopy(writer, source, schemaVersion));
}

describe('DefinitionsCopyRecorder', () => {
  it('reads the generator schema version', async () => {
    const generator = '<generator><oval:schema_version platform="x">5.11.2</oval:schema_version><oval:schema_version> 5.9 </oval:schema_version><oval:timestamp>2024-01-01T00:00:00</oval:timestamp></generator>';
    const source = bufferSource('masked.xml', Buffer.from(document(generator, MASKED_BODY)));
    const copy = await recorded(source);
    expect(copy).toContain('<unix-def:filepath mask="true"/>');
    expect(copy).toBe(await direct(source, '5.9'));
  });

  it('starts without a generator at the first section', async () => {
    const source = bufferSource('no-generator.xml', Buffer.from(document('', MASKED_BODY)));
    const copy = await recorded(source);
    expect(copy).toContain('<unix-def:filepath mask="true"/>');
    expect(copy).toBe(await direct(source, ''));
  });

  it.each([
    ['a Debian feed excerpt', path.join(fixturesDir, 'oval/debian/debian-buster-excerpt.xml'), '5.11.2'],
    ['the SSG OVAL for Debian 11', '/usr/share/xml/scap/ssg/content/ssg-debian11-oval.xml', '5.11'],
  ])('writes the same copy as the results writer for %s', async (_name, file, schemaVersion, context) => {
    if (!existsSync(file)) context.skip();
    const source = bufferSource(file, readFileSync(file));
    const copy = await recorded(source);
    expect(copy).toContain('<oval_definitions');
    expect(copy).toBe(await direct(source, schemaVersion));
  });
});

describe('the copy recorded during the parse', () => {
  const ssg = '/usr/share/xml/scap/ssg/content/ssg-debian11-oval.xml';

  it('keeps a short copy raw, a long one deflated', async (context) => {
    if (!existsSync(ssg)) context.skip();
    const source = bufferSource(ssg, readFileSync(ssg));
    const recorder = new DefinitionsCopyRecorder(16 * 1024 * 1024);
    await streamXml(source, recorder);
    const raw = await recorder.finish();
    expect(raw.deflated).toBe(false);
    const rawText = Buffer.concat(raw.chunks).toString('utf8');
    expect(rawText).toBe(await direct(source, '5.11'));

    // 100 KiB has room for the first chunk of 64 KiB but not the second: both end deflated.
    const limited = new DefinitionsCopyRecorder(100 * 1024);
    await streamXml(source, limited);
    const deflated = await limited.finish();
    expect(deflated.deflated).toBe(true);
    expect(deflated.chunks.length).toBe(raw.chunks.length);
    expect(await written((writer) => writeKeptCopy(writer, deflated))).toBe(rawText);
  });

  it('is made by parseOvalDefinitions for a small file, and handed over once', async () => {
    const generator = '<generator><oval:schema_version>5.9</oval:schema_version><oval:timestamp>2024-01-01T00:00:00</oval:timestamp></generator>';
    const file = path.join(temporary, 'small-masked.xml');
    writeFileSync(file, document(generator, MASKED_BODY));
    const parsed = await parseOvalDefinitions(file, { keepDefinitionsCopy: true });
    const copy = await parsed.definitionsCopy?.result();
    expect(copy?.deflated).toBe(false);
    const text = await written((writer) => writeKeptCopy(writer, copy!));
    expect(text).toContain('<unix-def:filepath mask="true"/>');
    expect(text).toBe(await direct(bufferSource(file, readFileSync(file)), '5.9'));
    expect(await parsed.definitionsCopy?.result()).toBeUndefined();
    expect((await parseOvalDefinitions(file)).definitionsCopy).toBeUndefined();
  });
});

describe('DefinitionsCopyJob', () => {
  it('runs no worker for a source that is not a file', async () => {
    expect(await DefinitionsCopyJob.start(bufferSource('memory.xml', Buffer.from(document('', ''))))).toBeUndefined();
  });

  const built = existsSync(path.join(repoRoot, 'dist/lib/oval/definitions-copy-worker.js'));
  it.skipIf(!built)('the command line writes the copy made on the worker thread, byte for byte as the writer makes it', () => {
    // The worker copies files of 16 MiB and more; the parser records the copy of smaller ones.
    const generator = '<generator><oval:schema_version>5.9</oval:schema_version><oval:timestamp>2024-01-01T00:00:00</oval:timestamp></generator>';
    const filler = Array.from(
      { length: 100_000 },
      (_, index) => `<file_object xmlns="${DEFS}#unix" id="oval:t:obj:${index + 2}" version="1" comment="filler"><filepath>/nonexistent/${index}</filepath></file_object>`,
    ).join('\n    ');
    const body = MASKED_BODY.replace('</objects>', `  ${filler}\n  </objects>`);
    const definitionsFile = path.join(temporary, 'masked.xml');
    writeFileSync(definitionsFile, document(generator, body));
    expect(statSync(definitionsFile).size).toBeGreaterThan(16 * 1024 * 1024);
    const resultsFile = path.join(temporary, 'results.xml');
    execFileSync(process.execPath, [path.join(repoRoot, 'bin/scapula.js'), 'oval', 'eval', '--results', resultsFile, '--root', temporary, definitionsFile]);
    const results = readFileSync(resultsFile, 'utf8');
    expect(results).toContain('<unix-def:filepath mask="true"/>');

    // The same command in a process that starts no worker records the copy during its parse.
    const script = `
      const { DefinitionsCopyJob } = await import(${JSON.stringify(path.join(repoRoot, 'dist/lib/oval/kept-copy.js'))});
      DefinitionsCopyJob.start = async () => undefined;
      const { runCli } = await import(${JSON.stringify(path.join(repoRoot, 'dist/lib/cli/main.js'))});
      await runCli(process.argv.slice(1));`;
    const fallbackFile = path.join(temporary, 'results-fallback.xml');
    execFileSync(process.execPath, ['--input-type=module', '-e', script, '--', 'oval', 'eval', '--results', fallbackFile, '--root', temporary, definitionsFile]);
    const withoutTimes = (text: string) => text.replace(/<oval:timestamp>[^<]*</g, '<oval:timestamp><');
    expect(withoutTimes(results)).toBe(withoutTimes(readFileSync(fallbackFile, 'utf8')));
  });
});
