import { describe, expect, it } from 'vitest';
import { defaultDirectives } from '../../../lib/oval/directives.js';
import { evaluateOval, entityMatches } from '../../../lib/oval/evaluate/index.js';
import { ProbeRegistry, type Probe, type ProbeRequest, type ProbeResult } from '../../../lib/probes/probe.js';
import type { ProbeItem } from '../../../lib/oval/syschar.js';
import type { CriteriaNode } from '../../../lib/oval/model.js';
import type { DefinitionResult, OvalResults } from '../../../lib/oval/results-model.js';
import { renderResults } from '../render-results.js';
import type { SystemCharacteristics } from '../../../lib/oval/syschar.js';
import { variableProbe } from '../../../lib/probes/independent/variable.js';
import {
  constant,
  criteria,
  criterion,
  definition,
  document,
  entity,
  extend,
  fakeRegistry,
  fakeTarget,
  item,
  local,
  object,
  registryOf,
  state,
  test,
} from './builders.js';

const packages = {
  openssl: [item({ name: 'openssl', version: '3.0.11' })],
  bash: [item({ name: 'bash', version: '5.2' })],
  two: [item({ name: 'two', version: '1.0' }), item({ name: 'two', version: '2.0' })],
  missing: [],
  broken: [item({ name: 'broken' }, 'error')],
};

function run(doc: ReturnType<typeof document>, requests: ProbeRequest[] = [], extra: Parameters<typeof evaluateOval>[1] = {}) {
  return evaluateOval(doc, { registry: fakeRegistry(packages, requests), target: fakeTarget, ...extra });
}

describe('evaluateOval tests', () => {
  it('state match makes a definition true', async () => {
    const doc = document({
      definitions: [definition('def:1', criteria('AND', [criterion('tst:1')]))],
      tests: [test('tst:1', 'obj:1', { stateRefs: ['ste:1'] })],
      objects: [object('obj:1', [entity('name', 'openssl')])],
      states: [state('ste:1', [entity('version', '3.0.0', { datatype: 'version', operation: 'greater than or equal' })])],
    });
    const results = await run(doc);
    expect(results.definitions.get('def:1')?.result).toBe('true');
    const testResult = results.tests.get('tst:1')!;
    expect(testResult.result).toBe('true');
    expect(testResult.testedItems).toEqual([{ itemId: 1, result: 'true' }]);
    expect(results.systemCharacteristics.collectedObjects.get('obj:1')?.flag).toBe('complete');
    expect(results.systemCharacteristics.systemInfo.primaryHostName).toBe('test');
  });

  it('check all and at least one over items', async () => {
    const ste = state('ste:1', [entity('version', '2.0')]);
    const doc = document({
      tests: [
        test('tst:all', 'obj:two', { stateRefs: ['ste:1'], check: 'all' }),
        test('tst:one', 'obj:two', { stateRefs: ['ste:1'], check: 'at least one' }),
        test('tst:only', 'obj:two', { stateRefs: ['ste:1'], check: 'only one' }),
        test('tst:none', 'obj:two', { stateRefs: ['ste:1'], check: 'none satisfy' }),
      ],
      objects: [object('obj:two', [entity('name', 'two')])],
      states: [ste],
      definitions: [
        definition('def:1', criteria('AND', [criterion('tst:all'), criterion('tst:one'), criterion('tst:only'), criterion('tst:none')])),
      ],
    });
    const results = await run(doc);
    expect(results.tests.get('tst:all')?.result).toBe('false');
    expect(results.tests.get('tst:one')?.result).toBe('true');
    expect(results.tests.get('tst:only')?.result).toBe('true');
    expect(results.tests.get('tst:none')?.result).toBe('false');
    expect(results.tests.get('tst:all')?.testedItems.map((t) => t.result)).toEqual(['false', 'true']);
  });

  it('check_existence decides without states', async () => {
    const doc = document({
      definitions: [definition('def:1', criteria('AND', [criterion('tst:1'), criterion('tst:2'), criterion('tst:3'), criterion('tst:4')]))],
      tests: [
        test('tst:1', 'obj:missing', { checkExistence: 'none_exist' }),
        test('tst:2', 'obj:missing', { checkExistence: 'at_least_one_exists' }),
        test('tst:3', 'obj:two', { checkExistence: 'only_one_exists' }),
        test('tst:4', 'obj:broken', { checkExistence: 'at_least_one_exists' }),
      ],
      objects: [object('obj:missing', [entity('name', 'missing')]), object('obj:two', [entity('name', 'two')]), object('obj:broken', [entity('name', 'broken')])],
    });
    const results = await run(doc);
    expect(results.tests.get('tst:1')?.result).toBe('true');
    expect(results.tests.get('tst:2')?.result).toBe('false');
    expect(results.tests.get('tst:3')?.result).toBe('false');
    expect(results.tests.get('tst:4')?.result).toBe('error');
    expect(results.systemCharacteristics.collectedObjects.get('obj:missing')?.flag).toBe('does not exist');
  });

  it('existing items with states but none exist', async () => {
    const doc = document({
      tests: [test('tst:1', 'obj:missing', { checkExistence: 'any_exist', stateRefs: ['ste:1'] })],
      objects: [object('obj:missing', [entity('name', 'missing')])],
      states: [state('ste:1', [entity('version', '1')])],
      definitions: [definition('def:1', criteria('AND', [criterion('tst:1')]))],
    });
    const results = await run(doc);
    expect(results.tests.get('tst:1')?.result).toBe('true');
  });

  it('entity_check over a multi-valued entity', async () => {
    const multi = { multi: [item({ name: 'multi', port: ['22', '80'] })] };
    const doc = document({
      tests: [
        test('tst:all', 'obj:1', { stateRefs: ['ste:all'] }),
        test('tst:any', 'obj:1', { stateRefs: ['ste:any'] }),
      ],
      objects: [object('obj:1', [entity('name', 'multi')])],
      states: [
        state('ste:all', [entity('port', '22', { datatype: 'int' })]),
        state('ste:any', [entity('port', '22', { datatype: 'int', entityCheck: 'at least one' })]),
      ],
      definitions: [definition('def:1', criteria('OR', [criterion('tst:all'), criterion('tst:any')]))],
    });
    const results = await evaluateOval(doc, { registry: fakeRegistry(multi), target: fakeTarget });
    expect(results.tests.get('tst:all')?.result).toBe('false');
    expect(results.tests.get('tst:any')?.result).toBe('true');
  });

  it('state check_existence counts every item entity', async () => {
    // As upstream state_check_existence.xml on oscap 1.3.7: the item has entities name and
    // version, so only_one_exists and none_exist fail even though one version matches.
    const claims = ['at_least_one_exists', 'only_one_exists', 'none_exist', 'all_exist'] as const;
    const doc = document({
      tests: claims.map((claim) => test(`tst:${claim}`, 'obj:1', { stateRefs: [`ste:${claim}`] })),
      objects: [object('obj:1', [entity('name', 'bash')])],
      states: claims.map((claim) => state(`ste:${claim}`, [entity('version', '5.2', { checkExistence: claim })])),
      definitions: [definition('def:1', criteria('OR', claims.map((claim) => criterion(`tst:${claim}`))))],
    });
    const results = await run(doc);
    expect(results.tests.get('tst:at_least_one_exists')?.result).toBe('true');
    expect(results.tests.get('tst:only_one_exists')?.result).toBe('false');
    expect(results.tests.get('tst:none_exist')?.result).toBe('false');
    expect(results.tests.get('tst:all_exist')?.result).toBe('true');
  });

  it('masked entities mask item entities', async () => {
    const doc = document({
      tests: [test('tst:1', 'obj:1', { stateRefs: ['ste:1'] })],
      objects: [object('obj:1', [entity('name', 'bash', { mask: true })])],
      states: [state('ste:1', [entity('version', '5.2', { mask: true })])],
      definitions: [definition('def:1', criteria('AND', [criterion('tst:1')]))],
    });
    const results = await run(doc);
    expect(results.tests.get('tst:1')?.result).toBe('true');
    const [stored] = results.systemCharacteristics.items.values();
    expect(stored.entities.map((itemEntity) => [itemEntity.name, itemEntity.mask === true])).toEqual([
      ['name', true],
      ['version', true],
    ]);
  });

  it('var_check over a multi-valued variable', async () => {
    const doc = document({
      tests: [
        test('tst:all', 'obj:1', { stateRefs: ['ste:all'] }),
        test('tst:one', 'obj:1', { stateRefs: ['ste:one'] }),
      ],
      objects: [object('obj:1', [entity('name', 'bash')])],
      states: [
        state('ste:all', [entity('version', undefined, { varRef: 'var:1', varCheck: 'all' })]),
        state('ste:one', [entity('version', undefined, { varRef: 'var:1', varCheck: 'at least one' })]),
      ],
      variables: [constant('var:1', ['5.1', '5.2'])],
      definitions: [definition('def:1', criteria('OR', [criterion('tst:all'), criterion('tst:one')]))],
    });
    const results = await run(doc);
    expect(results.tests.get('tst:all')?.result).toBe('false');
    expect(results.tests.get('tst:one')?.result).toBe('true');
    expect(results.tests.get('tst:one')?.testedVariables).toEqual([
      { variableId: 'var:1', value: '5.1' },
      { variableId: 'var:1', value: '5.2' },
    ]);
  });

  it('state_operator and several states', async () => {
    const doc = document({
      tests: [
        test('tst:and', 'obj:1', { stateRefs: ['ste:yes', 'ste:no'], stateOperator: 'AND' }),
        test('tst:or', 'obj:1', { stateRefs: ['ste:yes', 'ste:no'], stateOperator: 'OR' }),
        test('tst:empty', 'obj:1', { stateRefs: ['ste:empty'] }),
      ],
      objects: [object('obj:1', [entity('name', 'bash')])],
      states: [state('ste:yes', [entity('version', '5.2')]), state('ste:no', [entity('version', '4.0')]), state('ste:empty', [])],
      definitions: [definition('def:1', criteria('OR', [criterion('tst:and'), criterion('tst:or'), criterion('tst:empty')]))],
    });
    const results = await run(doc);
    expect(results.tests.get('tst:and')?.result).toBe('false');
    expect(results.tests.get('tst:or')?.result).toBe('true');
    expect(results.tests.get('tst:empty')?.result).toBe('true');
  });

  it('state operator OR inside one state', async () => {
    const doc = document({
      tests: [test('tst:1', 'obj:1', { stateRefs: ['ste:1'] })],
      objects: [object('obj:1', [entity('name', 'bash')])],
      states: [state('ste:1', [entity('version', '1'), entity('name', 'bash')], 'OR')],
      definitions: [definition('def:1', criteria('AND', [criterion('tst:1')]))],
    });
    expect((await run(doc)).tests.get('tst:1')?.result).toBe('true');
  });

  it('an item lacking the state entity is unknown', async () => {
    const doc = document({
      tests: [test('tst:1', 'obj:1', { stateRefs: ['ste:1'] })],
      objects: [object('obj:1', [entity('name', 'bash')])],
      states: [state('ste:1', [entity('arch', 'x86_64')])],
      definitions: [definition('def:1', criteria('AND', [criterion('tst:1')]))],
    });
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (message: string) => warnings.push(message) };
    const results = await run(doc, [], { logger });
    expect(results.tests.get('tst:1')?.result).toBe('unknown');
    expect(warnings).toEqual(["Entity name 'arch' from state (id: 'ste:1') not found in item (id: '1')."]);
  });
});

describe('evaluateOval records and flags', () => {
  function registryWith(result: ProbeResult) {
    const probe: Probe = {
      objectType: 'fake_object',
      family: 'independent',
      description: { summary: 'test probe', onImage: '', onHost: '' },
      collect: async () => result,
    };
    return new ProbeRegistry().register(probe);
  }

  it('record entities compare field by field', async () => {
    const recordItem: ProbeItem = {
      type: 'fake_item',
      family: 'independent',
      status: 'exists',
      entities: [
        {
          name: 'result',
          datatype: 'record',
          fields: [
            { name: 'user', value: 'root', datatype: 'string' },
            { name: 'uid', value: '0', datatype: 'int' },
          ],
        },
      ],
    };
    const field = (name: string, value: string, extra: object = {}) => entity(name, value, extra);
    const doc = document({
      tests: [test('tst:match', 'obj:1', { stateRefs: ['ste:match'] }), test('tst:miss', 'obj:1', { stateRefs: ['ste:miss'] })],
      objects: [object('obj:1', [entity('name', 'x')])],
      states: [
        state('ste:match', [entity('result', undefined, { datatype: 'record', fields: [field('user', 'root'), field('uid', '10', { datatype: 'int', operation: 'less than' })] })]),
        state('ste:miss', [entity('result', undefined, { datatype: 'record', fields: [field('user', 'root'), field('uid', '0', { datatype: 'int', operation: 'greater than' })] })]),
      ],
      definitions: [definition('def:1', criteria('OR', [criterion('tst:match'), criterion('tst:miss')]))],
    });
    const results = await evaluateOval(doc, { registry: registryWith({ items: [recordItem] }), target: fakeTarget });
    expect(results.tests.get('tst:match')?.result).toBe('true');
    expect(results.tests.get('tst:miss')?.result).toBe('false');
  });

  it('record fields compare with variables', async () => {
    // As upstream test_probes_yamlfilecontent_array.xml: a field names a variable of several values.
    const recordItem: ProbeItem = {
      type: 'fake_item',
      family: 'independent',
      status: 'exists',
      entities: [{ name: 'value', datatype: 'record', fields: [{ name: '#', value: '3', datatype: 'int' }] }],
    };
    const byVariable = (variableId: string) =>
      entity('value', undefined, {
        datatype: 'record',
        fields: [entity('#', undefined, { datatype: 'int', varRef: variableId, varCheck: 'at least one' })],
      });
    const doc = document({
      tests: [test('tst:in', 'obj:1', { stateRefs: ['ste:in'] }), test('tst:out', 'obj:1', { stateRefs: ['ste:out'] })],
      objects: [object('obj:1', [entity('name', 'x')])],
      states: [state('ste:in', [byVariable('var:in')]), state('ste:out', [byVariable('var:out')])],
      variables: [constant('var:in', ['1', '3'], 'int'), constant('var:out', ['4', '5'], 'int')],
      definitions: [definition('def:1', criteria('OR', [criterion('tst:in'), criterion('tst:out')]))],
    });
    const results = await evaluateOval(doc, { registry: registryWith({ items: [recordItem] }), target: fakeTarget });
    expect(results.tests.get('tst:in')?.result).toBe('true');
    expect(results.tests.get('tst:out')?.result).toBe('false');
  });

  it('an incomplete object decides only what more items cannot change', async () => {
    const items = [item({ name: 'a', version: '1' }), item({ name: 'b', version: '2' })];
    const doc = document({
      tests: [
        test('tst:exists', 'obj:1'),
        test('tst:none', 'obj:1', { checkExistence: 'none_exist' }),
        test('tst:all-false', 'obj:1', { stateRefs: ['ste:one'] }),
        test('tst:all-true', 'obj:1', { stateRefs: ['ste:any'] }),
        test('tst:one-true', 'obj:1', { stateRefs: ['ste:one'], check: 'at least one' }),
      ],
      objects: [object('obj:1', [entity('name', 'x')])],
      states: [state('ste:one', [entity('version', '1')]), state('ste:any', [entity('version', '.', { operation: 'pattern match' })])],
      definitions: [definition('def:1', criteria('OR', [criterion('tst:exists'), criterion('tst:none'), criterion('tst:all-false'), criterion('tst:all-true'), criterion('tst:one-true')]))],
    });
    const results = await evaluateOval(doc, { registry: registryWith({ flag: 'incomplete', items }), target: fakeTarget });
    expect(results.systemCharacteristics.collectedObjects.get('obj:1')?.flag).toBe('incomplete');
    expect(results.tests.get('tst:exists')?.result).toBe('true');
    expect(results.tests.get('tst:none')?.result).toBe('false');
    expect(results.tests.get('tst:all-false')?.result).toBe('false');
    expect(results.tests.get('tst:all-true')?.result).toBe('unknown');
    expect(results.tests.get('tst:one-true')?.result).toBe('true');
  });

  it('a not applicable object makes the test not applicable', async () => {
    const doc = document({
      tests: [test('tst:1', 'obj:1')],
      objects: [object('obj:1', [entity('name', 'x')])],
      definitions: [definition('def:1', criteria('AND', [criterion('tst:1')]))],
    });
    const results = await evaluateOval(doc, { registry: registryWith({ flag: 'not applicable', items: [] }), target: fakeTarget });
    expect(results.tests.get('tst:1')?.result).toBe('not applicable');
    expect(results.definitions.get('def:1')?.result).toBe('not applicable');
  });
});

describe('evaluateOval collection', () => {
  it('collects each object once', async () => {
    const requests: ProbeRequest[] = [];
    const doc = document({
      tests: [test('tst:1', 'obj:1'), test('tst:2', 'obj:1', { checkExistence: 'none_exist' })],
      objects: [object('obj:1', [entity('name', 'openssl')])],
      definitions: [definition('def:1', criteria('OR', [criterion('tst:1'), criterion('tst:2')])), definition('def:2', criteria('AND', [criterion('tst:2')]))],
    });
    const results = await run(doc, requests);
    expect(requests.length).toBe(1);
    expect(results.tests.get('tst:2')?.result).toBe('false');
  });

  it('asks the probe once for objects that differ only in filters', async () => {
    const requests: ProbeRequest[] = [];
    const doc = document({
      tests: [test('tst:keep', 'obj:keep'), test('tst:drop', 'obj:drop')],
      objects: [
        object('obj:keep', [entity('name', undefined, { varRef: 'var:ba' })], { filters: [{ action: 'include', stateRef: 'ste:bash' }] }),
        object('obj:drop', [entity('name', undefined, { varRef: 'var:ba' })], { filters: [{ action: 'exclude', stateRef: 'ste:bash' }] }),
      ],
      states: [state('ste:bash', [entity('name', 'bash')])],
      variables: [constant('var:ba', ['bash', 'openssl'])],
      definitions: [definition('def:1', criteria('AND', [criterion('tst:keep'), criterion('tst:drop')]))],
    });
    const results = await run(doc, requests);
    expect(requests.length).toBe(1);
    const names = (id: string) => results.systemCharacteristics.collectedObjects.get(id)?.items.map((i) => i.entities[0]?.value);
    expect(names('obj:keep')).toEqual(['bash']);
    expect(names('obj:drop')).toEqual(['openssl']);
  });

  it('does not share an error result, whose message names its own object', async () => {
    const requests: ProbeRequest[] = [];
    const registry = registryOf(async (request) => {
      requests.push(request);
      return { flag: 'error', items: [], messages: [{ level: 'error', text: `${request.object.id}: cannot collect` }] };
    });
    const doc = document({
      tests: [test('tst:1', 'obj:1'), test('tst:2', 'obj:2')],
      objects: [object('obj:1', [entity('name', 'x')]), object('obj:2', [entity('name', 'x')])],
      definitions: [definition('def:1', criteria('AND', [criterion('tst:1'), criterion('tst:2')]))],
    });
    const results = await evaluateOval(doc, { registry, target: fakeTarget });
    expect(requests.length).toBe(2);
    const messages = (id: string) => results.systemCharacteristics.collectedObjects.get(id)?.messages.map((message) => message.text);
    expect(messages('obj:1')).toEqual(['obj:1: cannot collect']);
    expect(messages('obj:2')).toEqual(['obj:2: cannot collect']);
  });

  it('a masked state entity marks only the items it is compared with', async () => {
    const requests: ProbeRequest[] = [];
    const doc = document({
      tests: [test('tst:1', 'obj:1', { stateRefs: ['ste:masked'] }), test('tst:2', 'obj:2')],
      objects: [
        object('obj:1', [entity('name', undefined, { varRef: 'var:both' })], { filters: [{ action: 'include', stateRef: 'ste:bash' }] }),
        object('obj:2', [entity('name', undefined, { varRef: 'var:both' })], { filters: [{ action: 'exclude', stateRef: 'ste:bash' }] }),
      ],
      states: [state('ste:masked', [entity('version', '5.2', { mask: true })]), state('ste:bash', [entity('name', 'bash')])],
      variables: [constant('var:both', ['bash', 'openssl'])],
      definitions: [definition('def:1', criteria('AND', [criterion('tst:1'), criterion('tst:2')]))],
    });
    const results = await run(doc, requests);
    expect(requests.length).toBe(1);
    expect(results.tests.get('tst:1')?.result).toBe('true');
    const version = (objectId: string) =>
      results.systemCharacteristics.collectedObjects.get(objectId)?.items[0]?.entities.find((e) => e.name === 'version');
    expect(version('obj:1')).toMatchObject({ value: '5.2', mask: true });
    expect(version('obj:2')?.value).toBe('3.0.11');
    expect(version('obj:2')?.mask).not.toBe(true);
  });

  it('numbers identical items once', async () => {
    const doc = document({
      tests: [test('tst:1', 'obj:1'), test('tst:2', 'obj:2')],
      objects: [object('obj:1', [entity('name', 'openssl')]), object('obj:2', [entity('name', 'openssl', { operation: 'case insensitive equals' })])],
      definitions: [definition('def:1', criteria('AND', [criterion('tst:1'), criterion('tst:2')]))],
    });
    const results = await run(doc);
    expect(results.systemCharacteristics.items.size).toBe(1);
    expect(results.systemCharacteristics.collectedObjects.get('obj:2')?.items.map((i) => i.id)).toEqual([1]);
  });

  it('numbers only the items filters keep', async () => {
    // The probe returns bash first, then openssl; the filter drops bash before numbering.
    const filtered = object('obj:f', [entity('name', undefined, { varRef: 'var:ba' })], { filters: [{ action: 'exclude', stateRef: 'ste:bash' }] });
    const parts = {
      states: [state('ste:bash', [entity('name', 'bash')])],
      variables: [constant('var:ba', ['bash', 'openssl'])],
    };
    const alone = await run(
      document({ ...parts, tests: [test('tst:f', 'obj:f')], objects: [filtered], definitions: [definition('def:1', criteria('AND', [criterion('tst:f')]))] }),
    );
    expect([...alone.systemCharacteristics.items.keys()]).toEqual([1]);
    expect(alone.systemCharacteristics.collectedObjects.get('obj:f')?.items.map((i) => i.id)).toEqual([1]);

    const both = await run(
      document({
        ...parts,
        tests: [test('tst:f', 'obj:f'), test('tst:b', 'obj:b')],
        objects: [filtered, object('obj:b', [entity('name', 'bash')])],
        definitions: [definition('def:1', criteria('AND', [criterion('tst:f'), criterion('tst:b')]))],
      }),
    );
    expect(both.systemCharacteristics.collectedObjects.get('obj:f')?.items.map((i) => i.id)).toEqual([1]);
    expect(both.systemCharacteristics.collectedObjects.get('obj:b')?.items.map((i) => i.id)).toEqual([2]);
    expect(both.systemCharacteristics.items.get(2)?.entities[0]?.value).toBe('bash');
  });

  it('numbers items apart by entity boundaries', async () => {
    const registry = fakeRegistry({
      split: [
        item({ name: 'split', version: 'a', release: 'bc' }),
        item({ name: 'split', version: 'ab', release: 'c' }),
        // The text a key without value lengths would build for the first item's version and release.
        item({ name: 'split', version: 'a\u0000release\u0000string\u0000\u00000\u0000bc' }),
        item({ name: 'split', version: 'a', release: 'bc' }),
      ],
    });
    const doc = document({
      tests: [test('tst:1', 'obj:1')],
      objects: [object('obj:1', [entity('name', 'split')])],
      definitions: [definition('def:1', criteria('AND', [criterion('tst:1')]))],
    });
    const results = await evaluateOval(doc, { registry, target: fakeTarget });
    expect(results.systemCharacteristics.collectedObjects.get('obj:1')?.items.map((i) => i.id)).toEqual([1, 2, 3, 1]);
  });

  it('passes resolved variable values to the probe', async () => {
    const requests: ProbeRequest[] = [];
    const doc = document({
      tests: [test('tst:1', 'obj:1')],
      objects: [object('obj:1', [entity('name', undefined, { varRef: 'var:1' })])],
      variables: [constant('var:1', ['openssl', 'bash'])],
      definitions: [definition('def:1', criteria('AND', [criterion('tst:1')]))],
    });
    const results = await run(doc, requests);
    expect(requests[0]?.entities[0]?.values).toEqual(['openssl', 'bash']);
    expect(results.systemCharacteristics.collectedObjects.get('obj:1')?.variableValues).toEqual([
      { variableId: 'var:1', value: 'openssl' },
      { variableId: 'var:1', value: 'bash' },
    ]);
    expect(results.tests.get('tst:1')?.testedVariables.length).toBe(2);
  });

  it('a probe that throws flags only its object', async () => {
    const doc = document({
      tests: [test('tst:1', 'obj:bad'), test('tst:2', 'obj:ok')],
      objects: [object('obj:bad', [entity('name', 'throw')]), object('obj:ok', [entity('name', 'bash')])],
      definitions: [definition('def:1', criteria('AND', [criterion('tst:1')])), definition('def:2', criteria('AND', [criterion('tst:2')]))],
    });
    const results = await run(doc);
    const bad = results.systemCharacteristics.collectedObjects.get('obj:bad')!;
    expect(bad.flag).toBe('error');
    expect(bad.messages[0]?.text).toBe('the fake_object probe failed: disk on fire');
    expect(results.definitions.get('def:1')?.result).toBe('error');
    expect(results.definitions.get('def:2')?.result).toBe('true');
  });

  it('an object type without a probe is not collected', async () => {
    const doc = document({
      tests: [test('tst:1', 'obj:1')],
      objects: [object('obj:1', [entity('name', 'x')], { type: 'registry_object', family: 'windows' })],
      definitions: [definition('def:1', criteria('AND', [criterion('tst:1')]))],
    });
    const results = await run(doc);
    const collected = results.systemCharacteristics.collectedObjects.get('obj:1')!;
    expect(collected.flag).toBe('not collected');
    expect(collected.messages[0]?.text).toMatch(/windows:registry_object is not supported/);
    expect(results.definitions.get('def:1')?.result).toBe('unknown');
  });

  it('an empty variable means no items', async () => {
    const requests: ProbeRequest[] = [];
    const doc = document({
      tests: [test('tst:1', 'obj:1', { checkExistence: 'none_exist' })],
      objects: [object('obj:1', [entity('name', undefined, { varRef: 'var:1' })])],
      variables: [constant('var:1', [])],
      definitions: [definition('def:1', criteria('AND', [criterion('tst:1')]))],
    });
    const results = await run(doc, requests);
    expect(requests.length).toBe(0);
    expect(results.systemCharacteristics.collectedObjects.get('obj:1')?.flag).toBe('does not exist');
    expect(results.tests.get('tst:1')?.result).toBe('true');
  });

  it('an external variable without value', async () => {
    // oscap 1.3.7 gives the same three results for this document.
    const external = {
      kind: 'external_variable' as const,
      id: 'var:ext',
      version: 1,
      datatype: 'string' as const,
      comment: '',
      deprecated: false,
      position: { line: 1, column: 1 },
      possibleValues: [],
      possibleRestrictions: [],
    };
    const doc = document({
      tests: [
        test('tst:some', 'obj:1'),
        test('tst:none', 'obj:1', { checkExistence: 'none_exist' }),
        test('tst:state', 'obj:bash', { stateRefs: ['ste:1'] }),
      ],
      objects: [
        object('obj:1', [entity('name', undefined, { varRef: 'var:ext' })]),
        object('obj:bash', [entity('name', 'bash')]),
      ],
      states: [state('ste:1', [entity('name', undefined, { varRef: 'var:ext' })])],
      variables: [external],
      definitions: [
        definition('def:1', criteria('AND', [criterion('tst:some'), criterion('tst:none'), criterion('tst:state')])),
      ],
    });
    const results = await run(doc);
    expect(results.tests.get('tst:some')?.result).toBe('false');
    expect(results.tests.get('tst:none')?.result).toBe('true');
    expect(results.tests.get('tst:state')?.result).toBe('error');
    expect(results.systemCharacteristics.collectedObjects.get('obj:1')?.messages[0]?.text).toBe(
      "the variable 'var:ext' of the entity 'name' has no values (no value was supplied for the external variable 'var:ext')",
    );
  });

  it('sets combine object items', async () => {
    const doc = document({
      tests: [test('tst:u', 'obj:union'), test('tst:i', 'obj:inter'), test('tst:c', 'obj:comp'), test('tst:f', 'obj:filtered')],
      objects: [
        object('obj:a', [entity('name', 'openssl')]),
        object('obj:b', [entity('name', 'bash')]),
        object('obj:ab', [entity('name', undefined, { varRef: 'var:ab' })]),
        object('obj:union', [], { set: { operator: 'UNION', sets: [], objectRefs: ['obj:a', 'obj:b'], filters: [] } }),
        object('obj:inter', [], { set: { operator: 'INTERSECTION', sets: [], objectRefs: ['obj:ab', 'obj:b'], filters: [] } }),
        object('obj:comp', [], { set: { operator: 'COMPLEMENT', sets: [], objectRefs: ['obj:ab', 'obj:b'], filters: [] } }),
        object('obj:filtered', [entity('name', undefined, { varRef: 'var:ab' })], { filters: [{ action: 'exclude', stateRef: 'ste:bash' }] }),
      ],
      states: [state('ste:bash', [entity('name', 'bash')])],
      variables: [constant('var:ab', ['openssl', 'bash'])],
      definitions: [definition('def:1', criteria('AND', [criterion('tst:u'), criterion('tst:i'), criterion('tst:c'), criterion('tst:f')]))],
    });
    const results = await run(doc);
    const names = (id: string) =>
      results.systemCharacteristics.collectedObjects.get(id)!.items.map((i) => i.entities.find((e) => e.name === 'name')?.value);
    expect(names('obj:union')).toEqual(['openssl', 'bash']);
    expect(names('obj:inter')).toEqual(['bash']);
    expect(names('obj:comp')).toEqual(['openssl']);
    expect(names('obj:filtered')).toEqual(['openssl']);
    expect(results.systemCharacteristics.collectedObjects.get('obj:union')?.flag).toBe('complete');
  });

  it('a 10,000-long set chain collects', async () => {
    const objects = [object('obj:0', [entity('name', 'bash')])];
    for (let k = 1; k <= 10_000; k++) {
      objects.push(object(`obj:${k}`, [], { set: { operator: 'UNION', sets: [], objectRefs: [`obj:${k - 1}`], filters: [] } }));
    }
    const doc = document({
      tests: [test('tst:1', 'obj:10000')],
      objects,
      definitions: [definition('def:1', criteria('AND', [criterion('tst:1')]))],
    });
    const results = await run(doc);
    expect(results.definitions.get('def:1')?.result).toBe('true');
    expect(results.systemCharacteristics.collectedObjects.get('obj:10000')?.items.length).toBe(1);
  });

  it('a set that contains itself is an error', async () => {
    const doc = document({
      tests: [test('tst:1', 'obj:1')],
      objects: [object('obj:1', [], { set: { operator: 'UNION', sets: [], objectRefs: ['obj:1'], filters: [] } })],
      definitions: [definition('def:1', criteria('AND', [criterion('tst:1')]))],
    });
    const results = await run(doc);
    expect(results.definitions.get('def:1')?.result).toBe('error');
  });

  it('a count of a missing object', async () => {
    // Mirrors what oscap 1.3.7 reports: the count is 0, yet a variable_object on it finds nothing.
    const registry = fakeRegistry(packages).register(variableProbe);
    const doc = document({
      tests: [
        test('tst:var', 'obj:var'),
        test('tst:state', 'obj:bash', { stateRefs: ['ste:count'] }),
      ],
      objects: [
        object('obj:missing', [entity('name', 'missing')]),
        object('obj:var', [entity('var_ref', 'var:count')], { type: 'variable_object' }),
        object('obj:bash', [entity('name', 'bash')]),
      ],
      states: [state('ste:count', [entity('version', undefined, { varRef: 'var:count', operation: 'not equal' })])],
      variables: [local('var:count', { kind: 'count', components: [{ kind: 'object_component', objectRef: 'obj:missing', itemField: 'name' }] }, 'int')],
      definitions: [definition('def:1', criteria('OR', [criterion('tst:var'), criterion('tst:state')]))],
    });
    const results = await evaluateOval(doc, { registry, target: fakeTarget });
    expect(results.systemCharacteristics.collectedObjects.get('obj:var')?.flag).toBe('does not exist');
    expect(results.tests.get('tst:var')?.result).toBe('false');
    expect(results.tests.get('tst:var')?.testedVariables).toEqual([{ variableId: 'var:count', value: '0' }]);
    expect(results.tests.get('tst:state')?.result).toBe('true');
  });

  it('intersection with nothing does not exist', async () => {
    const doc = document({
      tests: [test('tst:1', 'obj:set', { checkExistence: 'none_exist' })],
      objects: [
        object('obj:a', [entity('name', 'openssl')]),
        object('obj:b', [entity('name', 'bash')]),
        object('obj:set', [], { set: { operator: 'INTERSECTION', sets: [], objectRefs: ['obj:a', 'obj:b'], filters: [] } }),
      ],
      definitions: [definition('def:1', criteria('AND', [criterion('tst:1')]))],
    });
    const results = await run(doc);
    expect(results.systemCharacteristics.collectedObjects.get('obj:set')?.flag).toBe('does not exist');
    expect(results.tests.get('tst:1')?.result).toBe('true');
  });
});

describe('evaluateOval criteria', () => {
  const base = {
    tests: [test('tst:t', 'obj:yes'), test('tst:f', 'obj:no')],
    objects: [object('obj:yes', [entity('name', 'bash')]), object('obj:no', [entity('name', 'missing')])],
  };

  it('negate and operators', async () => {
    const doc = document({
      ...base,
      definitions: [
        definition('def:and', criteria('AND', [criterion('tst:t'), criterion('tst:f', true)])),
        definition('def:or', criteria('OR', [criterion('tst:f'), criterion('tst:f')])),
        definition('def:xor', criteria('XOR', [criterion('tst:t'), criterion('tst:t')], true)),
        definition('def:one', criteria('ONE', [criterion('tst:t'), criterion('tst:f')])),
      ],
    });
    const results = await run(doc);
    expect(results.definitions.get('def:and')?.result).toBe('true');
    expect(results.definitions.get('def:or')?.result).toBe('false');
    expect(results.definitions.get('def:xor')?.result).toBe('true');
    expect(results.definitions.get('def:one')?.result).toBe('true');
    const tree = results.definitions.get('def:and')!.criteria!;
    expect(tree.children.map((c) => c.result)).toEqual(['true', 'true']);
  });

  it('criteria results are built again on each read, and serialize with the result', async () => {
    const doc = document({
      ...base,
      definitions: [
        definition('def:base', criteria('AND', [criterion('tst:t')])),
        definition(
          'def:tree',
          criteria('OR', [criteria('AND', [criterion('tst:t'), criterion('tst:f', true)], true), extend('def:base', true), criterion('tst:f')]),
        ),
      ],
    });
    const results = await run(doc);
    const result = results.definitions.get('def:tree')!;
    const expected = {
      kind: 'criteria',
      operator: 'OR',
      negate: false,
      result: 'false',
      children: [
        {
          kind: 'criteria',
          operator: 'AND',
          negate: true,
          result: 'false',
          children: [
            { kind: 'criterion', testRef: 'tst:t', variableInstance: 1, negate: false, result: 'true' },
            { kind: 'criterion', testRef: 'tst:f', variableInstance: 1, negate: true, result: 'true' },
          ],
        },
        { kind: 'extend_definition', definitionRef: 'def:base', variableInstance: 1, negate: true, result: 'false' },
        { kind: 'criterion', testRef: 'tst:f', variableInstance: 1, negate: false, result: 'false' },
      ],
    };
    expect(result.result).toBe('false');
    expect(result.criteria).toMatchObject(expected);
    expect(result.criteria).not.toBe(result.criteria);
    expect(JSON.parse(JSON.stringify(result))).toMatchObject({ definitionId: 'def:tree', result: 'false', criteria: expected });
  });

  it('extend_definition uses the other result', async () => {
    const doc = document({
      ...base,
      definitions: [
        definition('def:1', criteria('AND', [extend('def:2', true)])),
        definition('def:2', criteria('AND', [criterion('tst:f')])),
      ],
    });
    const results = await run(doc, [], { definitionIds: ['def:1'] });
    expect(results.definitions.get('def:1')?.result).toBe('true');
    expect([...results.definitions.keys()]).toEqual(['def:1']);
  });

  it('writes compact criteria as plain ones', async () => {
    const checked: CriteriaNode = { ...criterion('tst:t', true), applicabilityCheck: true };
    const doc = document({
      ...base,
      definitions: [
        definition(
          'def:a',
          criteria('OR', [
            criteria('AND', [criterion('tst:t'), criterion('tst:f', true), checked], true),
            extend('def:b', true),
            criteria('ONE', [criterion('tst:t'), criterion('tst:t')]),
            criteria('XOR', [criterion('tst:t'), criterion('tst:none')]),
          ]),
        ),
        definition('def:b', criteria('AND', [criterion('tst:t'), extend('def:c')])),
        definition('def:c', criteria('AND', [extend('def:b', true)])),
        definition('def:d', criteria('AND', [extend('def:missing', true)], true)),
      ],
    });

    const results = await run(doc);
    // Plain objects, as a caller building its own results passes them, take the writer's other path.
    const plain: OvalResults = {
      ...results,
      definitions: new Map([...results.definitions].map(([id, result]) => [id, JSON.parse(JSON.stringify(result)) as DefinitionResult])),
    };

    const directives = { ...defaultDirectives(), includeSourceDefinitions: false };
    const compactXml = await renderResults({ definitions: doc, results, directives });
    const plainXml = await renderResults({ definitions: doc, results: plain, directives });
    const withoutTimes = (xml: string) => xml.replace(/<oval:timestamp>[^<]*</g, '<oval:timestamp><');
    expect(withoutTimes(compactXml)).toBe(withoutTimes(plainXml));

    expect(compactXml).toContain('<criteria operator="AND" negate="true" result="true">');
    expect(compactXml).toContain('<criterion applicability_check="true" test_ref="tst:t" version="1" negate="true" result="false"/>');
    expect(compactXml).toContain('<criteria operator="XOR" result="error">');
    expect(compactXml).toContain('<extend_definition definition_ref="def:missing" version="0" negate="true" result="error"/>');
    expect(compactXml).toContain('<criteria operator="AND" negate="true" result="error">');
  });

  it('a cycle of extend_definition is not evaluated', async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (message: string) => warnings.push(message) };
    const doc = document({
      ...base,
      definitions: [definition('def:1', criteria('AND', [extend('def:2')])), definition('def:2', criteria('AND', [extend('def:1')]))],
    });
    const results = await run(doc, [], { logger });
    expect(results.definitions.get('def:1')?.result).toBe('not evaluated');
    expect(results.definitions.get('def:2')?.result).toBe('not evaluated');
    expect(warnings).toContain("Circular dependency in OVAL definition 'def:1'.");
  });

  it('missing references fail only their dependents', async () => {
    const doc = document({
      ...base,
      tests: [...base.tests, test('tst:noobj', 'obj:none'), test('tst:nostate', 'obj:yes', { stateRefs: ['ste:none'] })],
      definitions: [
        definition('def:test', criteria('AND', [criterion('tst:none')])),
        definition('def:obj', criteria('AND', [criterion('tst:noobj')])),
        definition('def:state', criteria('AND', [criterion('tst:nostate')])),
        definition('def:ext', criteria('AND', [extend('def:none')])),
        definition('def:ok', criteria('AND', [criterion('tst:t')])),
      ],
    });
    const results = await run(doc);
    expect(results.definitions.get('def:test')?.result).toBe('error');
    expect(results.definitions.get('def:test')?.messages[0]?.text).toMatch(/'tst:none'/);
    expect(results.definitions.get('def:obj')?.result).toBe('error');
    expect(results.tests.get('tst:noobj')?.messages[0]?.text).toMatch(/'obj:none'/);
    expect(results.definitions.get('def:state')?.result).toBe('error');
    expect(results.tests.get('tst:nostate')?.messages[0]?.text).toMatch(/'ste:none'/);
    expect(results.definitions.get('def:ext')?.result).toBe('error');
    expect(results.definitions.get('def:ok')?.result).toBe('true');
  });

  it('deprecated definition without criteria', async () => {
    const doc = document({ ...base, definitions: [definition('def:1', undefined, true)] });
    expect((await run(doc)).definitions.get('def:1')?.result).toBe('not evaluated');
  });

  it('10,000 nested criteria do not overflow', async () => {
    let node: CriteriaNode = criterion('tst:t');
    for (let k = 0; k < 10_000; k++) node = criteria('AND', [node], k % 2 === 0);
    const doc = document({ ...base, definitions: [definition('def:1', criteria('AND', [node]))] });
    expect((await run(doc)).definitions.get('def:1')?.result).toBe('true');
  });

  it('a 10,000-long extend chain does not overflow', async () => {
    const definitions = [];
    for (let k = 0; k < 10_000; k++) definitions.push(definition(`def:${k}`, criteria('AND', [k === 9_999 ? criterion('tst:t') : extend(`def:${k + 1}`)])));
    const results = await run(document({ ...base, definitions }));
    expect(results.definitions.get('def:0')?.result).toBe('true');
    expect(results.definitions.size).toBe(10_000);
  });

  it('a document without definitions evaluates every test', async () => {
    const results = await run(document({ ...base }));
    expect(results.tests.size).toBe(2);
    expect(results.systemCharacteristics.collectedObjects.size).toBe(2);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const doc = document({ ...base, definitions: [definition('def:1', criteria('AND', [criterion('tst:t')]))] });
    await expect(run(doc, [], { signal: controller.signal })).rejects.toThrow(/cancelled/);
  });
});

describe('evaluateOval event loop', () => {
  it('abort during many tests stops', async () => {
    // The fake probe resolves without a turn of the event loop, as probes over cached data do.
    const tests = Array.from({ length: 5_000 }, (_, index) => test(`tst:${index}`, `obj:${index}`));
    const objects = Array.from({ length: 5_000 }, (_, index) => object(`obj:${index}`, [entity('name', 'bash')]));
    const doc = document({ tests, objects });
    const controller = new AbortController();
    setImmediate(() => controller.abort());
    await expect(run(doc, [], { signal: controller.signal })).rejects.toThrow(/cancelled/);
  });

  it('many tests without abort finish', async () => {
    const tests = Array.from({ length: 2_500 }, (_, index) => test(`tst:${index}`, `obj:${index}`));
    const objects = Array.from({ length: 2_500 }, (_, index) => object(`obj:${index}`, [entity('name', 'bash')]));
    const results = await run(document({ tests, objects }));
    expect(results.tests.size).toBe(2_500);
    expect(results.tests.get('tst:2499')?.result).toBe('true');
  });
});

describe('evaluateOval analyse mode', () => {
  it('reads collected objects instead of probing', async () => {
    const systemCharacteristics: SystemCharacteristics = {
      systemInfo: { osName: 'x', osVersion: '1', architecture: 'a', primaryHostName: 'h', interfaces: [] },
      collectedObjects: new Map([
        ['obj:1', { objectId: 'obj:1', version: 1, variableInstance: 1, flag: 'complete', messages: [], variableValues: [], items: [] }],
      ]),
      items: new Map(),
    };
    const itemOne = { id: 7, ...item({ name: 'bash', version: '5.2' }) };
    systemCharacteristics.items.set(7, itemOne);
    systemCharacteristics.collectedObjects.get('obj:1')!.items.push(itemOne);
    const doc = document({
      tests: [test('tst:1', 'obj:1', { stateRefs: ['ste:1'] }), test('tst:2', 'obj:2')],
      objects: [object('obj:1', [entity('name', 'bash')]), object('obj:2', [entity('name', 'bash')])],
      states: [state('ste:1', [entity('version', '5.2')])],
      definitions: [definition('def:1', criteria('AND', [criterion('tst:1')])), definition('def:2', criteria('AND', [criterion('tst:2')]))],
    });
    const results = await evaluateOval(doc, { systemCharacteristics });
    expect(results.definitions.get('def:1')?.result).toBe('true');
    expect(results.tests.get('tst:1')?.testedItems).toEqual([{ itemId: 7, result: 'true' }]);
    expect(results.definitions.get('def:2')?.result).toBe('unknown');
    expect(results.systemCharacteristics).toBe(systemCharacteristics);
  });
});

describe('entityMatches', () => {
  const resolved = (values: string[], extra: object = {}) => ({
    name: 'name',
    datatype: 'string' as const,
    operation: 'pattern match' as const,
    values,
    nil: false,
    mask: false,
    position: { line: 1, column: 1 },
    ...extra,
  });

  it('applies the operation and var_check', () => {
    expect(entityMatches(resolved(['^ssh']), 'sshd')).toBe('true');
    expect(entityMatches(resolved(['^ssh', 'd$']), 'sshd')).toBe('true');
    expect(entityMatches(resolved(['^ssh', '^x']), 'sshd')).toBe('false');
    expect(entityMatches(resolved(['^ssh', '^x'], { varCheck: 'at least one' }), 'sshd')).toBe('true');
    expect(entityMatches(resolved(['(']), 'sshd')).toBe('error');
  });
});
