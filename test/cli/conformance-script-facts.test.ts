import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { StepOutput } from '../conformance/assertions.js';
import type { ConformanceCase, ExpectedAssertion } from '../conformance/cases.js';
import { classifyDesignDifference } from '../conformance/design-differences.js';
import { writeGeneratedInput } from '../conformance/generated-inputs.js';
import { resolveCommand } from '../conformance/resolve.js';
import { NOT_APPLICABLE, asTraceCheck, bindTargetVariables, caseTrace, inapplicableAssertions } from '../conformance/script-facts.js';

const SYSCTL_CASE = 'probes/sysctl/test_sysctl_probe';
const PARTITION_CASE = 'probes/partition/test_probes_partition_offline_mode/Probe partition simple offline test (/proc mount point)';
const SYSTEM_DATA = '/oval_results/results/system/oval_system_characteristics/system_data';

let caseDir: string;

beforeAll(() => {
  caseDir = mkdtempSync(path.join(tmpdir(), 'scapula-script-facts-'));
});

afterAll(() => {
  rmSync(caseDir, { recursive: true, force: true });
});

function assertion(caseId: string, kind: ExpectedAssertion['kind'], target: string, expected: unknown): ExpectedAssertion {
  return { case: caseId, command: [], inputs: [], kind, target, expected, reproduced_by_oscap_1_3_7: true, note: '', upstream_script: 's.sh' };
}

function output(overrides: Partial<StepOutput> = {}): StepOutput {
  return { args: ['oval', 'eval', '--results', 'results.xml', 'defs.xml'], status: 0, stdout: '', stderr: '', caseDir, outputs: new Map(), ...overrides };
}

describe('inapplicableAssertions', () => {
  it('marks the FreeBSD branch of sysctl', () => {
    const kern = assertion(SYSCTL_CASE, 'xpath_count', `${SYSTEM_DATA}/unix-sys:sysctl_item/unix-sys:name[text()='kern.hostname']`, 1);
    const freebsdValue = assertion(SYSCTL_CASE, 'xpath_count', `${SYSTEM_DATA}/unix-sys:sysctl_item/unix-sys:value[text()='$hostname']`, 1);
    const linux = assertion(SYSCTL_CASE, 'xpath_count', `${SYSTEM_DATA}/unix-sys:sysctl_item/unix-sys:name[text()='kernel.hostname']`, 1);
    const linuxValue = { ...freebsdValue };
    const status = assertion(SYSCTL_CASE, 'exit_code', 'oscap exit status', 0);

    const reasons = inapplicableAssertions(SYSCTL_CASE, 'probes/sysctl/test_sysctl_probe.oval.xml', [status, kern, freebsdValue, linux, linuxValue]);
    expect([...reasons.keys()]).toEqual([kern, freebsdValue]);
    expect(reasons.get(kern)?.startsWith(NOT_APPLICABLE)).toBe(true);

    const freebsdStep = inapplicableAssertions(SYSCTL_CASE, 'probes/sysctl/test_sysctl_probe_freebsd.oval.xml', [status]);
    expect(freebsdStep.has(status)).toBe(true);
  });

  it('marks the other partition scenario', () => {
    const trueTest = assertion(PARTITION_CASE, 'xpath_count', '/oval_results/results/system/tests/test[@result="true"][@test_id="oval:1:tst:1"]', 1);
    const falseTest = assertion(PARTITION_CASE, 'xpath_count', '/oval_results/results/system/tests/test[@result="false"][@test_id="oval:1:tst:1"]', 1);
    const comments = assertion(PARTITION_CASE, 'definition_result', 'all "def" ids', 'equal to the comment attribute');

    expect([...inapplicableAssertions(PARTITION_CASE, '$DF', [trueTest, falseTest, comments]).keys()]).toEqual([falseTest]);
    const invalid = `${PARTITION_CASE} (invalid prefix)`;
    expect([...inapplicableAssertions(invalid, '$DF', [trueTest, falseTest, comments]).keys()]).toEqual([trueTest, comments]);
  });

  it('leaves the vacuous iflisteners check unrun', () => {
    const caseId = 'probes/iflisteners/test_probes_iflisteners/test_probes_iflisteners';
    const comments = assertion(caseId, 'definition_result', 'all "def" ids', 'equal to the comment attribute');
    const reason = inapplicableAssertions(caseId, 'test_probes_iflisteners.xml', [comments]).get(comments);
    expect(reason).toContain('unset $DF and $RF');
    expect(reason?.startsWith(NOT_APPLICABLE)).toBe(false);
  });

  it('leaves other cases alone', () => {
    const status = assertion('probes/uname/test_probes_uname/test_probes_uname', 'exit_code', 'oscap exit status', 0);
    expect(inapplicableAssertions(status.case, '$DF', [status]).size).toBe(0);
  });
});

describe('bindTargetVariables', () => {
  it('replaces a variable with its quotes', () => {
    const loginuid = assertion('probes/process58/loginuid', 'xpath_count', `${SYSTEM_DATA}/unix-sys:process58_item/unix-sys:loginuid[text()="'$ploginuid'"]`, 1);
    const expected = readFileSync('/proc/1/loginuid', 'utf8').trim();
    expect(bindTargetVariables(loginuid.case, loginuid, { caseDir })?.target).toBe(`${SYSTEM_DATA}/unix-sys:process58_item/unix-sys:loginuid[text()="${expected}"]`);
  });

  it('binds $root to the built root', () => {
    const warning = assertion('probes/process58/empty_proc', 'stderr_contains', "^W: oscap:\\s\\+No data about processes could be read from '$root/proc'.", true);
    const bound = bindTargetVariables(warning.case, warning, { caseDir, root: '/scratch/root' });
    expect(bound?.target).toBe("^W: oscap:\\s\\+No data about processes could be read from '/scratch/root/proc'.");
    expect(bindTargetVariables(warning.case, warning, { caseDir })).toBeUndefined();
  });

  it('leaves cases without variables unchanged', () => {
    const status = assertion('probes/uname/test_probes_uname/test_probes_uname', 'exit_code', 'oscap exit status', 0);
    expect(bindTargetVariables(status.case, status, { caseDir })).toBe(status);
  });
});

describe('traced cases', () => {
  it('turn trace greps into absence checks', () => {
    const trace = caseTrace('probes/file/test_probes_file_multiple_file_paths');
    expect(trace?.straceArgs).toEqual(['-f', '-e', 'trace=openat']);
    const grep = assertion('probes/file/test_probes_file_multiple_file_paths', 'stdout_contains', '/tmp/numbers/1 (in $trace_log)', true);
    expect(asTraceCheck(grep, trace!).expected).toBe(false);
    const status = assertion(grep.case, 'exit_code', 'oscap exit status', 0);
    expect(asTraceCheck(status, trace!).expected).toBe(0);
  });
});

describe('resolveCommand', () => {
  it('splits $specarg into three words', () => {
    const testCase: ConformanceCase = { id: 'probes/process58/command_line', area: 'probes', folder: 'probes/process58', inputs: [], steps: [] };
    const resolution = resolveCommand(['oval', 'eval', '--results', '$result', 'probes/process58/command_line.oval.xml', '$specarg'], testCase, caseDir, new Map());
    expect(resolution.ok).toBe(true);
    if (!resolution.ok) return;
    expect(resolution.args.slice(-3)).toEqual(['--report', '\x1b', '\x1b[1;33m\\\\n\\e']);
  });
});

describe('classifyDesignDifference', () => {
  it('reports a rejected --report as not supported', () => {
    const status = assertion('probes/process58/command_line', 'exit_code', 'oscap exit status', 0);
    const run = output({ args: ['oval', 'eval', '--results', 'results.xml', 'x.xml', '--report', '\x1b'], status: 1 });
    expect(classifyDesignDifference(status, { outcome: 'failed' }, run).outcome).toBe('not supported');
  });

  it('needs the results evidence of a behaviour difference', () => {
    const trueTest = assertion(PARTITION_CASE, 'xpath_count', '/oval_results/results/system/tests/test[@result="true"][@test_id="oval:1:tst:1"]', 1);
    writeFileSync(path.join(caseDir, 'results.xml'), '<object id="oval:1:obj:1" version="1" flag="complete">');
    expect(classifyDesignDifference(trueTest, { outcome: 'failed' }, output()).outcome).toBe('failed');
    writeFileSync(path.join(caseDir, 'results.xml'), '<object id="oval:1:obj:1" version="1" flag="not collected">');
    expect(classifyDesignDifference(trueTest, { outcome: 'failed' }, output()).outcome).toBe('differs by design');
  });
});

describe('generated account definitions', () => {
  it('write one password test per passwd line', () => {
    const file = writeGeneratedInput('probes/password/test_probes_password/test_probes_password', caseDir, {});
    expect(file).toBe('test_probes_password.xml');
    const text = readFileSync(path.join(caseDir, file!), 'utf8');
    const lines = readFileSync('/etc/passwd', 'utf8').split('\n').length - 1;
    expect(text.match(/<password_test /g)).toHaveLength(lines);
    expect(text.match(/<password_state /g)).toHaveLength(lines);
    expect(text).toContain('<username>root</username>');
    expect(text).toContain('<user_id datatype="int">0</user_id>');
  });
});
