/** Writes an oval_results document into memory, for tests that read it back as text. */
import { PassThrough } from 'node:stream';

import { writeOvalResults, type ResultsWriterOptions } from '../../lib/oval/results-writer.js';

export async function renderResults(options: ResultsWriterOptions): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await writeOvalResults(out, options);
  out.end();
  return Buffer.concat(chunks).toString('utf8');
}
