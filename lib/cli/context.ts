/** The context of every command: the streams to write to and the signal that Ctrl-C aborts. */
import { createWriteStream, rmSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
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
 *
 * The document goes to a temporary file beside `path` that replaces `path` only once it is
 * complete. So a failed run leaves no half-written file, and `--results` may name the input
 * itself: the writer still reads the old file while the new one is written.
 *
 * When `signal` is aborted (Ctrl-C), the temporary file is closed, so the writer fails at its
 * next chunk. The temporary file is then removed and this throws an INTERRUPTED error. It is
 * also removed when the process exits during the writing.
 */
export async function writeToFile(path: string, write: (out: Writable) => Promise<void>, signal?: AbortSignal): Promise<void> {
  throwIfInterrupted(signal);
  const temporary = `${path}.scapula-${process.pid}.tmp`;
  const out = createWriteStream(temporary, { flags: 'wx' });
  const opened = new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve());
    out.once('error', (error) => reject(writeError(path, error)));
  });
  await opened;

  const stopWriting = () => out.destroy();
  signal?.addEventListener('abort', stopWriting, { once: true });
  // A second Ctrl-C ends the process with process.exit(), which skips the cleanup below.
  const removeOnExit = () => rmSync(temporary, { force: true });
  process.once('exit', removeOnExit);
  try {
    await write(out);
    throwIfInterrupted(signal);
    if (!out.writableEnded) out.end();
    await finished(out);
    throwIfInterrupted(signal);
    await rename(temporary, path);
  } catch (error) {
    out.destroy();
    await rm(temporary, { force: true });
    if (signal?.aborted) throw new ScapulaError('INTERRUPTED', 'interrupted', {}, { cause: error });
    if (error instanceof ScapulaError) throw error;
    throw writeError(path, error);
  } finally {
    signal?.removeEventListener('abort', stopWriting);
    process.off('exit', removeOnExit);
  }
}

/** Describes a failed write of `path`, naming the output file rather than its temporary file. */
function writeError(path: string, error: unknown): ScapulaError {
  const cause = error as NodeJS.ErrnoException;
  const where = { file: path };
  if (cause.code === 'EISDIR') return new ScapulaError('IO', 'cannot write: is a directory, not a regular file', where, { cause: error });
  if (cause.code === 'ENOENT') return new ScapulaError('IO', `cannot write: the folder ${dirname(path)} does not exist`, where, { cause: error });
  return new ScapulaError('IO', `cannot write: ${cause.message}`, where, { cause: error });
}

function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ScapulaError('INTERRUPTED', 'interrupted');
}
