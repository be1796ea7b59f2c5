import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';

import libxml from 'libxmljs2';
import { afterAll, describe, expect, it } from 'vitest';

import { bufferSource } from '../../lib/io/source.js';
import { writeDefinitionsCopy } from '../../lib/oval/definitions-copy.js';
import { parseOvalDefinitions } from '../../lib/oval/parser.js';
import type { OvalResults } from '../../lib/oval/results-model.js';
import { writeOvalResults } from '../../lib/oval/results-writer.js';
import { XmlWriter } from '../../lib/xml/writer.js';
import { conformanceDir, fixturesDir, haveOscap, haveOvalSchemas, ovalSchemaDirectory, skipWithoutShared } from '../fixtures.js';

const upstreamTests = path.join(conformanceDir, 'tests');
const debianExcerpt = path.join(fixturesDir, 'oval/debian/debian-buster-excerpt.xml');
const schemaDirectory = ovalSchemaDirectory;
const haveSchemas = haveOvalSchemas;

const temporary = mkdtempSync(path.join(os.tmpdir(), 'scapula-definitions-copy-'));
afterAll(() => rmSync(temporary, { recursive: true, force: true }));

const DEFS = 'http://oval.mitre.org/XMLSchema/oval-definitions-5';
const NAMESPACES = {
  r: 'http://oval.mitre.org/XMLSchema/oval-results-5',
  d: DEFS,
  oval: 'http://oval.mitre.org/XMLSchema/oval-common-5',
  ind: `${DEFS}#independent`,
  unix: `${DEFS}#unix`,
  sol: `${DEFS}#solaris`,
  ai: 'urn:example:ai',
};

const EMPTY_RESULTS: OvalResults = {
  definitions: new Map(),
  tests: new Map(),
  systemCharacteristics: {
    systemInfo: { osName: 'Linux', osVersion: '1', architecture: 'x86_64', primaryHostName: 'host', interfaces: [] },
    collectedObjects: new Map(),
    items: new Map(),
  },
};

/** Returns the results document scapula writes for the definitions `text`, with nothing evaluated. */
async function resultsFor(text: string): Promise<string> {
  const definitions = await parseOvalDefinitions(bufferSource('source.xml', Buffer.from(text, 'utf8')));
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await writeOvalResults(out, { definitions, results: EMPTY_RESULTS, generator: { timestamp: '2024-01-01T00:00:00' } });
  out.end();
  return Buffer.concat(chunks).toString('utf8');
}

function definitionsDocument(version: string, body: string, extraNamespaces = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="${DEFS}" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"${extraNamespaces}>
  <generator><oval:schema_version>${version}</oval:schema_version><oval:timestamp>2024-01-01T00:00:00</oval:timestamp></generator>
  ${body}
</oval_definitions>`;
}

/** Definitions with every attribute rule in play, in default namespaces as vendors write them. */
const RICH_BODY = `<definitions>
    <definition id="oval:t:def:1" version="1" class="compliance" deprecated="0">
      <metadata>
        <title>rules</title>
        <!-- a comment the copy drops -->
        <description>all of them</description>
        <ai:assets xmlns:ai="urn:example:ai"><ai:asset id="a1"><ai:fqdn>host</ai:fqdn></ai:asset></ai:assets>
      </metadata>
      <criteria operator="AND" negate="false">
        <criterion test_ref="oval:t:tst:1" negate="1" applicability_check="false" comment="c"/>
        <extend_definition definition_ref="oval:t:def:2" negate="false"/>
      </criteria>
    </definition>
    <definition id="oval:t:def:2" version="1" class="compliance">
      <metadata><title>extended</title><description>d</description></metadata>
    </definition>
  </definitions>
  <tests>
    <textfilecontent54_test xmlns="${DEFS}#independent" id="oval:t:tst:1" version="1" check="all" check_existence="at_least_one_exists" state_operator="AND" comment="t">
      <object object_ref="oval:t:obj:1"/>
      <state state_ref="oval:t:ste:1"/>
    </textfilecontent54_test>
    <file_test xmlns="${DEFS}#unix" id="oval:t:tst:2" version="1" check="all" check_existence="none_exist" state_operator="OR" comment="u">
      <object object_ref="oval:t:obj:2"/>
    </file_test>
  </tests>
  <objects>
    <textfilecontent54_object xmlns="${DEFS}#independent" id="oval:t:obj:1" version="1">
      <filepath operation="equals" datatype="string" var_ref="oval:t:var:1"/>
      <pattern operation="pattern match">^a$</pattern>
      <instance datatype="int" var_check="all">1</instance>
    </textfilecontent54_object>
    <file_object xmlns="${DEFS}#unix" id="oval:t:obj:2" version="1">
      <set xmlns="${DEFS}" set_operator="UNION">
        <object_reference>oval:t:obj:1</object_reference>
        <filter action="exclude">oval:t:ste:1</filter>
      </set>
    </file_object>
    <file_object xmlns="${DEFS}#unix" id="oval:t:obj:3" version="1">
      <path>/etc</path>
      <filename xsi:nil="true"/>
    </file_object>
    <file_object xmlns="${DEFS}#unix" id="oval:t:obj:4" version="1">
      <path>/etc</path>
      <filename xsi:nil="true">passwd</filename>
    </file_object>
  </objects>
  <states>
    <textfilecontent54_state xmlns="${DEFS}#independent" id="oval:t:ste:1" version="1" operator="AND">
      <text check_existence="at_least_one_exists" entity_check="all" var_check="at least one" var_ref="oval:t:var:1"/>
    </textfilecontent54_state>
    <sql57_state xmlns="${DEFS}#independent" id="oval:t:ste:2" version="1">
      <result datatype="record" operation="equals">
        <field xmlns="${DEFS}" name="user" datatype="string" operation="equals">admin</field>
        <field xmlns="${DEFS}" name="secret" mask="true" operation="pattern match">hidden</field>
      </result>
    </sql57_state>
  </states>
  <variables>
    <external_variable id="oval:t:var:1" version="1" datatype="string" comment="e">
      <possible_restriction hint="h"><restriction operation="pattern match">^/</restriction></possible_restriction>
    </external_variable>
    <local_variable id="oval:t:var:2" version="1" datatype="string" comment="l">
      <concat>
        <literal_component datatype="string">a</literal_component>
        <glob_to_regex><literal_component>*</literal_component></glob_to_regex>
        <time_difference format_1="year_month_day" format_2="seconds_since_epoch"><literal_component datatype="int">1</literal_component></time_difference>
      </concat>
    </local_variable>
  </variables>`;

describe('writeDefinitionsCopy', async () => {
  const xml = await resultsFor(definitionsDocument('5.11.1', RICH_BODY));
  const document = libxml.parseXml(xml);
  const element = (xpath: string): libxml.Element => {
    const found = document.get(`/r:oval_results/d:oval_definitions/${xpath}`, NAMESPACES) as libxml.Element | null;
    if (found === null) throw new Error(`${xpath} is not in the copy`);
    return found;
  };
  const attributes = (xpath: string): Record<string, string> =>
    Object.fromEntries(element(xpath).attrs().map((attribute) => [attribute.name(), attribute.value()]));

  it('writes component elements with oscap prefixes', () => {
    expect(xml).toContain('<ind-def:textfilecontent54_test ');
    expect(xml).toContain('<unix-def:file_object ');
    expect(xml).toContain('<ind-def:filepath ');
    expect(xml).toContain('<oval-def:field name="user">admin</oval-def:field>');
    expect(element('d:objects/unix:file_object/d:set').namespace()?.prefix() ?? '').toBe('');
  });

  it('leaves out default attribute values', () => {
    expect(attributes('d:definitions/d:definition')).toEqual({ id: 'oval:t:def:1', version: '1', class: 'compliance' });
    expect(attributes('d:definitions/d:definition/d:criteria')).toEqual({});
    expect(attributes('d:tests/ind:textfilecontent54_test')).toEqual({ id: 'oval:t:tst:1', version: '1', check: 'all', comment: 't' });
    expect(attributes('d:tests/unix:file_test')).toEqual({ id: 'oval:t:tst:2', version: '1', check: 'all', check_existence: 'none_exist', state_operator: 'OR', comment: 'u' });
    expect(attributes('d:objects/ind:textfilecontent54_object/ind:pattern')).toEqual({ operation: 'pattern match' });
    expect(attributes('d:objects/ind:textfilecontent54_object/ind:instance')).toEqual({ datatype: 'int' });
    expect(attributes('d:objects/unix:file_object/d:set')).toEqual({});
    expect(attributes('d:objects/unix:file_object/d:set/d:filter')).toEqual({});
    expect(attributes('d:states/ind:textfilecontent54_state')).toEqual({ id: 'oval:t:ste:1', version: '1' });
    expect(attributes('d:states/ind:sql57_state/ind:result')).toEqual({ datatype: 'record' });
    expect(attributes('d:variables/d:local_variable/d:concat/d:literal_component')).toEqual({});
    expect(attributes('d:variables/d:local_variable/d:concat/d:time_difference')).toEqual({ format_2: 'seconds_since_epoch' });
  });

  it('writes booleans as true', () => {
    expect(attributes('d:definitions/d:definition/d:criteria/d:criterion')).toEqual({ test_ref: 'oval:t:tst:1', negate: 'true', comment: 'c' });
    expect(attributes('d:definitions/d:definition/d:criteria/d:extend_definition')).toEqual({ definition_ref: 'oval:t:def:2' });
  });

  it('adds the attributes oscap adds', () => {
    expect(attributes('d:objects/ind:textfilecontent54_object/ind:filepath')).toEqual({ var_ref: 'oval:t:var:1', var_check: 'all' });
    expect(attributes('d:variables/d:external_variable/d:possible_restriction')).toEqual({ hint: 'h', operator: 'AND' });
    expect(attributes('d:variables/d:local_variable/d:concat/d:glob_to_regex')).toEqual({ glob_noescape: 'false' });
  });

  it('keeps state entity checks that differ from the default', () => {
    expect(attributes('d:states/ind:textfilecontent54_state/ind:text')).toEqual({ var_check: 'at least one', var_ref: 'oval:t:var:1' });
  });

  it('keeps xsi:nil only on an empty entity', () => {
    expect(attributes('d:objects/unix:file_object[@id="oval:t:obj:3"]/unix:filename')).toEqual({ nil: 'true' });
    expect(attributes('d:objects/unix:file_object[@id="oval:t:obj:4"]/unix:filename')).toEqual({});
    expect(element('d:objects/unix:file_object[@id="oval:t:obj:4"]/unix:filename').text()).toBe('passwd');
  });

  it('writes a masked record field without its value', () => {
    const field = element('d:states/ind:sql57_state/ind:result/d:field[@name="secret"]');
    expect(field.text()).toBe('');
    expect(Object.fromEntries(field.attrs().map((attribute) => [attribute.name(), attribute.value()]))).toEqual({ name: 'secret', mask: 'true' });
  });

  it('keeps metadata of other namespaces and drops comments', () => {
    expect(element('d:definitions/d:definition/d:metadata/ai:assets/ai:asset/ai:fqdn').text()).toBe('host');
    expect(element('d:definitions/d:definition/d:metadata/ai:assets/ai:asset').attr('id')!.value()).toBe('a1');
    expect(xml).not.toContain('a comment the copy drops');
  });

  it.skipIf(!haveSchemas)('validates against the results schema', () => {
    const location = path.join(schemaDirectory, 'oval-results-schema.xsd');
    const schema = libxml.parseXml(readFileSync(location, 'utf8'), { baseUrl: location });
    const valid = document.validate(schema);
    expect(document.validationErrors.map((error) => `${error.line}: ${error.message.trim()}`)).toEqual([]);
    expect(valid).toBe(true);
  });
});

describe('writeDefinitionsCopy by schema version', () => {
  const body = `<objects>
    <file_object xmlns="${DEFS}#unix" id="oval:t:obj:1" version="1">
      <filepath mask="true" operation="pattern match">/etc/passwd</filepath>
    </file_object>
  </objects>
  <states>
    <textfilecontent54_state xmlns="${DEFS}#independent" id="oval:t:ste:1" version="1">
      <text check_existence="none_exist">x</text>
    </textfilecontent54_state>
  </states>
  <variables>
    <external_variable id="oval:t:var:1" version="1" datatype="string" comment="e">
      <possible_restriction operator="AND" hint="h"><restriction operation="pattern match">^/</restriction></possible_restriction>
    </external_variable>
  </variables>`;

  it('hides a masked entity before OVAL 5.10', async () => {
    expect(await resultsFor(definitionsDocument('5.9', body))).toContain('<unix-def:filepath mask="true"/>');
  });

  it('keeps a masked entity from OVAL 5.10 on', async () => {
    expect(await resultsFor(definitionsDocument('5.10', body))).toContain('<unix-def:filepath mask="true" operation="pattern match">/etc/passwd</unix-def:filepath>');
  });

  it('writes check_existence on state entities from OVAL 5.11.1 on', async () => {
    expect(await resultsFor(definitionsDocument('5.11', body))).toContain('<ind-def:text>x</ind-def:text>');
    expect(await resultsFor(definitionsDocument('5.11.1', body))).toContain('<ind-def:text check_existence="none_exist">x</ind-def:text>');
  });

  it('writes the restriction operator from OVAL 5.11 on', async () => {
    expect(await resultsFor(definitionsDocument('5.10.1', body))).toContain('<possible_restriction hint="h">');
    expect(await resultsFor(definitionsDocument('5.11', body))).toContain('<possible_restriction operator="AND" hint="h">');
  });
});

describe('writeDefinitionsCopy namespaces', () => {
  it('declares families beyond the five oscap declares', async () => {
    const xml = await resultsFor(
      definitionsDocument(
        '5.11.2',
        `<tests><sol:isainfo_test id="oval:t:tst:1" version="1" check="all" comment="s"><sol:object object_ref="oval:t:obj:1"/></sol:isainfo_test></tests>
         <objects><sol:isainfo_object id="oval:t:obj:1" version="1"/></objects>`,
        ` xmlns:sol="${DEFS}#solaris"`,
      ),
    );
    expect(xml).toContain(`xmlns:solaris-def="${DEFS}#solaris"`);
    expect(xml).toContain('<solaris-def:isainfo_test ');
    const document = libxml.parseXml(xml);
    expect(document.find('//d:oval_definitions/d:objects/sol:isainfo_object', NAMESPACES)).toHaveLength(1);
  });

  it('gives attributes of other namespaces a prefix', async () => {
    const xml = await resultsFor(
      definitionsDocument(
        '5.11.2',
        `<definitions><definition id="oval:t:def:1" version="1" class="compliance"><metadata><title>t</title><description>d</description>
          <ext xmlns="urn:example:ext" xmlns:x="urn:example:attr" x:level="2"><plain xmlns="">p</plain></ext></metadata></definition></definitions>`,
      ),
    );
    const document = libxml.parseXml(xml);
    const ext = document.get('//d:metadata/*[local-name()="ext"]', NAMESPACES) as libxml.Element;
    expect(ext.namespace()!.href()).toBe('urn:example:ext');
    expect(ext.attr('level')!.namespace()!.href()).toBe('urn:example:attr');
    const plain = ext.get('*') as libxml.Element;
    expect(plain.name()).toBe('plain');
    expect(plain.namespace()).toBeNull();
  });

  it('rejects a source that is not oval_definitions', async () => {
    const out = new PassThrough();
    out.resume();
    const writer = new XmlWriter(out);
    await expect(writeDefinitionsCopy(writer, bufferSource('other.xml', Buffer.from('<oval_variables/>')), '5.11.2')).rejects.toThrow(
      /^other\.xml:1:1: expected an oval_definitions document to copy into the results, found oval_variables/,
    );
  });
});

/**
 * Returns every element of the oval_definitions copy in `xml` below its root as one line: its
 * path of written names (prefix included), its attributes sorted, and its text. Sorted, so that
 * the order oscap puts definitions and metadata in does not count.
 */
function copyShape(xml: string): string[] {
  const document = libxml.parseXml(xml);
  const root = document.get('/r:oval_results/d:oval_definitions', NAMESPACES) as libxml.Element;
  const lines: string[] = [];
  const pending: [libxml.Element, string][] = root.childNodes().filter((node) => node.type() === 'element').map((node) => [node as libxml.Element, '']);
  while (pending.length > 0) {
    const [element, parentPath] = pending.pop()!;
    const prefix = element.namespace()?.prefix();
    const name = `${parentPath}/${prefix ? `${prefix}:` : ''}${element.name()}`;
    const children = element.childNodes().filter((node) => node.type() === 'element') as libxml.Element[];
    const attributes = element
      .attrs()
      .map((attribute) => `${attribute.name()}=${attribute.value()}`)
      .sort();
    lines.push(`${name} [${attributes.join(' ')}] ${children.length === 0 ? element.text() : ''}`);
    for (const child of children) pending.push([child, name]);
  }
  return lines.sort();
}

describe.skipIf(!haveOscap)('writeDefinitionsCopy against oscap', () => {
  const inputs = [
    'API/OVAL/unittests/state_check_existence.xml',
    'API/OVAL/unittests/test_external_variable.oval.xml',
    'API/OVAL/unittests/anyxmloval.xml',
    'probes/sql57/unsupported_engine.oval.xml',
    'probes/maskattr/test_object_entity_mask.xml',
    'probes/maskattr/test_object_entity_mask_oval_5_9.xml',
    'API/OVAL/unittests/test_glob_to_regex.xml',
  ];
  for (const input of inputs) {
    it(`matches oscap on ${path.basename(input)}`, { timeout: 60_000 }, async (context) => {
      const file = path.join(upstreamTests, input);
      skipWithoutShared(context, file);
      const oscapResults = path.join(temporary, `${path.basename(input)}.oscap.xml`);
      // oscap evaluates the running host read-only; only the definitions copy is compared.
      try {
        execFileSync('oscap', ['oval', 'eval', '--results', oscapResults, file], { stdio: 'ignore' });
      } catch {
        // A failed probe still leaves a results file behind.
      }
      // oscap 1.3.7 leaves out the notes of a definition, which the copy keeps.
      const copy = copyShape(await resultsFor(readFileSync(file, 'utf8'))).filter((line) => !line.startsWith('/definitions/definition/notes'));
      expect(copy).toEqual(copyShape(readFileSync(oscapResults, 'utf8')));
    });
  }

  it('matches oscap on a Debian feed excerpt', { timeout: 60_000 }, async (context) => {
    skipWithoutShared(context, debianExcerpt);
    const oscapResults = path.join(temporary, 'debian.oscap.xml');
    execFileSync('oscap', ['oval', 'eval', '--results', oscapResults, debianExcerpt], { stdio: 'ignore' });
    expect(copyShape(await resultsFor(readFileSync(debianExcerpt, 'utf8')))).toEqual(copyShape(readFileSync(oscapResults, 'utf8')));
  });
});
