/**
 * `scapula oval eval`, `oval analyse` and `oval collect`: each reads its inputs, runs the
 * library and writes what was asked for. The work itself is in lib/oval and lib/targets.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

import type { OptionSpec, ParsedArgs } from './args.js';
import { optionFlag, optionValue, parseArgs, usageError } from './args.js';
import type { CliContext } from './context.js';
import { writeToFile } from './context.js';
import { OVAL_ANALYSE_HELP, OVAL_COLLECT_HELP, OVAL_EVAL_HELP } from './help.js';
import { collectGarbageIfLarge } from './memory.js';
import type { CliLogger, VerbosityLevel } from './logger.js';
import { VERBOSITY_LEVELS, createCliLogger } from './logger.js';
import { packageVersion } from './package-version.js';
import { TARGET_OPTION_SPECS, ignoredPathsFromArgs, openTargetFromArgs, outputsInsideRoot } from './target-options.js';
import { ScapulaError } from '../errors.js';
import { evaluateOval } from '../oval/evaluate/index.js';
import type { Generator, OvalDefinitions } from '../oval/model.js';
import { parseOvalDefinitions, parseOvalDefinitionsUnchecked } from '../oval/parser.js';
import type { OvalResults } from '../oval/results-model.js';
import { createDefaultRegistry } from '../probes/builtin.js';
import type { Logger } from '../probes/probe.js';
import type { Target } from '../targets/target.js';

const DEFAULT_CONTENT_NAME = 'scapula-container-baseline.oval.xml';

const VALIDATION_OPTION_SPECS: OptionSpec[] = [
  { name: 'skip-valid', kind: 'flag', ignored: true },
  { name: 'skip-validation', kind: 'flag', ignored: true },
];

const LOG_OPTION_SPECS: OptionSpec[] = [
  { name: 'verbose', kind: 'optional', choices: VERBOSITY_LEVELS },
  { name: 'verbose-log-file', kind: 'value' },
];

const HELP_SPEC: OptionSpec = { name: 'help', kind: 'flag' };

/** oscap options for content scapula does not read yet; each is rejected with the reason. */
const DATASTREAM_REJECTS: OptionSpec[] = [
  { name: 'datastream-id', kind: 'value', rejectReason: 'SCAP source data streams are not supported yet; pass an OVAL definitions file' },
  { name: 'oval-id', kind: 'value', rejectReason: 'SCAP source data streams are not supported yet; pass an OVAL definitions file' },
  { name: 'fetch-remote-resources', kind: 'flag', rejectReason: 'scapula never downloads content; pass local files' },
  { name: 'local-files', kind: 'value', rejectReason: 'SCAP source data streams are not supported yet' },
  { name: 'report', kind: 'value', rejectReason: 'HTML reports are not supported; write --results and transform them' },
];

const EVAL_OPTIONS: OptionSpec[] = [
  HELP_SPEC,
  { name: 'results', kind: 'value' },
  { name: 'variables', kind: 'value' },
  { name: 'directives', kind: 'value' },
  { name: 'without-syschar', kind: 'flag' },
  { name: 'id', kind: 'value', repeatable: true },
  ...TARGET_OPTION_SPECS,
  ...VALIDATION_OPTION_SPECS,
  ...LOG_OPTION_SPECS,
  ...DATASTREAM_REJECTS,
];

const ANALYSE_OPTIONS: OptionSpec[] = [
  HELP_SPEC,
  { name: 'results', kind: 'value' },
  { name: 'variables', kind: 'value' },
  { name: 'directives', kind: 'value' },
  ...VALIDATION_OPTION_SPECS,
  ...LOG_OPTION_SPECS,
];

const COLLECT_OPTIONS: OptionSpec[] = [
  HELP_SPEC,
  { name: 'syschar', kind: 'value' },
  { name: 'variables', kind: 'value' },
  { name: 'id', kind: 'value', repeatable: true },
  ...TARGET_OPTION_SPECS,
  ...VALIDATION_OPTION_SPECS,
  ...LOG_OPTION_SPECS,
];

export async function ovalEvalCommand(argv: string[], context: CliContext): Promise<number> {
  const command = 'oval eval';
  const args = parseArgs(argv, EVAL_OPTIONS, command);
  if (optionFlag(args, 'help')) return printHelp(context, OVAL_EVAL_HELP);
  const [definitionsFile] = args.operands.length === 0 ? [defaultContentFile()] : expectOperands(args, ['OVAL_FILE'], command);

  const logger = loggerFromArgs(args, context, command);
  let target: Target | undefined;
  try {
    warnAboutOutputsInsideRoot(args, ['results', 'verbose-log-file'], logger);
    const directives = await readOptionalDirectives(args);
    // A large document is evaluated while the copy's worker still checks it: what the evaluation
    // logs is held, and nothing is printed or written, until the check has passed.
    const { document: definitions, checked } = await parseOvalDefinitionsUnchecked(definitionsFile, {
      onWarning: (warning) => logger.warn(warning.message),
      keepComments: false,
      keepDefinitionsCopy: needsDefinitionsCopy(optionValue(args, 'results'), directives),
    });
    const heldLogger = holdingLogger(logger, checked);
    // A fault the check finds stops the evaluation: there will be no results to report.
    const onFault = new AbortController();
    checked.catch(() => onFault.abort());
    const signal = eitherAborted(context.signal, onFault.signal);
    let results: OvalResults;
    let definitionIds: string[] | undefined;
    try {
      definitionIds = selectedDefinitionIds(args, definitions);
      const externalVariables = await readOptionalVariables(args);
      collectGarbageIfLarge();

      throwIfAborted(signal);
      target = await openTargetFromArgs(args, command, signal);
      reportTargetWarnings(target, heldLogger);
      heldLogger.info(`Evaluating ${definitionsFile} against ${target.kind} ${target.source}`);
      results = await evaluateOval(definitions, {
        registry: createDefaultRegistry(),
        target,
        externalVariables,
        definitionIds,
        logger: heldLogger,
        signal,
        ignoredPaths: ignoredPathsFromArgs(args),
      });
    } catch (error) {
      // A document that is not well-formed fails for that, as it would have before evaluating.
      // Ctrl-C does not wait for the check.
      if (onFault.signal.aborted || !(error instanceof ScapulaError && error.code === 'INTERRUPTED')) await checked;
      throw error;
    }
    await checked;

    printDefinitionResults(context, results, definitionIds);
    const resultsFile = optionValue(args, 'results');
    if (resultsFile !== undefined) {
      collectGarbageIfLarge();
      await writeResultsFile(resultsFile, definitions, results, directives, !optionFlag(args, 'without-syschar'), context.signal);
    }
    return 0;
  } finally {
    await target?.close();
    await logger.close();
  }
}

export async function ovalAnalyseCommand(argv: string[], context: CliContext): Promise<number> {
  const command = 'oval analyse';
  const args = parseArgs(argv, ANALYSE_OPTIONS, command);
  if (optionFlag(args, 'help')) return printHelp(context, OVAL_ANALYSE_HELP);
  const [definitionsFile, syscharFile] = expectOperands(args, ['OVAL_FILE', 'SYSCHAR_FILE'], command);
  const resultsFile = optionValue(args, 'results');
  if (resultsFile === undefined) throw usageError('--results FILE is required', command);

  const logger = loggerFromArgs(args, context, command);
  try {
    const directives = await readOptionalDirectives(args);
    const definitions = await parseOvalDefinitions(definitionsFile, {
      onWarning: (warning) => logger.warn(warning.message),
      keepComments: false,
      keepDefinitionsCopy: needsDefinitionsCopy(resultsFile, directives),
    });
    const { readSystemCharacteristics } = await import('../oval/syschar-reader.js');
    const systemCharacteristics = await readSystemCharacteristics(syscharFile);
    const externalVariables = await readOptionalVariables(args);

    const results = await evaluateOval(definitions, {
      registry: createDefaultRegistry(),
      systemCharacteristics,
      externalVariables,
      logger,
      signal: context.signal,
    });

    await writeResultsFile(resultsFile, definitions, results, directives, true, context.signal);
    return 0;
  } finally {
    await logger.close();
  }
}

export async function ovalCollectCommand(argv: string[], context: CliContext): Promise<number> {
  const command = 'oval collect';
  const args = parseArgs(argv, COLLECT_OPTIONS, command);
  if (optionFlag(args, 'help')) return printHelp(context, OVAL_COLLECT_HELP);
  const [definitionsFile] = expectOperands(args, ['OVAL_FILE'], command);

  const logger = loggerFromArgs(args, context, command);
  let target: Target | undefined;
  try {
    warnAboutOutputsInsideRoot(args, ['syschar', 'verbose-log-file'], logger);
    const definitions = await parseOvalDefinitions(definitionsFile, { onWarning: (warning) => logger.warn(warning.message), keepComments: false });
    const objectIds = args.options.get('id') ?? [];
    for (const id of objectIds) {
      if (!definitions.objects.has(id)) throw new ScapulaError('REF_NOT_FOUND', `no object with id '${id}'`, { file: definitionsFile });
    }
    const externalVariables = await readOptionalVariables(args);

    throwIfAborted(context.signal);
    target = await openTargetFromArgs(args, command, context.signal);
    reportTargetWarnings(target, logger);
    const collectDefinitions = restrictToObjects(definitions, objectIds.length > 0 ? objectIds : [...definitions.objects.keys()]);
    const results = await evaluateOval(collectDefinitions, {
      registry: createDefaultRegistry(),
      target,
      externalVariables,
      logger,
      signal: context.signal,
      ignoredPaths: ignoredPathsFromArgs(args),
    });

    const syscharFile = optionValue(args, 'syschar');
    const { writeSystemCharacteristics } = await import('../oval/syschar-writer.js');
    const writeSyschar = (out: Writable) => writeSystemCharacteristics(out, { systemCharacteristics: results.systemCharacteristics, definitions, generator: generatorFor(definitions) });
    if (syscharFile !== undefined) await writeToFile(syscharFile, writeSyschar, context.signal);
    else await writeSyschar(context.stdout);
    return 0;
  } finally {
    await target?.close();
    await logger.close();
  }
}

/**
 * Finds the content `oval eval` evaluates when no file is given: the container baseline in the
 * package's content/ folder, searched for from this module up to the package root.
 */
export function defaultContentFile(): string {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(directory, 'content', DEFAULT_CONTENT_NAME);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(directory);
    if (parent === directory) throw new ScapulaError('IO', `the default content ${DEFAULT_CONTENT_NAME} is missing from the package; pass an OVAL file`);
    directory = parent;
  }
}

/** Returns a signal that aborts when either of two does (AbortSignal.any needs Node 20.3). */
function eitherAborted(first: AbortSignal, second: AbortSignal): AbortSignal {
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (first.aborted || second.aborted) abort();
  first.addEventListener('abort', abort, { once: true });
  second.addEventListener('abort', abort, { once: true });
  return controller.signal;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new ScapulaError('INTERRUPTED', 'interrupted');
}

function printHelp(context: CliContext, text: string): number {
  context.stdout.write(text);
  return 0;
}

function expectOperands(args: ParsedArgs, names: string[], command: string): string[] {
  if (args.operands.length < names.length) {
    throw usageError(`missing ${names.slice(args.operands.length).join(' and ')}`, command);
  }
  if (args.operands.length > names.length) {
    throw usageError(`unexpected argument '${args.operands[names.length]}'`, command);
  }
  return args.operands;
}

function loggerFromArgs(args: ParsedArgs, context: CliContext, command: string): CliLogger {
  const verbose = optionValue(args, 'verbose');
  const logFile = optionValue(args, 'verbose-log-file');
  if (logFile !== undefined && verbose === undefined) throw usageError('--verbose-log-file requires --verbose', command);

  let level: VerbosityLevel | undefined;
  if (verbose === 'true') level = 'INFO';
  else if (verbose !== undefined) level = verbose as VerbosityLevel;
  return createCliLogger(context.stderr, level, logFile);
}

/** Returns the --id values after checking each against the document, or undefined to evaluate every definition. */
function selectedDefinitionIds(args: ParsedArgs, definitions: OvalDefinitions): string[] | undefined {
  const ids = args.options.get('id');
  if (ids === undefined) return undefined;
  for (const id of ids) {
    if (!definitions.definitions.has(id)) {
      throw new ScapulaError('REF_NOT_FOUND', `no definition with id '${id}'`, { file: definitions.file });
    }
  }
  return [...new Set(ids)];
}

/**
 * Returns a logger that keeps what it is given until `checked` is fulfilled, then passes it
 * on, as it does all later messages. When `checked` rejects, what it kept is dropped.
 */
function holdingLogger(logger: Logger, checked: Promise<void>): Logger {
  let pending: [level: keyof Logger, message: string][] | undefined = [];
  void checked.then(
    () => {
      const messages = pending ?? [];
      pending = undefined;
      for (const [level, message] of messages) logger[level](message);
    },
    () => undefined,
  );
  const log = (level: keyof Logger) => (message: string) => {
    if (pending === undefined) logger[level](message);
    else pending.push([level, message]);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn') };
}

// The readers and writers below are imported only when an option needs them, which keeps
// the start-up of a plain `oval eval` short.

async function readOptionalVariables(args: ParsedArgs) {
  const file = optionValue(args, 'variables');
  if (file === undefined) return undefined;
  const { readOvalVariables } = await import('../oval/variables-file.js');
  return readOvalVariables(file);
}

type Directives = Awaited<ReturnType<(typeof import('../oval/directives.js'))['readDirectives']>>;

/**
 * Whether the parse should make the definitions copy of the results document: only when
 * results are written and the directives keep the source definitions (the default).
 */
function needsDefinitionsCopy(resultsFile: string | undefined, directives: Directives | undefined): boolean {
  return resultsFile !== undefined && (directives?.includeSourceDefinitions ?? true);
}

async function readOptionalDirectives(args: ParsedArgs): Promise<Directives | undefined> {
  const file = optionValue(args, 'directives');
  if (file === undefined) return undefined;
  const { readDirectives } = await import('../oval/directives.js');
  return readDirectives(file);
}

/**
 * Prints "Definition ID: RESULT" lines in descending byte order of the id, so "oval:x:def:3"
 * comes before "oval:x:def:20" whatever the document order. oscap 1.3.7 prints this order, and
 * keeping it lets scripts that compare the two outputs line by line work unchanged.
 */
function printDefinitionResults(context: CliContext, results: OvalResults, definitionIds: string[] | undefined): void {
  const selected = definitionIds === undefined ? [...results.definitions.keys()] : definitionIds;
  const ordered = [...selected].sort(compareDescending);
  const lines = ordered.map((id) => `Definition ${id}: ${results.definitions.get(id)?.result ?? 'not evaluated'}\n`);
  context.stdout.write(lines.join('') + 'Evaluation done.\n');
}

function compareDescending(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? 1 : -1;
}

async function writeResultsFile(
  path: string,
  definitions: OvalDefinitions,
  results: OvalResults,
  directives: Directives | undefined,
  includeSystemCharacteristics: boolean,
  signal: AbortSignal,
): Promise<void> {
  const { writeOvalResults } = await import('../oval/results-writer.js');
  const generator = generatorFor(definitions);
  await writeToFile(path, (out) => writeOvalResults(out, { definitions, results, directives, includeSystemCharacteristics, generator }), signal);
}

/**
 * The generator of written results and system characteristics: scapula's name and version, and
 * the schema versions of the input definitions, which oscap 1.3.7 also copies into its output.
 */
function generatorFor(definitions: OvalDefinitions): Partial<Generator> {
  const generator: Partial<Generator> = { productName: 'scapula', productVersion: packageVersion() };
  if (definitions.generator.schemaVersion !== '') generator.schemaVersion = definitions.generator.schemaVersion;
  if (definitions.generator.platformSchemaVersions !== undefined) generator.platformSchemaVersions = definitions.generator.platformSchemaVersions;
  return generator;
}

/**
 * Copies `definitions` without definitions and with only the tests of the named objects. The
 * evaluator then evaluates every remaining test, which collects exactly those objects and the
 * objects their variables refer to.
 */
function restrictToObjects(definitions: OvalDefinitions, objectIds: string[]): OvalDefinitions {
  const testIds = new Set<string>();
  for (const test of definitions.tests.values()) {
    if (test.objectRef !== undefined && objectIds.includes(test.objectRef)) testIds.add(test.id);
  }
  return {
    ...definitions,
    definitions: new Map(),
    tests: new Map([...definitions.tests].filter(([id]) => testIds.has(id))),
  };
}

/** Passes on what the target skipped while it was opened (an image's hard link to nothing, say). */
function reportTargetWarnings(target: Target, logger: { warn(message: string): void }): void {
  const warnings = (target as Target & { warnings?: readonly string[] }).warnings ?? [];
  for (const warning of warnings) logger.warn(`${target.source}: ${warning}`);
}

/** Warns about each output file of `options` that --root puts inside the scanned target. */
function warnAboutOutputsInsideRoot(args: ParsedArgs, options: string[], logger: { warn(message: string): void }): void {
  const outputs = Object.fromEntries(options.map((option) => [option, optionValue(args, option)]));
  for (const warning of outputsInsideRoot(args, outputs)) logger.warn(warning);
}
