/** Counts and prints the outcome of a conformance run: per case, per upstream folder, per area. */
import type { Outcome } from './assertions.js';
import type { Area } from './cases.js';

export interface AssertionRecord {
  kind: string;
  command: string;
  target: string;
  expected: unknown;
  reproducedByOscap: boolean | null;
  outcome: Outcome | 'unsupported';
  detail?: string;
}

export interface CaseRecord {
  id: string;
  area: Area;
  folder: string;
  assertions: AssertionRecord[];
}

export interface Counts {
  cases: number;
  assertions: number;
  passed: number;
  failed: number;
  notRun: number;
  /** Failed checks of behaviour scapula changes on purpose: see design-differences.ts. */
  differsByDesign: number;
  /** Assertions of unsupported areas, and failed checks of an option scapula does not support. */
  unsupported: number;
}

export interface Summary {
  seconds: number;
  filter?: string;
  mitreNote?: string;
  total: Counts;
  byArea: Record<string, Counts>;
  byFolder: Record<string, Counts>;
  /** Assertions oscap 1.3.7 reproduced, under API/OVAL, mitre and probes: the ones scapula must pass. */
  required: Counts;
  requiredByArea: Record<string, Counts>;
}

const REQUIRED_AREAS: ReadonlySet<Area> = new Set(['API/OVAL', 'mitre', 'probes']);

function emptyCounts(): Counts {
  return { cases: 0, assertions: 0, passed: 0, failed: 0, notRun: 0, differsByDesign: 0, unsupported: 0 };
}

function add(counts: Counts, assertions: AssertionRecord[]): void {
  counts.cases += 1;
  for (const assertion of assertions) {
    counts.assertions += 1;
    if (assertion.outcome === 'passed') counts.passed += 1;
    else if (assertion.outcome === 'failed') counts.failed += 1;
    else if (assertion.outcome === 'not run') counts.notRun += 1;
    else if (assertion.outcome === 'differs by design') counts.differsByDesign += 1;
    else counts.unsupported += 1;
  }
}

export function summarize(records: CaseRecord[], run: { seconds: number; filter?: string; mitreNote?: string }): Summary {
  const summary: Summary = {
    seconds: Math.round(run.seconds * 10) / 10,
    filter: run.filter,
    mitreNote: run.mitreNote,
    total: emptyCounts(),
    byArea: {},
    byFolder: {},
    required: emptyCounts(),
    requiredByArea: {},
  };
  for (const record of records) {
    add(summary.total, record.assertions);
    add((summary.byArea[record.area] ??= emptyCounts()), record.assertions);
    add((summary.byFolder[record.folder] ??= emptyCounts()), record.assertions);

    if (!REQUIRED_AREAS.has(record.area)) continue;
    const required = record.assertions.filter((assertion) => assertion.reproducedByOscap === true);
    if (required.length === 0) continue;
    add(summary.required, required);
    add((summary.requiredByArea[record.area] ??= emptyCounts()), required);
  }
  return summary;
}

function row(label: string, counts: Counts): string {
  const cells = [counts.cases, counts.assertions, counts.passed, counts.failed, counts.notRun, counts.differsByDesign, counts.unsupported].map((value) => String(value).padStart(8));
  return `${label.padEnd(44)}${cells.join('')}`;
}

function header(label: string): string {
  return `${label.padEnd(44)}${['cases', 'asserts', 'passed', 'failed', 'not run', 'design', 'unsupp.'].map((title) => title.padStart(8)).join('')}`;
}

function caseLine(record: CaseRecord): string {
  const counts = emptyCounts();
  add(counts, record.assertions);
  const extra = [
    counts.differsByDesign > 0 ? `, ${counts.differsByDesign} differ by design` : '',
    counts.unsupported > 0 ? `, ${counts.unsupported} not supported` : '',
  ].join('');
  const state =
    counts.unsupported === counts.assertions ? 'not yet supported' : `${counts.passed} passed, ${counts.failed} failed, ${counts.notRun} not run${extra}`;
  return `  ${counts.failed > 0 ? 'FAIL' : counts.passed > 0 && counts.notRun === 0 ? 'ok  ' : '--  '} ${record.id}: ${state}`;
}

export function formatReport(summary: Summary, records: CaseRecord[], details: boolean): string {
  const lines: string[] = [];
  lines.push(`OpenSCAP conformance run${summary.filter !== undefined ? ` (cases containing "${summary.filter}")` : ''}: ${summary.seconds} s`);
  if (summary.mitreNote !== undefined) lines.push(`note: ${summary.mitreNote}`);

  lines.push('', 'Cases:');
  for (const record of records) lines.push(caseLine(record));

  lines.push('', 'Assertions by upstream folder:', header('folder'));
  for (const folder of Object.keys(summary.byFolder).sort()) lines.push(row(folder, summary.byFolder[folder]));
  lines.push(row('TOTAL', summary.total));

  lines.push('', 'Assertions by area:', header('area'));
  for (const area of Object.keys(summary.byArea).sort()) lines.push(row(area, summary.byArea[area]));

  lines.push('', 'Assertions oscap 1.3.7 reproduced (API/OVAL, mitre, probes):', header('area'));
  for (const area of Object.keys(summary.requiredByArea).sort()) lines.push(row(area, summary.requiredByArea[area]));
  lines.push(row('REQUIRED TOTAL', summary.required));

  if (details) {
    lines.push('', 'Failed assertions:');
    for (const record of records) {
      for (const assertion of record.assertions) {
        if (assertion.outcome !== 'failed') continue;
        lines.push(`  ${record.id}`, `    $ scapula ${assertion.command}`, `    ${assertion.kind} ${assertion.target}: ${assertion.detail ?? ''}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}
