/**
 * The definitions copy of a results document, made on a worker thread while the main thread
 * parses and evaluates, so that writing the results does not parse the source a second time.
 * On the 145 MiB bench feed the copy costs about 3.5 s of CPU time. On a machine with two cores
 * the worker cut the wall time of a run from 11.8 s to 8.9 s, because both threads run at once.
 * The worker reads the source with saxes, and so also checks that it is well-formed: the main
 * thread then builds the model with the faster reader of ../xml/trusted-scan.ts (see the parser).
 *
 * The worker keeps the copy as raw DEFLATE at level 1, about a tenth of its size for OVAL
 * content, and hands it over when the results are written. Each chunk the copy's writer flushes
 * (64 KiB of text) is compressed on its own, synchronously. zlib's streams run on the thread
 * pool, and glibc keeps a heap per thread, so those threads held on to their memory.
 *
 * Sometimes no worker runs: the source is small or not a file, or the library runs from its
 * TypeScript sources. The parser then reads with saxes and records the copy during that reading,
 * with the same recorder. Where the worker fails, the results writer makes the copy itself.
 */
import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';

import { ScapulaError, type ErrorCode } from '../errors.js';
import type { ByteSource } from '../io/source.js';
import { OVAL_COMMON_NS, OVAL_DEFINITIONS_NS } from '../xml/namespaces.js';
import type { StartTag, XmlEventHandler } from '../xml/stream.js';
import { XmlWriter } from '../xml/writer.js';
import { definitionsCopier } from './definitions-copy.js';

/**
 * A finished definitions copy: chunks of UTF-8 in order, each a complete raw DEFLATE stream
 * where `deflated` is true.
 */
export interface KeptDefinitionsCopy {
  readonly chunks: readonly Uint8Array[];
  readonly deflated: boolean;
}

/** A definitions copy, finished or being made, as the results writer takes it. */
export interface DefinitionsCopySource {
  /** Hands the copy over once; undefined where there is none, and the writer makes it itself. */
  result(): Promise<KeptDefinitionsCopy | undefined>;
}

/** A fault of the document that saxes found on the worker, as it crosses to the main thread. */
export interface DocumentFault {
  code: ErrorCode;
  /** The message with its place in front, as ScapulaError formats it. */
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

/** The codes of the errors that streamXml raises for a fault of the document itself. */
export const DOCUMENT_FAULTS: ReadonlySet<ErrorCode> = new Set(['XML_MALFORMED', 'XML_FORBIDDEN', 'LIMIT', 'UNSUPPORTED']);

/**
 * The worker's closing message: the copy with the root element's byte span, the fault that
 * made the document unreadable, or the reason the worker failed otherwise.
 */
export type CopyWorkerMessage =
  | { chunks: Uint8Array[]; span: { start?: number; end?: number } }
  | { fault: DocumentFault }
  | { error: string };

/** The worker's verdict on a document: well-formed, with the span of its root, or its fault. */
export type CopyVerdict = { wellFormed: true; span: { start?: number; end?: number } } | { wellFormed: false; fault: ScapulaError };

/**
 * The worker's young generation. saxes makes a lot of short-lived garbage: with 4 MiB, copying
 * the bench feed took 6.1 s instead of 4.5 s (measured on a loaded machine). The old generation keeps V8's default limit. A lower one made a
 * valid document with a 40-million-character description end the whole process: a worker that
 * reaches its limit while allocating a buffer can abort the process instead of stopping alone
 * (nodejs/node#47224).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 24 };

const WORKER_SCRIPT = new URL('./definitions-copy-worker.js', import.meta.url);

/**
 * The smallest file copied on a worker; the parser records the copy of smaller ones. Starting
 * a worker and its modules costs more than copying ssg-debian11 (1.5 MB): on two cores, its
 * run on the bookworm root took 0.62 s with a worker and 0.58 s without.
 */
const MIN_WORKER_BYTES = 16 * 1024 * 1024;

/** The size of the buffers the compressed copy is kept in. */
const SLAB_SIZE = 1024 * 1024;

/** A definitions copy being made on a worker thread. */
export class DefinitionsCopyJob implements DefinitionsCopySource {
  /** Settles when the worker has posted its message or stopped; it then sits in `message`. */
  private readonly outcome: Promise<void>;
  private message: CopyWorkerMessage | undefined;
  /** Whether `result` has handed the copy over, and so no longer keeps it. */
  private handedOver = false;

  private constructor(private readonly worker: Worker) {
    // Until someone waits for the copy, the worker must not keep the process alive.
    worker.unref();
    this.outcome = new Promise((resolve) => {
      worker.once('message', (message: CopyWorkerMessage) => {
        this.message = message;
        resolve();
      });
      worker.once('error', () => resolve());
      worker.once('exit', () => resolve());
    });
  }

  /**
   * Waits for the worker's reading of the document: well-formed, or the fault saxes raised with
   * its place. Undefined when the worker failed for another reason, and the caller must then
   * check the document itself.
   */
  async verdict(): Promise<CopyVerdict | undefined> {
    this.worker.ref();
    await this.outcome;
    this.worker.unref();
    const message = this.message;
    if (message === undefined || 'error' in message) return undefined;
    if ('fault' in message) return { wellFormed: false, fault: errorOfFault(message.fault) };
    return { wellFormed: true, span: message.span };
  }

  /**
   * Starts the copy of `source` on a worker thread. Returns undefined where none runs: the
   * source is not a file or is smaller than MIN_WORKER_BYTES, or the worker's compiled script
   * is missing (the library run from its TypeScript sources).
   */
  static async start(source: ByteSource): Promise<DefinitionsCopyJob | undefined> {
    if (source.path === undefined || WORKER_SCRIPT.protocol !== 'file:' || !existsSync(fileURLToPath(WORKER_SCRIPT))) return undefined;
    if ((await source.size().catch(() => 0)) < MIN_WORKER_BYTES) return undefined;
    return new DefinitionsCopyJob(new Worker(WORKER_SCRIPT, { workerData: { path: source.path }, resourceLimits: WORKER_LIMITS, stdout: true, stderr: true }));
  }

  /**
   * Waits for the copy and hands it over: the job keeps no reference to it, so that its memory
   * (13 MB for the bench feed) is freed once the caller has written it. Undefined when the
   * worker failed, or on a second call, so that the caller makes the copy itself.
   */
  async result(): Promise<KeptDefinitionsCopy | undefined> {
    this.worker.ref();
    try {
      await this.outcome;
      const message = this.message;
      if (this.handedOver || message === undefined || !('chunks' in message)) return undefined;
      this.handedOver = true;
      // The span stays for a verdict asked later; only the chunks go.
      this.message = { chunks: [], span: message.span };
      return { chunks: message.chunks, deflated: true };
    } finally {
      void this.worker.terminate();
    }
  }

  /** Stops the worker, when the parse failed or the copy is not needed. */
  cancel(): void {
    void this.worker.terminate();
  }
}

/** Returns `error` as a DocumentFault that can be posted to another thread. */
export function faultOf(error: ScapulaError): DocumentFault {
  return { code: error.code, message: error.message, file: error.file, line: error.line, column: error.column };
}

/** Rebuilds the error of a posted fault, with the same message and place. */
function errorOfFault(fault: DocumentFault): ScapulaError {
  const where = { file: fault.file, line: fault.line, column: fault.column };
  // ScapulaError puts the place in front of the message again.
  const place = new ScapulaError(fault.code, '', where).message;
  const message = fault.message.startsWith(place) ? fault.message.slice(place.length) : fault.message;
  return new ScapulaError(fault.code, message, where);
}

type Event = { kind: 'open'; tag: StartTag; depth: number } | { kind: 'text'; text: string; depth: number } | { kind: 'close'; depth: number };

/**
 * Receives a document's events and writes its definitions copy, deflated. The copy's form
 * depends on the schema version, which the generator gives first thing in the document, so
 * the events are held until the generator has closed. The version is read as the parser reads
 * it: the trimmed text of the last schema_version without a platform attribute.
 */
export class DefinitionsCopyRecorder implements XmlEventHandler {
  private readonly chunks: Uint8Array[] = [];
  /** The slab the next compressed chunk is copied into, and how much of it is used. */
  private slab = new Uint8Array(0);
  private slabUsed = 0;
  /** Whether the chunks kept are deflated; they are kept as written while they fit in `rawLimit`. */
  private deflated: boolean;
  private rawBytes = 0;
  private readonly sink = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      if (!this.deflated && this.rawBytes + chunk.length <= this.rawLimit) {
        this.chunks.push(chunk);
        this.rawBytes += chunk.length;
      } else {
        if (!this.deflated) {
          this.deflated = true;
          for (const raw of this.chunks.splice(0)) this.keep(deflateChunk(raw));
        }
        this.keep(deflateChunk(chunk));
      }
      done();
    },
  });
  /** Inside the results document, oval_definitions is a child of oval_results. */
  private readonly writer = new XmlWriter(this.sink, 'the definitions copy', 1);
  private copier: XmlEventHandler | undefined;
  private pendingEvents: Event[] = [];
  private inGenerator = false;
  private readingVersion = false;
  private version = '';
  private versionText = '';

  /**
   * @param rawLimit the number of bytes of the copy kept as written. A longer copy is deflated,
   *   to about a tenth of its size. Deflating ssg-debian11's copy (1.3 MB) costs about 5 ms, an
   *   estimate from the difference of whole runs.
   */
  constructor(private readonly rawLimit = 0) {
    this.deflated = rawLimit === 0;
  }

  openElement(tag: StartTag, depth: number): void {
    // Once the copy has started, events go straight to the copier, without an event object each.
    if (this.copier !== undefined) return this.copier.openElement(tag, depth);
    if (depth === 1 && tag.uri === OVAL_DEFINITIONS_NS && tag.local === 'generator') this.inGenerator = true;
    else if (depth === 1) this.start();
    else if (depth === 2 && this.inGenerator && tag.uri === OVAL_COMMON_NS && tag.local === 'schema_version') {
      this.readingVersion = tag.attributes['platform'] === undefined;
      this.versionText = '';
    }
    this.handle({ kind: 'open', tag, depth });
  }

  text(text: string, depth: number): void {
    if (this.copier !== undefined) return this.copier.text(text, depth);
    if (this.readingVersion) this.versionText += text;
    this.handle({ kind: 'text', text, depth });
  }

  closeElement(depth: number): void {
    if (this.copier !== undefined) return this.copier.closeElement(depth);
    if (this.readingVersion && depth === 2) {
      this.version = this.versionText.trim();
      this.readingVersion = false;
    }
    this.handle({ kind: 'close', depth });
    if (this.copier === undefined && this.inGenerator && depth === 1) this.start();
  }

  /** Compresses what the copy has buffered, so that it does not pile up during a long parse. */
  async drain(): Promise<void> {
    await this.writer.drain();
  }

  /** Finishes the copy once the document has been read. */
  async finish(): Promise<KeptDefinitionsCopy> {
    if (this.copier === undefined) this.start();
    await this.writer.flush();
    return { chunks: this.chunks, deflated: this.deflated };
  }

  /**
   * Copies a compressed chunk into the current slab. zlib's result sits in a buffer three times
   * its size. Thousands of small kept buffers would also fragment the thread's heap, so they
   * go into slabs of 1 MiB, which leave the heap as it was once they are handed over.
   */
  private keep(compressed: Uint8Array): void {
    if (this.slabUsed + compressed.length > this.slab.length) {
      this.slab = new Uint8Array(Math.max(SLAB_SIZE, compressed.length));
      this.slabUsed = 0;
    }
    this.slab.set(compressed, this.slabUsed);
    this.chunks.push(this.slab.subarray(this.slabUsed, this.slabUsed + compressed.length));
    this.slabUsed += compressed.length;
  }

  private start(): void {
    this.copier = definitionsCopier(this.writer, this.version);
    for (const event of this.pendingEvents) this.forward(event);
    this.pendingEvents = [];
  }

  private handle(event: Event): void {
    if (this.copier === undefined) this.pendingEvents.push(event);
    else this.forward(event);
  }

  private forward(event: Event): void {
    const copier = this.copier!;
    if (event.kind === 'open') copier.openElement(event.tag, event.depth);
    else if (event.kind === 'text') copier.text(event.text, event.depth);
    else copier.closeElement(event.depth);
  }
}

function deflateChunk(chunk: Uint8Array): Buffer {
  return deflateRawSync(chunk, { level: 1, memLevel: 9, strategy: constants.Z_DEFAULT_STRATEGY });
}

/** Writes a kept copy into the results document that `writer` is writing. */
export async function writeKeptCopy(writer: XmlWriter, copy: KeptDefinitionsCopy): Promise<void> {
  for (const chunk of copy.chunks) await writer.bytes(copy.deflated ? inflateRawSync(chunk) : chunk);
}
