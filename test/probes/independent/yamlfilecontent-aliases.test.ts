import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isScapulaError } from '../../../lib/errors.js';
import type { ItemEntity, ProbeItem } from '../../../lib/oval/syschar.js';
import { MAX_YAML_RECORD_NODES, MAX_YAML_SELECTED_NODES, yamlfilecontentProbe } from '../../../lib/probes/independent/yamlfilecontent.js';
import { context, makeTempRoot, request, run, type TempRoot } from '../helpers.js';

/** `count` copies of `text`, separated by commas. */
const repeat = (text: string, count: number): string => Array.from({ length: count }, () => text).join(',');

/** Ten levels of ten aliases each: `.a9` names 10^10 scalars in 527 bytes. */
function billionLaughs(): string {
  const lines = [`a0: &a0 [${repeat('"lol"', 10)}]`];
  for (let level = 1; level < 10; level++) lines.push(`a${level}: &a${level} [${repeat(`*a${level - 1}`, 10)}]`);
  return `${lines.join('\n')}\n`;
}

const files: Record<string, string> = {
  // 2000 bindings, each naming the same 2000 subjects: 4,000,000 names from 12 KB.
  'rb.yaml': `n: &n {name: x}\nsubs: &subs [${repeat('*n', 2000)}]\ni: &i {subjects: *subs}\nitems: [${repeat('*i', 2000)}]\n`,
  // 3000 pods, each with the same 3000 containers.
  'k8s.yaml': `c: &c [${repeat('1', 3000)}]\ni: &i {containers: *c}\nitems: [${repeat('*i', 3000)}]\n`,
  'one20000.yaml': `n: &n {name: x}\nitems: [${repeat('*n', 20000)}]\n`,
  'laughs.yaml': billionLaughs(),
  // 100,000 aliases of one mapping with 5000 keys.
  'wide.yaml': `m: &m {${Array.from({ length: 5000 }, (_, index) => `k${index}: ${index}`).join(',')}}\nitems: [${repeat('*m', 100_000)}]\n`,
  'small.yaml': 'n: &n {name: x}\nitems: [*n, {name: y}]\ns: &s 5\nt: *s\nm: {k: *s, l: &l [1, 2], r: *l}\n',
  'unresolved.yaml': 'a: [1, *nowhere]\n',
  'cycle.yaml': 'a: &x [*x]\n',
  'seq101.yaml': `a: ${'['.repeat(101)}1${']'.repeat(101)}\n`,
  'seq100.yaml': `a: ${'['.repeat(100)}1${']'.repeat(100)}\n`,
};

let root: TempRoot;

beforeAll(async () => {
  root = await makeTempRoot((path) => {
    mkdirSync(join(path, 'y'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(path, 'y', name), text);
  });
});

afterAll(() => root.remove());

function yamlRequest(file: string, yamlpath: string) {
  return request('yamlfilecontent_object', 'independent', [{ name: 'filepath', value: `/y/${file}` }, { name: 'yamlpath', value: yamlpath }]);
}

async function onlyItem(file: string, yamlpath: string): Promise<ProbeItem> {
  const result = await run(yamlfilecontentProbe, root.target, yamlRequest(file, yamlpath));
  expect(result.items).toHaveLength(1);
  return result.items[0];
}

/** Returns each value record of an item as "name=value" strings. */
function records(item: ProbeItem): string[][] {
  return item.entities
    .filter((entity) => entity.name === 'value')
    .map((record) => (record.fields ?? []).map((field: ItemEntity) => `${field.name}=${field.value}`));
}

const selectionLimit = (file: string): string =>
  `/y/${file}: the YAML path selects more than ${MAX_YAML_SELECTED_NODES} nodes, the maximum scapula reads. Each alias counts as a copy of the node it names.`;

describe('yamlfilecontent aliases', () => {
  it('resolves aliases to their anchored nodes', async () => {
    expect(records(await onlyItem('small.yaml', '.items[:].name'))).toEqual([['#=x', '#=y']]);
    expect(records(await onlyItem('small.yaml', '.t'))).toEqual([['#=5']]);
    expect(records(await onlyItem('small.yaml', '.m'))).toEqual([['k=5', 'l=1', 'l=2', 'r=1', 'r=2']]);
  });

  it('bounds 2000 by 2000 aliases', async () => {
    const started = Date.now();
    const item = await onlyItem('rb.yaml', ".items[:]['subjects'][:].name");
    expect(item.status).toBe('error');
    expect(item.messages).toEqual([{ level: 'error', text: selectionLimit('rb.yaml') }]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('bounds k8s containers aliases', async () => {
    const started = Date.now();
    const item = await onlyItem('k8s.yaml', '.items[:].containers[:]');
    expect(item.status).toBe('error');
    expect(item.messages).toEqual([{ level: 'error', text: selectionLimit('k8s.yaml') }]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('reads 20000 aliases in linear time', async () => {
    const started = Date.now();
    const item = await onlyItem('one20000.yaml', '.items[:].name');
    expect(item.status).toBe('exists');
    const [fields] = records(item);
    expect(fields).toHaveLength(20000);
    expect(new Set(fields)).toEqual(new Set(['#=x']));
    // Resolving each alias by walking the whole document took 30 s for this file in a CLI run.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('searches a repeated mapping once', async () => {
    const started = Date.now();
    const [fields] = records(await onlyItem('wide.yaml', '.items[:].k4999'));
    expect(fields).toHaveLength(100_000);
    expect(fields[99_999]).toBe('#=4999');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('bounds a billion laughs', async () => {
    const started = Date.now();
    const item = await onlyItem('laughs.yaml', '.a9[*][*][*][*][*][*]');
    expect(item.status).toBe('error');
    expect(item.messages).toEqual([
      {
        level: 'error',
        text: `/y/laughs.yaml: the selected values contain more than ${MAX_YAML_RECORD_NODES} fields and sequences, the maximum scapula writes. Each alias counts as a copy of the node it names.`,
      },
    ]);
    const deeper = await onlyItem('laughs.yaml', '.a9[*][*][*][*][*][*][*][*][*]');
    expect(deeper.messages).toEqual([{ level: 'error', text: selectionLimit('laughs.yaml') }]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('stops a long selection on abort', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const started = Date.now();
    const collecting = yamlfilecontentProbe.collect(yamlRequest('laughs.yaml', '.a9[*][*][*][*][*][*][*][*][*]'), {
      ...context(root.target),
      signal: controller.signal,
    });
    const error = await collecting.then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    expect(isScapulaError(error, 'INTERRUPTED')).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('rejects an alias without anchor', async () => {
    const item = await onlyItem('unresolved.yaml', '.a');
    expect(item.status).toBe('error');
    expect(item.messages?.[0].text).toBe('/y/unresolved.yaml is not valid YAML: the alias *nowhere (line 1, column 8) names no anchor before it');
  });
});

describe('yamlfilecontent nested sequences', () => {
  it('flattens 100 levels', async () => {
    expect(records(await onlyItem('seq100.yaml', '.a'))).toEqual([['#=1']]);
  });

  it('names the place past 100 levels', async () => {
    const item = await onlyItem('seq101.yaml', '.a');
    expect(item.status).toBe('error');
    expect(item.messages?.[0].text).toBe(
      '/y/seq101.yaml: the selected value nests sequences more than 100 levels deep (line 1, column 104), the maximum scapula flattens into fields. Each alias counts as a copy of the node it names.',
    );
  });

  it('stops an alias inside its own sequence', async () => {
    const item = await onlyItem('cycle.yaml', '.a');
    expect(item.status).toBe('error');
    expect(item.messages?.[0].text).toContain('/y/cycle.yaml: the selected value nests sequences more than 100 levels deep (line 1, column 7)');
  });
});
