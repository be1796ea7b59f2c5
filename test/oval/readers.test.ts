import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';

import libxml from 'libxmljs2';
import { afterAll, describe, expect, it } from 'vitest';

import { isScapulaError, type ScapulaError } from '../../lib/errors.js';
import { bufferSource } from '../../lib/io/source.js';
import { defaultDirectives, directiveFor, readDirectives } from '../../lib/oval/directives.js';
import { readSystemCharacteristics } from '../../lib/oval/syschar-reader.js';
import { writeSystemCharacteristics } from '../../lib/oval/syschar-writer.js';
import type { Item, SystemCharacteristics } from '../../lib/oval/syschar.js';
import { readOvalVariables } from '../../lib/oval/variables-file.js';
import { fixturesDir, haveOscap, haveOvalSchemas, ovalSchemaDirectory, skipWithoutShared } from '../fixtures.js';

const debianExcerpt = path.join(fixturesDir, 'oval/debian/debian-buster-excerpt.xml');
const schemaDirectory = ovalSchemaDirectory;
const haveSchemas = haveOvalSchemas;
if (!haveSchemas) console.warn(`skipping schema validation: ${schemaDirectory} is absent`);

const temporary = mkdtempSync(path.join(os.tmpdir(), 'scapula-readers-'));
afterAll(() => rmSync(temporary, { recursive: true, force: true }));

function source(text: string) {
  return bufferSource('doc.xml', Buffer.from(text, 'utf8'));
}

async function errorOf(promise: Promise<unknown>): Promise<ScapulaError> {
  try {
    await promise;
  } catch (error) {
    if (isScapulaError(error)) return error;
    throw error;
  }
  throw new Error('expected the read to fail');
}

async function renderSyschar(sc: SystemCharacteristics): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await writeSystemCharacteristics(out, { systemCharacteristics: sc, generator: { timestamp: '2024-01-01T00:00:00' } });
  out.end();
  return Buffer.concat(chunks).toString('utf8');
}

/** A document with what a round trip must keep: messages, variable values, records, nil and statuses. */
function richSystemCharacteristics(): SystemCharacteristics {
  const file: Item = {
    id: 7,
    type: 'textfilecontent_item',
    family: 'independent',
    status: 'exists',
    messages: [{ level: 'warning', text: 'line 3 & more <truncated>' }],
    entities: [
      { name: 'filepath', datatype: 'string', value: '/etc/app.conf' },
      { name: 'instance', datatype: 'int', value: '1' },
      { name: 'line', datatype: 'string', value: '' },
      { name: 'text', datatype: 'string', status: 'not collected' },
      { name: 'subexpression', datatype: 'string', value: 'a' },
      { name: 'subexpression', datatype: 'string', value: '' },
    ],
  };
  const missing: Item = { id: 9, type: 'rpminfo_item', family: 'linux', status: 'does not exist', entities: [{ name: 'name', datatype: 'string', value: 'openssl' }] };
  const sql: Item = {
    id: 11,
    type: 'sql57_item',
    family: 'independent',
    status: 'exists',
    entities: [
      {
        name: 'result',
        datatype: 'record',
        fields: [
          { name: 'user', datatype: 'string', value: 'root' },
          { name: 'uid', datatype: 'int', value: '0' },
        ],
      },
    ],
  };
  return {
    systemInfo: {
      osName: 'Linux',
      osVersion: '6.1',
      architecture: 'aarch64',
      primaryHostName: 'build "host"',
      interfaces: [
        { name: 'eth0', ipAddress: '192.0.2.1', macAddress: '02:00:00:00:00:01' },
        { name: 'eth0', ipAddress: 'fe80::1', macAddress: '02:00:00:00:00:01' },
      ],
    },
    collectedObjects: new Map([
      [
        'oval:t:obj:1',
        {
          objectId: 'oval:t:obj:1',
          version: 2,
          variableInstance: 1,
          comment: 'config\nfile',
          flag: 'complete',
          messages: [{ level: 'info', text: 'read one file' }],
          variableValues: [
            { variableId: 'oval:t:var:1', value: '/etc' },
            { variableId: 'oval:t:var:1', value: '/opt' },
          ],
          items: [file],
        },
      ],
      ['oval:t:obj:2', { objectId: 'oval:t:obj:2', version: 1, variableInstance: 1, flag: 'does not exist', messages: [], variableValues: [], items: [missing] }],
      ['oval:t:obj:3', { objectId: 'oval:t:obj:3', version: 1, variableInstance: 1, flag: 'not collected', messages: [], variableValues: [], items: [] }],
      ['oval:t:obj:4', { objectId: 'oval:t:obj:4', version: 1, variableInstance: 1, flag: 'complete', messages: [], variableValues: [], items: [sql] }],
    ]),
    items: new Map([
      [7, file],
      [9, missing],
      [11, sql],
    ]),
  };
}

describe('writeSystemCharacteristics and readSystemCharacteristics', () => {
  it('round trip keeps every field', async () => {
    const original = richSystemCharacteristics();
    const xml = await renderSyschar(original);
    const read = await readSystemCharacteristics(source(xml));
    expect(read).toEqual(original);
  });

  it.skipIf(!haveSchemas)('validates against the syschar schema', async () => {
    const xml = await renderSyschar(richSystemCharacteristics());
    const location = path.join(schemaDirectory, 'oval-system-characteristics-schema.xsd');
    const schema = libxml.parseXml(readFileSync(location, 'utf8'), { baseUrl: location });
    const document = libxml.parseXml(xml);
    const valid = document.validate(schema);
    expect(document.validationErrors.map((error) => error.message)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('writes a missing value as empty', async () => {
    const sc = richSystemCharacteristics();
    sc.items.get(7)!.entities[2] = { name: 'line', datatype: 'string' };
    const xml = await renderSyschar(sc);
    expect(xml).toContain('<ind-sys:line/>');
    const read = await readSystemCharacteristics(source(xml));
    expect(read.items.get(7)!.entities[2]).toEqual({ name: 'line', datatype: 'string', value: '' });
  });

  it('reads xsi:nil as no value', async () => {
    const xml = (await renderSyschar(richSystemCharacteristics())).replace('<ind-sys:line/>', '<ind-sys:line xsi:nil="true"/>');
    const read = await readSystemCharacteristics(source(xml));
    expect(read.items.get(7)!.entities[2]).toEqual({ name: 'line', datatype: 'string' });
  });

  it('writes a masked value as empty', async () => {
    const sc = richSystemCharacteristics();
    sc.items.get(9)!.entities[0] = { name: 'name', datatype: 'string', value: 'secret', mask: true };
    const xml = await renderSyschar(sc);
    expect(xml).toContain('<lin-sys:name mask="true"/>');
    expect(xml).not.toContain('secret');
  });

  it('writes an unknown architecture as oscap does', async () => {
    const sc = richSystemCharacteristics();
    sc.systemInfo.architecture = 'unknown';
    const xml = await renderSyschar(sc);
    expect(xml).toContain('<architecture>Unknown</architecture>');
  });

  it('round trip keeps system_info extensions', async () => {
    const extension =
      '<ai:assets xmlns:ai="urn:example:ai"><ai:asset id="asset0"><ai:fqdn>host.example</ai:fqdn></ai:asset></ai:assets>' +
      '<note xmlns="urn:example:plain" xsi:type="n" ext:scope="local" xmlns:ext="urn:example:ext">&lt;kept&gt;</note>';
    const xml = (await renderSyschar(richSystemCharacteristics())).replace('</interfaces>', `</interfaces>${extension}`);
    const read = await readSystemCharacteristics(source(xml));
    expect(read.systemInfo.extensions?.map((node) => `${node.prefix}:${node.name}`)).toEqual(['ai:assets', ':note']);

    const written = await renderSyschar(read);
    const document = libxml.parseXml(written);
    const ns = { s: 'http://oval.mitre.org/XMLSchema/oval-system-characteristics-5', ai: 'urn:example:ai', p: 'urn:example:plain' };
    expect((document.get('/s:oval_system_characteristics/s:system_info/ai:assets/ai:asset/ai:fqdn', ns) as libxml.Element).text()).toBe('host.example');
    expect((document.get('//ai:asset', ns) as libxml.Element).attr('id')!.value()).toBe('asset0');
    const note = document.get('/s:oval_system_characteristics/s:system_info/p:note', ns) as libxml.Element;
    expect(note.text()).toBe('<kept>');
    expect(note.attr('type')!.namespace()!.href()).toBe('http://www.w3.org/2001/XMLSchema-instance');
    expect(note.attr('scope')!.namespace()!.href()).toBe('urn:example:ext');
    expect(note.attr('scope')!.value()).toBe('local');
  });

  it.skipIf(!haveOscap)('reads what oscap collects', { timeout: 60_000 }, async (context) => {
    skipWithoutShared(context, debianExcerpt);
    const file = path.join(temporary, 'oscap-syschar.xml');
    execFileSync('oscap', ['oval', 'collect', '--syschar', file, debianExcerpt], { stdio: 'ignore' });
    const sc = await readSystemCharacteristics(file);
    expect([...sc.collectedObjects.keys()].sort()).toEqual(['oval:org.debian.oval:obj:1', 'oval:org.debian.oval:obj:2', 'oval:org.debian.oval:obj:4']);
    const dpkg = sc.collectedObjects.get('oval:org.debian.oval:obj:4')!;
    expect(dpkg.flag).toBe('complete');
    expect(dpkg.items).toHaveLength(1);
    const item = dpkg.items[0]!;
    expect([item.type, item.family, item.status]).toEqual(['dpkginfo_item', 'linux', 'exists']);
    expect(item.entities.find((entity) => entity.name === 'name')!.value).toBe('gzip');
    expect(item.entities.find((entity) => entity.name === 'evr')!.datatype).toBe('debian_evr_string');
    const uname = sc.collectedObjects.get('oval:org.debian.oval:obj:2')!.items[0]!;
    expect([uname.type, uname.family]).toEqual(['uname_item', 'unix']);
    expect(sc.items.size).toBe(3);
    const text = readFileSync(file, 'utf8');
    expect(sc.systemInfo.primaryHostName).toBe(/<primary_host_name>([^<]*)</.exec(text)![1]);
  });

  it('rejects a reference to a missing item', async () => {
    const xml = (await renderSyschar(richSystemCharacteristics())).replace('<reference item_ref="9"/>', '<reference item_ref="10"/>');
    const error = await errorOf(readSystemCharacteristics(source(xml)));
    expect(error.code).toBe('REF_NOT_FOUND');
    expect(error.message).toContain('object oval:t:obj:2 refers to item 10, which system_data does not contain');
    expect(error.line).toBe(xml.split('\n').findIndex((line) => line.includes('<reference item_ref="10"/>')) + 1);
  });

  it('rejects an invalid flag', async () => {
    const xml = (await renderSyschar(richSystemCharacteristics())).replace('flag="not collected"', 'flag="maybe"');
    const error = await errorOf(readSystemCharacteristics(source(xml)));
    expect(error.code).toBe('OVAL_INVALID');
    expect(error.message).toContain('object has flag="maybe"');
  });

  it('rejects a definitions document', async (context) => {
    skipWithoutShared(context, debianExcerpt);
    const error = await errorOf(readSystemCharacteristics(debianExcerpt));
    expect(error.code).toBe('OVAL_INVALID');
    expect(error.message).toContain('expected an oval_system_characteristics document');
  });
});

const VARIABLES = `<?xml version="1.0"?>
<oval_variables xmlns="http://oval.mitre.org/XMLSchema/oval-variables-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5">
  <generator><oval:schema_version>5.11.2</oval:schema_version><oval:timestamp>2024-01-01T00:00:00</oval:timestamp></generator>
  <variables>
    <variable id="oval:t:var:1" datatype="int" comment="minimum length"><value>12</value></variable>
    <variable id="oval:t:var:2" datatype="string" comment="paths"><value>/etc</value><value> /opt &amp; more </value><value/></variable>
  </variables>
</oval_variables>`;

describe('readOvalVariables', () => {
  it('reads values and datatypes', async () => {
    const variables = await readOvalVariables(source(VARIABLES));
    expect([...variables.entries()]).toEqual([
      ['oval:t:var:1', { datatype: 'int', values: ['12'] }],
      ['oval:t:var:2', { datatype: 'string', values: ['/etc', ' /opt & more ', ''] }],
    ]);
  });

  it('reads a file from disk', async () => {
    const file = path.join(temporary, 'variables.xml');
    writeFileSync(file, VARIABLES);
    expect((await readOvalVariables(file)).get('oval:t:var:1')!.values).toEqual(['12']);
  });

  it('rejects an unknown datatype', async () => {
    const error = await errorOf(readOvalVariables(source(VARIABLES.replace('datatype="int"', 'datatype="integer"'))));
    expect(error.code).toBe('OVAL_INVALID');
    expect(error.message).toBe('doc.xml:5:5: variable oval:t:var:1 has datatype="integer"; expected a simple OVAL datatype such as string or int');
  });

  it('rejects a variable without values', async () => {
    const error = await errorOf(readOvalVariables(source(VARIABLES.replace('<value>12</value>', ''))));
    expect(error.message).toContain('variable oval:t:var:1 has no value');
  });

  it('rejects a repeated variable', async () => {
    const error = await errorOf(readOvalVariables(source(VARIABLES.replace('oval:t:var:2', 'oval:t:var:1'))));
    expect(error.message).toContain('variable oval:t:var:1 appears more than once');
  });
});

const DIRECTIVES = `<?xml version="1.0"?>
<oval_directives xmlns="http://oval.mitre.org/XMLSchema/oval-directives-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:res="http://oval.mitre.org/XMLSchema/oval-results-5">
  <generator><oval:schema_version>5.11.2</oval:schema_version><oval:timestamp>2024-01-01T00:00:00</oval:timestamp></generator>
  <directives include_source_definitions="false">
    <res:definition_true reported="true"/>
    <res:definition_false reported="false" content="thin"/>
    <res:definition_unknown reported="true" content="thin"/>
    <res:definition_error reported="1" content="full"/>
    <res:definition_not_evaluated reported="0"/>
    <res:definition_not_applicable reported="true"/>
  </directives>
  <class_directives class="vulnerability">
    <res:definition_true reported="true" content="full"/>
    <res:definition_false reported="true" content="thin"/>
    <res:definition_unknown reported="true"/>
    <res:definition_error reported="true"/>
    <res:definition_not_evaluated reported="true"/>
    <res:definition_not_applicable reported="false"/>
  </class_directives>
</oval_directives>`;

describe('readDirectives', () => {
  it('reads defaults and class directives', async () => {
    const directives = await readDirectives(source(DIRECTIVES));
    expect(directives.includeSourceDefinitions).toBe(false);
    expect(directives.defaults).toEqual({
      true: { reported: true, content: 'full' },
      false: { reported: false, content: 'thin' },
      unknown: { reported: true, content: 'thin' },
      error: { reported: true, content: 'full' },
      'not evaluated': { reported: false, content: 'full' },
      'not applicable': { reported: true, content: 'full' },
    });
    expect(directiveFor(directives, 'vulnerability', 'false')).toEqual({ reported: true, content: 'thin' });
    expect(directiveFor(directives, 'vulnerability', 'not applicable')).toEqual({ reported: false, content: 'full' });
    expect(directiveFor(directives, 'patch', 'false')).toEqual({ reported: false, content: 'thin' });
  });

  it('defaults to every result in full', () => {
    const directives = defaultDirectives();
    expect(directives.includeSourceDefinitions).toBe(true);
    expect(Object.values(directives.defaults)).toHaveLength(6);
    expect(Object.values(directives.defaults).every((directive) => directive.reported && directive.content === 'full')).toBe(true);
  });

  it('rejects a missing directive', async () => {
    const error = await errorOf(readDirectives(source(DIRECTIVES.replace('<res:definition_unknown reported="true" content="thin"/>', ''))));
    expect(error.code).toBe('OVAL_INVALID');
    expect(error.message).toBe('doc.xml:4:3: directives is missing definition_unknown');
  });

  it('rejects an invalid content value', async () => {
    const error = await errorOf(readDirectives(source(DIRECTIVES.replace('content="thin"', 'content="medium"'))));
    expect(error.message).toContain('definition_false has content="medium"; expected thin or full');
  });

  it('rejects directives outside the results namespace', async () => {
    const error = await errorOf(readDirectives(source(DIRECTIVES.replace('<res:definition_true reported="true"/>', '<definition_true reported="true"/>'))));
    expect(error.message).toContain('definition_true must be in the namespace http://oval.mitre.org/XMLSchema/oval-results-5');
  });
});
