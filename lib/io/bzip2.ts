/**
 * bzip2 decompression on a worker thread, so that decoding (the slow part of reading a .bz2
 * feed in JavaScript) runs on one core while the XML parser consumes the output on another.
 *
 * The decoder is seek-bzip, which decodes synchronously from a buffer of compressed bytes.
 * It writes 1 MiB chunks to the main thread; a shared counter bounds how many chunks may wait
 * unread, so memory stays bounded however large the decompressed document is.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';

import { ScapulaError } from '../errors.js';

const require = createRequire(import.meta.url);

/** Compressed inputs are read whole before decoding; larger ones are refused. */
const MAX_COMPRESSED_BYTES = 1024 * 1024 * 1024;
const CHUNK_BYTES = 1 << 20;
/** How many decoded chunks may wait for the consumer before the worker pauses. */
const MAX_CHUNKS_IN_FLIGHT = 8;

// Control words shared with the worker: chunks produced, chunks consumed, cancelled flag.
const PRODUCED = 0;
const CONSUMED = 1;
const CANCELLED = 2;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Bunzip = require(workerData.decoderPath);
const control = new Int32Array(workerData.control);
const CHUNK = ${CHUNK_BYTES};
let chunk = Buffer.allocUnsafe(CHUNK);
let position = 0;
function flush() {
  if (position === 0) return;
  while (Atomics.load(control, ${PRODUCED}) - Atomics.load(control, ${CONSUMED}) >= ${MAX_CHUNKS_IN_FLIGHT}) {
    if (Atomics.load(control, ${CANCELLED}) === 1) throw new Error('cancelled');
    Atomics.wait(control, ${CONSUMED}, Atomics.load(control, ${CONSUMED}), 200);
  }
  if (Atomics.load(control, ${CANCELLED}) === 1) throw new Error('cancelled');
  const out = chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + position);
  Atomics.add(control, ${PRODUCED}, 1);
  parentPort.postMessage({ chunk: out }, [out]);
  chunk = Buffer.allocUnsafe(CHUNK);
  position = 0;
}
const output = {
  writeByte(byte) {
    chunk[position++] = byte;
    if (position === CHUNK) flush();
  },
};
try {
  Bunzip.decode(Buffer.from(workerData.input), output, true);
  flush();
  parentPort.postMessage({ done: true });
} catch (error) {
  if (error && error.message !== 'cancelled') {
    // seek-bzip marks its own format errors with errorCode; any other error means it read past
    // the end of the input.
    const detail = error && error.errorCode !== undefined ? String(error.message) : 'unexpected end of data';
    parentPort.postMessage({ error: detail });
  }
}
`;

/** Decompresses a bzip2 stream (one or several concatenated bzip2 streams, as pbzip2 writes). */
export function bzip2Stream(input: Readable, name: string): Readable {
  const control = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  let worker: Worker | undefined;
  let started = false;

  const output = new Readable({
    highWaterMark: 4 * CHUNK_BYTES,
    read() {
      if (!started) {
        started = true;
        start().catch((error: unknown) => output.destroy(error as Error));
      }
    },
    destroy(error, callback) {
      Atomics.store(control, CANCELLED, 1);
      Atomics.notify(control, CONSUMED);
      input.destroy();
      void worker?.terminate();
      callback(error);
    },
  });

  async function start(): Promise<void> {
    const compressed = await readAll(input, name);
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { input: compressed, control: control.buffer, decoderPath: require.resolve('seek-bzip') },
      transferList: [compressed.buffer as ArrayBuffer],
    });
    worker.on('message', (message: { chunk?: ArrayBuffer; done?: boolean; error?: string }) => {
      if (message.chunk !== undefined) {
        output.push(Buffer.from(message.chunk));
        Atomics.add(control, CONSUMED, 1);
        Atomics.notify(control, CONSUMED);
      } else if (message.done === true) {
        output.push(null);
        void worker?.terminate();
      } else if (message.error !== undefined) {
        output.destroy(new ScapulaError('IO', `invalid bzip2 data, the file is truncated or corrupt (${message.error})`, { file: name }));
      }
    });
    worker.on('error', (error) => output.destroy(new ScapulaError('IO', `bzip2 decoding failed: ${error.message}`, { file: name }, { cause: error })));
  }

  return output;
}

async function readAll(input: Readable, name: string): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of input) {
    total += (chunk as Buffer).length;
    if (total > MAX_COMPRESSED_BYTES) {
      throw new ScapulaError('LIMIT', `bzip2 input larger than ${MAX_COMPRESSED_BYTES} bytes`, { file: name });
    }
    chunks.push(chunk as Buffer);
  }
  const whole = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.length;
  }
  return whole;
}
