/**
 * Turns an upstream command line into scapula arguments. The restated commands keep the shell
 * variables of the upstream scripts ($result, $DF, ...). The runner binds those whose value
 * follows from the case data, and leaves the case unrun when any other one remains.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

import type { ConformanceCase } from './cases.js';

/** Variables that name a file the command writes (results, system characteristics). */
const OUTPUT_VARIABLES = new Set(['result', 'RF', 'resxml', 'RESFILE', 'oval_result', 'results', 'TMP_RESULTS', 'resultx']);

/** Variables that name the OVAL definitions file of the case. */
const DEFINITION_VARIABLES = new Set(['DF', 'DEFFILE', 'input', 'oval_file', 'definition']);

/** Options whose value is a file the command writes; it need not exist beforehand. */
const OUTPUT_OPTIONS = new Set(['--results', '--syschar', '--report', '--verbose-log-file']);

/**
 * Shell variables a script puts unquoted on the oscap command line, as the words they split
 * into. command_line.sh sets specarg="--report $(echo -ne "\e\n\E[1;33m")\\\n\e". bash makes
 * that "--report", a space, ESC, a newline, ESC "[1;33m", two backslashes, "n", a backslash and
 * "e". Word splitting at the space and the newline gives three arguments.
 */
const COMMAND_VARIABLES: Record<string, Record<string, string[]>> = {
  'probes/process58/command_line': { $specarg: ['--report', '\x1b', '\x1b[1;33m\\\\n\\e'] },
};

export type Resolution = { ok: true; args: string[]; outputs: Map<string, string> } | { ok: false; reason: string };

/**
 * Binds the variables of `command` for `testCase`, with the case's folder `caseDir` as the
 * working directory. `outputs` maps the output variables bound so far ("$result") to files;
 * the returned map adds those this command binds. `definitionsInput`, when given, is the file
 * that $DF, $input and the like name: definitions the runner generated for the case.
 */
export function resolveCommand(
  command: string[],
  testCase: ConformanceCase,
  caseDir: string,
  outputs: ReadonlyMap<string, string>,
  definitionsInput?: string,
): Resolution {
  // Bindings go into a copy, so that a command that cannot be resolved binds nothing.
  const bindings = new Map(outputs);
  const args: string[] = [];
  for (const argument of command) {
    const words = COMMAND_VARIABLES[testCase.id]?.[argument];
    if (words !== undefined) {
      args.push(...words);
      continue;
    }
    const resolved = resolveArgument(argument, testCase, caseDir, bindings, definitionsInput);
    if (!resolved.ok) return resolved;
    args.push(resolved.value);
  }
  return { ok: true, args, outputs: bindings };
}

function resolveArgument(
  argument: string,
  testCase: ConformanceCase,
  caseDir: string,
  outputs: Map<string, string>,
  definitionsInput: string | undefined,
): { ok: true; value: string } | { ok: false; reason: string } {
  const references = [...argument.matchAll(/\$\{?(\w+)\}?/g)];
  if (references.length === 0) return { ok: true, value: argument };

  if (references.length === 1 && references[0][0] === argument) {
    const name = references[0][1];
    if (OUTPUT_VARIABLES.has(name)) {
      const file = outputs.get(`$${name}`) ?? path.join(caseDir, `output-${name}.xml`);
      outputs.set(`$${name}`, file);
      return { ok: true, value: file };
    }
    if (DEFINITION_VARIABLES.has(name)) {
      const file = definitionsInput ?? chooseDefinitionsInput(testCase);
      return file === undefined
        ? { ok: false, reason: `cannot tell which input $${name} names (the upstream script sets it)` }
        : { ok: true, value: file };
    }
  }

  // "dir/$defxml" and "dir/$varxml": the one file in dir ending in ".def.xml" or ".var.xml".
  const inFolder = /^(.*)\/\$\{?(\w+)xml\}?$/.exec(argument);
  if (inFolder !== null && existsSync(path.join(caseDir, inFolder[1]))) {
    const suffix = `.${inFolder[2]}.xml`;
    const matches = readdirSync(path.join(caseDir, inFolder[1])).filter((name) => name.endsWith(suffix));
    if (matches.length === 1) return { ok: true, value: `${inFolder[1]}/${matches[0]}` };
  }
  return { ok: false, reason: `unbound shell variable in '${argument}' (set by the upstream script)` };
}

/**
 * Chooses the OVAL definitions input of a case: its one XML input, or among several the one
 * named after the case or its script. Templates (".tpl") are never chosen, because the script
 * fills them in. Nor are the definitions of an offline-mode case for a case that is not one:
 * upstream's shadow case, for one, generates its definitions and lists the offline file only
 * because the same script runs both.
 */
export function chooseDefinitionsInput(testCase: ConformanceCase): string | undefined {
  const offlineCase = /offline/i.test(testCase.id);
  const candidates = testCase.inputs
    .map((input) => input.replace(/\.gz$/, ''))
    .filter((input) => input.endsWith('.xml'))
    .filter((input) => offlineCase || !/offline/i.test(path.basename(input)));
  if (candidates.length === 1) return candidates[0];

  const segments = testCase.id.split('/');
  const names = segments.slice(-2).map((segment) => segment.replace(/\.xml$/, ''));
  for (const name of names) {
    const match = candidates.find((candidate) => path.basename(candidate, '.xml') === name);
    if (match !== undefined) return match;
  }
  return undefined;
}

/**
 * Files a command reads that must exist before it runs: operands and option values other
 * than outputs. For `oval validate`, --results and the like are document-type flags. Files
 * an earlier step of the case should have written (`produced`) never count as missing: when
 * they are absent, scapula failed to write them and the assertions must fail, not be skipped.
 */
export function missingInputs(args: string[], caseDir: string, produced: Iterable<string>): string[] {
  const producedFiles = new Set(produced);
  const validate = args[0] === 'oval' && args[1] === 'validate';
  const missing: string[] = [];
  for (let index = 2; index < args.length; index++) {
    const argument = args[index];
    if (argument.startsWith('--')) {
      if (!validate && OUTPUT_OPTIONS.has(argument)) index++;
      else if (!validate && VALUE_OPTIONS.has(argument)) {
        const value = args[index + 1];
        if (value !== undefined && looksLikeFile(value) && !existsSync(path.resolve(caseDir, value))) missing.push(value);
        index++;
      }
      continue;
    }
    if (producedFiles.has(argument)) continue;
    if (looksLikeFile(argument) && !existsSync(path.resolve(caseDir, argument))) missing.push(argument);
  }
  return missing;
}

const VALUE_OPTIONS = new Set(['--variables', '--directives', '--id', '--verbose', '--datastream-id', '--oval-id', '--local-files', '--root', '--image']);

function looksLikeFile(argument: string): boolean {
  return argument.includes('/') || /\.(xml|sh|results)$/.test(argument);
}
