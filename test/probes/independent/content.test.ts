import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { filehashProbe } from '../../../lib/probes/independent/filehash.js';
import { filehash58Probe } from '../../../lib/probes/independent/filehash58.js';
import { textfilecontentProbe } from '../../../lib/probes/independent/textfilecontent.js';
import { withoutDefaultNamespaces, xmlfilecontentProbe } from '../../../lib/probes/independent/xmlfilecontent.js';
import { parseYamlPath, yamlfilecontentProbe } from '../../../lib/probes/independent/yamlfilecontent.js';
import { entityNames, makeTempRoot, request, run, value, values, type TempRoot } from '../helpers.js';

let root: TempRoot;
const yamlText = `top:
  name: web
  port: 8080
  enabled: true
  tags: [a, b]
  users:
    - name: alice
      uid: 1
    - name: bob
      uid: 2
`;

beforeAll(async () => {
  root = await makeTempRoot((path) => {
    mkdirSync(join(path, 'etc'));
    writeFileSync(join(path, 'etc/a.yaml'), yamlText);
    writeFileSync(join(path, 'etc/bad.yaml'), 'a: [1, 2\n');
    writeFileSync(join(path, 'etc/a.xml'), '<?xml version="1.0"?>\n<conf x="1"><b>t1</b><b>t2<c/>x</b><n>5</n></conf>\n');
    writeFileSync(
      join(path, 'etc/xxe.xml'),
      '<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/hostname">]>\n<a>&e;</a>\n',
    );
    writeFileSync(join(path, 'etc/ssh.conf'), 'PermitRootLogin no\nMaxAuthTries 4\n');
    writeFileSync(
      join(path, 'etc/swid.xml'),
      '<?xml version="1.0"?>\n<SoftwareIdentity xmlns="http://standards.iso.org/iso/19770/-2/2015/schema.xsd" name="ACME">' +
        '<Entity name="Coyote" regid="mycoyote.com"/><Entity name="Other"/></SoftwareIdentity>\n',
    );
    writeFileSync(join(path, 'etc/hostile.xml'), '<a' + ' b="x"'.repeat(200_000) + ' xmlns="q"/>');
    writeFileSync(join(path, 'etc/wide.xml'), `<a${Array.from({ length: 5000 }, (_, i) => ` b${i}="x"`).join('')}/>`);
    writeFileSync(join(path, 'etc/data.bin'), Buffer.from([0, 1, 2, 255]));
  });
});

afterAll(() => root.remove());

const fileAt = (filepath: string) => ({ name: 'filepath', value: filepath });

describe('filehash58 probe', () => {
  it('hashes with each requested type', async () => {
    const result = await run(
      filehash58Probe,
      root.target,
      request('filehash58_object', 'independent', [fileAt('/etc/data.bin'), { name: 'hash_type', value: 'SHA-(1|256)$', operation: 'pattern match' }]),
    );
    const bytes = Buffer.from([0, 1, 2, 255]);
    expect(result.items.map((item) => value(item, 'hash_type'))).toEqual(['SHA-1', 'SHA-256']);
    expect(value(result.items[0], 'hash')).toBe(createHash('sha1').update(bytes).digest('hex'));
    expect(value(result.items[1], 'hash')).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(entityNames(result.items[0])).toEqual(['filepath', 'path', 'filename', 'hash_type', 'hash']);
  });

  it('computes the known MD5 of a text', async () => {
    const result = await run(filehash58Probe, root.target, request('filehash58_object', 'independent', [fileAt('/etc/ssh.conf'), { name: 'hash_type', value: 'MD5' }]));
    expect(value(result.items[0], 'hash')).toBe(createHash('md5').update('PermitRootLogin no\nMaxAuthTries 4\n').digest('hex'));
  });
});

describe('filehash probe', () => {
  it('reports md5 and sha1 together', async () => {
    const result = await run(filehashProbe, root.target, request('filehash_object', 'independent', [fileAt('/etc/data.bin')]));
    expect(entityNames(result.items[0])).toEqual(['filepath', 'path', 'filename', 'md5', 'sha1']);
    const bytes = Buffer.from([0, 1, 2, 255]);
    expect(value(result.items[0], 'md5')).toBe(createHash('md5').update(bytes).digest('hex'));
    expect(value(result.items[0], 'sha1')).toBe(createHash('sha1').update(bytes).digest('hex'));
  });
});

describe('textfilecontent probe', () => {
  // oscap-chroot 1.3.7 wrote this item for the same object and file.
  it('collects like textfilecontent54', async () => {
    const result = await run(
      textfilecontentProbe,
      root.target,
      request('textfilecontent_object', 'independent', [
        { name: 'path', value: '/etc' },
        { name: 'filename', value: 'ssh.conf' },
        { name: 'line', value: '^Max(\\w+) (\\d)', operation: 'pattern match' },
      ]),
    );
    expect(result.items).toHaveLength(1);
    const item = result.items[0];
    expect(value(item, 'pattern')).toBe('^Max(\\w+) (\\d)');
    expect(value(item, 'line')).toBe('^Max(\\w+) (\\d)');
    expect(value(item, 'text')).toBe('MaxAuthTries 4');
    expect(values(item, 'subexpression')).toEqual(['AuthTries', '4']);
  });
});

describe('xmlfilecontent probe', () => {
  const xpathItem = async (xpath: string, filepath = '/etc/a.xml') =>
    (await run(xmlfilecontentProbe, root.target, request('xmlfilecontent_object', 'independent', [fileAt(filepath), { name: 'xpath', value: xpath }]))).items[0];

  // Values and datatypes as oscap-chroot 1.3.7 wrote them for the same file.
  it('returns attribute values', async () => {
    const item = await xpathItem('/conf/@x');
    expect(values(item, 'value_of')).toEqual(['1']);
  });

  it('returns count() as int', async () => {
    const item = await xpathItem('count(/conf/b)');
    expect(item.entities.find((entity) => entity.name === 'value_of')).toEqual({ name: 'value_of', value: '2', datatype: 'int' });
  });

  it('gives no value for elements', async () => {
    const item = await xpathItem('/conf/b');
    expect(item.status).toBe('exists');
    expect(values(item, 'value_of')).toEqual([]);
  });

  // oscap 1.3.7 makes no item, so upstream test_xmlfilecontent_probe's none_exist tests are true.
  it('makes no item when nothing matches', async () => {
    expect(await xpathItem('/conf/@missing')).toBeUndefined();
    expect(await xpathItem('/conf/missing')).toBeUndefined();
  });

  it('returns text nodes', async () => {
    const item = await xpathItem('/conf/b/text()');
    expect(values(item, 'value_of')).toEqual(['t1', 't2', 'x']);
  });

  it('refuses entity declarations', async () => {
    const item = await xpathItem('/a', '/etc/xxe.xml');
    expect(item.status).toBe('error');
    expect(item.messages?.[0].text).toContain('entities');
  });

  // OpenSCAP's upstream test expects these values from a SWID tag in a default namespace.
  it('ignores the default namespace', async () => {
    expect(values(await xpathItem('/SoftwareIdentity/@name', '/etc/swid.xml'), 'value_of')).toEqual(['ACME']);
    expect(values(await xpathItem('count(//Entity)', '/etc/swid.xml'), 'value_of')).toEqual(['2']);
    expect(values(await xpathItem('//*[@regid="mycoyote.com"]/@name', '/etc/swid.xml'), 'value_of')).toEqual(['Coyote']);
  });

  it('rejects a tag with too many attributes', async () => {
    const item = await xpathItem('count(/a/@*)', '/etc/hostile.xml');
    expect(item.status).toBe('error');
    expect(item.messages?.[0].text).toContain('200001 attributes');
  });

  it('reads an element with many attributes', async () => {
    expect(values(await xpathItem('count(/a/@*)', '/etc/wide.xml'), 'value_of')).toEqual(['5000']);
  });

  it('keeps comments, CDATA and prefixes', () => {
    const text = '<!-- <a xmlns="c"> --><r xmlns="urn:x" a=\'>\' xmlns:p="urn:p"><p:b xmlns = "urn:y"/><![CDATA[<c xmlns="z">]]></r>';
    expect(withoutDefaultNamespaces(text)).toBe('<!-- <a xmlns="c"> --><r a=\'>\' xmlns:p="urn:p"><p:b/><![CDATA[<c xmlns="z">]]></r>');
  });

  it('marks an invalid expression as error', async () => {
    const item = await xpathItem('/conf[');
    expect(item.status).toBe('error');
    expect(item.messages?.[0].text).toContain('/conf[');
  });
});

describe('yamlfilecontent probe', () => {
  const yamlItems = async (yamlpath: string, filepath = '/etc/a.yaml') =>
    (await run(yamlfilecontentProbe, root.target, request('yamlfilecontent_object', 'independent', [fileAt(filepath), { name: 'yamlpath', value: yamlpath }])))
      .items;

  // Records as oscap-chroot 1.3.7 wrote them for the same file (field order aside).
  it('gives a scalar as a # field', async () => {
    const [item] = await yamlItems('.top.port');
    const record = item.entities.find((entity) => entity.name === 'value');
    expect(record?.datatype).toBe('record');
    expect(record?.fields).toEqual([{ name: '#', value: '8080', datatype: 'int' }]);
  });

  it('gives a scalar sequence as one record', async () => {
    const [item] = await yamlItems('.top.tags');
    const records = item.entities.filter((entity) => entity.name === 'value');
    expect(records).toHaveLength(1);
    expect(records[0].fields?.map((field) => field.value)).toEqual(['a', 'b']);
  });

  it('gives each mapping its own record', async () => {
    const [item] = await yamlItems('.top.users[:]');
    const records = item.entities.filter((entity) => entity.name === 'value');
    expect(records).toHaveLength(2);
    expect(records[0].fields).toEqual([
      { name: 'name', value: 'alice', datatype: 'string' },
      { name: 'uid', value: '1', datatype: 'int' },
    ]);
  });

  it('fans out over a sequence', async () => {
    const [item] = await yamlItems('.top.users[:].name');
    expect(item.entities.find((entity) => entity.name === 'value')?.fields?.map((field) => field.value)).toEqual(['alice', 'bob']);
  });

  it('gives no item for a missing key', async () => {
    expect(await yamlItems('.top.missing')).toHaveLength(0);
  });

  it('marks invalid YAML as error', async () => {
    const [item] = await yamlItems('.a', '/etc/bad.yaml');
    expect(item.status).toBe('error');
  });

  it('parses path syntax', () => {
    expect(parseYamlPath('.a["b.c"][0][:]')).toEqual([
      { kind: 'key', key: 'a' },
      { kind: 'key', key: 'b.c' },
      { kind: 'index', index: 0 },
      { kind: 'all' },
    ]);
    expect(() => parseYamlPath('.a[x')).toThrow(/missing "\]"/);
  });
});
