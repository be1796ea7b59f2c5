/**
 * The logger the CLI hands to the library. Without --verbose, warnings still reach stderr,
 * because they report items or values the evaluation had to skip. --verbose adds info and
 * debug lines by level, and --verbose-log-file sends all of them to a file.
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

import { ScapulaError } from '../errors.js';
import type { Logger } from '../probes/probe.js';

/** oscap's verbosity levels, most to least talkative. */
export type VerbosityLevel = 'DEVEL' | 'INFO' | 'WARNING' | 'ERROR';

export const VERBOSITY_LEVELS: VerbosityLevel[] = ['DEVEL', 'INFO', 'WARNING', 'ERROR'];

export interface CliLogger extends Logger {
  /** Flushes and closes a log file; a no-op when the log goes to stderr. */
  close(): Promise<void>;
}

/**
 * Creates the logger for `--verbose LEVEL` (undefined when the option is absent) and
 * `--verbose-log-file FILE`. Without --verbose only warnings are written, always to stderr.
 */
export function createCliLogger(stderr: Writable, verbosity: VerbosityLevel | undefined, logFile: string | undefined): CliLogger {
  const rank = verbosity === undefined ? VERBOSITY_LEVELS.indexOf('WARNING') : VERBOSITY_LEVELS.indexOf(verbosity);
  const file = verbosity !== undefined && logFile !== undefined ? createWriteStream(logFile) : undefined;
  const output: Writable = file ?? stderr;

  // A log file that cannot be opened or written is reported when the command ends, not as a crash.
  let fileError: Error | undefined;
  file?.on('error', (error) => {
    fileError ??= error;
  });

  function write(levelRank: number, label: string, message: string): void {
    if (levelRank < rank || fileError !== undefined) return;
    output.write(`${label}: ${message}\n`);
  }

  return {
    debug: (message) => write(0, 'D', message),
    info: (message) => write(1, 'I', message),
    warn: (message) => write(2, 'W', message),
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (file === undefined) return resolve();
        const fail = (error: Error) =>
          reject(new ScapulaError('IO', `cannot write the log: ${error.message}`, { file: logFile }, { cause: error }));
        if (fileError !== undefined) return fail(fileError);
        file.once('error', fail);
        file.end(() => resolve());
      }),
  };
}
