import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ItemEntity } from '../../../lib/oval/syschar.js';
import { fieldName, yamlfilecontentProbe } from '../../../lib/probes/independent/yamlfilecontent.js';
import { conformanceDir, describeWithShared, missingSharedReason } from '../../fixtures.js';
import { makeTempRoot, request, run, value, type TempRoot } from '../helpers.js';

const upstreamYaml = join(conformanceDir, 'tests/probes/yamlfilecontent/openshift-logging.yaml');

let root: TempRoot;

beforeAll(async () => {
  root = await makeTempRoot((path) => {
    mkdirSync(join(path, 'etc'));
    // The paths suite reads this file, and is skipped when the shared data is missing.
    if (missingSharedReason(upstreamYaml) === null) copyFileSync(upstreamYaml, join(path, 'etc/logging.yaml'));
    writeFileSync(
      join(path, 'etc/types.yaml'),
      'int_8: 0o33\nint_16: 0xFF\nfloat_inf: .inf\nbool_cast: !!bool "true"\nbad_cast: !!bool "falsee"\nquoted: "true"\nnull_1: null\n',
    );
  });
});

afterAll(() => root.remove());

/** Returns each value record of the object's single item as "name=value" strings. */
async function records(yamlpath: string, filepath = '/etc/logging.yaml'): Promise<string[][]> {
  const result = await run(
    yamlfilecontentProbe,
    root.target,
    request('yamlfilecontent_object', 'independent', [{ name: 'filepath', value: filepath }, { name: 'yamlpath', value: yamlpath }]),
  );
  expect(result.items.length).toBeLessThanOrEqual(1);
  return (result.items[0]?.entities ?? [])
    .filter((entity) => entity.name === 'value')
    .map((record) => (record.fields ?? []).map((field: ItemEntity) => `${field.name}=${field.value}`));
}

// The expected records are those OpenSCAP's upstream tests state for the same file.
describeWithShared('yamlfilecontent paths', [upstreamYaml], () => {
  it('lowers camelCase keys with carets', async () => {
    const [first] = await records('.status.conditions[:]');
    expect(first).toEqual(['last^transition^time=2020-06-08T04:54:58Z', 'reason=AsExpected', 'status=False', 'type=Degraded']);
    expect(fieldName('requiredDropCapabilities')).toBe('required^drop^capabilities');
  });

  it('selects listed keys of each mapping', async () => {
    const selected = await records(".status.conditions[:]['status','type']");
    expect(selected).toHaveLength(4);
    expect(selected[3]).toEqual(['status=True', 'type=Upgradeable']);
  });

  it('gives no item when no listed key exists', async () => {
    expect(await records(".status.conditions[:]['nonexistent','dummy']")).toEqual([]);
  });

  it('spreads sequence values into fields', async () => {
    const selected = await records(".items[:]['requiredDropCapabilities','name','q','z'][:]");
    expect(selected[0]).toEqual(['required^drop^capabilities=KILL', 'required^drop^capabilities=ALL', 'name=Name', 'name=Oth']);
  });

  it('flattens nested sequences of scalars', async () => {
    expect(await records('.arrs')).toEqual([['#=1', '#=2', '#=3', '#=4', '#=5', '#=6']]);
    expect(await records('.arrs[:][:]')).toEqual([['#=1', '#=2', '#=3', '#=4', '#=5', '#=6']]);
  });

  it('indexes and fans out', async () => {
    expect(await records('.spec.outputs[2].name')).toEqual([['#=secureforward-offcluster']]);
    expect((await records('.spec.outputs[:].name'))[0]).toHaveLength(3);
  });

  it('marks a nested mapping as error', async () => {
    const result = await run(
      yamlfilecontentProbe,
      root.target,
      request('yamlfilecontent_object', 'independent', [{ name: 'filepath', value: '/etc/logging.yaml' }, { name: 'yamlpath', value: '.spec.outputs[0]' }]),
    );
    expect(result.items[0].status).toBe('error');
  });
});

describe('yamlfilecontent types', () => {
  it('decodes octal and hex integers', async () => {
    const result = await run(
      yamlfilecontentProbe,
      root.target,
      request('yamlfilecontent_object', 'independent', [{ name: 'filepath', value: '/etc/types.yaml' }, { name: 'yamlpath', value: '.int_8' }]),
    );
    expect(result.items[0].entities.find((entity) => entity.name === 'value')?.fields).toEqual([{ name: '#', value: '27', datatype: 'int' }]);
    expect(await records('.int_16', '/etc/types.yaml')).toEqual([['#=255']]);
  });

  it('writes infinity as inf', async () => {
    expect(await records('.float_inf', '/etc/types.yaml')).toEqual([['#=inf']]);
  });

  it('applies tags and keeps quoted strings', async () => {
    const cast = await run(
      yamlfilecontentProbe,
      root.target,
      request('yamlfilecontent_object', 'independent', [{ name: 'filepath', value: '/etc/types.yaml' }, { name: 'yamlpath', value: '.bool_cast' }]),
    );
    expect(cast.items[0].entities.find((entity) => entity.name === 'value')?.fields?.[0].datatype).toBe('boolean');
    const quoted = await run(
      yamlfilecontentProbe,
      root.target,
      request('yamlfilecontent_object', 'independent', [{ name: 'filepath', value: '/etc/types.yaml' }, { name: 'yamlpath', value: '.quoted' }]),
    );
    expect(quoted.items[0].entities.find((entity) => entity.name === 'value')?.fields?.[0].datatype).toBe('string');
  });

  it('marks an invalid tagged value as error', async () => {
    const result = await run(
      yamlfilecontentProbe,
      root.target,
      request('yamlfilecontent_object', 'independent', [{ name: 'filepath', value: '/etc/types.yaml' }, { name: 'yamlpath', value: '.bad_cast' }]),
    );
    expect(result.items[0].status).toBe('error');
    expect(result.items[0].messages?.[0].text).toContain('falsee');
  });
});

describe('yamlfilecontent content entity', () => {
  const contentText = `{foo: bar, yaml: '{baz: true, ancored: &anc "<value>"}'}`;

  it('reads inline YAML', async () => {
    const result = await run(
      yamlfilecontentProbe,
      root.target,
      request('yamlfilecontent_object', 'independent', [{ name: 'content', value: contentText }, { name: 'yamlpath', value: '.*' }]),
    );
    const item = result.items[0];
    expect(value(item, 'content')).toBe(contentText);
    expect(item.entities.map((entity) => entity.name)).toEqual(['content', 'yamlpath', 'value']);
    expect(item.entities[2].fields?.map((field) => field.name)).toEqual(['foo', 'yaml']);
  });

  it('selects an anchored node', async () => {
    const result = await run(
      yamlfilecontentProbe,
      root.target,
      request('yamlfilecontent_object', 'independent', [{ name: 'content', value: '{baz: true, ancored: &anc "<value>"}' }, { name: 'yamlpath', value: '&anc' }]),
    );
    expect(result.items[0].entities[2].fields).toEqual([{ name: '#', value: '<value>', datatype: 'string' }]);
  });
});
