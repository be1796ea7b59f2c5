/** Runs the command line inside the test process, for tests that check its status and messages. */
import { PassThrough } from 'node:stream';

import { main } from '../../lib/cli/main.js';

/** Runs `scapula ARGV` with captured streams and returns its exit status and standard error. */
export async function runInProcess(argv: string[]): Promise<{ status: number; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const err: Buffer[] = [];
  stdout.resume();
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const status = await main(argv, { stdout, stderr });
  return { status, stderr: Buffer.concat(err).toString('utf8') };
}
