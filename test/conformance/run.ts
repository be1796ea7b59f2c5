/**
 * Runs OpenSCAP's own test cases, as restated one assertion per line in the conformance data's
 * expected.jsonl, with scapula in place of oscap. Every assertion is reported as passed,
 * failed, not run, differing by design, not supported or not yet supported.
 *
 *   npm run conformance -- [--filter TEXT] [--strict] [--json FILE] [--details] [--keep]
 *
 * --filter TEXT  run only cases whose id contains TEXT
 * --strict       exit 1 when an assertion that oscap 1.3.7 reproduced fails under API/OVAL,
 *                mitre or probes
 * --json FILE    where to write the machine-readable summary (default
 *                dist/conformance-summary.json in the repository, which git ignores)
 * --details      print every failed assertion with what was found
 * --keep         keep the scratch folder for inspection
 *
 * The exit status is 0 otherwise, and 2 when the runner itself breaks.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Outcome, StepOutput, Verdict } from './assertions.js';
import { checkAssertion } from './assertions.js';
import type { Area, ConformanceCase, ExpectedAssertion } from './cases.js';
import { UNSUPPORTED_AREAS, groupIntoCases, readExpectedAssertions } from './cases.js';
import type { AssertionRecord, CaseRecord } from './report.js';
import { formatReport, summarize } from './report.js';
import { classifyDesignDifference } from './design-differences.js';
import { writeGeneratedInput } from './generated-inputs.js';
import { buildPreparedImage, buildPreparedRoot, caseEnvironment, hasPreparedRoot, writeTemplateInput } from './prepared-roots.js';
import { missingInputs, resolveCommand } from './resolve.js';
import type { StepPlace } from './script-facts.js';
import { NOT_APPLICABLE, asTraceCheck, bindTargetVariables, caseTrace, checkScriptComparison, inapplicableAssertions, resultsFileOf, straceAvailable } from './script-facts.js';
import { prepareCaseDir, prepareMitreSupport, prepareScratchTests, removeMitreSupport } from './workspace.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const conformanceRoot = path.resolve(repoRoot, '../shared/conformance/openscap');
const scapulaBin = path.join(repoRoot, 'bin/scapula.js');

/** A single scapula run longer than this is stopped and its assertions fail. */
const STEP_TIMEOUT_MS = 120_000;

/** Steps run two at a time: the machine is shared and most steps wait on node start-up. */
const CONCURRENCY = 2;

interface RunnerOptions {
  filter?: string;
  strict: boolean;
  jsonFile: string;
  details: boolean;
  keep: boolean;
}

function parseRunnerOptions(argv: string[]): RunnerOptions {
  const options: RunnerOptions = { strict: false, jsonFile: path.join(repoRoot, 'dist/conformance-summary.json'), details: false, keep: false };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--strict') options.strict = true;
    else if (argument === '--details') options.details = true;
    else if (argument === '--keep') options.keep = true;
    else if (argument === '--filter' && argv[index + 1] !== undefined) options.filter = argv[++index];
    else if (argument === '--json' && argv[index + 1] !== undefined) options.jsonFile = argv[++index];
    else throw new Error(`unknown or incomplete option '${argument}'; see the comment at the top of test/conformance/run.ts`);
  }
  return options;
}

async function runConformance(options: RunnerOptions): Promise<number> {
  const started = Date.now();
  const sharedTests = path.join(conformanceRoot, 'tests');
  const allCases = groupIntoCases(readExpectedAssertions(path.join(conformanceRoot, 'expected.jsonl')));
  const cases = options.filter === undefined ? allCases : allCases.filter((testCase) => testCase.id.includes(options.filter!));

  const scratch = mkdtempSync(path.join(tmpdir(), 'scapula-conformance-'));
  const scratchTests = path.join(scratch, 'tests');
  prepareScratchTests(sharedTests, scratchTests);
  const needsMitre = cases.some((testCase) => testCase.area === 'mitre');
  const mitre = needsMitre ? prepareMitreSupport(sharedTests) : { created: false };

  let records: CaseRecord[];
  try {
    records = await runPool(cases, CONCURRENCY, (testCase, index) =>
      runCase(testCase, path.join(scratch, 'cases', String(index)), scratchTests, needsMitre),
    );
  } finally {
    if (mitre.created) removeMitreSupport();
    if (!options.keep) rmSync(scratch, { recursive: true, force: true });
  }

  const summary = summarize(records, { seconds: (Date.now() - started) / 1000, filter: options.filter, mitreNote: mitre.note });
  writeFileSync(options.jsonFile, JSON.stringify({ summary, cases: records }, null, 2) + '\n');
  process.stdout.write(formatReport(summary, records, options.details));
  process.stdout.write(`\nJSON summary written to ${options.jsonFile}${options.keep ? `; scratch folder kept at ${scratch}` : ''}\n`);

  return options.strict && summary.required.failed > 0 ? 1 : 0;
}

async function runCase(testCase: ConformanceCase, caseDir: string, scratchTests: string, withMitre: boolean): Promise<CaseRecord> {
  const record: CaseRecord = { id: testCase.id, area: testCase.area, folder: testCase.folder, assertions: [] };
  if (UNSUPPORTED_AREAS.has(testCase.area)) {
    for (const step of testCase.steps) {
      for (const assertion of step.assertions) record.assertions.push(toRecord(assertion, { outcome: 'not run', detail: 'not yet supported' }, true));
    }
    return record;
  }

  prepareCaseDir(caseDir, scratchTests, withMitre);
  const outputs = new Map<string, string>();
  const skippedOutputs = new Set<string>();
  for (const step of testCase.steps) {
    const variables = step.command.filter((argument) => /^\$\w+$/.test(argument));
    const dependsOnSkipped = variables.some((variable) => skippedOutputs.has(variable));
    const verdicts = dependsOnSkipped
      ? step.assertions.map((): Verdict => ({ outcome: 'not run', detail: 'reads the output of an earlier step that was not run' }))
      : await runStep(step.command, step.assertions, testCase, caseDir, scratchTests, outputs);
    // A step that did not run leaves its output variables unset for the steps after it. A step
    // of a branch that does not apply here never ran upstream either, so it takes nothing away.
    const notApplicable = verdicts.every((verdict) => verdict.detail?.startsWith(NOT_APPLICABLE) === true);
    if (!notApplicable && verdicts.every((verdict) => verdict.outcome === 'not run')) {
      for (const variable of variables) if (!outputs.has(variable)) skippedOutputs.add(variable);
    }
    step.assertions.forEach((assertion, index) => record.assertions.push(toRecord(assertion, verdicts[index], false)));
  }
  return record;
}

async function runStep(
  command: string[],
  assertions: ExpectedAssertion[],
  testCase: ConformanceCase,
  caseDir: string,
  scratchTests: string,
  outputs: Map<string, string>,
): Promise<Verdict[]> {
  const notRun = (detail: string): Verdict[] => assertions.map(() => ({ outcome: 'not run', detail }));
  if (command.length === 0) return notRun('no command line: the upstream script drives a compiled C test program');
  const inapplicable = inapplicableAssertions(testCase.id, command[command.length - 1] ?? '', assertions);
  if (inapplicable.size === assertions.length) return assertions.map((assertion) => ({ outcome: 'not run', detail: inapplicable.get(assertion) }));
  // Definitions the upstream script fills in or generates; $DF and the like name them.
  const environment = { ...process.env, ...caseEnvironment(testCase.id) };
  const preparedInput = writeTemplateInput(testCase.id, caseDir, scratchTests) ?? writeGeneratedInput(testCase.id, caseDir, environment);
  const resolution = resolveCommand(command, testCase, caseDir, outputs, preparedInput);
  if (!resolution.ok) return notRun(resolution.reason);
  for (const [variable, file] of resolution.outputs) outputs.set(variable, file);

  // MITRE content is written for a live reference system: it reads the host, read-only.
  if (testCase.area === 'mitre' && resolution.args[1] === 'eval') resolution.args.splice(2, 0, '--root', '/');

  if (/offline/i.test(testCase.id) && !hasPreparedRoot(testCase.id)) {
    return notRun('needs the offline-mode root the upstream script builds');
  }
  const place: StepPlace = { caseDir };
  if (resolution.args[1] === 'eval') {
    const root = path.join(caseDir, 'prepared-root');
    const image = path.join(caseDir, 'prepared-image');
    if (buildPreparedRoot(testCase.id, root, scratchTests)) {
      resolution.args.splice(2, 0, '--root', root);
      place.root = root;
    } else if (await buildPreparedImage(testCase.id, image)) {
      resolution.args.splice(2, 0, '--image', image);
    }
  }
  const missing = missingInputs(resolution.args, caseDir, outputs.values());
  if (missing.length > 0) return notRun(`input ${missing.join(', ')} is generated by the upstream script`);

  // A traced case runs scapula under strace, as the script runs oscap, and binds the trace file.
  const trace = caseTrace(testCase.id);
  let tracePrefix: string[] = [];
  if (trace !== undefined) {
    if (!straceAvailable()) return notRun('strace is not installed; the script checks a system-call trace');
    const traceFile = path.join(caseDir, 'trace.log');
    outputs.set(trace.variable, traceFile);
    tracePrefix = ['strace', ...trace.straceArgs, '-o', traceFile];
  }

  const run = await runScapula(resolution.args, caseDir, environment, tracePrefix);
  const output: StepOutput = { ...run, args: resolution.args, caseDir, outputs };
  return assertions.map((assertion) => {
    const reason = inapplicable.get(assertion);
    if (reason !== undefined) return { outcome: 'not run', detail: reason };
    const bound = bindTargetVariables(testCase.id, trace === undefined ? assertion : asTraceCheck(assertion, trace), place);
    if (bound === undefined) return { outcome: 'not run', detail: `a shell variable of the target cannot be computed on this machine: ${assertion.target}` };
    const verdict = checkScriptComparison(bound, resultsFileOf(resolution.args, caseDir)) ?? checkAssertion(bound, output);
    return classifyDesignDifference(bound, verdict, output);
  });
}

/** Runs scapula with `args`, behind `prefix` (a tracer and its options) when one is given. */
function runScapula(args: string[], cwd: string, env: NodeJS.ProcessEnv, prefix: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const [program, ...programArgs] = [...prefix, process.execPath, scapulaBin, ...args];
  return new Promise((resolve) => {
    const child = spawn(program, programArgs, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: STEP_TIMEOUT_MS });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => resolve({ status: null, stdout: '', stderr: `failed to start scapula: ${error.message}` }));
    child.on('close', (status) =>
      resolve({ status, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }),
    );
  });
}

function toRecord(assertion: ExpectedAssertion, verdict: Verdict, unsupported: boolean): AssertionRecord {
  const outcome: Outcome | 'unsupported' = unsupported ? 'unsupported' : verdict.outcome;
  return {
    kind: assertion.kind,
    command: assertion.command.join(' '),
    target: assertion.target,
    expected: assertion.expected,
    reproducedByOscap: assertion.reproduced_by_oscap_1_3_7,
    outcome,
    detail: verdict.detail,
  };
}

/** Maps `items` through `work` with at most `limit` calls running, keeping the input order. */
async function runPool<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export type { Area };

try {
  process.exitCode = await runConformance(parseRunnerOptions(process.argv.slice(2)));
} catch (error) {
  process.stderr.write(`conformance runner failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 2;
}
