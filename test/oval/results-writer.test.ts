import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import libxml from 'libxmljs2';
import { afterAll, describe, expect, it } from 'vitest';

import { bufferSource } from '../../lib/io/source.js';
import { defaultDirectives, type Directives } from '../../lib/oval/directives.js';
import type { OvalDefinitions } from '../../lib/oval/model.js';
import { parseOvalDefinitions } from '../../lib/oval/parser.js';
import type { CriteriaResult, OvalResults } from '../../lib/oval/results-model.js';
import type { Item, SystemCharacteristics } from '../../lib/oval/syschar.js';
import { renderResults } from './render-results.js';
import { describeWithShared, fixturesDir, haveOscap, haveOvalSchemas, ovalSchemaDirectory, skipWithoutShared } from '../fixtures.js';

const fixtures = fixturesDir;
const debianExcerpt = path.join(fixtures, 'oval/debian/debian-buster-excerpt.xml');
const schemaDirectory = ovalSchemaDirectory;
const haveSchemas = haveOvalSchemas;
if (!haveSchemas) console.warn(`skipping schema validation: ${schemaDirectory} is absent`);

const temporary = mkdtempSync(path.join(os.tmpdir(), 'scapula-results-'));
afterAll(() => rmSync(temporary, { recursive: true, force: true }));

const RESULTS_NS = 'http://oval.mitre.org/XMLSchema/oval-results-5';
const NAMESPACES = { r: RESULTS_NS, s: 'http://oval.mitre.org/XMLSchema/oval-system-characteristics-5', d: 'http://oval.mitre.org/XMLSchema/oval-definitions-5' };

const schemas = new Map<string, libxml.Document>();
function schema(file: string): libxml.Document {
  let parsed = schemas.get(file);
  if (parsed === undefined) {
    const location = path.join(schemaDirectory, file);
    parsed = libxml.parseXml(readFileSync(location, 'utf8'), { baseUrl: location });
    schemas.set(file, parsed);
  }
  return parsed;
}

/** Returns the schema violations of `xml` against `file`, as messages. */
function violations(xml: string, file: string): string[] {
  const document = libxml.parseXml(xml);
  if (document.validate(schema(file))) return [];
  return document.validationErrors.map((error) => `${error.line}: ${error.message.trim()}`);
}


/** Items as oscap 1.3.7 collects them for the Debian excerpt on a Debian 12 system. */
function debianSystemCharacteristics(): SystemCharacteristics {
  const textfile: Item = {
    id: 1,
    type: 'textfilecontent_item',
    family: 'independent',
    status: 'exists',
    entities: [
      { name: 'filepath', datatype: 'string', value: '/etc/debian_version' },
      { name: 'path', datatype: 'string', value: '/etc' },
      { name: 'filename', datatype: 'string', value: 'debian_version' },
      { name: 'pattern', datatype: 'string', value: '(\\d+)\\.\\d' },
      { name: 'instance', datatype: 'int', value: '1' },
      { name: 'text', datatype: 'string', value: '12.1' },
      { name: 'subexpression', datatype: 'string', value: '12' },
    ],
  };
  const uname: Item = {
    id: 2,
    type: 'uname_item',
    family: 'unix',
    status: 'exists',
    entities: [
      { name: 'machine_class', datatype: 'string', value: 'x86_64' },
      { name: 'node_name', datatype: 'string', value: 'host' },
      { name: 'os_name', datatype: 'string', value: 'Linux' },
      { name: 'os_release', datatype: 'string', value: '6.1.0' },
      { name: 'os_version', datatype: 'string', value: '#1 SMP' },
      { name: 'processor_type', datatype: 'string', value: 'x86_64' },
    ],
  };
  const dpkg: Item = {
    id: 3,
    type: 'dpkginfo_item',
    family: 'linux',
    status: 'exists',
    entities: [
      { name: 'name', datatype: 'string', value: 'gzip' },
      { name: 'arch', datatype: 'string', value: 'amd64' },
      { name: 'epoch', datatype: 'string', value: '0' },
      { name: 'release', datatype: 'string', value: '1' },
      { name: 'version', datatype: 'string', value: '1.12' },
      { name: 'evr', datatype: 'debian_evr_string', value: '0:1.12-1' },
    ],
  };
  const collected = (objectId: string, item: Item) =>
    [objectId, { objectId, version: 1, variableInstance: 1, flag: 'complete' as const, messages: [], variableValues: [], items: [item] }] as const;
  return {
    systemInfo: {
      osName: 'Debian GNU/Linux',
      osVersion: '12 (bookworm)',
      architecture: 'x86_64',
      primaryHostName: 'host',
      interfaces: [{ name: 'lo', ipAddress: '127.0.0.1', macAddress: '00:00:00:00:00:00' }],
    },
    collectedObjects: new Map([
      collected('oval:org.debian.oval:obj:1', textfile),
      collected('oval:org.debian.oval:obj:2', uname),
      collected('oval:org.debian.oval:obj:4', dpkg),
    ]),
    items: new Map([
      [1, textfile],
      [2, uname],
      [3, dpkg],
    ]),
  };
}

/** Returns the results oscap 1.3.7 computes for the Debian excerpt on Debian 12, where the release test fails. */
function debianResults(): OvalResults {
  const criteria: CriteriaResult = {
    kind: 'criteria',
    operator: 'AND',
    negate: false,
    result: 'false',
    children: [
      { kind: 'criterion', testRef: 'oval:org.debian.oval:tst:1', variableInstance: 1, negate: false, result: 'false' },
      {
        kind: 'criteria',
        operator: 'OR',
        negate: false,
        result: 'false',
        children: [
          {
            kind: 'criteria',
            operator: 'AND',
            negate: false,
            result: 'false',
            children: [
              { kind: 'criterion', testRef: 'oval:org.debian.oval:tst:2', variableInstance: 1, negate: false, result: 'true' },
              { kind: 'criterion', testRef: 'oval:org.debian.oval:tst:4', variableInstance: 1, negate: false, result: 'false' },
            ],
          },
        ],
      },
    ],
  };
  const test = (testId: string, result: 'true' | 'false', itemId: number, itemResult: 'true' | 'false' | 'not evaluated') =>
    [
      testId,
      {
        testId,
        version: 1,
        variableInstance: 1,
        check: 'all' as const,
        checkExistence: 'at_least_one_exists' as const,
        stateOperator: 'AND' as const,
        result,
        testedItems: [{ itemId, result: itemResult }],
        testedVariables: [],
        messages: [],
      },
    ] as const;
  return {
    definitions: new Map([
      ['oval:org.debian:def:19991332', { definitionId: 'oval:org.debian:def:19991332', version: 1, variableInstance: 1, result: 'false', criteria, messages: [] }],
    ]),
    tests: new Map([
      test('oval:org.debian.oval:tst:1', 'false', 1, 'false'),
      test('oval:org.debian.oval:tst:2', 'true', 2, 'not evaluated'),
      test('oval:org.debian.oval:tst:4', 'false', 3, 'false'),
    ]),
    systemCharacteristics: debianSystemCharacteristics(),
  };
}

/** Serialises the definitions and tests of a results document with item ids renumbered by first use. */
function resultsShape(xml: string): string[] {
  const document = libxml.parseXml(xml);
  const itemNumbers = new Map<string, number>();
  const lines: string[] = [];
  for (const element of document.find('//r:results/r:system/r:definitions//* | //r:results/r:system/r:tests//*', NAMESPACES) as libxml.Element[]) {
    const attributes = element
      .attrs()
      .map((attribute) => {
        let value = attribute.value();
        if (attribute.name() === 'item_id') {
          if (!itemNumbers.has(value)) itemNumbers.set(value, itemNumbers.size + 1);
          value = String(itemNumbers.get(value));
        }
        return `${attribute.name()}=${value}`;
      })
      .sort();
    lines.push(`${element.name()} ${attributes.join(' ')}`);
  }
  return lines;
}

/** Returns each result definition's id with its subtree serialised. */
function definitionShapes(xml: string): [string, string][] {
  const document = libxml.parseXml(xml);
  return (document.find('//r:results/r:system/r:definitions/r:definition', NAMESPACES) as libxml.Element[]).map((element) => [
    element.attr('definition_id')!.value(),
    element.toString(false).replace(/\s+/g, ' '),
  ]);
}

function testIds(xml: string): string[] {
  const document = libxml.parseXml(xml);
  return (document.find('//r:results/r:system/r:tests/r:test', NAMESPACES) as libxml.Element[]).map((element) => element.attr('test_id')!.value());
}

describeWithShared('writeOvalResults', [debianExcerpt], async () => {
  const definitions = await parseOvalDefinitions(debianExcerpt);
  const xml = await renderResults({ definitions, results: debianResults(), generator: { timestamp: '2024-01-01T00:00:00' } });

  it.skipIf(!haveSchemas)('validates against the results schema', () => {
    expect(violations(xml, 'oval-results-schema.xsd')).toEqual([]);
  });

  it('copies oval_definitions with its metadata', () => {
    const document = libxml.parseXml(xml);
    const source = libxml.parseXml(readFileSync(debianExcerpt, 'utf8'));
    const titles = (root: libxml.Document, prefix: string): string[] =>
      (root.find(`${prefix}d:oval_definitions/d:definitions/d:definition/d:metadata/d:title`, NAMESPACES) as libxml.Element[]).map((element) => element.text());
    expect(titles(document, '/r:oval_results/')).toEqual(titles(source, '/'));
    expect(titles(source, '/').length).toBeGreaterThan(0);
  });

  it.skipIf(!haveOscap)('matches the definitions and tests oscap writes', { timeout: 60_000 }, () => {
    const oscapResults = path.join(temporary, 'oscap-results.xml');
    execFileSync('oscap', ['oval', 'eval', '--results', oscapResults, debianExcerpt], { stdio: 'ignore' });
    const expected = resultsShape(readFileSync(oscapResults, 'utf8'));
    // oscap evaluates the running host, so its result for the release test depends on it.
    const debian10 = expected.some((line) => line.includes('test_ref=oval:org.debian.oval:tst:1') && line.includes('result=true'));
    if (debian10) return;
    // One definition, three criteria and three criterion elements; three tests with one tested item each.
    expect(expected).toHaveLength(13);
    expect(resultsShape(xml)).toEqual(expected);
  });

  it('writes the default directives as oscap does', () => {
    const document = libxml.parseXml(xml);
    const directives = document.find('/r:oval_results/r:directives/*', NAMESPACES) as libxml.Element[];
    expect(directives.map((element) => `${element.name()} ${element.attr('reported')?.value()} ${element.attr('content')?.value()}`)).toEqual([
      'definition_true true full',
      'definition_false true full',
      'definition_unknown true full',
      'definition_error true full',
      'definition_not_evaluated true full',
      'definition_not_applicable true full',
    ]);
  });

  it('writes items under their family prefixes', () => {
    const document = libxml.parseXml(xml);
    const items = document.find('//s:system_data/*', NAMESPACES) as libxml.Element[];
    // Descending order of id, as oscap writes items.
    expect(items.map((item) => `${item.namespace()!.prefix()}:${item.name()} ${item.attr('id')!.value()}`)).toEqual([
      'lin-sys:dpkginfo_item 3',
      'unix-sys:uname_item 2',
      'ind-sys:textfilecontent_item 1',
    ]);
    const evr = document.get('//s:system_data/*[@id="3"]/*[local-name()="evr"]', NAMESPACES) as libxml.Element;
    expect(evr.attr('datatype')!.value()).toBe('debian_evr_string');
    expect(evr.text()).toBe('0:1.12-1');
  });

  it('leaves out collected objects on request', async () => {
    const without = await renderResults({ definitions, results: debianResults(), includeSystemCharacteristics: false });
    const document = libxml.parseXml(without);
    expect(document.find('//s:collected_objects', NAMESPACES)).toHaveLength(0);
    expect(document.find('//s:system_data', NAMESPACES)).toHaveLength(0);
    expect(document.find('//s:system_info/s:os_name', NAMESPACES)).toHaveLength(1);
    if (haveSchemas) expect(violations(without, 'oval-results-schema.xsd')).toEqual([]);
  });
});

describeWithShared('writeOvalResults with directives', [debianExcerpt], async () => {
  const definitions = await parseOvalDefinitions(debianExcerpt);

  it('writes thin content without criteria or tests', async () => {
    const directives = defaultDirectives();
    directives.defaults.false = { reported: true, content: 'thin' };
    const xml = await renderResults({ definitions, results: debianResults(), directives });
    const document = libxml.parseXml(xml);
    const definition = document.get('//r:results//r:definition', NAMESPACES) as libxml.Element;
    expect(definition.attr('result')!.value()).toBe('false');
    expect(definition.childNodes().filter((node) => node.type() === 'element')).toHaveLength(0);
    expect(document.find('//r:results//r:tests', NAMESPACES)).toHaveLength(0);
    expect(document.find('//r:results//r:definitions/r:definition/r:criteria', NAMESPACES)).toHaveLength(0);
    expect(document.find('//s:collected_objects', NAMESPACES)).toHaveLength(0);
    if (haveSchemas) expect(violations(xml, 'oval-results-schema.xsd')).toEqual([]);
  });

  it('leaves out unreported results and the source', async () => {
    const directives: Directives = defaultDirectives();
    directives.includeSourceDefinitions = false;
    directives.classes.vulnerability = defaultDirectives().defaults;
    directives.classes.vulnerability.false = { reported: false, content: 'full' };
    const xml = await renderResults({ definitions, results: debianResults(), directives });
    const document = libxml.parseXml(xml);
    expect(document.find('/r:oval_results/d:oval_definitions', NAMESPACES)).toHaveLength(0);
    expect(document.find('//r:results//r:definitions', NAMESPACES)).toHaveLength(0);
    expect((document.get('/r:oval_results/r:directives', NAMESPACES) as libxml.Element).attr('include_source_definitions')!.value()).toBe('false');
    const classDirectives = document.get('/r:oval_results/r:class_directives', NAMESPACES) as libxml.Element;
    expect(classDirectives.attr('class')!.value()).toBe('vulnerability');
    expect((classDirectives.get('r:definition_false', NAMESPACES) as libxml.Element).attr('reported')!.value()).toBe('false');
    if (haveSchemas) expect(violations(xml, 'oval-results-schema.xsd')).toEqual([]);
  });
});

describe('writeOvalResults on hard input', () => {
  it('escapes values as XML', async (context) => {
    skipWithoutShared(context, debianExcerpt);
    const definitions = await parseOvalDefinitions(debianExcerpt);
    const results = debianResults();
    const value = 'a & b < c > d "quoted"\ttab\nline\rcr \u0001control \uD800lone 😀';
    const item = results.systemCharacteristics.items.get(1)!;
    item.entities[5] = { name: 'text', datatype: 'string', value };
    results.tests.get('oval:org.debian.oval:tst:1')!.messages.push({ level: 'info', text: value });
    results.tests.get('oval:org.debian.oval:tst:1')!.testedVariables.push({ variableId: 'oval:t:var:1', value });
    const xml = await renderResults({ definitions, results });
    const document = libxml.parseXml(xml);
    const expected = 'a & b < c > d "quoted"\ttab\nline\rcr \uFFFDcontrol \uFFFDlone 😀';
    expect((document.get('//s:system_data/*[@id="1"]/*[local-name()="text"]', NAMESPACES) as libxml.Element).text()).toBe(expected);
    expect((document.get('//r:test/r:message', NAMESPACES) as libxml.Element).text()).toBe(expected);
    expect((document.get('//r:test/r:tested_variable', NAMESPACES) as libxml.Element).text()).toBe(expected);
    if (haveSchemas) expect(violations(xml, 'oval-results-schema.xsd')).toEqual([]);
  });

  it('writes ten thousand nested criteria', { timeout: 60_000 }, async () => {
    const depth = 10_000;
    const text =
      '<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5">' +
      '<generator><oval:schema_version>5.11.2</oval:schema_version><oval:timestamp>2024-01-01T00:00:00</oval:timestamp></generator>' +
      '<definitions><definition id="oval:t:def:1" version="1" class="compliance"><metadata><title>deep</title><description/></metadata>' +
      '<criteria>'.repeat(depth) +
      '<criterion test_ref="oval:t:tst:1"/>' +
      '</criteria>'.repeat(depth) +
      '</definition></definitions></oval_definitions>';
    const definitions: OvalDefinitions = await parseOvalDefinitions(bufferSource('deep.xml', Buffer.from(text)));
    let criteria: CriteriaResult = { kind: 'criteria', operator: 'AND', negate: false, result: 'error', children: [{ kind: 'criterion', testRef: 'oval:t:tst:1', variableInstance: 1, negate: false, result: 'error' }] };
    for (let level = 1; level < depth; level++) criteria = { kind: 'criteria', operator: 'AND', negate: false, result: 'error', children: [criteria] };
    const results: OvalResults = {
      definitions: new Map([['oval:t:def:1', { definitionId: 'oval:t:def:1', version: 1, variableInstance: 1, result: 'error', criteria, messages: [] }]]),
      tests: new Map(),
      systemCharacteristics: { ...debianSystemCharacteristics(), collectedObjects: new Map(), items: new Map() },
    };
    const xml = await renderResults({ definitions, results });
    expect(xml.split('<criteria operator="AND" result="error">').length - 1).toBe(depth);
    expect(xml.split('</criteria>').length - 1).toBe(2 * depth);
    expect(xml).toContain('<criterion test_ref="oval:t:tst:1" version="0" result="error"/>');
    // Indentation stops growing at 32 levels, so the output (the definitions copy and the
    // results, both indented) stays linear in the depth.
    expect(xml.length).toBeLessThan(depth * 400);
  });

  it('rejects a truncated source', async (context) => {
    skipWithoutShared(context, debianExcerpt);
    const plain = readFileSync(debianExcerpt);
    const definitions = await parseOvalDefinitions(bufferSource('excerpt.xml', plain));
    const results: OvalResults = { definitions: new Map(), tests: new Map(), systemCharacteristics: { ...debianSystemCharacteristics(), collectedObjects: new Map(), items: new Map() } };
    const shortened = bufferSource('excerpt.xml', plain.subarray(0, 1000));
    await expect(renderResults({ definitions, results, source: shortened })).rejects.toThrow(/^excerpt\.xml:\d+:\d+: malformed XML: unclosed tag/);
  });

  it('copies definitions from a compressed source', { timeout: 60_000 }, async (context) => {
    const compressed = path.join(fixtures, 'oval/debian/oval-definitions-bookworm-changelogs.xml.bz2');
    skipWithoutShared(context, compressed);
    const definitions = await parseOvalDefinitions(compressed);
    const results: OvalResults = { definitions: new Map(), tests: new Map(), systemCharacteristics: { ...debianSystemCharacteristics(), collectedObjects: new Map(), items: new Map() } };
    const xml = await renderResults({ definitions, results });
    const document = libxml.parseXml(xml);
    expect(document.find('/r:oval_results/d:oval_definitions/d:definitions/d:definition', NAMESPACES)).toHaveLength(275);
    const written = document.find('//r:results//r:definitions/r:definition', NAMESPACES) as libxml.Element[];
    expect(written).toHaveLength(275);
    expect(written.every((element) => element.attr('result')!.value() === 'not evaluated')).toBe(true);
    const ids = written.map((element) => element.attr('definition_id')!.value());
    expect(ids).toEqual([...ids].sort().reverse());
    expect(document.find('//r:results//r:definition/r:criteria//*[@result!="not evaluated"]', NAMESPACES)).toHaveLength(0);
    const tests = document.find('//r:results//r:tests/r:test', NAMESPACES) as libxml.Element[];
    expect(tests).toHaveLength(429);
    expect(tests.every((element) => element.attr('result')!.value() === 'not evaluated' && element.childNodes().length === 0)).toBe(true);
    if (haveSchemas) expect(violations(xml, 'oval-results-schema.xsd')).toEqual([]);
  });

  it.skipIf(!haveOscap)('writes unevaluated definitions as oscap does', { timeout: 120_000 }, async (context) => {
    const compressed = path.join(fixtures, 'oval/debian/oval-definitions-bookworm-changelogs.xml.bz2');
    skipWithoutShared(context, compressed);
    const plainFile = path.join(temporary, 'bookworm.xml');
    writeFileSync(plainFile, execFileSync('bzip2', ['-dc', compressed], { maxBuffer: 1 << 28 }));
    const definitions = await parseOvalDefinitions(plainFile);
    const evaluatedId = [...definitions.definitions.keys()][0]!;
    const oscapResults = path.join(temporary, 'oscap-id-results.xml');
    execFileSync('oscap', ['oval', 'eval', '--id', evaluatedId, '--results', oscapResults, plainFile], { stdio: 'ignore' });
    const results: OvalResults = { definitions: new Map(), tests: new Map(), systemCharacteristics: { ...debianSystemCharacteristics(), collectedObjects: new Map(), items: new Map() } };
    const ours = definitionShapes(await renderResults({ definitions, results }));
    const expected = definitionShapes(readFileSync(oscapResults, 'utf8'));
    expect(ours.map(([id]) => id)).toEqual(expected.map(([id]) => id));
    expect(ours.filter(([id]) => id !== evaluatedId)).toEqual(expected.filter(([id]) => id !== evaluatedId));
    expect(testIds(await renderResults({ definitions, results }))).toEqual(testIds(readFileSync(oscapResults, 'utf8')));
  });
});
