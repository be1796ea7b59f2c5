/**
 * Facts of the upstream scripts that the restated assertions leave out, and that the runner
 * needs to check them as the scripts do:
 *
 * - the branch of the script an assertion belongs to, when the script checks it on another
 *   platform or in another scenario only;
 * - the value of each shell variable a target names (`$ptty`, `$hostname`, ...), computed the
 *   way the script computes it;
 * - the system-call trace one case runs oscap under;
 * - the name comparison of the sysctl case, which the data restates as a golden-file check.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { ExpectedAssertion } from './cases.js';
import type { Verdict } from './assertions.js';

/** Where a step runs: its case folder and the root folder the runner built, if any. */
export interface StepPlace {
  caseDir: string;
  root?: string;
}

/**
 * Returns, for each assertion of a step that the upstream script does not check on this
 * machine or in this scenario, or checks in a way that cannot fail, the reason it is not run.
 * `commandOperand` is the step's last command word.
 */
export function inapplicableAssertions(caseId: string, commandOperand: string, assertions: ExpectedAssertion[]): Map<ExpectedAssertion, string> {
  const reasons = new Map<ExpectedAssertion, string>();
  const rule = BRANCH_RULES[caseId];
  const vacuous = VACUOUS_CHECKS[caseId];
  assertions.forEach((assertion, index) => {
    const reason = rule?.(assertion, commandOperand, assertions[index - 1]);
    if (reason !== undefined) reasons.set(assertion, `${NOT_APPLICABLE}${reason}`);
    else if (vacuous !== undefined && assertion.kind === vacuous.kind) reasons.set(assertion, vacuous.reason);
  });
  return reasons;
}

/**
 * Checks whose upstream form cannot fail, so that running them would count nothing. The data
 * restates them as real checks, which oscap would not pass either.
 */
const VACUOUS_CHECKS: Record<string, { kind: ExpectedAssertion['kind']; reason: string }> = {
  // The function sets DEFFILE and RESFILE but calls `verify_results "def" $DF $RF 1` with DF and
  // RF unset. grep then reads standard input in place of both files, finds neither id there,
  // and both sides compare as "ERROR". The state itself expects tcpdump on lo under user id 72,
  // Fedora's tcpdump account.
  'probes/iflisteners/test_probes_iflisteners/test_probes_iflisteners': {
    kind: 'definition_result',
    reason: "upstream's verify_results names the unset $DF and $RF, so it compares no files and passes whatever the result",
  },
  // The same: the script evaluates $DEFFILE into $RESFILE and then verifies $DF and $RF. Its
  // first test pairs the object with a state that does not match it, so oscap 1.3.7 also finds
  // that definition false on the files the script prepares.
  'probes/fileextendedattribute/test_probes_fileextendedattribute/test_probes_fileattribute': {
    kind: 'definition_result',
    reason: "upstream's verify_results names the unset $DF and $RF, so it compares no files and passes whatever the result",
  },
};

/** The start of the reason given for an assertion of a branch that does not apply here. */
export const NOT_APPLICABLE = 'not applicable: ';

type BranchRule = (assertion: ExpectedAssertion, commandOperand: string, previous: ExpectedAssertion | undefined) => string | undefined;

const FREEBSD_BRANCH = 'upstream runs and checks this on FreeBSD only (`case $(uname) in FreeBSD`)';

/** Returns the rule for one of the two scenarios of test_probes_partition_offline_mode.sh, which VALID selects. */
function partitionBranch(valid: boolean): BranchRule {
  return (assertion) => {
    const trueBranch = assertion.kind === 'definition_result' || assertion.target.includes('[@result="true"]');
    const falseBranch = assertion.target.includes('[@result="false"]');
    if (valid && falseBranch) return 'upstream checks a false test only in the scenario without /proc in the root (VALID=false)';
    if (!valid && trueBranch) return 'upstream checks a true test only in the scenario whose root links /proc (VALID=true)';
    return undefined;
  };
}

/**
 * Returns the rule of a case whose script returns 255 (skipped) unless a process named systemd
 * runs (`pidof systemd || return 255`), as on a container without an init system.
 */
function needsSystemd(): BranchRule {
  return () => (systemdRunning() ? undefined : 'the script skips the case when no systemd process runs (`pidof systemd`)');
}

const BRANCH_RULES: Record<string, BranchRule> = {
  // The script runs the FreeBSD document and checks kern.hostname and its value on FreeBSD,
  // and the Linux document with kernel.hostname elsewhere. The data lists the FreeBSD value
  // check right after the kern.hostname one, with the same target as the Linux value check.
  'probes/sysctl/test_sysctl_probe': (assertion, commandOperand, previous) => {
    if (os.platform() === 'freebsd') return undefined;
    if (commandOperand.endsWith('test_sysctl_probe_freebsd.oval.xml')) return FREEBSD_BRANCH;
    if (assertion.target.includes("[text()='kern.hostname']")) return FREEBSD_BRANCH;
    if (previous?.target.includes("[text()='kern.hostname']") === true) return FREEBSD_BRANCH;
    return undefined;
  },

  'probes/partition/test_probes_partition_offline_mode/Probe partition simple offline test (/proc mount point)': partitionBranch(true),
  'probes/partition/test_probes_partition_offline_mode/Probe partition simple offline test (/proc mount point) (invalid prefix)': partitionBranch(false),

  'probes/systemdunitdependency/test_probes_systemdunitdependency/Probe systemdunitdependency general functionality': needsSystemd(),
  'probes/systemdunitdependency/test_probes_systemdunitdependency_offline_mode/Probe systemdunitdependency offline functionality': needsSystemd(),
  'probes/systemdunitdependency/test_probes_systemdunitdependency_offline_mode/Probe systemdunitdependency offline functionality (invalid prefix)':
    needsSystemd(),

  // selinux_domain_label.sh checks the label only `if require selinuxenabled && selinuxenabled`.
  'probes/process58/selinux_domain_label': (assertion) => {
    if (!assertion.target.includes('unix-sys:selinux_domain_label') || selinuxEnabled()) return undefined;
    return 'upstream checks the label only when selinuxenabled succeeds, and SELinux is not enabled on this host';
  },
};

/** Tells whether a process named systemd runs, as `pidof systemd` does, from /proc/PID/comm. */
function systemdRunning(): boolean {
  for (const entry of readdirSync('/proc')) {
    if (/^\d+$/.test(entry) && readTrimmed(`/proc/${entry}/comm`) === 'systemd') return true;
  }
  return false;
}

/**
 * Tells whether SELinux is enabled, as selinuxenabled(8) does through libselinux: the selinuxfs
 * file system is mounted at /sys/fs/selinux.
 */
function selinuxEnabled(): boolean {
  return existsSync('/sys/fs/selinux/enforce');
}

type VariableValue = (place: StepPlace) => string | undefined;

/**
 * The shell variables whose values the targets of a case name, keyed by the exact text of the
 * target that the value replaces. The process58 scripts write their XPath in single quotes
 * and close them around the variable ('...'$ptty'...'), so that text includes the quotes.
 */
const TARGET_VARIABLES: Record<string, Record<string, VariableValue>> = {
  // ptty=`ps -p 1 --no-headers -o tty`, whose padding the unquoted use drops.
  'probes/process58/dev_to_tty': { "'$ptty'": () => commandOutput('ps', ['-p', '1', '--no-headers', '-o', 'tty'])?.trim() },
  // ploginuid=`cat /proc/1/loginuid`
  'probes/process58/loginuid': { "'$ploginuid'": () => readTrimmed('/proc/1/loginuid') },
  // root=$(mktemp -d) is the offline root, written into a double-quoted grep pattern.
  'probes/process58/empty_proc': { '$root': (place) => place.root },
  // hostname=`hostname`, inside a double-quoted XPath.
  'probes/sysctl/test_sysctl_probe': { '$hostname': () => os.hostname() },
};

/**
 * Replaces the shell variables of the case in the assertion's target with their values.
 * Returns the assertion unchanged when the case has none, and undefined when a value cannot
 * be computed on this machine.
 */
export function bindTargetVariables(caseId: string, assertion: ExpectedAssertion, place: StepPlace): ExpectedAssertion | undefined {
  const variables = TARGET_VARIABLES[caseId];
  if (variables === undefined) return assertion;
  let target = assertion.target;
  for (const [text, compute] of Object.entries(variables)) {
    if (!target.includes(text)) continue;
    const value = compute(place);
    if (value === undefined) return undefined;
    target = target.replaceAll(text, value);
  }
  return { ...assertion, target };
}

function commandOutput(command: string, args: string[]): string | undefined {
  const run = spawnSync(command, args, { encoding: 'utf8' });
  return run.status === 0 ? run.stdout : undefined;
}

function readTrimmed(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export interface CaseTrace {
  /** The variable that names the trace file in the targets. */
  variable: string;
  /** The arguments strace gets before `-o FILE`. */
  straceArgs: string[];
}

/**
 * Cases whose script runs oscap under `strace -f -e openat -o $trace_log` and then fails when
 * the trace shows a path (`grep -q PATH $trace_log && return 1`). The data restates each grep
 * as "contains", so the runner turns it around and checks that the path does not appear.
 */
const TRACED_CASES: Record<string, CaseTrace> = {
  'probes/file/test_probes_file_multiple_file_paths': { variable: '$trace_log', straceArgs: ['-f', '-e', 'trace=openat'] },
};

export function caseTrace(caseId: string): CaseTrace | undefined {
  return TRACED_CASES[caseId];
}

/** Tells whether strace can run here; the traced cases are not run without it. */
export function straceAvailable(): boolean {
  return spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** Turns a restated "trace contains PATH" assertion into the check the script makes. */
export function asTraceCheck(assertion: ExpectedAssertion, trace: CaseTrace): ExpectedAssertion {
  return assertion.target.endsWith(` (in ${trace.variable})`) ? { ...assertion, expected: false } : assertion;
}

/**
 * Checks the one golden-file comparison the runner can restate: test_sysctl_probe_all.sh
 * compares the parameter names `sysctl -a --deprecated` lists (with "/" read as ".", unique
 * and sorted) with the names in the results file (sorted, duplicates kept). Returns undefined
 * for any other comparison.
 */
export function checkScriptComparison(assertion: ExpectedAssertion, resultsFile: string | undefined): Verdict | undefined {
  if (!assertion.target.startsWith('content comparison: "$sysctlNames" "$ourNames"')) return undefined;
  if (resultsFile === undefined || !existsSync(resultsFile)) return { outcome: 'failed', detail: 'the results file was not written' };

  const listing = spawnSync('sysctl', ['-a', '--deprecated'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PATH: SYSCTL_PATH } });
  if (listing.error !== undefined) return { outcome: 'not run', detail: `sysctl could not run: ${listing.error.message}` };
  const expected = [...new Set(listing.stdout.split('\n').filter((line) => line !== '').map((line) => line.replaceAll('/', '.').split('=')[0].replaceAll(' ', '')))].sort();

  const ours = [...readFileSync(resultsFile, 'utf8').matchAll(/<unix-sys:name(?:\s[^>]*)?>([^<]*)<\/unix-sys:name>/g)].map((match) => match[1]).sort();
  const missing = expected.filter((name) => !ours.includes(name));
  const extra = ours.filter((name) => !expected.includes(name));
  const duplicates = ours.filter((name, index) => ours.indexOf(name) !== index);
  if (missing.length === 0 && extra.length === 0 && duplicates.length === 0) return { outcome: 'passed' };
  return {
    outcome: 'failed',
    detail: `names differ from sysctl -a: ${missing.length} missing (${missing.slice(0, 3).join(', ')}), ${extra.length} extra (${extra.slice(0, 3).join(', ')}), ${duplicates.length} repeated`,
  };
}

/** The PATH test_sysctl_probe_all.sh sets, so that sysctl is found in sbin. */
const SYSCTL_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin';

export function resultsFileOf(args: string[], caseDir: string): string | undefined {
  const index = args.indexOf('--results');
  return index === -1 || args[index + 1] === undefined ? undefined : path.resolve(caseDir, args[index + 1]);
}
