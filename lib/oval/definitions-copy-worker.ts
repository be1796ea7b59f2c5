/**
 * Worker thread entry point: reads an OVAL definitions file and posts its definitions copy,
 * deflated (see kept-copy.ts). Any failure is posted as a message; the main thread then makes
 * the copy itself when it writes the results.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { fileSource } from '../io/source.js';
import { scanTrustedXml } from '../xml/trusted-scan.js';
import { DefinitionsCopyRecorder, type CopyWorkerMessage } from './kept-copy.js';

const { path } = workerData as { path: string };
const recorder = new DefinitionsCopyRecorder();
let message: CopyWorkerMessage;
let buffers: ArrayBuffer[] = [];
try {
  // The main thread parses the same file with saxes, and its errors stop the evaluation, so the
  // worker reads it with the faster reader that trusts its well-formedness.
  await scanTrustedXml(fileSource(path), recorder, () => recorder.drain());
  const copy = await recorder.finish();
  message = { chunks: [...copy.chunks] };
  // The chunks are views of a few slabs, which move to the main thread without a copy.
  buffers = [...new Set(copy.chunks.map((chunk) => chunk.buffer as ArrayBuffer))];
} catch (error) {
  message = { error: error instanceof Error ? error.message : String(error) };
}
parentPort!.postMessage(message, buffers);
