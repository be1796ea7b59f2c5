/**
 * Golden comparisons with OpenSCAP 1.3.7: its OVAL unit tests (with recorded system
 * characteristics in analyse mode, or in eval mode against a small root folder) and MITRE's
 * OVAL language tests, checked against the test and definition results oscap produced.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { evaluateOval } from '../../../lib/oval/evaluate/index.js';
import { parseOvalDefinitions } from '../../../lib/oval/parser.js';
import { createDefaultRegistry } from '../../../lib/probes/builtin.js';
import { openDirectoryTarget } from '../../../lib/targets/directory.js';
import type { Datatype } from '../../../lib/oval/model.js';
import type { OvalResults } from '../../../lib/oval/results-model.js';
import type { CollectedObject, Item, ItemEntity, SystemCharacteristics } from '../../../lib/oval/syschar.js';
import { conformanceDir, describeWithShared } from '../../fixtures.js';

const conformance = conformanceDir;
const unittests = path.join(conformance, 'tests/API/OVAL/unittests');

const CASES = [
  'test_evr_string_comparison',
  'test_evr_string_missing_epoch',
  'test_debian_evr_string_comparison',
  'test_debian_evr_string_missing_epoch',
  'test_float_comparison',
  'test_int_comparison',
  'test_envvar_insensitive_equals',
  'test_ipv4_comparison',
  'test_ipv4_subset_of',
  'test_ipv4_super_set_of',
  'test_ipv6_subset_of',
  'test_ipv6_super_set_of',
  'test_filecontent_line',
];

type Node = Record<string, unknown>;

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Reads the system characteristics these unit tests ship, as far as analyse mode needs them. */
function readSyschar(file: string): SystemCharacteristics {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', removeNSPrefix: true, parseTagValue: false, trimValues: false });
  const root = (parser.parse(readFileSync(file, 'utf8')) as Node).oval_system_characteristics as Node;

  const items = new Map<number, Item>();
  const data = (root.system_data ?? {}) as Node;
  for (const [type, nodes] of Object.entries(data)) {
    if (type.startsWith('@_')) continue;
    for (const node of asArray(nodes as Node | Node[])) {
      const entities: ItemEntity[] = [];
      for (const [name, values] of Object.entries(node)) {
        if (name.startsWith('@_') || name === '#text') continue;
        for (const value of asArray(values as unknown)) {
          const text = typeof value === 'object' && value !== null ? ((value as Node)['#text'] as string | undefined) : String(value);
          const attributes = typeof value === 'object' && value !== null ? (value as Node) : {};
          entities.push({
            name,
            value: text ?? '',
            datatype: ((attributes['@_datatype'] as string | undefined) ?? 'string') as Datatype,
            status: attributes['@_status'] as ItemEntity['status'],
          });
        }
      }
      const id = Number(node['@_id']);
      items.set(id, { id, type, family: 'independent', status: (node['@_status'] as Item['status']) ?? 'exists', entities });
    }
  }

  const collectedObjects = new Map<string, CollectedObject>();
  for (const node of asArray(((root.collected_objects ?? {}) as Node).object as Node | Node[])) {
    const references = asArray(node.reference as Node | Node[]).map((reference) => items.get(Number(reference['@_item_ref'])));
    collectedObjects.set(String(node['@_id']), {
      objectId: String(node['@_id']),
      version: Number(node['@_version']),
      variableInstance: 1,
      flag: node['@_flag'] as CollectedObject['flag'],
      messages: [],
      variableValues: asArray(node.variable_value as Node | Node[]).map((value) => ({ variableId: String(value['@_variable_id']), value: String(value['#text'] ?? '') })),
      items: references.filter((item): item is Item => item !== undefined),
    });
  }
  return { systemInfo: { osName: '', osVersion: '', architecture: '', primaryHostName: '', interfaces: [] }, collectedObjects, items };
}

interface Expectation {
  target: string;
  count: number;
  measure: (results: OvalResults) => number;
}

const SYSTEM = '/oval_results/results/system';

/** Counts that the XPath expressions of the conformance data ask for, for the forms used on results. */
function measureFor(xpath: string): Expectation['measure'] | undefined {
  const variableMeasure = testedVariableMeasure(xpath);
  if (variableMeasure !== undefined) return variableMeasure;
  let match = /^\/tests\/test\[@test_id="([^"]+)"(?: and |\]\[)@result="([^"]+)"\]$/.exec(xpath);
  if (match !== null) {
    const [, id, result] = match;
    return (results) => (results.tests.get(id!)?.result === result ? 1 : 0);
  }
  match = /^\/tests\/test\[@test_id="([^"]+)"\]\/tested_item\[@result="([^"]+)"\]$/.exec(xpath);
  if (match !== null) {
    const [, id, result] = match;
    return (results) => results.tests.get(id!)?.testedItems.filter((item) => item.result === result).length ?? 0;
  }
  match = /^\/tests\/test\[@result="([^"]+)"\]$/.exec(xpath);
  if (match !== null) {
    const [, result] = match;
    return (results) => [...results.tests.values()].filter((test) => test.result === result).length;
  }
  match = /^\/definitions\/definition\[@definition_id="([^"]+)"\]\[@result="([^"]+)"\]$/.exec(xpath);
  if (match !== null) {
    const [, id, result] = match;
    return (results) => (results.definitions.get(id!)?.result === result ? 1 : 0);
  }
  match = /^\/oval_system_characteristics\/collected_objects\/object\[@id="([^"]+)"\]\[@flag="([^"]+)"\]$/.exec(xpath);
  if (match !== null) {
    const [, id, flag] = match;
    return (results) => (results.systemCharacteristics.collectedObjects.get(id!)?.flag === flag ? 1 : 0);
  }
  match = /^\/definitions\/definition\[@result(!?)="([^"]+)"\]$/.exec(xpath);
  if (match !== null) {
    const [, negated, result] = match;
    return (results) => [...results.definitions.values()].filter((definition) => (definition.result === result) !== (negated === '!')).length;
  }
  return undefined;
}

/** Counts for tested items and variables, tests by id, and listed collected objects. */
function testedVariableMeasure(xpath: string): Expectation['measure'] | undefined {
  let match = /^\/tests\/test\[@test_id="([^"]+)"\]\/(tested_item|tested_variable)$/.exec(xpath);
  if (match !== null) {
    const [, id, kind] = match;
    return (results) => {
      const test = results.tests.get(id!);
      return (kind === 'tested_item' ? test?.testedItems.length : test?.testedVariables.length) ?? 0;
    };
  }
  match = /^\/tests\/test\[@test_id="([^"]+)"\]\/tested_variable\[@variable_id="([^"]+)"(?: and text\(\)="([^"]*)")?\]$/.exec(xpath);
  if (match !== null) {
    const [, id, variableId, value] = match;
    return (results) =>
      results.tests.get(id!)?.testedVariables.filter((variable) => variable.variableId === variableId && (value === undefined || variable.value === value)).length ?? 0;
  }
  match = /^\/tests\/test\[@test_id="([^"]+)"\]$/.exec(xpath);
  if (match !== null) {
    const [, id] = match;
    return (results) => (results.tests.has(id!) ? 1 : 0);
  }
  if (xpath === '/oval_system_characteristics/collected_objects/object') {
    return (results) => results.systemCharacteristics.collectedObjects.size;
  }
  return undefined;
}

/** Lists the expected test and definition results of one unit test, from its XPath counts. */
function expectations(caseName: string): Expectation[] {
  const found: Expectation[] = [];
  for (const line of readFileSync(path.join(conformance, 'expected.jsonl'), 'utf8').split('\n')) {
    if (line === '') continue;
    const record = JSON.parse(line) as { case: string; kind: string; target: string; expected: number | string };
    if (record.case !== (caseName.includes('/') ? caseName : `API/OVAL/unittests/${caseName}`)) continue;
    if (record.kind === 'xpath_count') {
      const xpath = record.target.replace(/^count\((.*)\)$/, '$1').replace(/^\/\//, '/');
      if (!xpath.startsWith(SYSTEM)) continue;
      const measure = measureFor(xpath.slice(SYSTEM.length));
      if (measure !== undefined) found.push({ target: record.target, count: Number(record.expected), measure });
    } else if (record.kind === 'xpath_value') {
      // string(X/@result) or string(X/@flag) = "value" becomes a count of X[@result="value"] that must be 1.
      const value = /^string\((.*)\/@(result|flag)\)$/.exec(record.target);
      if (value === null || !value[1]!.startsWith(SYSTEM)) continue;
      const measure = measureFor(`${value[1]!.slice(SYSTEM.length)}[@${value[2]}="${String(record.expected)}"]`);
      if (measure !== undefined) found.push({ target: `${record.target} = ${String(record.expected)}`, count: 1, measure });
    }
  }
  return found;
}

describeWithShared('OpenSCAP unit tests in analyse mode', [conformance], () => {
  it.each(CASES)('%s agrees with oscap', async (caseName) => {
    const definitions = await parseOvalDefinitions(path.join(unittests, `${caseName}.oval.xml`));
    const systemCharacteristics = readSyschar(path.join(unittests, `${caseName}.syschar.xml`));
    const results = await evaluateOval(definitions, { systemCharacteristics });

    const expected = expectations(caseName);
    expect(expected.length).toBeGreaterThan(0);
    for (const expectation of expected) {
      expect(expectation.measure(results), expectation.target).toBe(expectation.count);
    }
  });
});

/**
 * Unit tests that oscap ran with `oval eval`. They run here against a small root folder with
 * the files they read: /etc/passwd, /etc/issue, /tmp/key_file and /tmp/foo.txt (mode 0700, as the state of
 * statetype_operator.xml that must be true describes).
 */
const EVAL_CASES: [string, string][] = [
  ['test_deprecated_def', 'deprecated_def.xml'],
  ['test_glob_to_regex', 'test_glob_to_regex.xml'],
  ['test_invalid_regex', 'test_invalid_regex.xml'],
  ['test_item_not_exist', 'item_not_exist.xml'],
  ['test_oval_empty_variable_evaluation', 'test_oval_empty_variable_evaluation.xml'],
  ['test_statetype_operator', 'statetype_operator.xml'],
  ['test_variable_in_filter', 'test_variable_in_filter.xml'],
  ['test_cim_datetime', 'cim_datetime.xml'],
];

describeWithShared('OpenSCAP unit tests in eval mode', [conformance], () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'scapula-golden-'));
    await mkdir(path.join(root, 'etc'));
    await mkdir(path.join(root, 'tmp'));
    await writeFile(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    await writeFile(path.join(root, 'etc/issue'), 'Debian GNU/Linux 12\n');
    await writeFile(path.join(root, 'tmp/foo.txt'), 'Hello\n');
    await chmod(path.join(root, 'tmp/foo.txt'), 0o700);
    await writeFile(path.join(root, 'tmp/key_file'), 'key\n');
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each(EVAL_CASES)('%s agrees with oscap', async (caseName, file) => {
    const definitions = await parseOvalDefinitions(path.join(unittests, file));
    const target = await openDirectoryTarget(root);
    try {
      const results = await evaluateOval(definitions, { registry: createDefaultRegistry(), target });
      const expected = expectations(caseName);
      expect(expected.length).toBeGreaterThan(0);
      for (const expectation of expected) {
        expect(expectation.measure(results), expectation.target).toBe(expectation.count);
      }
    } finally {
      await target.close();
    }
  });
});

interface DefinitionExpectation {
  file: string;
  definitionId: string;
  result: string;
}

/** Lists MITRE's tests of the OVAL language (datatypes, functions, criteria) with the results oscap 1.3.7 reproduced. */
function mitreLanguageExpectations(): DefinitionExpectation[] {
  const found: DefinitionExpectation[] = [];
  for (const line of readFileSync(path.join(conformance, 'expected.jsonl'), 'utf8').split('\n')) {
    if (line === '') continue;
    const record = JSON.parse(line) as { case: string; kind: string; target: string; expected: string };
    if (record.kind !== 'definition_result' || !record.case.startsWith('mitre/test_mitre_oval/')) continue;
    found.push({ file: record.case.slice('mitre/test_mitre_oval/'.length), definitionId: record.target, result: record.expected });
  }
  return found;
}

/** Reads an oval_variables document into the map evaluateOval takes. */
function readExternalVariables(file: string): Map<string, { datatype?: string; values: string[] }> {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', removeNSPrefix: true, parseTagValue: false });
  const root = (parser.parse(readFileSync(file, 'utf8')) as Node).oval_variables as Node;
  const variables = new Map<string, { datatype?: string; values: string[] }>();
  for (const variable of asArray(((root.variables ?? {}) as Node).variable as Node | Node[])) {
    const values = asArray(variable.value as unknown).map((value) => String(value));
    variables.set(String(variable['@_id']), { datatype: variable['@_datatype'] as string | undefined, values });
  }
  return variables;
}

describeWithShared('MITRE OVAL language tests', [conformance], () => {
  let root: string;

  beforeAll(async () => {
    // The content reads /tmp/support, which the MITRE support archive holds.
    root = await mkdtemp(path.join(tmpdir(), 'scapula-mitre-'));
    await mkdir(path.join(root, 'tmp'));
    execFileSync('tar', ['-xzf', path.join(conformance, 'tests/mitre/support.tgz'), '-C', path.join(root, 'tmp')]);
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const expected = mitreLanguageExpectations();
  const files = [...new Set(expected.map((expectation) => expectation.file))];

  it('has cases', () => {
    expect(files.length).toBe(29);
  });

  it.each(files)('%s agrees with oscap', async (file) => {
    const definitions = await parseOvalDefinitions(path.join(conformance, 'tests/mitre', file));
    const externalVariables = readExternalVariables(path.join(root, 'tmp/support/var/linux-external-variables.xml'));
    const target = await openDirectoryTarget(root);
    try {
      const results = await evaluateOval(definitions, { registry: createDefaultRegistry(), target, externalVariables });
      for (const expectation of expected.filter((candidate) => candidate.file === file)) {
        expect(results.definitions.get(expectation.definitionId)?.result, expectation.definitionId).toBe(expectation.result);
      }
    } finally {
      await target.close();
    }
  });
});

describeWithShared('reported variable values', [conformance], () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'scapula-variables-'));
    await mkdir(path.join(root, 'etc'));
    await writeFile(path.join(root, 'etc/passwd'), ['root', 'daemon', 'bin', 'sys', 'sync', 'games'].map((user, uid) => `${user}:x:${uid}:${uid}::/:/bin/sh\n`).join(''));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('tested_variable lists agree with oscap', async () => {
    const folder = path.join(conformance, 'tests/API/OVAL/report_variable_values');
    const definitions = await parseOvalDefinitions(path.join(folder, 'report_variable_values.def.xml'));
    const externalVariables = readExternalVariables(path.join(folder, 'report_variable_values.var.xml'));
    const target = await openDirectoryTarget(root);
    try {
      const results = await evaluateOval(definitions, { registry: createDefaultRegistry(), target, externalVariables });
      const expected = expectations('API/OVAL/report_variable_values/all/Report variable values in OVAL results');
      expect(expected.length).toBeGreaterThan(40);
      for (const expectation of expected) {
        expect(expectation.measure(results), expectation.target).toBe(expectation.count);
      }
    } finally {
      await target.close();
    }
  });
});
