/**
 * The scapula command line: picks the command, runs it, and turns errors into a message on
 * stderr and an exit status. bin/scapula.js calls runCli(); tests call main() with their own
 * streams.
 */
import { setFlagsFromString } from 'node:v8';
import type { Writable } from 'node:stream';

import type { CliContext } from './context.js';
import { MAIN_HELP, OVAL_HELP } from './help.js';
import { packageVersion } from './package-version.js';
import type { VerbosityLevel } from './logger.js';
import { VERBOSITY_LEVELS } from './logger.js';
import { isScapulaError } from '../errors.js';

export interface CliStreams {
  stdout: Writable;
  stderr: Writable;
  signal?: AbortSignal;
}

type Command = (argv: string[], context: CliContext) => Promise<number>;

/**
 * Each command module is imported when its command runs, so that --help, --version and
 * `oval validate` start without loading the evaluator and every probe.
 */
const OVAL_COMMANDS: Record<string, () => Promise<Command>> = {
  eval: async () => (await import('./oval-commands.js')).ovalEvalCommand,
  analyse: async () => (await import('./oval-commands.js')).ovalAnalyseCommand,
  analyze: async () => (await import('./oval-commands.js')).ovalAnalyseCommand,
  collect: async () => (await import('./oval-commands.js')).ovalCollectCommand,
  validate: async () => (await import('./validate-command.js')).ovalValidateCommand,
};

const INFO_COMMAND = async (): Promise<Command> => (await import('./info-command.js')).infoCommand;

/** Exit status of a run stopped by SIGINT, as shells report it (128 + signal 2). */
export const EXIT_INTERRUPTED = 130;

/**
 * Exit status when the reader of standard output or error has gone (`scapula ... | head`), as
 * shells report a process that SIGPIPE ended (128 + signal 13). oscap 1.3.7 ends so.
 */
export const EXIT_BROKEN_PIPE = 141;

/**
 * Runs one command line (without the program name) and returns its exit status: 0 on success,
 * 1 on an error, 2 for an invalid document in `oval validate`, 130 when interrupted. (runCli
 * also exits with 141 when the reader of the output has gone.)
 */
export async function main(argv: string[], streams: CliStreams): Promise<number> {
  const context: CliContext = {
    stdout: streams.stdout,
    stderr: streams.stderr,
    signal: streams.signal ?? new AbortController().signal,
  };
  try {
    return await dispatch(argv, context);
  } catch (error) {
    return reportError(error, context);
  }
}

async function dispatch(argv: string[], context: CliContext): Promise<number> {
  const { logOptions, remaining } = takeLeadingLogOptions(argv);
  const [first, ...afterFirst] = remaining;
  const rest = [...afterFirst, ...logOptions];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    context.stdout.write(MAIN_HELP);
    return 0;
  }
  if (first === '--version' || first === '-V') {
    context.stdout.write(`scapula ${packageVersion()}\n`);
    return 0;
  }
  if (first === 'info') return (await INFO_COMMAND())(rest, context);
  if (first === 'oval') {
    const inner = takeLeadingLogOptions(afterFirst);
    const [sub, ...afterSub] = inner.remaining;
    const subArgs = [...afterSub, ...logOptions, ...inner.logOptions];
    if (sub === undefined) return usage(context, 'missing oval subcommand', OVAL_HELP);
    if (sub === '--help' || sub === '-h') {
      context.stdout.write(OVAL_HELP);
      return 0;
    }
    const loadCommand = OVAL_COMMANDS[sub];
    if (loadCommand === undefined) return usage(context, `unknown oval subcommand '${sub}'`, OVAL_HELP);
    return (await loadCommand())(subArgs, context);
  }
  if (first === 'xccdf' || first === 'ds' || first === 'cpe' || first === 'cve' || first === 'cvss') {
    return usage(context, `'${first}' content is not supported yet; scapula evaluates OVAL documents only`, MAIN_HELP);
  }
  return usage(context, `unknown command '${first}'`, MAIN_HELP);
}

/**
 * Splits off --verbose and --verbose-log-file given before the command, as oscap allows
 * (`oscap --verbose INFO oval eval ...`, `oscap oval --verbose=DEVEL eval ...`), so that the
 * command receives them with its own options.
 */
function takeLeadingLogOptions(argv: string[]): { logOptions: string[]; remaining: string[] } {
  const logOptions: string[] = [];
  let index = 0;
  while (index < argv.length) {
    const argument = argv[index];
    if (argument.startsWith('--verbose=') || argument.startsWith('--verbose-log-file=')) {
      logOptions.push(argument);
      index += 1;
    } else if (argument === '--verbose-log-file' && index + 1 < argv.length) {
      logOptions.push(argument, argv[index + 1]);
      index += 2;
    } else if (argument === '--verbose') {
      const level = argv[index + 1];
      const takesLevel = level !== undefined && VERBOSITY_LEVELS.includes(level.toUpperCase() as VerbosityLevel);
      logOptions.push(...(takesLevel ? [argument, level] : [argument]));
      index += takesLevel ? 2 : 1;
    } else {
      break;
    }
  }
  return { logOptions, remaining: argv.slice(index) };
}

function usage(context: CliContext, message: string, help: string): number {
  context.stderr.write(`scapula: ${message}\n\n${help}`);
  return 1;
}

function reportError(error: unknown, context: CliContext): number {
  if (isScapulaError(error, 'INTERRUPTED') || (context.signal.aborted && isAbortError(error))) {
    context.stderr.write('scapula: interrupted\n');
    return EXIT_INTERRUPTED;
  }
  if (isScapulaError(error)) {
    context.stderr.write(`scapula: ${error.message}\n`);
    return 1;
  }
  // Anything else is a bug in scapula: show the stack so that it can be reported.
  context.stderr.write(`scapula: internal error: ${describeInternalError(error)}\n`);
  return 1;
}

/**
 * Formats an unexpected error as its name and message, then its stack. The stack of a
 * SyntaxError raised while loading a module (a build in dist/ that does not match its
 * sources) starts with the file and line instead, so the message is put first.
 */
export function describeInternalError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const headline = `${error.name}: ${error.message}`;
  if (error.stack === undefined) return headline;
  return error.stack.startsWith(headline) ? error.stack : `${headline}\n${error.stack}`;
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/**
 * Runs the CLI as a process: process.argv, the process streams, and Ctrl-C handling. The first
 * SIGINT or SIGTERM aborts the evaluation, so targets close and remove their temporary folders;
 * a second one exits at once.
 */
export async function runCli(argv: string[] = process.argv.slice(2)): Promise<void> {
  // sql.js, which reads rpm's SQLite databases, is WebAssembly. V8's optimizing tier compiles it
  // a second time on background threads, and the memory of that work stays resident: 12 MB for
  // one database, with no speed-up. The command owns its process, so it keeps to the baseline
  // compiler. The library leaves V8's settings to the program that imports it.
  setFlagsFromString('--liftoff-only');

  // V8 optimizes a function once it has run a budget of bytecode, compiling it again on
  // background threads. On two cores those threads take time from the main thread: perf counted
  // 0.5 s of compiling in a 0.7 s run of ssg-debian11. With four times V8 11.3's default budget,
  // only the functions that stay hot are optimized, and that run takes 0.57 s.
  setFlagsFromString('--interrupt-budget=270336');
  // A quarter of V8 11.3's inlining budget per optimized function makes each compilation
  // smaller: ssg-debian11 took 5 % less time and 7 % less CPU (median of 21 runs, in turn),
  // and the 145 MiB feed, whose hot loops are small, took the same time.
  setFlagsFromString('--max-inlined-bytecode-size-cumulative=230');

  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    process.stderr.write(`scapula: ${signal} received, stopping\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Node.js ignores SIGPIPE, so a closed pipe comes back as an 'error' event, which would end
  // the process with a stack trace if no one listened.
  const onOutputError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT_BROKEN_PIPE);
    process.stderr.write(`scapula: cannot write to the output: ${error.message}\n`);
    process.exit(1);
  };
  process.stdout.on('error', onOutputError);
  process.stderr.on('error', onOutputError);

  const status = await main(argv, { stdout: process.stdout, stderr: process.stderr, signal: controller.signal });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.exitCode = status;
}
