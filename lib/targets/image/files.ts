/**
 * The files of an image archive or layout: `index.json`, `manifest.json`, blobs and classic
 * `<id>/layer.tar` files, each found as a byte range of a host file. A tar archive is indexed
 * once, so a blob is read in place at its offset in the archive.
 */
import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';

import { ScapulaError } from '../../errors.js';
import { FileStore, type RandomAccessStore } from '../tree/content.js';

/** A file of the image: `size` bytes at `offset` of `store`. */
export interface FileRegion {
  /** The file's name inside the archive or layout, for messages. */
  name: string;
  store: RandomAccessStore;
  offset: number;
  size: number;
}

export interface ImageFiles {
  /** The archive or directory, for messages. */
  readonly name: string;
  /** Finds a regular file by its relative name ("blobs/sha256/…"), or returns null. */
  find(name: string): Promise<FileRegion | null>;
}

/** The size limit for an image's JSON documents (index, manifest, config), which are a few KB. */
export const MAX_JSON_BYTES = 4 * 1024 * 1024;

/** Indexes the regular files of an uncompressed tar archive by name, with `./` and `/` prefixes stripped. */
export async function indexTarArchive(store: RandomAccessStore, size: number, signal?: AbortSignal): Promise<TarArchiveFiles> {
  const entries = new Map<string, { offset: number; size: number }>();
  const extract = tar.extract();
  const piping = pipeline(store.stream(0, size), extract);
  piping.catch(() => {});

  try {
    for await (const entry of extract) {
      signal?.throwIfAborted();
      const header = entry.header as tar.Header & { byteOffset: number };
      if (header.type === 'file' || header.type === 'contiguous-file') {
        entries.set(normalizeArchiveName(header.name), { offset: header.byteOffset, size: header.size ?? 0 });
      }
      entry.resume();
    }
    await piping;
  } catch (error) {
    extract.destroy();
    if (error instanceof ScapulaError) throw error;
    if (signal?.aborted) throw new ScapulaError('INTERRUPTED', 'opening the image was cancelled', { file: store.name });
    throw new ScapulaError('IMAGE_INVALID', `not a readable tar archive: ${(error as Error).message}`, { file: store.name }, { cause: error });
  }
  return new TarArchiveFiles(store, entries);
}

export class TarArchiveFiles implements ImageFiles {
  readonly name: string;
  private readonly store: RandomAccessStore;
  private readonly entries: Map<string, { offset: number; size: number }>;

  constructor(store: RandomAccessStore, entries: Map<string, { offset: number; size: number }>) {
    this.name = store.name;
    this.store = store;
    this.entries = entries;
  }

  async find(name: string): Promise<FileRegion | null> {
    const entry = this.entries.get(normalizeArchiveName(name));
    if (entry === undefined) return null;
    return { name, store: this.store, offset: entry.offset, size: entry.size };
  }

  has(name: string): boolean {
    return this.entries.has(normalizeArchiveName(name));
  }
}

/** The files of an OCI image layout directory. Names that leave the directory are never opened. */
export class LayoutDirectoryFiles implements ImageFiles {
  readonly name: string;
  private readonly stores: FileStore[] = [];

  constructor(directory: string) {
    this.name = directory;
  }

  async find(name: string): Promise<FileRegion | null> {
    const components = normalizeArchiveName(name).split('/');
    if (components.some((component) => component === '..' || component === '')) return null;

    let path = join(this.name, ...components);
    let size: number;
    try {
      // A file of the layout may be a link (shared blob stores use them), but only to a file inside the layout.
      const layoutRoot = await realpath(this.name);
      path = await realpath(path);
      if (!path.startsWith(layoutRoot + sep)) return null;
      const stats = await stat(path);
      if (!stats.isFile()) return null;
      size = stats.size;
    } catch {
      return null;
    }

    const store = new FileStore(path, `${this.name}/${components.join('/')}`);
    this.stores.push(store);
    return { name, store, offset: 0, size };
  }

  async close(): Promise<void> {
    await Promise.all(this.stores.map((store) => store.close()));
  }
}

/** Strips "./" and "/" prefixes and a trailing "/" from an archive member name. */
export function normalizeArchiveName(name: string): string {
  let normalized = name;
  while (normalized.startsWith('./') || normalized.startsWith('/')) normalized = normalized.startsWith('/') ? normalized.slice(1) : normalized.slice(2);
  while (normalized.endsWith('/')) normalized = normalized.slice(0, -1);
  return normalized;
}

/** Reads a small JSON file of the image and parses it. */
export async function readJsonRegion(region: FileRegion, description: string): Promise<{ value: unknown; bytes: Uint8Array }> {
  if (region.size > MAX_JSON_BYTES) {
    throw new ScapulaError('IMAGE_INVALID', `${description} ${region.name} is ${region.size} bytes, more than the limit of ${MAX_JSON_BYTES}`, { file: region.store.name });
  }
  const bytes = await region.store.read(region.offset, region.size);
  try {
    return { value: JSON.parse(Buffer.from(bytes).toString('utf8')), bytes };
  } catch (error) {
    throw new ScapulaError('IMAGE_INVALID', `${description} ${region.name} is not valid JSON: ${(error as Error).message}`, { file: region.store.name }, { cause: error });
  }
}
