import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ScapulaError } from '../../lib/errors.js';
import { fileSource } from '../../lib/io/source.js';

let work: string;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'scapula-source-'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

async function readError(read: () => Promise<unknown>): Promise<ScapulaError> {
  const error = await read().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ScapulaError);
  return error as ScapulaError;
}

describe('fileSource errors', () => {
  it('names a missing file', async () => {
    const file = path.join(work, 'missing.xml');
    const error = await readError(() => fileSource(file).readRange(0, 8));

    expect(error.code).toBe('IO');
    expect(error.message).toBe(`${file}: cannot read: no such file`);
  });

  it('names a directory', async () => {
    const directory = path.join(work, 'folder');
    mkdirSync(directory);
    const error = await readError(() => fileSource(directory).readRange(0, 8));

    expect(error.code).toBe('IO');
    expect(error.file).toBe(directory);
    expect(error.message).toBe(`${directory}: is a directory, not a regular file`);
  });

  it('names a directory when streamed', async () => {
    const directory = path.join(work, 'streamed');
    mkdirSync(directory);
    const error = await readError(async () => {
      for await (const chunk of fileSource(directory).stream()) void chunk;
    });

    expect(error.message).toBe(`${directory}: is a directory, not a regular file`);
  });

  it('asks for a regular file in place of a pipe', async () => {
    const fifo = path.join(work, 'pipe');
    execFileSync('mkfifo', [fifo]);
    // Holding both ends open lets the source open the pipe for reading without blocking.
    const bothEnds = openSync(fifo, 'r+');
    try {
      const error = await readError(() => fileSource(fifo).readRange(0, 8));

      expect(error.code).toBe('IO');
      expect(error.file).toBe(fifo);
      expect(error.message).toBe(
        `${fifo}: is not a regular file (a pipe, socket or terminal). scapula reads each file more than once, so save the data to a regular file and pass that file`,
      );
    } finally {
      closeSync(bothEnds);
    }
  });

  it('reads a regular file', async () => {
    const file = path.join(work, 'plain.xml');
    writeFileSync(file, '<a/>');

    expect(Buffer.from(await fileSource(file).readRange(0, 8)).toString('utf8')).toBe('<a/>');
  });
});
