import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';

import { afterAll, describe, expect, it } from 'vitest';

import { isScapulaError, ScapulaError } from '../../lib/errors.js';
import { bufferSource, type ByteSource } from '../../lib/io/source.js';
import type { Criteria, LocalVariable } from '../../lib/oval/model.js';
import { parseOvalDefinitions } from '../../lib/oval/parser.js';
import { describeWithShared, fixturesDir, skipWithoutShared } from '../fixtures.js';

const fixtures = fixturesDir;
const debianExcerpt = path.join(fixtures, 'oval/debian/debian-buster-excerpt.xml');
const temporary = mkdtempSync(path.join(os.tmpdir(), 'scapula-parser-'));
afterAll(() => rmSync(temporary, { recursive: true, force: true }));

const ROOT_OPEN =
  '<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5"' +
  ' xmlns:ind="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent" xmlns:unix="http://oval.mitre.org/XMLSchema/oval-definitions-5#unix"' +
  ' xmlns:linux="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux" xmlns:win="http://oval.mitre.org/XMLSchema/oval-definitions-5#windows"' +
  ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">';
const GENERATOR =
  '<generator><oval:product_name>test</oval:product_name><oval:schema_version>5.11.2</oval:schema_version><oval:timestamp>2024-01-01T00:00:00</oval:timestamp></generator>';

function documentOf(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${ROOT_OPEN}${GENERATOR}${body}</oval_definitions>\n`;
}

function parseText(text: string, options = {}) {
  return parseOvalDefinitions(bufferSource('test.xml', Buffer.from(text, 'utf8')), options);
}

/** Returns a source that streams `bytes` in pieces of `size` bytes, splitting tags and characters. */
function chunkedSource(name: string, bytes: Buffer, size: number): ByteSource {
  return {
    ...bufferSource(name, bytes),
    stream(offset = 0) {
      const pieces: Buffer[] = [];
      for (let start = offset; start < bytes.length; start += size) pieces.push(bytes.subarray(start, start + size));
      return Readable.from(pieces);
    },
  };
}

async function errorOf(promise: Promise<unknown>): Promise<ScapulaError> {
  try {
    await promise;
  } catch (error) {
    if (isScapulaError(error)) return error;
    throw error;
  }
  throw new Error('expected the parse to fail');
}

const FULL = documentOf(`
<definitions>
  <definition id="oval:t:def:1" version="3" class="vulnerability">
    <metadata>
      <title>CVE-2024-0001 openssl</title>
      <affected family="unix"><platform>Debian GNU/Linux 12</platform><product>openssl</product></affected>
      <reference source="CVE" ref_id="CVE-2024-0001" ref_url="https://example.org/CVE-2024-0001"/>
      <description>A long description.</description>
      <advisory><severity>High</severity></advisory>
    </metadata>
    <notes><note>ignored</note></notes>
    <criteria operator="OR" negate="true" comment="top">
      <extend_definition definition_ref="oval:t:def:2" applicability_check="true" comment="platform"/>
      <criteria>
        <criterion test_ref="oval:t:tst:1" negate="1"/>
        <criterion test_ref="oval:t:tst:2" comment="second"/>
      </criteria>
    </criteria>
  </definition>
  <definition id="oval:t:def:2" version="1" class="inventory" deprecated="true">
    <metadata><title>inventory</title><description/></metadata>
  </definition>
</definitions>
<tests>
  <linux:dpkginfo_test id="oval:t:tst:1" version="1" check="all" check_existence="all_exist" state_operator="OR" comment="openssl older">
    <linux:object object_ref="oval:t:obj:1"/>
    <linux:state state_ref="oval:t:ste:1"/>
    <linux:state state_ref="oval:t:ste:2"/>
  </linux:dpkginfo_test>
  <unix:uname_test id="oval:t:tst:2" version="2" check="at least one" comment="uname">
    <unix:object object_ref="oval:t:obj:2"/>
  </unix:uname_test>
  <win:registry_test id="oval:t:tst:3" version="1" check="all" comment="windows">
    <win:object object_ref="oval:t:obj:3"/>
  </win:registry_test>
</tests>
<objects>
  <linux:dpkginfo_object id="oval:t:obj:1" version="1" comment="openssl">
    <linux:name operation="pattern match" var_ref="oval:t:var:1" var_check="at least one"/>
  </linux:dpkginfo_object>
  <unix:uname_object id="oval:t:obj:2" version="1"/>
  <ind:textfilecontent54_object id="oval:t:obj:4" version="1">
    <ind:behaviors multiline="false" singleline="true"/>
    <ind:filepath>/etc/debian_version</ind:filepath>
    <ind:pattern operation="pattern match">(\\d+)\\.\\d</ind:pattern>
    <ind:instance datatype="int" operation="greater than or equal">1</ind:instance>
    <filter action="include">oval:t:ste:3</filter>
  </ind:textfilecontent54_object>
  <ind:textfilecontent54_object id="oval:t:obj:5" version="1">
    <set set_operator="INTERSECTION">
      <set><object_reference>oval:t:obj:4</object_reference><filter>oval:t:ste:3</filter></set>
      <set set_operator="COMPLEMENT"><object_reference>oval:t:obj:4</object_reference><object_reference>oval:t:obj:6</object_reference></set>
    </set>
  </ind:textfilecontent54_object>
  <ind:family_object id="oval:t:obj:6" version="1"/>
  <ind:environmentvariable58_object id="oval:t:obj:7" version="1">
    <ind:pid xsi:nil="true" datatype="int"/>
    <ind:name mask="true">PATH</ind:name>
  </ind:environmentvariable58_object>
</objects>
<states>
  <linux:dpkginfo_state id="oval:t:ste:1" version="1">
    <linux:evr datatype="debian_evr_string" operation="less than">0:3.0.11-1~deb12u2</linux:evr>
  </linux:dpkginfo_state>
  <linux:dpkginfo_state id="oval:t:ste:2" version="1" operator="XOR" comment="two">
    <linux:name entity_check="at least one">openssl</linux:name>
    <linux:arch/>
  </linux:dpkginfo_state>
  <ind:textfilecontent54_state id="oval:t:ste:3" version="1">
    <ind:subexpression>12</ind:subexpression>
  </ind:textfilecontent54_state>
  <ind:sql57_state id="oval:t:ste:4" version="1">
    <ind:result datatype="record" entity_check="all">
      <field name="user" operation="case insensitive equals">root</field>
      <field name="uid" datatype="int" entity_check="none satisfy">0</field>
    </ind:result>
  </ind:sql57_state>
</states>
<variables>
  <constant_variable id="oval:t:var:1" version="1" datatype="string" comment="packages">
    <value>openssl</value><value>libssl3</value>
  </constant_variable>
  <external_variable id="oval:t:var:2" version="1" datatype="int" comment="external">
    <possible_value hint="one">1</possible_value>
    <possible_restriction hint="range" operator="AND">
      <restriction operation="greater than">0</restriction>
      <restriction operation="less than">10</restriction>
    </possible_restriction>
  </external_variable>
  <local_variable id="oval:t:var:3" version="1" datatype="string" comment="every function">
    <concat>
      <begin character="/"><literal_component>etc</literal_component></begin>
      <end character="/"><variable_component var_ref="oval:t:var:1"/></end>
      <arithmetic arithmetic_operation="multiply"><literal_component datatype="int">2</literal_component><literal_component datatype="int">3</literal_component></arithmetic>
      <count><object_component object_ref="oval:t:obj:4" item_field="subexpression"/></count>
      <escape_regex><literal_component>a.b</literal_component></escape_regex>
      <glob_to_regex glob_noescape="true"><literal_component>*.conf</literal_component></glob_to_regex>
      <regex_capture pattern="^(\\d+)"><literal_component>12.4</literal_component></regex_capture>
      <split delimiter=","><literal_component>a,b</literal_component></split>
      <substring substring_start="2" substring_length="-1"><literal_component>abcdef</literal_component></substring>
      <time_difference format_1="seconds_since_epoch"><literal_component>0</literal_component><literal_component>60</literal_component></time_difference>
      <unique><object_component object_ref="oval:t:obj:8" item_field="result" record_field="user"/></unique>
    </concat>
  </local_variable>
</variables>`);

describe('parseOvalDefinitions on a document using every element', async () => {
  const document = await parseText(FULL);

  it('reads the generator', () => {
    expect(document.generator).toEqual({ productName: 'test', schemaVersion: '5.11.2', timestamp: '2024-01-01T00:00:00' });
  });

  it('reads platform schema versions of the generator', async () => {
    const text = documentOf('').replace(
      '<oval:schema_version>5.11.2</oval:schema_version>',
      '<oval:schema_version>5.11.2</oval:schema_version><oval:schema_version platform="urn:example#unix">5.11.2:1.1</oval:schema_version>',
    );
    const parsed = await parseText(text);
    expect(parsed.generator.schemaVersion).toBe('5.11.2');
    expect(parsed.generator.platformSchemaVersions).toEqual([{ platform: 'urn:example#unix', version: '5.11.2:1.1' }]);
  });

  it('reads definitions with compact metadata', () => {
    const definition = document.definitions.get('oval:t:def:1')!;
    expect(definition.version).toBe(3);
    expect(definition.class).toBe('vulnerability');
    expect(definition.deprecated).toBe(false);
    expect(definition.metadata.title).toBe('CVE-2024-0001 openssl');
    expect(definition.metadata.description).toBe('');
    expect(definition.metadata.affected).toEqual([{ family: 'unix', platforms: ['Debian GNU/Linux 12'], products: ['openssl'] }]);
    expect(definition.metadata.references).toEqual([{ source: 'CVE', refId: 'CVE-2024-0001', refUrl: 'https://example.org/CVE-2024-0001' }]);
    expect(definition.position.line).toBe(4);
    expect(document.definitions.get('oval:t:def:2')!.deprecated).toBe(true);
    expect(document.definitions.get('oval:t:def:2')!.criteria).toBeUndefined();
  });

  it('reads criteria trees with their attributes', () => {
    const criteria = document.definitions.get('oval:t:def:1')!.criteria!;
    expect(criteria.operator).toBe('OR');
    expect(criteria.negate).toBe(true);
    expect(criteria.comment).toBe('top');
    expect(criteria.children[0]).toEqual({
      kind: 'extend_definition',
      definitionRef: 'oval:t:def:2',
      negate: false,
      applicabilityCheck: true,
      comment: 'platform',
    });
    const inner = criteria.children[1] as Criteria;
    expect(inner.operator).toBe('AND');
    expect(inner.negate).toBe(false);
    expect(inner.children.map((child) => child.kind === 'criterion' && [child.testRef, child.negate, child.comment])).toEqual([
      ['oval:t:tst:1', true, undefined],
      ['oval:t:tst:2', false, 'second'],
    ]);
  });

  it('reads tests of every family', () => {
    const dpkg = document.tests.get('oval:t:tst:1')!;
    expect([dpkg.type, dpkg.family, dpkg.namespace]).toEqual(['dpkginfo_test', 'linux', 'http://oval.mitre.org/XMLSchema/oval-definitions-5#linux']);
    expect([dpkg.check, dpkg.checkExistence, dpkg.stateOperator]).toEqual(['all', 'all_exist', 'OR']);
    expect(dpkg.objectRef).toBe('oval:t:obj:1');
    expect(dpkg.stateRefs).toEqual(['oval:t:ste:1', 'oval:t:ste:2']);
    const uname = document.tests.get('oval:t:tst:2')!;
    expect([uname.family, uname.check, uname.checkExistence, uname.stateOperator, uname.stateRefs]).toEqual(['unix', 'at least one', 'at_least_one_exists', 'AND', []]);
    expect(document.tests.get('oval:t:tst:3')!.family).toBe('windows');
  });

  it('reads object entities with schema defaults', () => {
    const [name] = document.objects.get('oval:t:obj:1')!.entities;
    expect(name).toMatchObject({ name: 'name', datatype: 'string', operation: 'pattern match', varRef: 'oval:t:var:1', varCheck: 'at least one', nil: false, mask: false });
    expect(name!.value).toBeUndefined();
    expect(name!.entityCheck).toBeUndefined();
    const textfile = document.objects.get('oval:t:obj:4')!;
    expect(textfile.behaviors).toEqual({ multiline: 'false', singleline: 'true' });
    expect(textfile.entities.map((entity) => [entity.name, entity.datatype, entity.operation, entity.value])).toEqual([
      ['filepath', 'string', 'equals', '/etc/debian_version'],
      ['pattern', 'string', 'pattern match', '(\\d+)\\.\\d'],
      ['instance', 'int', 'greater than or equal', '1'],
    ]);
    expect(textfile.filters).toEqual([{ action: 'include', stateRef: 'oval:t:ste:3' }]);
    const environment = document.objects.get('oval:t:obj:7')!;
    expect(environment.entities[0]).toMatchObject({ name: 'pid', nil: true, datatype: 'int' });
    expect(environment.entities[1]).toMatchObject({ name: 'name', mask: true, value: 'PATH' });
  });

  it('reads sets with nested sets and filters', () => {
    expect(document.objects.get('oval:t:obj:5')!.set).toEqual({
      operator: 'INTERSECTION',
      objectRefs: [],
      filters: [],
      sets: [
        { operator: 'UNION', sets: [], objectRefs: ['oval:t:obj:4'], filters: [{ action: 'exclude', stateRef: 'oval:t:ste:3' }] },
        { operator: 'COMPLEMENT', sets: [], objectRefs: ['oval:t:obj:4', 'oval:t:obj:6'], filters: [] },
      ],
    });
    expect(document.objects.get('oval:t:obj:5')!.entities).toEqual([]);
  });

  it('reads state entities, entity_check and records', () => {
    const [evr] = document.states.get('oval:t:ste:1')!.entities;
    expect(evr).toMatchObject({ name: 'evr', datatype: 'debian_evr_string', operation: 'less than', value: '0:3.0.11-1~deb12u2', entityCheck: 'all' });
    const two = document.states.get('oval:t:ste:2')!;
    expect([two.operator, two.comment]).toEqual(['XOR', 'two']);
    expect(two.entities[0]).toMatchObject({ name: 'name', entityCheck: 'at least one', value: 'openssl' });
    expect(two.entities[1]!.value).toBeUndefined();
    const [record] = document.states.get('oval:t:ste:4')!.entities;
    expect(record!.datatype).toBe('record');
    expect(record!.fields!.map((field) => [field.name, field.datatype, field.operation, field.entityCheck, field.value])).toEqual([
      ['user', 'string', 'case insensitive equals', 'all', 'root'],
      ['uid', 'int', 'equals', 'none satisfy', '0'],
    ]);
  });

  it('reads constant and external variables', () => {
    expect(document.variables.get('oval:t:var:1')).toMatchObject({ kind: 'constant_variable', datatype: 'string', values: ['openssl', 'libssl3'] });
    expect(document.variables.get('oval:t:var:2')).toMatchObject({
      kind: 'external_variable',
      datatype: 'int',
      possibleValues: [{ hint: 'one', value: '1' }],
      possibleRestrictions: [
        {
          hint: 'range',
          operator: 'AND',
          restrictions: [
            { operation: 'greater than', value: '0' },
            { operation: 'less than', value: '10' },
          ],
        },
      ],
    });
  });

  it('reads local variables with every function', () => {
    const local = document.variables.get('oval:t:var:3') as LocalVariable;
    expect(local.component).toEqual({
      kind: 'concat',
      components: [
        { kind: 'begin', character: '/', component: { kind: 'literal_component', datatype: 'string', value: 'etc' } },
        { kind: 'end', character: '/', component: { kind: 'variable_component', varRef: 'oval:t:var:1' } },
        {
          kind: 'arithmetic',
          operation: 'multiply',
          components: [
            { kind: 'literal_component', datatype: 'int', value: '2' },
            { kind: 'literal_component', datatype: 'int', value: '3' },
          ],
        },
        { kind: 'count', components: [{ kind: 'object_component', objectRef: 'oval:t:obj:4', itemField: 'subexpression' }] },
        { kind: 'escape_regex', component: { kind: 'literal_component', datatype: 'string', value: 'a.b' } },
        { kind: 'glob_to_regex', globSkipBackslash: true, component: { kind: 'literal_component', datatype: 'string', value: '*.conf' } },
        { kind: 'regex_capture', pattern: '^(\\d+)', component: { kind: 'literal_component', datatype: 'string', value: '12.4' } },
        { kind: 'split', delimiter: ',', component: { kind: 'literal_component', datatype: 'string', value: 'a,b' } },
        { kind: 'substring', start: 2, length: -1, component: { kind: 'literal_component', datatype: 'string', value: 'abcdef' } },
        {
          kind: 'time_difference',
          format1: 'seconds_since_epoch',
          format2: 'year_month_day',
          components: [
            { kind: 'literal_component', datatype: 'string', value: '0' },
            { kind: 'literal_component', datatype: 'string', value: '60' },
          ],
        },
        { kind: 'unique', components: [{ kind: 'object_component', objectRef: 'oval:t:obj:8', itemField: 'result', recordField: 'user' }] },
      ],
    });
  });

  it('keeps root namespaces and no warnings', () => {
    expect(document.namespaces['linux']).toBe('http://oval.mitre.org/XMLSchema/oval-definitions-5#linux');
    expect(document.namespaces['']).toBe('http://oval.mitre.org/XMLSchema/oval-definitions-5');
    expect(document.warnings).toEqual([]);
  });
});

describe('parseOvalDefinitions options and rules', () => {
  it('keeps descriptions on request', async () => {
    const document = await parseText(FULL, { keepDescriptions: true });
    expect(document.definitions.get('oval:t:def:1')!.metadata.description).toBe('A long description.');
  });

  it('drops unwritten comments on request', async () => {
    const document = await parseText(FULL, { keepComments: false });
    const criteria = document.definitions.get('oval:t:def:1')!.criteria!;
    expect(criteria.comment).toBeUndefined();
    expect(criteria.children[0]!.comment).toBeUndefined();
    expect((criteria.children[1] as Criteria).children[1]!.comment).toBeUndefined();
    expect(document.tests.get('oval:t:tst:1')!.comment).toBe('');
    expect(document.states.get('oval:t:ste:2')!.comment).toBeUndefined();
    expect(document.variables.get('oval:t:var:1')!.comment).toBe('');
    expect(document.objects.get('oval:t:obj:1')!.comment).toBe('openssl');
    const kept = await parseText(FULL);
    expect([kept.tests.get('oval:t:tst:1')!.comment, kept.states.get('oval:t:ste:2')!.comment]).toEqual(['openssl older', 'two']);
  });

  it('records the byte span of oval_definitions', async () => {
    const text = `<?xml version="1.0"?>\n<!-- prologue: é, 日本, 😀 -->\n${ROOT_OPEN}${GENERATOR}<definitions/></oval_definitions>\n<!-- after -->\n`;
    const bytes = Buffer.from(text, 'utf8');
    const document = await parseOvalDefinitions(bufferSource('span.xml', bytes));
    const copied = bytes.subarray(document.span!.start, document.span!.end).toString('utf8');
    expect(copied.startsWith('<oval_definitions ')).toBe(true);
    expect(copied.endsWith('</oval_definitions>')).toBe(true);
    expect(document.span!.end - document.span!.start).toBe(Buffer.byteLength(`${ROOT_OPEN}${GENERATOR}<definitions/></oval_definitions>`));
  });

  it('records the span across tiny chunks', async () => {
    const text = `\uFEFF<?xml version="1.0"?>\r\n<!-- é日本😀 -->\r\n${ROOT_OPEN}\r\n${GENERATOR}<definitions/></oval_definitions>\r\n`;
    const bytes = Buffer.from(text, 'utf8');
    for (const size of [1, 2, 3, 5, 7]) {
      const document = await parseOvalDefinitions(chunkedSource('chunks.xml', bytes, size));
      expect(document.span).toEqual({ start: bytes.indexOf('<oval_definitions'), end: bytes.indexOf('</oval_definitions>') + '</oval_definitions>'.length });
      expect(document.generator.schemaVersion).toBe('5.11.2');
    }
  });

  it('keeps the first of duplicate ids', async () => {
    const text = documentOf(
      '<objects><unix:uname_object id="oval:t:obj:1" version="1"/><unix:uname_object id="oval:t:obj:1" version="2"/></objects>',
    );
    const document = await parseText(text);
    expect(document.objects.get('oval:t:obj:1')!.version).toBe(1);
    expect(document.warnings).toHaveLength(1);
    const column = text.split('\n')[1]!.indexOf('<unix:uname_object id="oval:t:obj:1" version="2"') + 1;
    expect(document.warnings[0]!.message).toBe(`test.xml:2:${column}: uname_object oval:t:obj:1 appears more than once; the first one is kept`);
  });

  it('skips an invalid item with a warning', async () => {
    const text = documentOf(
      '<tests><unix:uname_test id="oval:t:tst:1" version="1" check="most"><unix:object object_ref="oval:t:obj:1"/></unix:uname_test>' +
        '<unix:uname_test id="oval:t:tst:2" version="1" check="all"/></tests>',
    );
    const document = await parseText(text);
    expect([...document.tests.keys()]).toEqual(['oval:t:tst:2']);
    expect(document.warnings[0]!.code).toBe('OVAL_INVALID');
    expect(document.warnings[0]!.message).toContain('uname_test oval:t:tst:1 is skipped: uname_test has check="most"; expected one of: all, at least one');
  });

  it('raises an invalid item in strict mode', async () => {
    const text = documentOf('<states><unix:uname_state id="oval:t:ste:1" version="x"/></states>');
    const error = await errorOf(parseText(text, { strict: true }));
    expect(error.code).toBe('OVAL_INVALID');
    expect(error.message).toContain('uname_state has version="x"; expected an integer');
    expect(error.line).toBe(2);
  });

  it('accepts references that name nothing', async () => {
    const text = documentOf(
      '<definitions><definition id="oval:t:def:1" version="1" class="patch"><metadata><title>t</title></metadata>' +
        '<criteria><criterion test_ref="oval:t:tst:404"/></criteria></definition></definitions>',
    );
    const document = await parseText(text);
    expect(document.definitions.size).toBe(1);
    expect(document.warnings).toEqual([]);
  });

  it('warns about items outside family namespaces', { timeout: 30_000 }, async (context) => {
    skipWithoutShared(context, path.join(fixtures, 'oval/suse/sles-truncated-vunnel.xml'));
    const document = await parseOvalDefinitions(path.join(fixtures, 'oval/suse/sles-truncated-vunnel.xml'));
    expect(document.definitions.size).toBe(4);
    expect(document.tests.size).toBe(23);
    expect(document.objects.size).toBe(18);
    expect(document.tests.get('oval:org.opensuse.security:tst:2009276218')!.family).toBe('unknown');
    expect(document.tests.get('oval:org.opensuse.security:tst:2009302033')!.family).toBe('linux');
    const messages = document.warnings.map((warning) => warning.message);
    expect(messages.filter((message) => message.includes('not in a family namespace'))).toHaveLength(17 + 16);
    expect(messages.filter((message) => message.includes('appears more than once'))).toHaveLength(1);
    expect(messages.filter((message) => message.includes('unexpected element'))).toHaveLength(1);
  });

  it('keeps items of unknown families', async () => {
    const text = documentOf(
      '<tests><apache:httpd_test xmlns:apache="http://oval.mitre.org/XMLSchema/oval-definitions-5#apache" id="oval:t:tst:1" version="1" check="all" comment="httpd">' +
        '<apache:object object_ref="oval:t:obj:1"/></apache:httpd_test></tests>',
    );
    const document = await parseText(text);
    const test = document.tests.get('oval:t:tst:1')!;
    expect([test.type, test.family, test.namespace, test.objectRef]).toEqual(['httpd_test', 'unknown', 'http://oval.mitre.org/XMLSchema/oval-definitions-5#apache', 'oval:t:obj:1']);
    expect(document.warnings.map((warning) => warning.message)).toEqual([
      expect.stringContaining('httpd_test oval:t:tst:1 is in namespace http://oval.mitre.org/XMLSchema/oval-definitions-5#apache, a family this version of scapula does not know'),
    ]);
  });

  it('reads ten thousand nested criteria', { timeout: 60_000 }, async () => {
    const depth = 10_000;
    const text = documentOf(
      `<definitions><definition id="oval:t:def:1" version="1" class="compliance"><metadata><title>deep</title></metadata>` +
        '<criteria>'.repeat(depth) +
        '<criterion test_ref="oval:t:tst:1"/>' +
        '</criteria>'.repeat(depth) +
        '</definition></definitions>',
    );
    const document = await parseText(text);
    let node: Criteria = document.definitions.get('oval:t:def:1')!.criteria!;
    let levels = 1;
    while (node.children[0]!.kind === 'criteria') {
      node = node.children[0] as Criteria;
      levels++;
    }
    expect(levels).toBe(depth);
    expect(node.children[0]).toMatchObject({ kind: 'criterion', testRef: 'oval:t:tst:1' });
  });
});

describe('parseOvalDefinitions on hostile or broken input', () => {
  it('skips a deeply nested description quickly', async () => {
    const depth = 19_990;
    const text = documentOf(
      `<definitions><definition id="oval:t:def:1" version="1" class="compliance"><metadata><title>deep</title>` +
        `<description>${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}</description></metadata>` +
        '<criteria><criterion test_ref="oval:t:tst:1"/></criteria></definition></definitions>',
    );
    const started = performance.now();
    const document = await parseText(text);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(document.definitions.get('oval:t:def:1')!.metadata.title).toBe('deep');
  });

  it('rejects nesting beyond the depth limit', async () => {
    const text = documentOf(`<definitions>${'<criteria>'.repeat(50_000)}${'</criteria>'.repeat(50_000)}</definitions>`);
    const error = await errorOf(parseText(text));
    expect(error.code).toBe('LIMIT');
    expect(error.file).toBe('test.xml');
    expect(error.line).toBe(2);
  });

  it('rejects a DOCTYPE', async () => {
    const text = `<?xml version="1.0"?>\n<!DOCTYPE oval_definitions [<!ENTITY x "y">]>\n${ROOT_OPEN}</oval_definitions>`;
    const error = await errorOf(parseText(text));
    expect(error.code).toBe('XML_FORBIDDEN');
    expect(error.file).toBe('test.xml');
  });

  it('rejects an external entity', async () => {
    const text = `<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${ROOT_OPEN}<definitions>&xxe;</definitions></oval_definitions>`;
    const error = await errorOf(parseText(text));
    expect(error.code).toBe('XML_FORBIDDEN');
  });

  it('rejects billion laughs quickly', async () => {
    const entities = Array.from({ length: 10 }, (_, index) => `<!ENTITY lol${index + 1} "${`&lol${index};`.repeat(10)}">`).join('');
    const text = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">${entities}]>${ROOT_OPEN}<definitions>&lol10;</definitions></oval_definitions>`;
    const started = performance.now();
    const error = await errorOf(parseText(text));
    expect(error.code).toBe('XML_FORBIDDEN');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('rejects an undeclared entity reference', async () => {
    const error = await errorOf(parseText(documentOf('<definitions>&undeclared;</definitions>')));
    expect(error.code).toBe('XML_MALFORMED');
  });

  it('reports malformed XML with its position', async () => {
    const text = `<?xml version="1.0"?>\n${ROOT_OPEN}\n<definitions>\n  <definition id="a" version="1" class="patch">\n</definitions>\n</oval_definitions>`;
    const error = await errorOf(parseText(text));
    expect(error.code).toBe('XML_MALFORMED');
    expect(error.file).toBe('test.xml');
    expect(error.line).toBe(5);
    expect(error.message).toMatch(/^test\.xml:5:\d+: malformed XML: /);
  });

  it('reports a truncated document', async (context) => {
    skipWithoutShared(context, debianExcerpt);
    const whole = readFileSync(debianExcerpt);
    const error = await errorOf(parseOvalDefinitions(bufferSource('cut.xml', whole.subarray(0, 3000))));
    expect(error.code).toBe('XML_MALFORMED');
    expect(error.file).toBe('cut.xml');
  });

  it('rejects another root element', async () => {
    const text = '<oval_system_characteristics xmlns="http://oval.mitre.org/XMLSchema/oval-system-characteristics-5"/>';
    const error = await errorOf(parseText(text));
    expect(error.code).toBe('OVAL_INVALID');
    expect(error.message).toContain('expected an oval_definitions document');
    expect(error.message).toContain('found oval_system_characteristics in namespace http://oval.mitre.org/XMLSchema/oval-system-characteristics-5');
  });

  it('rejects invalid UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from(documentOf('<definitions>').slice(0, -30)), Buffer.from([0xff, 0xfe]), Buffer.from('</definitions></oval_definitions>')]);
    const error = await errorOf(parseOvalDefinitions(bufferSource('bad.xml', bytes)));
    expect(error.code).toBe('XML_MALFORMED');
    expect(error.message).toContain('invalid UTF-8');
  });

  it('rejects an unsupported encoding', async () => {
    const text = `<?xml version="1.0" encoding="ISO-8859-1"?>${ROOT_OPEN}</oval_definitions>`;
    const error = await errorOf(parseText(text));
    expect(error.code).toBe('UNSUPPORTED');
  });

  it('places an unsupported encoding on the line of the XML declaration', async () => {
    const text = `<?xml version="1.0" encoding="ISO-8859-1"?>\n\n${ROOT_OPEN}</oval_definitions>`;
    const error = await errorOf(parseText(text));
    expect(error.code).toBe('UNSUPPORTED');
    expect(error.line).toBe(1);
  });

  it('reports corrupt gzip data', async (context) => {
    skipWithoutShared(context, debianExcerpt);
    const whole = gzipSync(readFileSync(debianExcerpt));
    const corrupt = Buffer.concat([whole.subarray(0, 40), Buffer.alloc(64, 0xa5), whole.subarray(104)]);
    const error = await errorOf(parseOvalDefinitions(bufferSource('corrupt.xml.gz', corrupt)));
    expect(['IO', 'XML_MALFORMED']).toContain(error.code);
    expect(error.file).toBe('corrupt.xml.gz');
  });

  it('reports a missing file as IO', async () => {
    const error = await errorOf(parseOvalDefinitions(path.join(temporary, 'absent.xml')));
    expect(error.code).toBe('IO');
  });
});

describeWithShared('parseOvalDefinitions on compressed input', [debianExcerpt], () => {
  const plainPath = debianExcerpt;
  const plain = readFileSync(plainPath);
  const cases: [string, (file: string) => void][] = [
    ['gzip', (file) => writeFileSync(file, gzipSync(plain))],
    ['bzip2', (file) => writeFileSync(file, execFileSync('bzip2', ['-c', plainPath]))],
    ['xz', (file) => writeFileSync(file, execFileSync('xz', ['-c', plainPath]))],
    ['zstd', (file) => writeFileSync(file, execFileSync('zstd', ['-q', '-c', plainPath]))],
  ];
  for (const [format, write] of cases) {
    it(`reads ${format} by its magic bytes`, async () => {
      const file = path.join(temporary, `feed.${format}.xml`);
      write(file);
      const document = await parseOvalDefinitions(file);
      const reference = await parseOvalDefinitions(plainPath);
      expect(document.definitions.size).toBe(1);
      expect(document.tests.size).toBe(3);
      expect(document.span).toEqual(reference.span);
      expect(plain.subarray(document.span!.start, document.span!.start + 17).toString()).toBe('<oval_definitions');
    });
  }
});
