/**
 * Checks one restated assertion against what a step produced: its exit status, stdout, stderr
 * and the results or system characteristics file it wrote.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import type { ExpectedAssertion } from './cases.js';

const require = createRequire(import.meta.url);

export interface StepOutput {
  args: string[];
  status: number | null;
  stdout: string;
  stderr: string;
  caseDir: string;
  /** Output variables ("$result") bound to files. */
  outputs: Map<string, string>;
}

export type Outcome = 'passed' | 'failed' | 'not run' | 'differs by design' | 'not supported';

export interface Verdict {
  outcome: Outcome;
  /** Why an assertion failed or was not run: what was expected and what was found. */
  detail?: string;
}

interface LibxmlDocument {
  get(xpath: string, namespaces?: Record<string, string>): unknown;
}

interface ProducedDocument {
  document: LibxmlDocument;
  file: string;
  /** XPATH_NAMESPACES with the prefixes the document itself declares taking precedence. */
  namespaces: Record<string, string>;
}

/** Prefixes the upstream XPath expressions use, bound to the OVAL namespaces. */
const XPATH_NAMESPACES: Record<string, string> = {
  oval: 'http://oval.mitre.org/XMLSchema/oval-common-5',
  'oval-def': 'http://oval.mitre.org/XMLSchema/oval-definitions-5',
  'oval-res': 'http://oval.mitre.org/XMLSchema/oval-results-5',
  'oval-sc': 'http://oval.mitre.org/XMLSchema/oval-system-characteristics-5',
  'ind-def': 'http://oval.mitre.org/XMLSchema/oval-definitions-5#independent',
  'unix-def': 'http://oval.mitre.org/XMLSchema/oval-definitions-5#unix',
  'lin-def': 'http://oval.mitre.org/XMLSchema/oval-definitions-5#linux',
  'ind-sys': 'http://oval.mitre.org/XMLSchema/oval-system-characteristics-5#independent',
  'unix-sys': 'http://oval.mitre.org/XMLSchema/oval-system-characteristics-5#unix',
  'lin-sys': 'http://oval.mitre.org/XMLSchema/oval-system-characteristics-5#linux',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
};

export function checkAssertion(assertion: ExpectedAssertion, output: StepOutput): Verdict {
  // A file_exists target and the "(in $var)" suffix name files the runner binds itself.
  if (assertion.kind === 'file_exists') return checkBoundAssertion(assertion, output);
  const suffix = / \(in (\$\w+|piped text)\)$/.exec(assertion.target)?.[0] ?? '';
  const bound = bindShellVariables(assertion.target.slice(0, assertion.target.length - suffix.length));
  if (bound === undefined) return { outcome: 'not run', detail: `the target uses a shell variable of the upstream script: ${assertion.target}` };
  return checkBoundAssertion({ ...assertion, target: bound + suffix }, output);
}

/**
 * Host facts that upstream scripts read into shell variables and use in their patterns, as
 * "${NAME}" from /etc/os-release in the system_info checks.
 */
function hostShellVariables(): Map<string, string> {
  const variables = new Map<string, string>();
  try {
    for (const line of readFileSync('/etc/os-release', 'utf8').split('\n')) {
      const match = /^(NAME|VERSION)=("?)(.*)\2$/.exec(line.trim());
      if (match !== null) variables.set(match[1], match[3]);
    }
    variables.set('HOSTNAME', readFileSync('/etc/hostname', 'utf8').trim());
  } catch {
    // A host without these files leaves the variables unbound, and their assertions unrun.
  }
  return variables;
}

const HOST_VARIABLES = hostShellVariables();

/**
 * Replaces "$NAME" and "${NAME}" references to known host facts; returns undefined when the
 * target refers to any other shell variable. A "$" before a letter is never a regular
 * expression anchor in these targets, so it always names a variable.
 */
function bindShellVariables(target: string): string | undefined {
  let unbound = false;
  const bound = target.replace(/\$\{?([A-Za-z_]\w*)\}?/g, (reference, name: string) => {
    const value = HOST_VARIABLES.get(name);
    if (value === undefined) unbound = true;
    return value ?? reference;
  });
  return unbound ? undefined : bound;
}

function checkBoundAssertion(assertion: ExpectedAssertion, output: StepOutput): Verdict {
  switch (assertion.kind) {
    case 'exit_code':
      return checkExitCode(exitCodeExpectation(assertion, output.args), output.status, output.stderr);
    case 'stdout_contains':
      return checkTextContains(assertion, output.stdout, output);
    case 'stderr_contains':
      return checkTextContains(assertion, output.stderr, output);
    case 'xpath_count':
      return checkXPathCount(assertion, output);
    case 'xpath_value':
      return checkXPathValue(assertion, output);
    case 'definition_result':
      return checkDefinitionResult(assertion, output);
    case 'file_exists':
      return checkFileExists(assertion, output);
    case 'rule_result':
      return { outcome: 'not run', detail: 'XCCDF rule results are not supported yet' };
  }
}

/**
 * Upstream guards `oscap oval eval` with `|| [ $? == 2 ]`, which the restated data records as
 * "exits with status 2" although the script accepts 0 as well (oscap 1.3.7 exits 0 on those
 * cases). For `oval eval`, an expected 2 therefore reads as "0 or 2".
 */
function exitCodeExpectation(assertion: ExpectedAssertion, args: string[]): unknown {
  const evaluates = args[0] === 'oval' && args[1] === 'eval';
  return evaluates && assertion.expected === 2 ? '0 or 2' : assertion.expected;
}

function checkExitCode(expected: unknown, status: number | null, stderr: string): Verdict {
  if (status === null) return { outcome: 'failed', detail: 'scapula was killed or timed out' };
  const verdict = compareExitCode(expected, status);
  if (verdict.outcome === 'failed' && stderr.trim() !== '') verdict.detail += `; stderr: ${firstLine(stderr)}`;
  return verdict;
}

function compareExitCode(expected: unknown, status: number): Verdict {
  const notMatch = typeof expected === 'string' ? /^not (\d+)$/.exec(expected) : null;
  if (notMatch !== null) {
    const excluded = Number(notMatch[1]);
    return status !== excluded ? { outcome: 'passed' } : { outcome: 'failed', detail: `exit status ${status}, expected anything but ${excluded}` };
  }
  if (expected === '0 or 2') {
    return status === 0 || status === 2 ? { outcome: 'passed' } : { outcome: 'failed', detail: `exit status ${status}, expected 0 or 2` };
  }
  if (typeof expected === 'number') {
    return status === expected ? { outcome: 'passed' } : { outcome: 'failed', detail: `exit status ${status}, expected ${expected}` };
  }
  return { outcome: 'not run', detail: `unrecognised expected exit status ${JSON.stringify(expected)}` };
}

/**
 * Targets are grep patterns, optionally followed by "(in $var)" when upstream searched a file
 * rather than the stream. "(any text)" with expected false means the stream must be empty.
 */
function checkTextContains(assertion: ExpectedAssertion, stream: string, output: StepOutput): Verdict {
  const target = assertion.target;
  if (assertion.expected === 'identical' || target.startsWith('content comparison:')) {
    return { outcome: 'not run', detail: 'golden-file comparison of a compiled upstream C test program' };
  }
  if (target.startsWith('shell condition:')) return { outcome: 'not run', detail: 'generic shell condition of the upstream script' };

  let text = stream;
  let pattern = target;
  const inFile = /^(.*) \(in (\$\w+|piped text)\)$/.exec(target);
  if (inFile !== null) {
    const file = output.outputs.get(inFile[2]);
    if (file === undefined || !existsSync(file)) return { outcome: 'not run', detail: `searches ${inFile[2]}, which the upstream script produces` };
    text = readFileSync(file, 'utf8');
    pattern = inFile[1];
  }

  let expected = assertion.expected === true;
  let flags = 'm';
  if (FAILURE_MARKERS.has(pattern)) {
    expected = false;
    flags = 'mi';
  }

  if (pattern === '(any text)' || pattern === '') {
    const found = text.length > 0;
    return found === expected ? { outcome: 'passed' } : { outcome: 'failed', detail: expected ? 'output is empty' : `output is not empty: ${firstLine(text)}` };
  }

  const regex = grepPattern(pattern, flags);
  if (regex === undefined) return { outcome: 'not run', detail: `pattern /${pattern}/ is not a valid regular expression here` };
  const found = regex.test(text);
  if (found === expected) return { outcome: 'passed' };
  return { outcome: 'failed', detail: expected ? `no line matches /${pattern}/; output begins: ${firstLine(text)}` : `a line matches /${pattern}/` };
}

/**
 * Patterns that upstream scripts use as `grep -Ei PATTERN $stderr && ret_val=1` or
 * `grep -q PATTERN $stderr && false`: the case fails when such a line appears. The restated
 * data records them as "stderr contains", so the runner checks the opposite, ignoring case as
 * `grep -i` does.
 */
const FAILURE_MARKERS: ReadonlySet<string> = new Set([
  '(W: |E: )',
  '(W:|Entity has no value)',
  'Failed to convert OVAL state to SEXP',
  'OpenSCAP Error: Probe at sd=1 (process58) reported an error: Operation not permitted',
  "W: oscap:\\s\\+Can't receive message: 125, Operation canceled.",
]);

/**
 * Translates a grep pattern into a multi-line JavaScript RegExp. A pattern with a backslashed
 * operator (`\+`, `\(`, ...) is a basic regular expression, in which the bare characters
 * `( ) { } | + ?` match themselves. Any other pattern is read as an extended one.
 */
export function grepPattern(pattern: string, flags: string): RegExp | undefined {
  const translated = /\\[+?|(){}]/.test(pattern) ? translateBasicPattern(pattern) : pattern;
  try {
    return new RegExp(translated, flags);
  } catch {
    return undefined;
  }
}

function translateBasicPattern(pattern: string): string {
  let translated = '';
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern[index];
    const next = pattern[index + 1];
    if (character === '\\' && next !== undefined) {
      translated += '+?|(){}'.includes(next) ? next : character + next;
      index++;
    } else {
      translated += '+?|(){}'.includes(character) ? `\\${character}` : character;
    }
  }
  return translated;
}

function firstLine(text: string): string {
  const line = text.split('\n').find((candidate) => candidate.trim() !== '') ?? '';
  return JSON.stringify(line.length > 200 ? `${line.slice(0, 200)}…` : line);
}

function checkXPathCount(assertion: ExpectedAssertion, output: StepOutput): Verdict {
  const document = loadProducedDocument(output);
  if ('outcome' in document) return document;
  const count = evaluateXPath(document, `count(${fromDocumentNode(assertion.target)})`);
  if (typeof count !== 'number') return { outcome: 'not run', detail: `XPath ${assertion.target} could not be evaluated` };
  return count === assertion.expected
    ? { outcome: 'passed' }
    : { outcome: 'failed', detail: `count(${assertion.target}) = ${count} in ${document.file}, expected ${String(assertion.expected)}` };
}

function checkXPathValue(assertion: ExpectedAssertion, output: StepOutput): Verdict {
  const document = loadProducedDocument(output);
  if ('outcome' in document) return document;
  const value = evaluateXPath(document, assertion.target);
  if (value === undefined) return { outcome: 'not run', detail: `XPath ${assertion.target} could not be evaluated` };

  // Upstream's XPath helper prints a boolean as 1 or 0.
  let printed = String(value);
  if (typeof value === 'boolean') printed = value ? '1' : '0';
  return printed === String(assertion.expected)
    ? { outcome: 'passed' }
    : { outcome: 'failed', detail: `${assertion.target} is ${JSON.stringify(printed)}, expected ${JSON.stringify(assertion.expected)}` };
}

/**
 * Checks one definition id against its expected result, or applies upstream's verify_results
 * rule. That rule takes ids oval:N:def:1 to oval:N:def:COUNT (or "tst") and expects each
 * result to equal the true or false that the definitions file writes as comment="..." on the
 * line of that id.
 */
function checkDefinitionResult(assertion: ExpectedAssertion, output: StepOutput): Verdict {
  const document = loadProducedDocument(output);
  if ('outcome' in document) return document;

  const every = /^all "(def|tst)" ids$/.exec(assertion.target);
  if (every === null) {
    const result = evaluateXPath(document, `string(/oval_results/results/system/definitions/definition[@definition_id="${assertion.target}"]/@result)`);
    return result === assertion.expected
      ? { outcome: 'passed' }
      : { outcome: 'failed', detail: `definition ${assertion.target} is ${JSON.stringify(result)}, expected ${JSON.stringify(assertion.expected)}` };
  }

  const type = every[1];
  const definitionsFile = lastOperand(output.args);
  if (definitionsFile === undefined || !existsSync(path.resolve(output.caseDir, definitionsFile))) {
    return { outcome: 'not run', detail: 'the definitions file of the command was not found' };
  }
  const expectedByNumber = commentsById(readFileSync(path.resolve(output.caseDir, definitionsFile), 'utf8'), type);
  const countMatch = new RegExp(`verify_results "${type}" \\S+ \\S+ (\\d+)`).exec(assertion.note);
  const numbers = countMatch !== null ? range(Number(countMatch[1])) : [...expectedByNumber.keys()].sort((a, b) => a - b);

  const mismatches: string[] = [];
  for (const number of numbers) {
    const entry = expectedByNumber.get(number);
    if (entry === undefined) {
      mismatches.push(`${type}:${number} not found in the definitions`);
      continue;
    }
    const xpath =
      type === 'def'
        ? `string(/oval_results/results/system/definitions/definition[@definition_id="${entry.id}"]/@result)`
        : `string(/oval_results/results/system/tests/test[@test_id="${entry.id}"]/@result)`;
    const actual = evaluateXPath(document, xpath);
    if (entry.comment === undefined || asVerifiedResult(actual) !== asVerifiedResult(entry.comment)) {
      mismatches.push(`${entry.id} is ${JSON.stringify(actual)}, expected ${JSON.stringify(entry.comment ?? '(no comment)')}`);
    }
  }
  return mismatches.length === 0 ? { outcome: 'passed' } : { outcome: 'failed', detail: mismatches.slice(0, 5).join('; ') + (mismatches.length > 5 ? `; ${mismatches.length - 5} more` : '') };
}

/** Reduces a result or comment the way verify_results does: "true", "false", or "error" for anything else. */
function asVerifiedResult(value: unknown): string {
  return value === 'true' || value === 'false' ? value : 'error';
}

/** Maps N to the id "oval:<digits>:TYPE:N" and the comment="..." found on its line. */
function commentsById(text: string, type: string): Map<number, { id: string; comment?: string }> {
  const entries = new Map<number, { id: string; comment?: string }>();
  const idPattern = new RegExp(`id="(oval:\\d+:${type}:(\\d+))"`);
  for (const line of text.split('\n')) {
    const match = idPattern.exec(line);
    if (match === null) continue;
    const number = Number(match[2]);
    if (entries.has(number)) continue;
    const comment = /comment="([^"]*)"/.exec(line)?.[1];
    entries.set(number, { id: match[1], comment });
  }
  return entries;
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index + 1);
}

function checkFileExists(assertion: ExpectedAssertion, output: StepOutput): Verdict {
  const file = output.outputs.get(assertion.target);
  if (file === undefined) return { outcome: 'not run', detail: `${assertion.target} is not a file this runner binds` };
  const nonEmpty = assertion.note.includes('non-empty');
  if (!existsSync(file)) return { outcome: 'failed', detail: `${assertion.target} was not written` };
  if (nonEmpty && statSync(file).size === 0) return { outcome: 'failed', detail: `${assertion.target} is empty` };
  return { outcome: 'passed' };
}

/**
 * Loads the document a step's XPath assertions read: the value of --results or --syschar, or
 * for `oval validate` the validated file.
 */
function loadProducedDocument(output: StepOutput): ProducedDocument | Verdict {
  const file = producedFile(output.args);
  if (file === undefined) return { outcome: 'not run', detail: 'the command names no results file to inspect' };
  const fullPath = path.resolve(output.caseDir, file);
  if (!existsSync(fullPath)) return { outcome: 'failed', detail: `${file} was not written` };

  // Upstream strips the default namespace before running XPath without prefixes; so does this.
  const text = readFileSync(fullPath, 'utf8').replace(/\sxmlns="[^"]*"/g, ' xmlns:default-namespace="urn:removed"');
  const libxml = require('libxmljs2') as { parseXml(text: string, options?: Record<string, unknown>): LibxmlDocument };
  const namespaces = { ...XPATH_NAMESPACES };
  for (const match of text.matchAll(/\sxmlns:([\w.-]+)="([^"]*)"/g)) namespaces[match[1]] = match[2];
  try {
    return { document: libxml.parseXml(text, { nonet: true, huge: true }), file, namespaces };
  } catch (error) {
    return { outcome: 'failed', detail: `${file} is not well-formed XML: ${(error as Error).message.trim()}` };
  }
}

function producedFile(args: string[]): string | undefined {
  if (args[0] === 'oval' && args[1] === 'validate') return lastOperand(args);
  for (let index = 0; index < args.length - 1; index++) {
    if (args[index] === '--results' || args[index] === '--syschar') return args[index + 1];
  }
  return undefined;
}

function lastOperand(args: string[]): string | undefined {
  const last = args[args.length - 1];
  return last === undefined || last.startsWith('--') ? undefined : last;
}

/**
 * Anchors a relative location path ("oval_results/results/...") at the document node, where
 * upstream's xmllint evaluates it; libxmljs2 evaluates from the root element instead.
 */
export function fromDocumentNode(expression: string): string {
  return /^[A-Za-z_][\w.-]*(:[\w.-]+)?(\/|\[|$)/.test(expression) ? `/${expression}` : expression;
}

function evaluateXPath(produced: ProducedDocument, expression: string): string | number | boolean | undefined {
  try {
    const value = produced.document.get(expression, produced.namespaces);
    if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
    return undefined;
  } catch {
    return undefined;
  }
}
