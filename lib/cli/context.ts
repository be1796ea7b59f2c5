/** The context of every command: the streams to write to and the signal that Ctrl-C aborts. */
import { createWriteStream, rmSync, type Stats, type WriteStream } from 'node:fs';
import { chmod, chown, lstat, realpath, rename, rm } from 'node:fs/promises';
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
 * A new or regular file gets the document through a temporary file beside `path` that replaces
 * `path` only once it is complete, with the old file's permission bits (and owner, when run as
 * root). So a failed run leaves no half-written file, and `--results` may name the input
 * itself: the writer still reads the old file while the new one is written. The replaced file's
 * other hard links keep the old content.
 *
 * A symbolic link is followed, and the file it names is written as above. Anything else that
 * is not a regular file (a device such as /dev/null or /dev/stdout, a FIFO) is written in place:
 * replacing it would change the system, and a reader of the FIFO would wait for ever.
 *
 * When `signal` is aborted (Ctrl-C), the temporary file is closed, so the writer fails at its
 * next chunk. The temporary file is then removed and this throws an INTERRUPTED error. It is
 * also removed when the process exits during the writing.
 */
export async function writeToFile(path: string, write: (out: Writable) => Promise<void>, signal?: AbortSignal): Promise<void> {
  throwIfInterrupted(signal);
  let existing = await lstat(path).catch(() => undefined);
  if (existing?.isSymbolicLink()) {
    const target = await realpath(path).catch(() => undefined);
    // A link to nothing yet: the file is created through it, as any program writing to it would.
    if (target === undefined) return writeInPlace(path, write, signal);
    path = target;
    existing = await lstat(path).catch(() => undefined);
  }
  if (existing !== undefined && !existing.isFile() && !existing.isDirectory()) return writeInPlace(path, write, signal);

  const temporary = `${path}.scapula-${process.pid}.tmp`;
  const out = await openOutput(temporary, { flags: 'wx', mode: existing === undefined ? 0o666 : existing.mode & 0o7777 }, (error) =>
    temporaryFileError(path, error),
  );
  if (existing !== undefined) await keepAttributes(temporary, existing);

  // A second Ctrl-C ends the process with process.exit(), which skips the cleanup below.
  const removeOnExit = () => rmSync(temporary, { force: true });
  process.once('exit', removeOnExit);
  try {
    await writeAll(out, path, write, signal, () => rename(temporary, path));
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  } finally {
    process.off('exit', removeOnExit);
  }
}

/** Writes the document into `path` itself, for a device or FIFO, or through a dangling link. */
async function writeInPlace(path: string, write: (out: Writable) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const out = await openOutput(path, { flags: 'w' }, (error) => writeError(path, error));
  await writeAll(out, path, write, signal, async () => undefined);
}

async function openOutput(path: string, options: { flags: string; mode?: number }, failure: (error: Error) => ScapulaError): Promise<WriteStream> {
  const out = createWriteStream(path, options);
  await new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve());
    out.once('error', (error) => reject(failure(error)));
  });
  return out;
}

/**
 * Runs `write` on `out`, waits until the file is flushed, then runs `complete`. Ctrl-C closes
 * the stream, so the writer fails at its next chunk, and this throws INTERRUPTED.
 */
async function writeAll(
  out: WriteStream,
  path: string,
  write: (out: Writable) => Promise<void>,
  signal: AbortSignal | undefined,
  complete: () => Promise<void>,
): Promise<void> {
  const stopWriting = () => out.destroy();
  signal?.addEventListener('abort', stopWriting, { once: true });
  try {
    await write(out);
    throwIfInterrupted(signal);
    if (!out.writableEnded) out.end();
    await finished(out);
    throwIfInterrupted(signal);
    await complete();
  } catch (error) {
    out.destroy();
    if (signal?.aborted) throw new ScapulaError('INTERRUPTED', 'interrupted', {}, { cause: error });
    throw outputError(path, error);
  } finally {
    signal?.removeEventListener('abort', stopWriting);
  }
}

/**
 * Gives the new file the permission bits (with the open mode, which the umask narrows) and,
 * when run as root, the owner of the file it replaces.
 */
async function keepAttributes(temporary: string, existing: Stats): Promise<void> {
  await chmod(temporary, existing.mode & 0o7777).catch(() => undefined);
  if (process.getuid?.() === 0) await chown(temporary, existing.uid, existing.gid).catch(() => undefined);
}

/** Names the output file in a failure the writer reports for the stream it was given. */
function outputError(path: string, error: unknown): ScapulaError {
  if (!(error instanceof ScapulaError)) return writeError(path, error);
  if (error.code !== 'IO' || error.file === path) return error;
  return writeError(path, error.cause ?? error);
}

function temporaryFileError(path: string, error: unknown): ScapulaError {
  const cause = error as NodeJS.ErrnoException;
  if (cause.code !== 'EACCES' && cause.code !== 'EPERM') return writeError(path, error);
  return new ScapulaError(
    'IO',
    `cannot write: no permission to create a file in ${dirname(path)}; results are written to a new file there that then replaces ${path}`,
    { file: path },
    { cause: error },
  );
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
