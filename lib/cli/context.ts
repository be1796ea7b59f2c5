/** The context of every command: the streams to write to and the signal that Ctrl-C aborts. */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

import { ScapulaError } from '../errors.js';

export interface CliContext {
  stdout: Writable;
  stderr: Writable;
  /** Aborted on SIGINT or SIGTERM; commands pass it to the evaluation and stop early. */
  signal: AbortSignal;
}

/**
 * Writes a document to `path` with `write`, then waits until the file is flushed, so that a
 * caller reading the file after the command returns reads all of it.
 */
export async function writeToFile(path: string, write: (out: Writable) => Promise<void>): Promise<void> {
  const out = createWriteStream(path);
  const opened = new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve());
    out.once('error', (error) => reject(new ScapulaError('IO', `cannot write: ${error.message}`, { file: path }, { cause: error })));
  });
  await opened;
  await write(out);
  if (!out.writableEnded) out.end();
  try {
    await finished(out);
  } catch (error) {
    throw new ScapulaError('IO', `cannot write: ${(error as Error).message}`, { file: path }, { cause: error });
  }
}
