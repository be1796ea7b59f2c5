import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { StepOutput } from '../conformance/assertions.js';
import { checkAssertion, fromDocumentNode, grepPattern } from '../conformance/assertions.js';
import { classifyDesignDifference } from '../conformance/design-differences.js';
import type { ExpectedAssertion } from '../conformance/cases.js';

const RESULTS = `<?xml version="1.0"?>
<oval_results xmlns="http://oval.mitre.org/XMLSchema/oval-results-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5">
  <generator><oval:schema_version>5.11.2</oval:schema_version></generator>
  <results><system>
    <definitions>
      <definition definition_id="oval:0:def:1" result="true" version="1"/>
      <definition definition_id="oval:0:def:2" result="false" version="1"/>
      <definition definition_id="oval:0:def:3" result="error" version="1"/>
    </definitions>
    <tests>
      <test test_id="oval:0:tst:1" result="true" version="1"/>
    </tests>
    <oval_system_characteristics xmlns="http://oval.mitre.org/XMLSchema/oval-system-characteristics-5"
        xmlns:ind-sys="http://oval.mitre.org/XMLSchema/oval-system-characteristics-5#independent">
      <system_data><ind-sys:textfilecontent_item id="1"><ind-sys:text>hello</ind-sys:text></ind-sys:textfilecontent_item></system_data>
    </oval_system_characteristics>
  </system></results>
</oval_results>
`;

const DEFINITIONS = `<oval_definitions>
    <definition class="compliance" version="1" id="oval:0:def:1"> <!-- comment="true" -->
    <definition class="compliance" version="1" id="oval:0:def:2"> <!-- comment="true" -->
    <definition class="compliance" version="1" id="oval:0:def:3"> <!-- comment="error" -->
</oval_definitions>
`;

let caseDir: string;

beforeAll(() => {
  caseDir = mkdtempSync(path.join(tmpdir(), 'scapula-assertions-'));
  writeFileSync(path.join(caseDir, 'results.xml'), RESULTS);
  writeFileSync(path.join(caseDir, 'defs.xml'), DEFINITIONS);
});

afterAll(() => {
  rmSync(caseDir, { recursive: true, force: true });
});

function assertion(kind: ExpectedAssertion['kind'], target: string, expected: unknown, note = ''): ExpectedAssertion {
  return { case: 'c', command: [], inputs: [], kind, target, expected, reproduced_by_oscap_1_3_7: true, note, upstream_script: 's.sh' };
}

function output(overrides: Partial<StepOutput> = {}): StepOutput {
  return {
    args: ['oval', 'eval', '--results', 'results.xml', 'defs.xml'],
    status: 0,
    stdout: 'Definition oval:0:def:1: true\nEvaluation done.\n',
    stderr: '',
    caseDir,
    outputs: new Map([['$result', path.join(caseDir, 'results.xml')]]),
    ...overrides,
  };
}

describe('checkAssertion', () => {
  it('compares exit statuses', () => {
    expect(checkAssertion(assertion('exit_code', 'oscap exit status', 0), output()).outcome).toBe('passed');
    expect(checkAssertion(assertion('exit_code', 'oscap exit status', 'not 1'), output()).outcome).toBe('passed');
    expect(checkAssertion(assertion('exit_code', 'oscap exit status', 'not 1'), output({ status: 1 })).outcome).toBe('failed');
    const validate = output({ args: ['oval', 'validate', 'results.xml'] });
    expect(checkAssertion(assertion('exit_code', 'oscap exit status', 2), validate).detail).toBe('exit status 0, expected 2');
  });

  it('reads an expected 2 from oval eval as 0 or 2', () => {
    expect(checkAssertion(assertion('exit_code', 'oscap exit status', 2), output()).outcome).toBe('passed');
    expect(checkAssertion(assertion('exit_code', 'oscap exit status', 2), output({ status: 2 })).outcome).toBe('passed');
    expect(checkAssertion(assertion('exit_code', 'oscap exit status', 2), output({ status: 1 })).outcome).toBe('failed');
    const validate = output({ args: ['oval', 'validate', 'results.xml'] });
    expect(checkAssertion(assertion('exit_code', 'oscap exit status', 2), validate).outcome).toBe('failed');
  });

  it('prints XPath booleans as 1 or 0', () => {
    const target = 'boolean(/oval_results/results/system/tests/test)';
    expect(checkAssertion(assertion('xpath_value', target, '1'), output()).outcome).toBe('passed');
    expect(checkAssertion(assertion('xpath_value', target, '0'), output()).outcome).toBe('failed');
  });

  it('matches grep patterns on streams', () => {
    expect(checkAssertion(assertion('stdout_contains', 'Definition oval:0:def:1: true', true), output()).outcome).toBe('passed');
    expect(checkAssertion(assertion('stderr_contains', 'W: oscap:\\s\\+x', true), output({ stderr: 'W: oscap:  x\n' })).outcome).toBe('passed');
    expect(checkAssertion(assertion('stderr_contains', '(any text)', false), output()).outcome).toBe('passed');
    expect(checkAssertion(assertion('stderr_contains', '(any text)', false), output({ stderr: 'E: boom' })).outcome).toBe('failed');
  });

  it('reads warning greps as failure markers', () => {
    const marker = assertion('stderr_contains', '(W: |E: )', true);
    expect(checkAssertion(marker, output()).outcome).toBe('passed');
    expect(checkAssertion(marker, output({ stderr: 'w: something odd\n' })).outcome).toBe('failed');
  });

  it('counts XPath matches without the default namespace', () => {
    const count = (target: string, expected: number) => checkAssertion(assertion('xpath_count', target, expected), output()).outcome;
    expect(count('/oval_results/results/system/definitions/definition[@result="true"]', 1)).toBe('passed');
    expect(count('/oval_results/generator/oval:schema_version[text()="5.11.2"]', 1)).toBe('passed');
    expect(count('/oval_results/results/system/oval_system_characteristics/system_data/ind-sys:textfilecontent_item', 1)).toBe('passed');
    expect(count('/oval_results/results/system/definitions/definition', 4)).toBe('failed');
  });

  it('evaluates XPath string values', () => {
    const target = 'string(/oval_results/results/system/tests/test[@test_id="oval:0:tst:1"]/@result)';
    expect(checkAssertion(assertion('xpath_value', target, 'true'), output()).outcome).toBe('passed');
    expect(checkAssertion(assertion('xpath_value', target, 'false'), output()).detail).toBe(`${target} is "true", expected "false"`);
  });

  it('checks results against comments', () => {
    const note = 'verify_results "def" $DF $RF 3';
    const verdict = checkAssertion(assertion('definition_result', 'all "def" ids', 'equal to the comment attribute', note), output());
    expect(verdict.outcome).toBe('failed');
    expect(verdict.detail).toBe('oval:0:def:2 is "false", expected "true"');

    const first = checkAssertion(assertion('definition_result', 'all "def" ids', 'equal', 'verify_results "def" $DF $RF 1'), output());
    expect(first.outcome).toBe('passed');
  });

  it('leaves targets with shell variables unrun', () => {
    const target = "count(/oval_results//tty[text()='$ptty'])";
    const verdict = checkAssertion(assertion('xpath_count', target, 1), output());
    expect(verdict.outcome).toBe('not run');
    expect(verdict.detail).toBe(`the target uses a shell variable of the upstream script: ${target}`);
  });

  it('checks a bound file exists', () => {
    expect(checkAssertion(assertion('file_exists', '$result', true), output()).outcome).toBe('passed');
    const missing = output({ outputs: new Map([['$result', path.join(caseDir, 'absent.xml')]]) });
    expect(checkAssertion(assertion('file_exists', '$result', true), missing).detail).toBe('$result was not written');
  });

  it('searches a bound file for a pattern', () => {
    expect(checkAssertion(assertion('stdout_contains', 'textfilecontent_item (in $result)', true), output()).outcome).toBe('passed');
    expect(checkAssertion(assertion('stdout_contains', 'x (in $trace_log)', true), output()).outcome).toBe('not run');
  });

  it('checks a named definition result', () => {
    expect(checkAssertion(assertion('definition_result', 'oval:0:def:2', 'false'), output()).outcome).toBe('passed');
    expect(checkAssertion(assertion('definition_result', 'oval:0:def:1', 'false'), output()).outcome).toBe('failed');
  });

  it('fails when the results file is missing', () => {
    const missing = output({ args: ['oval', 'eval', '--results', 'absent.xml', 'defs.xml'] });
    const verdict = checkAssertion(assertion('xpath_count', '/oval_results', 1), missing);
    expect(verdict.outcome).toBe('failed');
    expect(verdict.detail).toBe('absent.xml was not written');
  });

  it('reads backslashed operators as a basic pattern', () => {
    const pattern = grepPattern("item (id: [0-9]\\+) specified", 'm')!;
    expect(pattern.test('item (id: 12) specified')).toBe(true);
    expect(pattern.test('item id: 12 specified')).toBe(false);
    expect(grepPattern('(W: |E: )', 'm')!.test('E: x')).toBe(true);
  });

  it('reports product identity checks as differing by design', () => {
    const identity = assertion('xpath_count', '/oval_results/generator/oval:product_name[text()="cpe:/a:open-scap:oscap"]', 1);
    const verdict = classifyDesignDifference(identity, checkAssertion(identity, output()), output());
    expect(verdict.outcome).toBe('differs by design');
    const other = assertion('xpath_count', '/oval_results/generator/oval:schema_version[text()="5.8"]', 1);
    expect(classifyDesignDifference(other, checkAssertion(other, output()), output()).outcome).toBe('failed');
  });

  it('reports a rejected --schematron as not supported', () => {
    const status = assertion('exit_code', 'oscap exit status', 2);
    const run = output({ args: ['oval', 'validate', '--schematron', 'defs.xml'], status: 1 });
    expect(classifyDesignDifference(status, checkAssertion(status, run), run).outcome).toBe('not supported');
  });

  it('reports a listed behaviour only when shown', () => {
    const status = { ...assertion('exit_code', 'oscap exit status', 1), case: 'API/OVAL/unittests/test_object_component_type' };
    const shown = output({
      args: ['oval', 'eval', 'defs.xml'],
      stdout: 'Definition oval:oscap:def:1: false\nEvaluation done.\n',
      stderr: "W: Entity 'something_bogus' has not been found in textfilecontent_item (id: 1) specified by object 'oval:oscap:obj:10'.\n",
    });
    expect(classifyDesignDifference(status, checkAssertion(status, shown), shown).outcome).toBe('differs by design');

    const silent = { ...shown, stderr: '' };
    expect(classifyDesignDifference(status, checkAssertion(status, silent), silent).outcome).toBe('failed');
    const otherResult = { ...shown, stdout: 'Definition oval:oscap:def:1: true\n' };
    expect(classifyDesignDifference(status, checkAssertion(status, otherResult), otherResult).outcome).toBe('failed');
    const otherCheck = { ...status, kind: 'stdout_contains' as const, target: 'nothing like this', expected: true };
    expect(classifyDesignDifference(otherCheck, checkAssertion(otherCheck, shown), shown).outcome).toBe('failed');
  });

  it('anchors relative paths at the document node', () => {
    expect(fromDocumentNode('oval_results/results')).toBe('/oval_results/results');
    expect(fromDocumentNode('/oval_results')).toBe('/oval_results');
    expect(fromDocumentNode('count(/a)')).toBe('count(/a)');
    expect(checkAssertion(assertion('xpath_count', 'oval_results/results/system/tests/test', 1), output()).outcome).toBe('passed');
  });
});
