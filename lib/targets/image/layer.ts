/**
 * Reads layer blobs, each in one streaming pass: it checks the blob's digest and the
 * uncompressed diff_id and applies the tar entries to the merged tree. A file of an
 * uncompressed layer then points into the blob in place. A compressed layer cannot be read at
 * an offset, so the pass copies the content of each of its regular files to a spool file,
 * including files that an upper layer hides later.
 */
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as TarStream from 'tar-stream';

import { ScapulaError } from '../../errors.js';
import { decompressStream, detectCompression, type Compression } from '../../io/decompress.js';
import { FileStore } from '../tree/content.js';
import type { ContentLocation, FileTree } from '../tree/tree.js';
import { LayerApplier, type LayerEntry } from './apply.js';
import { tarStream } from './files.js';
import type { LayerPlan } from './manifest.js';


const TAR_BLOCK = 512;
const SCHILY_XATTR = 'SCHILY.xattr.';
const LIBARCHIVE_XATTR = 'LIBARCHIVE.xattr.';

export interface LayerReadOptions {
  verify: boolean;
  signal?: AbortSignal;
  warnings: string[];
  /** Counts entries over all layers. Reading stops with LIMIT past `maxEntries`. */
  entryCount: { value: number; maxEntries: number };
  /** Counts uncompressed tar bytes over all layers. Reading stops with LIMIT past `maxBytes`. */
  uncompressedBytes: { value: number; maxBytes: number };
}

/** tar-stream's header with the fields its type leaves out: the data offset, PAX records and unknown types. */
type TarHeader = Omit<TarStream.Header, 'type' | 'pax'> & { type: string | null; byteOffset: number; pax?: Record<string, string> | null };

/** A tar entry's data stream (a streamx Readable). */
type EntryStream = AsyncIterable<Buffer> & { resume(): unknown };

/** One entry of a layer as it was read, with where its content is when it is a regular file. */
export interface RecordedEntry {
  entry: LayerEntry;
  content?: ContentLocation;
}

/**
 * Streams one layer, verifies it and applies its entries to `tree`. For a compressed layer,
 * copies the file contents to a spool file at the path `spoolPath` returns, and returns the
 * spool's store, which the caller closes. Returns null for an uncompressed layer. When
 * `record` is given, appends each entry to it, so that `replayLayer` can apply the layer again.
 */
export async function applyLayer(
  tree: FileTree,
  layer: number,
  plan: LayerPlan,
  options: LayerReadOptions,
  spoolPath: () => Promise<string>,
  record?: RecordedEntry[],
): Promise<FileStore | null> {
  const { region } = plan;
  const layerName = describeLayer(layer, plan);
  const compression = detectCompression(await region.store.read(region.offset, Math.min(8, region.size)));
  const blobHash = options.verify && plan.digest !== undefined ? hashFor(plan.digest) : null;
  const tarHash = options.verify && plan.diffId !== undefined ? hashFor(plan.diffId) : null;

  const applier = new LayerApplier(tree, layerName, options.warnings);
  const tarSize = { value: 0 };
  let endOfLastEntry = 0;
  const spool = compression === 'none' ? null : await openSpool(await spoolPath(), layerName);

  try {
    const countBytes = (count: number): void => {
      options.uncompressedBytes.value += count;
      if (options.uncompressedBytes.value > options.uncompressedBytes.maxBytes) {
        throw new ScapulaError('LIMIT', `the image's layers hold more than ${options.uncompressedBytes.maxBytes} bytes uncompressed (the maxUncompressedBytes option)`, { file: region.store.name });
      }
    };
    await readTar(region.store.stream(region.offset, region.size), compression, layerName, blobHash, tarHash, tarSize, countBytes, async (header, entry) => {
      options.signal?.throwIfAborted();
      countEntry(options, region.store.name);

      const layerEntry = toLayerEntry(header, layerName, options.warnings);
      const node = applier.apply(layerEntry);
      // tar-stream reads no data for a directory entry, whatever its size field contains.
      endOfLastEntry = header.byteOffset + (header.type === 'directory' ? 0 : roundUpToBlock(header.size ?? 0));
      if (node === null) {
        entry.resume();
      } else if (spool === null) {
        node.content = { store: region.store, offset: region.offset + header.byteOffset };
        entry.resume();
      } else {
        node.content = { store: spool.store, offset: spool.offset };
        for await (const chunk of entry) await spool.write(chunk);
      }
      record?.push(node === null ? { entry: layerEntry } : { entry: layerEntry, content: node.content });
    });
    await spool?.finish();
  } catch (error) {
    spool?.destroy();
    throw await explainLayerError(error, plan, layerName, options);
  }
  applier.finish();

  // A tar ends with zero blocks. Without them, the layer was cut at an entry boundary.
  if (tarSize.value <= endOfLastEntry) {
    throw new ScapulaError('IMAGE_INVALID', `${layerName} ends without the tar end-of-archive blocks, so it is truncated`, { file: region.store.name });
  }
  if (blobHash !== null) checkHash(blobHash, plan.digest!, `${layerName} blob`, region.store.name);
  if (tarHash !== null) checkHash(tarHash, plan.diffId!, `${layerName} uncompressed tar (diff_id)`, region.store.name);
  return spool?.store ?? null;
}

/**
 * Applies a layer again from the entries `applyLayer` recorded, reading nothing: a layer that an
 * image lists twice is decompressed and verified once.
 */
export function replayLayer(tree: FileTree, layer: number, plan: LayerPlan, recorded: readonly RecordedEntry[], options: LayerReadOptions): void {
  const applier = new LayerApplier(tree, describeLayer(layer, plan), options.warnings);
  for (const { entry, content } of recorded) {
    options.signal?.throwIfAborted();
    countEntry(options, plan.region.store.name);
    const node = applier.apply(entry);
    if (node !== null) node.content = content;
  }
  applier.finish();
}

/** Counts one tar entry against the image's entry limit. */
function countEntry(options: LayerReadOptions, archive: string): void {
  options.entryCount.value++;
  if (options.entryCount.value > options.entryCount.maxEntries) {
    throw new ScapulaError('LIMIT', `the image has more than ${options.entryCount.maxEntries} tar entries (the maxEntries option)`, { file: archive });
  }
}

/** A spool file being written, with the store that reads it back. */
interface Spool {
  store: FileStore;
  /** The number of bytes written so far, which is where the next content starts. */
  offset: number;
  write(chunk: Buffer): Promise<void>;
  finish(): Promise<void>;
  destroy(): void;
}

async function openSpool(path: string, layerName: string): Promise<Spool> {
  const stream = createWriteStream(path, { flags: 'wx', mode: 0o600, highWaterMark: 4 << 20 });
  await once(stream, 'open');
  // A write that fails (a full disk) or that `destroy` cuts short reports here; the next write
  // or `finish` raises it.
  let writeError: Error | null = null;
  stream.on('error', (error) => {
    writeError ??= error;
  });
  const spool: Spool = {
    store: new FileStore(path, `${layerName} spool`),
    offset: 0,
    async write(chunk) {
      if (writeError !== null) throw writeError;
      spool.offset += chunk.byteLength;
      if (!stream.write(chunk)) await once(stream, 'drain');
    },
    async finish() {
      if (writeError !== null) throw writeError;
      stream.end();
      await once(stream, 'finish');
    },
    destroy() {
      stream.destroy();
    },
  };
  return spool;
}

/** Streams a tar through the digests and decompression, calling `onEntry` for each entry in order. */
async function readTar(
  raw: Readable,
  compression: Compression,
  layerName: string,
  blobHash: Hash | null,
  tarHash: Hash | null,
  tarSize: { value: number },
  onTarBytes: (count: number) => void,
  onEntry: (header: TarHeader, entry: EntryStream) => Promise<void>,
): Promise<void> {
  const hashedBlob = raw.pipe(hashingTransform(blobHash, { value: 0 }));
  raw.on('error', (error) => hashedBlob.destroy(error));
  const decompressed = decompressStream(hashedBlob, compression, layerName);
  const extract = tarStream().extract();
  const piping = pipeline(decompressed, hashingTransform(tarHash, tarSize, onTarBytes), extract);
  piping.catch(() => {});

  try {
    for await (const entry of extract) await onEntry(entry.header as unknown as TarHeader, entry as unknown as EntryStream);
    await piping;
  } catch (error) {
    extract.destroy();
    raw.destroy();
    throw error;
  }
}

/** Passes bytes through, hashing and counting them. `onBytes` may throw to stop the stream. */
export function hashingTransform(hash: Hash | null, byteCount: { value: number }, onBytes?: (count: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        onBytes?.(chunk.byteLength);
      } catch (error) {
        callback(error as Error);
        return;
      }
      hash?.update(chunk);
      byteCount.value += chunk.byteLength;
      callback(null, chunk);
    },
  });
}

/**
 * Converts a tar-stream header to a layer entry, applying the PAX records tar-stream leaves
 * alone: uid, gid, times and extended attributes, as GNU tar ("SCHILY.xattr.NAME=value") and
 * libarchive ("LIBARCHIVE.xattr.URL-ENCODED-NAME=base64") write them.
 */
function toLayerEntry(header: TarHeader, layerName: string, warnings: string[]): LayerEntry {
  const pax = header.pax ?? {};
  const mtime = paxNumber(pax.mtime) ?? Math.floor((header.mtime?.getTime() ?? 0) / 1000);
  const entry: LayerEntry = {
    name: header.name,
    type: header.type,
    mode: header.mode ?? 0,
    uid: paxNumber(pax.uid) ?? header.uid ?? 0,
    gid: paxNumber(pax.gid) ?? header.gid ?? 0,
    size: header.size ?? 0,
    mtime,
    atime: paxNumber(pax.atime) ?? mtime,
    ctime: paxNumber(pax.ctime) ?? mtime,
    linkname: header.linkname ?? '',
    devmajor: header.devmajor ?? 0,
    devminor: header.devminor ?? 0,
  };

  for (const [key, rawValue] of Object.entries(pax)) {
    const value = String(rawValue);
    if (key.startsWith('GNU.sparse.')) {
      throw new ScapulaError('UNSUPPORTED', `${layerName}: entry ${header.name} is a GNU sparse file, which scapula cannot read`);
    }
    if (key.startsWith(SCHILY_XATTR)) {
      // tar-stream decodes PAX records as UTF-8, so a binary value comes out with U+FFFD in it.
      if (value.includes('\uFFFD')) warnings.push(`${layerName}: extended attribute ${key.slice(SCHILY_XATTR.length)} of ${header.name} is binary and was not decoded exactly`);
      entry.xattrs ??= new Map();
      entry.xattrs.set(key.slice(SCHILY_XATTR.length), Buffer.from(value, 'utf8'));
    } else if (key.startsWith(LIBARCHIVE_XATTR)) {
      let name: string;
      try {
        name = decodeURIComponent(key.slice(LIBARCHIVE_XATTR.length));
      } catch {
        warnings.push(`${layerName}: extended attribute record ${key} of ${header.name} has an invalid name; it was skipped`);
        continue;
      }
      entry.xattrs ??= new Map();
      entry.xattrs.set(name, Buffer.from(value, 'base64'));
    }
  }
  return entry;
}

/** Parses a PAX number ("1796342400.5"), keeping whole seconds, or returns undefined. */
function paxNumber(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d+(\.\d+)?$/.test(value)) return undefined;
  return Math.floor(Number(value));
}

/**
 * Turns a read failure into the error a caller can act on. When a layer cannot be read and
 * its blob does not match its digest, the mismatch is the cause that gets reported.
 */
async function explainLayerError(error: unknown, plan: LayerPlan, layerName: string, options: LayerReadOptions): Promise<ScapulaError> {
  const archive = plan.region.store.name;
  if (options.signal?.aborted) return new ScapulaError('INTERRUPTED', 'opening the image was cancelled', { file: archive }, { cause: error });
  if (error instanceof ScapulaError && error.code !== 'IO') return error;

  if (options.verify && plan.digest !== undefined) {
    const hash = hashFor(plan.digest);
    try {
      await pipeline(plan.region.store.stream(plan.region.offset, plan.region.size), hashingTransform(hash, { value: 0 }), async function* (source) {
        for await (const _ of source);
      });
      checkHash(hash, plan.digest, `${layerName} blob`, archive);
    } catch (mismatch) {
      if (mismatch instanceof ScapulaError && mismatch.code === 'DIGEST_MISMATCH') return mismatch;
    }
  }
  return new ScapulaError('IMAGE_INVALID', `${layerName} cannot be read: ${reasonOf(error)}`, { file: archive }, { cause: error });
}

/** Returns the message of `error` without the "file: " prefix that a ScapulaError puts before it. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof ScapulaError && error.file !== undefined && error.message.startsWith(`${error.file}: `)) {
    return error.message.slice(error.file.length + 2);
  }
  return error.message;
}

function describeLayer(layer: number, plan: LayerPlan): string {
  return `layer ${layer + 1} (${plan.digest ?? plan.region.name})`;
}

function hashFor(digest: string): Hash {
  return createHash(digest.slice(0, digest.indexOf(':')));
}

function checkHash(hash: Hash, digest: string, description: string, archive: string): void {
  const algorithm = digest.slice(0, digest.indexOf(':'));
  const actual = `${algorithm}:${hash.digest('hex')}`;
  if (actual !== digest) {
    throw new ScapulaError('DIGEST_MISMATCH', `${description} does not match its digest: expected ${digest}, found ${actual}`, { file: archive });
  }
}

function roundUpToBlock(size: number): number {
  return Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;
}
