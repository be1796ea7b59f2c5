/**
 * Reads OpenSCAP's restated test assertions (expected.jsonl) and groups them into cases and
 * steps. A case is one upstream test scenario; a step is one oscap command line of it, with
 * the assertions checked after that command.
 */
import { readFileSync } from 'node:fs';

export interface ExpectedAssertion {
  case: string;
  /** The oscap command line without the program name; empty when the script drives a C program. */
  command: string[];
  inputs: string[];
  kind: 'exit_code' | 'stdout_contains' | 'stderr_contains' | 'xpath_count' | 'xpath_value' | 'definition_result' | 'file_exists' | 'rule_result';
  target: string;
  expected: unknown;
  /** true or false when oscap 1.3.7 was run on the case; null when undecided. */
  reproduced_by_oscap_1_3_7: boolean | null;
  note: string;
  upstream_script: string;
}

export interface ConformanceStep {
  command: string[];
  assertions: ExpectedAssertion[];
}

/** The upstream areas the report counts separately. */
export type Area = 'API/OVAL' | 'API/XCCDF' | 'DS' | 'mitre' | 'probes' | 'other';

export interface ConformanceCase {
  id: string;
  area: Area;
  /** The upstream folder of the script, e.g. "API/OVAL/unittests". */
  folder: string;
  inputs: string[];
  steps: ConformanceStep[];
}

/** Areas scapula does not implement yet: their cases are reported, never run or counted as passed. */
export const UNSUPPORTED_AREAS: ReadonlySet<Area> = new Set(['API/XCCDF', 'DS']);

export function readExpectedAssertions(file: string): ExpectedAssertion[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const assertions: ExpectedAssertion[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      assertions.push(JSON.parse(line) as ExpectedAssertion);
    } catch (error) {
      throw new Error(`${file}:${index + 1}: invalid JSON: ${(error as Error).message}`);
    }
  });
  return assertions;
}

/** Groups assertions into cases in file order, and each case's assertions into steps by command line. */
export function groupIntoCases(assertions: ExpectedAssertion[]): ConformanceCase[] {
  const cases = new Map<string, ConformanceCase>();
  for (const assertion of assertions) {
    let entry = cases.get(assertion.case);
    if (entry === undefined) {
      entry = {
        id: assertion.case,
        area: areaOf(assertion.case),
        folder: folderOf(assertion.upstream_script),
        inputs: [],
        steps: [],
      };
      cases.set(assertion.case, entry);
    }
    for (const input of assertion.inputs) if (!entry.inputs.includes(input)) entry.inputs.push(input);

    const key = JSON.stringify(assertion.command);
    let step = entry.steps.find((candidate) => JSON.stringify(candidate.command) === key);
    if (step === undefined) {
      step = { command: assertion.command, assertions: [] };
      entry.steps.push(step);
    }
    step.assertions.push(assertion);
  }
  return [...cases.values()];
}

function areaOf(caseId: string): Area {
  if (caseId.startsWith('API/OVAL/')) return 'API/OVAL';
  if (caseId.startsWith('API/XCCDF/')) return 'API/XCCDF';
  if (caseId.startsWith('DS/')) return 'DS';
  if (caseId.startsWith('mitre/')) return 'mitre';
  if (caseId.startsWith('probes/')) return 'probes';
  return 'other';
}

function folderOf(upstreamScript: string): string {
  const slash = upstreamScript.lastIndexOf('/');
  return slash === -1 ? upstreamScript : upstreamScript.slice(0, slash);
}
