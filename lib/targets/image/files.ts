/**
 * The files of an image archive or layout: `index.json`, `manifest.json`, blobs and classic
 * `<id>/layer.tar` files, each found as a byte range of a host file. A tar archive is indexed
 * once, so a blob is read in place at its offset in the archive.
 */
import type { Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { lstat, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type * as TarStream from 'tar-stream';

import { ScapulaError } from '../../errors.js';
import { FileStore, type RandomAccessStore } from '../tree/content.js';

const require = createRequire(import.meta.url);

/** Returns tar-stream, loaded when an image is first read: a root directory needs none. */
export function tarStream(): typeof TarStream {
  return require('tar-stream') as typeof TarStream;
}

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
  /** Finds a regular file by its relative name ("blobs/sha256/…"), or returns null. Throws IMAGE_INVALID when the name is another kind of file. */
  find(name: string): Promise<FileRegion | null>;
}

/** The size limit for an image's JSON documents (index, manifest, config), which are a few KB. */
export const MAX_JSON_BYTES = 4 * 1024 * 1024;

/** Indexes the members of an uncompressed tar archive by name, with `./` and `/` prefixes stripped. */
export async function indexTarArchive(store: RandomAccessStore, size: number, signal?: AbortSignal): Promise<TarArchiveFiles> {
  const entries = new Map<string, { offset: number; size: number }>();
  const otherTypes = new Map<string, string>();
  const extract = tarStream().extract();
  const piping = pipeline(store.stream(0, size), extract);
  piping.catch(() => {});

  try {
    for await (const entry of extract) {
      signal?.throwIfAborted();
      const header = entry.header as TarStream.Header & { byteOffset: number };
      if (header.type === 'file' || header.type === 'contiguous-file') {
        entries.set(normalizeArchiveName(header.name), { offset: header.byteOffset, size: header.size ?? 0 });
      } else {
        otherTypes.set(normalizeArchiveName(header.name), header.type ?? 'unknown');
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
  for (const name of entries.keys()) otherTypes.delete(name);
  return new TarArchiveFiles(store, entries, otherTypes);
}

const TAR_TYPE_NAMES: Record<string, string> = {
  directory: 'a directory',
  symlink: 'a symbolic link',
  link: 'a hard link',
  fifo: 'a FIFO',
  'character-device': 'a character device',
  'block-device': 'a block device',
};

export class TarArchiveFiles implements ImageFiles {
  readonly name: string;
  private readonly store: RandomAccessStore;
  private readonly entries: Map<string, { offset: number; size: number }>;
  /** The tar types of the members that are not regular files, such as "directory" or "symlink". */
  private readonly otherTypes: Map<string, string>;

  constructor(store: RandomAccessStore, entries: Map<string, { offset: number; size: number }>, otherTypes = new Map<string, string>()) {
    this.name = store.name;
    this.store = store;
    this.entries = entries;
    this.otherTypes = otherTypes;
  }

  /** Finds a regular file, returns null when no member has the name, and throws IMAGE_INVALID for a member of another type. */
  async find(name: string): Promise<FileRegion | null> {
    const normalized = normalizeArchiveName(name);
    const entry = this.entries.get(normalized);
    if (entry !== undefined) return { name, store: this.store, offset: entry.offset, size: entry.size };

    const type = this.otherTypes.get(normalized);
    if (type === undefined) return null;
    throw new ScapulaError('IMAGE_INVALID', `${normalized} is not a regular file (it is ${TAR_TYPE_NAMES[type] ?? `of tar type ${type}`})`, { file: this.name });
  }

  /** Tests whether the archive has a member of any type with this name. */
  has(name: string): boolean {
    const normalized = normalizeArchiveName(name);
    return this.entries.has(normalized) || this.otherTypes.has(normalized);
  }
}

/** The files of an OCI image layout directory. Names that leave the directory are never opened. */
export class LayoutDirectoryFiles implements ImageFiles {
  readonly name: string;
  private readonly stores: FileStore[] = [];

  constructor(directory: string) {
    this.name = directory;
  }

  /**
   * Finds a regular file of the layout, or returns null when nothing has that name. Throws
   * IMAGE_INVALID when the name is something else: a directory, a FIFO, a link that leaves the
   * layout, a dangling link or a link loop.
   */
  async find(name: string): Promise<FileRegion | null> {
    const components = normalizeArchiveName(name).split('/');
    if (components.some((component) => component === '..' || component === '')) return null;

    const shownName = components.join('/');
    let path = join(this.name, ...components);
    let size: number;
    try {
      await lstat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw this.invalid(shownName, `cannot be read: ${(error as Error).message}`, error);
    }

    try {
      // A file of the layout may be a link (shared blob stores use them), but only to a file inside the layout.
      const layoutRoot = await realpath(this.name);
      path = await realpath(path);
      if (!path.startsWith(layoutRoot + sep)) throw this.invalid(shownName, 'points outside the layout, so it is not read');
      const stats = await stat(path);
      if (!stats.isFile()) throw this.invalid(shownName, `is not a regular file (it is ${describeFileType(stats)})`);
      size = stats.size;
    } catch (error) {
      if (error instanceof ScapulaError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw this.invalid(shownName, 'is a symbolic link to a missing file', error);
      if (code === 'ELOOP') throw this.invalid(shownName, 'is a symbolic link loop', error);
      throw this.invalid(shownName, `cannot be read: ${(error as Error).message}`, error);
    }

    const store = new FileStore(path, `${this.name}/${components.join('/')}`);
    this.stores.push(store);
    return { name, store, offset: 0, size };
  }

  async close(): Promise<void> {
    await Promise.all(this.stores.map((store) => store.close()));
  }

  private invalid(name: string, reason: string, cause?: unknown): ScapulaError {
    return new ScapulaError('IMAGE_INVALID', `${name} ${reason}`, { file: this.name }, { cause });
  }
}

/** Names the kind of a file that is not a regular file, for messages. */
function describeFileType(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'another kind of file';
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
