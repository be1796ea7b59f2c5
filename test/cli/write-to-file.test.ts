import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { writeToFile } from '../../lib/cli/context.js';
import { ScapulaError } from '../../lib/errors.js';
import { XmlWriter } from '../../lib/xml/writer.js';

let work: string;

beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'scapula-write-'));
});

afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Writes `chunks` pieces of 64 KiB through an XmlWriter, calling `afterChunk` after each. */
async function writeChunks(out: Writable, chunks: number, afterChunk: (index: number) => void): Promise<void> {
  const writer = new XmlWriter(out, 'r.xml');
  for (let index = 0; index < chunks; index += 1) {
    writer.raw('y'.repeat(64 * 1024));
    await writer.flush();
    afterChunk(index);
  }
}

describe('writeToFile', () => {
  it('writes the whole document', async () => {
    const file = path.join(work, 'r.xml');
    await writeToFile(file, (out) => writeChunks(out, 3, () => {}), new AbortController().signal);

    expect(readFileSync(file).length).toBe(3 * 64 * 1024);
    expect(readdirSync(work)).toEqual(['r.xml']);
  });

  it('stops at the next chunk when aborted', async () => {
    const file = path.join(work, 'r.xml');
    const controller = new AbortController();
    let chunksWritten = 0;
    const writing = writeToFile(
      file,
      (out) =>
        writeChunks(out, 100, (index) => {
          chunksWritten = index + 1;
          if (index === 1) controller.abort();
        }),
      controller.signal,
    );

    const error = await writing.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ScapulaError);
    expect((error as ScapulaError).code).toBe('INTERRUPTED');
    expect(chunksWritten).toBe(2);
    expect(readdirSync(work)).toEqual([]);
  });

  it('writes nothing when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    let called = false;
    const writing = writeToFile(
      path.join(work, 'r.xml'),
      async () => {
        called = true;
      },
      controller.signal,
    );

    await expect(writing).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(called).toBe(false);
    expect(readdirSync(work)).toEqual([]);
  });

  it('names a directory given as the file', async () => {
    const directory = path.join(work, 'folder');
    mkdirSync(directory);
    const writing = writeToFile(directory, (out) => writeChunks(out, 1, () => {}));

    await expect(writing).rejects.toThrow(`${directory}: cannot write: is a directory, not a regular file`);
    expect(readdirSync(work)).toEqual(['folder']);
  });

  it('names a missing folder', async () => {
    const file = path.join(work, 'missing/r.xml');
    const writing = writeToFile(file, (out) => writeChunks(out, 1, () => {}));

    await expect(writing).rejects.toThrow(`${file}: cannot write: the folder ${path.join(work, 'missing')} does not exist`);
  });

  it('keeps the permission bits of the file it replaces', async () => {
    const file = path.join(work, 'r.xml');
    writeFileSync(file, 'old', { mode: 0o600 });
    await writeToFile(file, (out) => writeChunks(out, 1, () => {}));

    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file).length).toBe(64 * 1024);
  });

  it('writes the file a link names, keeping the link', async () => {
    const target = path.join(work, 'target.xml');
    const link = path.join(work, 'link.xml');
    writeFileSync(target, 'old');
    symlinkSync('target.xml', link);
    await writeToFile(link, (out) => writeChunks(out, 1, () => {}));

    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target).length).toBe(64 * 1024);
    expect(readdirSync(work).sort()).toEqual(['link.xml', 'target.xml']);
  });

  it('writes into a FIFO in place', async () => {
    const fifo = path.join(work, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const { spawn } = await import('node:child_process');
    const reader = spawn('wc', ['-c'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const { createReadStream } = await import('node:fs');
    const counted = new Promise<string>((resolve) => {
      let text = '';
      reader.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      reader.on('close', () => resolve(text.trim()));
    });
    createReadStream(fifo).pipe(reader.stdin);
    await writeToFile(fifo, (out) => writeChunks(out, 2, () => {}));

    expect(await counted).toBe(String(2 * 64 * 1024));
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('names the output file when a write fails', async () => {
    const file = path.join(work, 'r.xml');
    const writing = writeToFile(file, async (out) => {
      out.destroy();
      await writeChunks(out, 1, () => {});
    });

    await expect(writing).rejects.toMatchObject({ code: 'IO', file });
  });
});
