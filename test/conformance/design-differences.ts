/**
 * Assertions that check something scapula does differently on purpose. A failed assertion of
 * this kind is reported as "differs by design", never as passed:
 *
 * - product identity: oscap writes `cpe:/a:open-scap:oscap` and its own version in the
 *   results generator, scapula writes its own name and version;
 * - message wording: the assertion greps oscap's own message text, and scapula reports the
 *   same fault in a message of its own, which the table below names;
 * - behaviour: scapula collects or reports something differently on purpose, and its output
 *   (results file, standard streams, exit status) shows what it did instead.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { ExpectedAssertion } from './cases.js';
import type { StepOutput, Verdict } from './assertions.js';

/** Generator checks that ask for oscap's product name or version. */
const PRODUCT_IDENTITY = /oval:product_name\[text\(\)="cpe:\/a:open-scap:oscap"\]|oval:product_version\[text\(\)="1\.3\.7"\]/;

interface WordingDifference {
  caseId: string;
  /** The oscap message pattern of the assertion. */
  oscapPattern: string;
  /** What scapula must write to stderr for the same fault. */
  scapulaMessage: RegExp;
}

const WORDING_DIFFERENCES: WordingDifference[] = [
  // The object names the prefix lin-def without declaring it. oscap reports it from libxml2's
  // namespace check, scapula from its XML reader with the line and column; both stop with no results.
  {
    caseId: 'API/OVAL/unittests/test_xmlns_missing',
    oscapPattern: 'Namespace prefix lin-def on object is not defined',
    scapulaMessage: /test_xmlns_missing\.oval\.xml:\d+:\d+: malformed XML: unbound namespace prefix: "lin-def"/,
  },
  {
    caseId: 'API/OVAL/unittests/test_xmlns_missing',
    oscapPattern: 'Could not find namespace definition for prefix',
    scapulaMessage: /test_xmlns_missing\.oval\.xml:\d+:\d+: malformed XML: unbound namespace prefix: "lin-def"/,
  },
  // An item's "never" cannot be compared with the integer variable. oscap warns twice, first
  // about the conversion, then about the comparison; scapula warns once, naming both.
  {
    caseId: 'API/OVAL/unittests/test_variable_conversion',
    oscapPattern: 'W: oscap:\\s+Conversion of the string "never" to an integer \\(\\d+ bits\\) failed: Invalid argument',
    scapulaMessage: /^W: Can't compare variable 'oval:ssg-var_accounts_passwords_pam_faillock_unlock_time:var:1' value = '0' with collected item entity = 'never' \(item id: \d+\): Conversion of the string "never" to an integer/m,
  },
  {
    caseId: 'API/OVAL/unittests/test_variable_conversion',
    oscapPattern: "W: oscap:\\s+Can't compare variable 'oval:ssg-var_accounts_passwords_pam_faillock_unlock_time:var:1' value = '0' with collected item entity = 'never",
    scapulaMessage: /^W: Can't compare variable 'oval:ssg-var_accounts_passwords_pam_faillock_unlock_time:var:1' value = '0' with collected item entity = 'never'/m,
  },
  // A test names a state that is not defined. oscap warns while writing the definitions back
  // into the results, about the empty placeholder it made for the state, and makes the test
  // unknown. scapula warns when it evaluates the test, which becomes an error.
  {
    caseId: 'API/OVAL/unittests/test_skip_valid',
    oscapPattern: 'Unable to export unknown state',
    scapulaMessage: /^W: the test 'oval:x:tst:1288' refers to the state 'oval:x:ste:1', which is not defined$/m,
  },
];

/**
 * A failed assertion counts as a behaviour difference only when scapula did what the entry
 * describes as its behaviour: every pattern given must match.
 */
interface BehaviourDifference {
  caseId: string;
  /** The one assertion of the case this applies to; every failed assertion of the case when absent. */
  assertion?: { kind: ExpectedAssertion['kind']; target: string };
  /** What scapula writes in its results file instead. */
  scapulaResults?: RegExp;
  scapulaStdout?: RegExp;
  scapulaStderr?: RegExp;
  scapulaStatus?: number;
  reason: string;
}

const NO_MOUNT_TABLE_OFFLINE =
  'scapula reads no mount table from a root folder: it has no running kernel, and the /proc/mounts upstream reaches through a link in the root is the scanning host\'s. The objects are "not collected" and the test unknown';

const BEHAVIOUR_DIFFERENCES: BehaviourDifference[] = [
  // oscap reads ROOT/proc/mounts. The root of the first scenario links /proc to the host's /proc,
  // which gives oscap the host's mounts (a true test). The second root has no /proc (a false test).
  {
    caseId: 'probes/partition/test_probes_partition_offline_mode/Probe partition simple offline test (/proc mount point)',
    scapulaResults: /<object id="oval:1:obj:1" version="1" flag="not collected">/,
    reason: NO_MOUNT_TABLE_OFFLINE,
  },
  {
    caseId: 'probes/partition/test_probes_partition_offline_mode/Probe partition simple offline test (/proc mount point) (invalid prefix)',
    scapulaResults: /<object id="oval:1:obj:1" version="1" flag="not collected">/,
    reason: NO_MOUNT_TABLE_OFFLINE,
  },
  // oscap warns on stderr. scapula writes its warnings about what a probe found into the results,
  // as a message of the collected object, and keeps stderr for faults of the run.
  {
    caseId: 'probes/process58/empty_proc',
    scapulaResults: /<message level="warning">no data about processes could be read from \/proc, which is empty<\/message>/,
    reason: 'warning in the results: scapula writes the warning about the empty /proc as a message of the collected object, not on stderr',
  },
  // The variables file gives "Hello" where the variable's possible_restriction requires a
  // telephone number. oscap 1.3.7 then takes the variable as having no value, without a word,
  // and the test is false.
  {
    caseId: 'API/OVAL/unittests/test_external_variable',
    assertion: { kind: 'stderr_contains', target: '(any text)' },
    scapulaStderr: /^W: the value "Hello" of the external variable 'oval:x:var:1' is not one of its possible values$/m,
    scapulaResults: /<test test_id="oval:x:tst:1" version="1" check="all" result="error"/,
    reason:
      'input fault reported: an external value outside the possible values and restrictions breaks the rule that an external source must supply one of them. scapula warns and makes what uses the variable an error, where oscap 1.3.7 drops the value in silence',
  },
  // The object_component names an entity the items lack. Both tools write the same messages and
  // results; oscap exits 1 because it raised an error on the way.
  {
    caseId: 'API/OVAL/unittests/test_object_component_type',
    assertion: { kind: 'exit_code', target: 'oscap exit status' },
    scapulaStatus: 0,
    scapulaStdout: /^Definition oval:oscap:def:1: false$/m,
    scapulaStderr: /^W: Entity 'something_bogus' has not been found in textfilecontent_item \(id: \d+\) specified by object 'oval:oscap:obj:10'\.$/m,
    reason: 'exit status: the evaluation ran to its end and wrote its results, so scapula exits 0. It exits 1 only on an error that stops the evaluation',
  },
  // On the 10 KB rules file the pattern makes PCRE nest deeper than its recursion limit (oscap
  // 1.3.7: pcre_exec() return code -21), and oscap makes the object and definition errors. Both
  // checks of the case, the error message and the error result, follow from that limit.
  {
    caseId: 'probes/textfilecontent54/test_recursion_limit',
    scapulaResults: /<definition definition_id="oval:x:def:1" result="true"/,
    reason: 'regular expression engine: scapula matches with RE2, which does not recurse, so it finds the match and the definition is true, where PCRE stops at its recursion limit',
  },
];

/**
 * Returns the verdict to report for `assertion`: `verdict`, "differs by design" for a failure
 * listed here, or "not supported" for a failure of `oval validate --schematron`, which scapula
 * rejects because the OVAL Schematron rules need an XSLT processor, or of `--report`.
 */
export function classifyDesignDifference(assertion: ExpectedAssertion, verdict: Verdict, output: StepOutput): Verdict {
  if (verdict.outcome !== 'failed') return verdict;

  if (output.args.includes('--schematron')) {
    return { outcome: 'not supported', detail: 'oval validate --schematron: the OVAL Schematron rules need an XSLT processor, which scapula does not have' };
  }

  if (output.args.includes('--report')) {
    return { outcome: 'not supported', detail: '--report: scapula writes no HTML reports (see docs/cli.md)' };
  }

  if (assertion.kind === 'xpath_count' && PRODUCT_IDENTITY.test(assertion.target)) {
    return { outcome: 'differs by design', detail: 'product identity: scapula writes its own product name and version in the generator' };
  }

  const wording = WORDING_DIFFERENCES.find((entry) => entry.caseId === assertion.case && entry.oscapPattern === assertion.target);
  if (wording !== undefined && assertion.kind === 'stderr_contains' && wording.scapulaMessage.test(output.stderr)) {
    return { outcome: 'differs by design', detail: `message wording: scapula writes a message matching ${String(wording.scapulaMessage)}` };
  }
  const behaviour = BEHAVIOUR_DIFFERENCES.find((entry) => entry.caseId === assertion.case && appliesTo(entry, assertion));
  if (behaviour !== undefined && showsBehaviour(behaviour, output)) {
    return { outcome: 'differs by design', detail: behaviour.reason };
  }
  return verdict;
}

function appliesTo(entry: BehaviourDifference, assertion: ExpectedAssertion): boolean {
  return entry.assertion === undefined || (entry.assertion.kind === assertion.kind && entry.assertion.target === assertion.target);
}

/** Tests whether the step's output shows the behaviour the entry describes. */
function showsBehaviour(entry: BehaviourDifference, output: StepOutput): boolean {
  if (entry.scapulaStatus !== undefined && output.status !== entry.scapulaStatus) return false;
  if (entry.scapulaStdout !== undefined && !entry.scapulaStdout.test(output.stdout)) return false;
  if (entry.scapulaStderr !== undefined && !entry.scapulaStderr.test(output.stderr)) return false;
  return entry.scapulaResults === undefined || entry.scapulaResults.test(readResults(output));
}

/** Returns the text of the results file the step wrote, or "" when there is none. */
function readResults(output: StepOutput): string {
  const index = output.args.indexOf('--results');
  const file = index === -1 ? undefined : output.args[index + 1];
  if (file === undefined) return '';
  try {
    return readFileSync(path.resolve(output.caseDir, file), 'utf8');
  } catch {
    return '';
  }
}
