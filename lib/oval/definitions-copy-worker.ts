/**
 * Worker thread entry point: reads an OVAL definitions file with saxes, which checks that it
 * is well-formed, and posts its definitions copy, deflated, with the root element's span
 * (see kept-copy.ts). A fault of the document is posted with its place. Any other failure is
 * posted as a message, and the main thread then does the work itself.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { isScapulaError } from '../errors.js';
import { fileSource } from '../io/source.js';
import { streamXml } from '../xml/stream.js';
import { DefinitionsCopyRecorder, DOCUMENT_FAULTS, faultOf, type CopyWorkerMessage } from './kept-copy.js';

const { path } = workerData as { path: string };
const recorder = new DefinitionsCopyRecorder();
let message: CopyWorkerMessage;
let buffers: ArrayBuffer[] = [];
try {
  const streamed = await streamXml(fileSource(path), recorder, () => recorder.drain());
  const copy = await recorder.finish();
  message = { chunks: [...copy.chunks], span: { start: streamed.rootStart, end: streamed.rootEnd } };
  // The chunks are views of a few slabs, which move to the main thread without a copy.
  buffers = [...new Set(copy.chunks.map((chunk) => chunk.buffer as ArrayBuffer))];
} catch (error) {
  if (isScapulaError(error) && DOCUMENT_FAULTS.has(error.code)) {
    message = { fault: faultOf(error) };
  } else {
    message = { error: error instanceof Error ? error.message : String(error) };
  }
}
parentPort!.postMessage(message, buffers);
