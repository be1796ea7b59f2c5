/**
 * The directory target: a root file system that sits in a host directory (an extracted or
 * mounted image), read in place and read-only. Every path is resolved inside the root by
 * walking it one component at a time, so no symbolic link in the root ever reaches a host
 * path outside it.
 *
 * Metadata calls (lstat, readlink, readdir) are synchronous. Each takes microseconds on a
 * local file system, while a promise-based call waits for a turn of libuv's thread pool: with
 * them, half of the wall time of ssg-debian11 on a Debian 12 root was spent waiting. On a root
 * that does not change, files of up to SYNC_READ_MAX_BYTES are read synchronously too, for the
 * same reason. Larger files, and every file of the live host, are read with promise-based calls.
 */
import {
  closeSync,
  constants as fsConstants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  type Dirent,
  type Stats,
} from 'node:fs';
import { lstat, open, realpath, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';

import { ScapulaError, type ErrorCode } from '../errors.js';
import { osNameAndVersion, readElfArchitecture, readHostName, readOsRelease } from './os-release.js';
import { hostXattrSupport } from './xattr.js';
import type {
  DirEntry,
  FileStat,
  FileSystemView,
  FileType,
  ReadOptions,
  Target,
  TargetFacts,
} from './target.js';

/** The number of symbolic links one lookup may follow, as Linux's MAXSYMLINKS (40). */
export const MAX_SYMLINK_HOPS = 40;

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const DEFAULT_CHUNK_SIZE = 1024 * 1024;
/** The first buffer readFile uses for a file whose st_size is smaller (such as 0 in /proc). */
const MIN_READ_BUFFER = 16 * 1024;
/** Cached lstat results at most; about 200 bytes each, so some 40 MB when full (an estimate). */
const METADATA_CACHE_LIMIT = 200_000;
/** Cached directory entries at most, over all listings; about 100 bytes each (an estimate). */
const LISTING_CACHE_ENTRY_LIMIT = 400_000;
/**
 * The largest file (by the st_size of its lstat) that a view with caches reads synchronously.
 * A read of 256 KiB from the page cache takes some tens of microseconds (an estimate), less
 * than the thread-pool round trips of open, fstat, read and close that it saves.
 */
const SYNC_READ_MAX_BYTES = 256 * 1024;

/**
 * O_NOFOLLOW guards against a component replaced by a link after it was resolved, and
 * O_NONBLOCK keeps an open from blocking if a FIFO took a file's place in the meantime.
 */
const READ_FLAGS = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;

/** O_NOATIME leaves access times alone, but Linux allows it only to the file's owner or root. */
const NOATIME_FLAG = fsConstants.O_NOATIME ?? 0;

interface ResolvedPath {
  /** The canonical path inside the root, with every symbolic link resolved. */
  innerPath: string;
  /** The host path of the same file, built only from components that are not links. */
  hostPath: string;
  stats: Stats;
}

/** A directory resolved with every link followed, and the links followed on the way. */
interface ResolvedDirectory {
  components: string[];
  stats: Stats;
  hops: number;
}

/** The caches of a view whose root does not change, each keyed by host path. */
interface RootCaches {
  /** lstat results (null: missing). */
  metadata: Map<string, Stats | null>;
  linkTargets: Map<string, string>;
  /** Sorted listings, shared by every caller: they are copied on the way out. */
  listings: Map<string, DirEntry[]>;
  listedEntries: number;
  /** Directories by the normalized inner path that reached them (null: missing). */
  directories: Map<string, ResolvedDirectory | null>;
  /**
   * Lookups by the path as given (null: missing), with the final link followed or not. Two maps
   * and not one key with a prefix, because the string a caller passes again and again keeps its
   * hash, while a concatenated key is hashed anew on every lookup.
   */
  followedPaths: Map<string, ResolvedPath | null>;
  unfollowedPaths: Map<string, ResolvedPath | null>;
  /** Extended attributes, shared by every caller: they are copied on the way out. */
  xattrs: Map<string, Map<string, Uint8Array>>;
}

/**
 * A read-only file system view of a host directory taken as "/". Also serves the live host,
 * with "/" as its root.
 */
export class RootedFileSystemView implements FileSystemView {
  private readonly rootPath: string;
  /** Kept only for a root that does not change. */
  private readonly caches: RootCaches | null;

  /**
   * `rootPath` must be a canonical host path of a directory (see `openDirectoryTarget`).
   * With `cacheMetadata`, lstat results, link targets, listings and resolved directories are
   * reused, which is valid only while nothing changes the root: set it for an image root, not
   * for the live host.
   */
  constructor(rootPath: string, options: { cacheMetadata?: boolean } = {}) {
    this.rootPath = rootPath;
    this.caches =
      options.cacheMetadata === true
        ? {
            metadata: new Map(),
            linkTargets: new Map(),
            listings: new Map(),
            listedEntries: 0,
            directories: new Map(),
            followedPaths: new Map(),
            unfollowedPaths: new Map(),
            xattrs: new Map(),
          }
        : null;
  }

  async lstat(path: string): Promise<FileStat | null> {
    const resolved = this.resolve(path, false);
    return resolved === null ? null : toFileStat(resolved.stats);
  }

  async stat(path: string): Promise<FileStat | null> {
    const resolved = this.resolve(path, true);
    return resolved === null ? null : toFileStat(resolved.stats);
  }

  async readlink(path: string): Promise<string> {
    const resolved = this.resolveExisting(path, false);
    if (!resolved.stats.isSymbolicLink()) {
      throw new ScapulaError('IO', `cannot read link ${path}: it is not a symbolic link`);
    }
    return this.hostCallSync(path, () => readlinkSync(resolved.hostPath));
  }

  async realpath(path: string): Promise<string> {
    return this.resolveExisting(path, true).innerPath;
  }

  async readFile(path: string, options: ReadOptions = {}): Promise<Uint8Array> {
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (this.caches !== null) {
      const resolved = this.resolveExisting(path, true);
      assertRegularFile(path, resolved.stats);
      if (resolved.stats.size <= SYNC_READ_MAX_BYTES) return this.readSmallFileSync(path, resolved, maxBytes);
    }

    const { handle, size } = await this.openRegularFile(path);
    try {
      // Read to the end of the file instead of trusting st_size, which is 0 for /proc files and
      // changes when the file grows. The size only picks the first buffer, so that a small file
      // costs a small buffer and not a chunk of DEFAULT_CHUNK_SIZE.
      const file = new FileBuffer(size, maxBytes);
      while (file.makeRoom()) {
        let bytesRead: number;
        try {
          ({ bytesRead } = await handle.read(file.buffer, file.total, file.buffer.byteLength - file.total, null));
        } catch (error) {
          throw ioError(path, error);
        }
        if (bytesRead === 0) break;
        file.total += bytesRead;
      }
      return file.contents(path);
    } finally {
      await handle.close();
    }
  }

  async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    const { handle } = await this.openRegularFile(path);
    try {
      const buffer = Buffer.alloc(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    } catch (error) {
      throw ioError(path, error);
    } finally {
      await handle.close();
    }
  }

  async *readChunks(path: string, chunkSize = DEFAULT_CHUNK_SIZE): AsyncIterable<Uint8Array> {
    const { handle } = await this.openRegularFile(path);
    try {
      while (true) {
        const buffer = Buffer.alloc(chunkSize);
        let bytesRead: number;
        try {
          ({ bytesRead } = await handle.read(buffer, 0, chunkSize, null));
        } catch (error) {
          throw ioError(path, error);
        }
        if (bytesRead === 0) return;
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }

  async readdir(path: string): Promise<DirEntry[]> {
    const resolved = this.resolveExisting(path, true);
    if (!resolved.stats.isDirectory()) {
      throw new ScapulaError('NOT_A_DIRECTORY', `cannot list ${path}: it is not a directory`);
    }

    const cached = this.caches?.listings.get(resolved.hostPath);
    if (cached !== undefined) return cached.map((entry) => ({ name: entry.name, type: entry.type }));

    const dirents = this.hostCallSync(path, () => readdirSync(resolved.hostPath, { withFileTypes: true }));
    const entries: DirEntry[] = [];
    for (const dirent of dirents) {
      const type = direntType(dirent) ?? this.entryTypeByLstat(resolved.hostPath, dirent.name);
      if (type !== null) entries.push({ name: dirent.name, type });
    }
    entries.sort(compareNames);

    if (this.caches !== null) {
      if (this.caches.listedEntries + entries.length > LISTING_CACHE_ENTRY_LIMIT) {
        this.caches.listings.clear();
        this.caches.listedEntries = 0;
      }
      this.caches.listings.set(resolved.hostPath, entries.map((entry) => ({ ...entry })));
      this.caches.listedEntries += entries.length;
    }
    return entries;
  }

  /**
   * Reads the attributes of the resolved host path with llistxattr and lgetxattr (see
   * xattr.ts), so a final link is read itself and never followed. Raises UNSUPPORTED for an
   * existing path when the optional xattr package is missing, because an empty map would claim
   * that the file has none.
   */
  async xattrs(path: string): Promise<Map<string, Uint8Array>> {
    const resolved = this.resolveExisting(path, false);
    const support = hostXattrSupport();
    if (!support.available) throw errorWithoutStack('UNSUPPORTED', `cannot read the extended attributes of ${path}: ${support.reason}`);
    if (this.caches === null) return support.read(path, resolved.hostPath);

    // SSG content reports the same files under several objects: 10,665 file items of
    // ssg-debian11 on a Debian 12 root name 5,641 files.
    let attributes = this.caches.xattrs.get(resolved.hostPath);
    if (attributes === undefined) {
      attributes = support.read(path, resolved.hostPath);
      if (this.caches.xattrs.size >= METADATA_CACHE_LIMIT) this.caches.xattrs.clear();
      this.caches.xattrs.set(resolved.hostPath, attributes);
    }
    return copyAttributes(attributes);
  }

  /** Resolves `path` and throws NOT_FOUND when it does not exist. */
  private resolveExisting(path: string, followFinal: boolean): ResolvedPath {
    const resolved = this.resolve(path, followFinal);
    if (resolved === null) throw new ScapulaError('NOT_FOUND', `${path} does not exist in the target`);
    return resolved;
  }

  /**
   * Walks `path` one component at a time with lstat, resolving each symbolic link inside the
   * root: an absolute link target restarts at the root, ".." at the root stays there. A
   * final link is followed only when `followFinal` is set. Returns null for a missing path.
   * With the caches, each result is kept by the path as given, and a new path's walk starts
   * from the resolved parent directory of its final component.
   */
  private resolve(path: string, followFinal: boolean): ResolvedPath | null {
    if (path.includes('\0')) return null;
    if (this.caches === null) return this.resolveUncached(path, followFinal);

    const paths = followFinal ? this.caches.followedPaths : this.caches.unfollowedPaths;
    const cached = paths.get(path);
    if (cached !== undefined) return cached;
    const resolved = this.resolveUncached(path, followFinal);
    if (paths.size >= METADATA_CACHE_LIMIT) paths.clear();
    paths.set(path, resolved);
    return resolved;
  }

  private resolveUncached(path: string, followFinal: boolean): ResolvedPath | null {
    const components = splitPath(path);
    const parent = this.cachedParentDirectory(path, components);
    if (parent === null) return null;
    if (parent !== undefined) {
      return this.walkComponents(path, [components[components.length - 1]], [...parent.components], parent.stats, parent.hops, followFinal);
    }

    const rootStats = this.lstatHost(path, this.rootPath);
    if (rootStats === null) throw new ScapulaError('IO', `cannot read ${path}: the target root ${this.rootPath} no longer exists`);
    return this.walkComponents(path, components.reverse(), [], rootStats, 0, followFinal);
  }

  /**
   * Returns the cached resolution of the directory that contains the last component of `path`,
   * or null when that directory is missing. Returns undefined when the full walk must run:
   * without the caches, for paths that contain "..", and when resolving the parent fails or
   * reaches no directory, so that the full walk raises its own error for the exact component.
   */
  private cachedParentDirectory(path: string, components: string[]): ResolvedDirectory | null | undefined {
    if (this.caches === null || components.length < 2 || components.includes('..')) return undefined;

    const parentComponents = components.slice(0, -1);
    const key = parentComponents.join('/');
    let directory = this.caches.directories.get(key);
    if (directory === undefined) {
      let resolved: { path: ResolvedPath; hops: number } | null;
      try {
        resolved = this.resolveWithHops(path, parentComponents);
      } catch {
        return undefined;
      }
      directory = resolved === null ? null : { components: splitPath(resolved.path.innerPath), stats: resolved.path.stats, hops: resolved.hops };
      if (this.caches.directories.size >= METADATA_CACHE_LIMIT) this.caches.directories.clear();
      this.caches.directories.set(key, directory);
    }
    if (directory !== null && !directory.stats.isDirectory()) return undefined;
    return directory;
  }

  /** Resolves the components, every link followed, and counts the links followed. */
  private resolveWithHops(path: string, components: string[]): { path: ResolvedPath; hops: number } | null {
    const parent = this.cachedParentDirectory(path, components);
    if (parent === null) return null;
    let hops = 0;
    const counted = (count: number) => {
      hops = count;
    };
    if (parent !== undefined) {
      const resolved = this.walkComponents(path, [components[components.length - 1]], [...parent.components], parent.stats, parent.hops, true, counted);
      return resolved === null ? null : { path: resolved, hops };
    }

    const rootStats = this.lstatHost(path, this.rootPath);
    if (rootStats === null) throw new ScapulaError('IO', `cannot read ${path}: the target root ${this.rootPath} no longer exists`);
    const resolved = this.walkComponents(path, [...components].reverse(), [], rootStats, 0, true, counted);
    return resolved === null ? null : { path: resolved, hops };
  }

  /**
   * Resolves the components in `pending`, the next one last, so that link targets can be pushed
   * on. `resolved` and `stats` describe the directory reached so far and `hops` counts the links
   * followed to reach it.
   */
  private walkComponents(
    path: string,
    pending: string[],
    resolved: string[],
    stats: Stats,
    hops: number,
    followFinal: boolean,
    reportHops?: (hops: number) => void,
  ): ResolvedPath | null {
    // The host path of `resolved`, kept in step with it.
    let resolvedHostPath = this.hostPathOf(resolved);
    while (pending.length > 0) {
      const name = pending.pop()!;
      if (name === '..') {
        resolved.pop();
        resolvedHostPath = this.hostPathOf(resolved);
        stats = (this.lstatHost(path, resolvedHostPath))!;
        continue;
      }

      const hostPath = resolvedHostPath === '/' ? `/${name}` : `${resolvedHostPath}/${name}`;
      const entryStats = this.lstatHost(path, hostPath);
      if (entryStats === null) return null;

      const isFinal = pending.length === 0;
      if (entryStats.isSymbolicLink() && (!isFinal || followFinal)) {
        hops++;
        if (hops > MAX_SYMLINK_HOPS) {
          throw new ScapulaError('PATH_LOOP', `too many symbolic links (more than ${MAX_SYMLINK_HOPS}) in ${path}`);
        }
        const linkTarget = this.readlinkHost(path, hostPath);
        if (linkTarget === '') return null;
        if (linkTarget.startsWith('/')) {
          resolved.length = 0;
          resolvedHostPath = this.rootPath;
        }
        pending.push(...splitPath(linkTarget).reverse());
        // A link to "/" or to "." leaves no components, so the resolved path is the directory reached so far.
        stats = (this.lstatHost(path, resolvedHostPath))!;
        continue;
      }

      if (!isFinal && !entryStats.isDirectory()) {
        throw new ScapulaError('NOT_A_DIRECTORY', `${path}: /${[...resolved, name].join('/')} is not a directory`);
      }
      resolved.push(name);
      resolvedHostPath = hostPath;
      stats = entryStats;
    }

    reportHops?.(hops);
    return { innerPath: '/' + resolved.join('/'), hostPath: resolvedHostPath, stats };
  }

  /** readlink of a host path, cached with the metadata. */
  private readlinkHost(path: string, hostPath: string): string {
    const cached = this.caches?.linkTargets.get(hostPath);
    if (cached !== undefined) return cached;

    const linkTarget = this.hostCallSync(path, () => readlinkSync(hostPath));
    if (this.caches !== null) {
      if (this.caches.linkTargets.size >= METADATA_CACHE_LIMIT) this.caches.linkTargets.clear();
      this.caches.linkTargets.set(hostPath, linkTarget);
    }
    return linkTarget;
  }

  /**
   * lstat of a host path built from resolved components, or null when it does not exist.
   * Directories on the way were checked before, so a null here means a missing entry.
   */
  private lstatHost(path: string, hostPath: string): Stats | null {
    const cached = this.caches?.metadata.get(hostPath);
    if (cached !== undefined) return cached;

    let stats: Stats | null;
    try {
      stats = lstatSync(hostPath, { throwIfNoEntry: false }) ?? null;
    } catch (error) {
      throw ioError(path, error);
    }

    if (this.caches !== null) {
      if (this.caches.metadata.size >= METADATA_CACHE_LIMIT) this.caches.metadata.clear();
      this.caches.metadata.set(hostPath, stats);
    }
    return stats;
  }

  /** Joins components that are plain names (no "", ".", ".." or "/"), which need no normalizing. */
  private hostPathOf(components: string[]): string {
    if (components.length === 0) return this.rootPath;
    return this.rootPath === '/' ? `/${components.join('/')}` : `${this.rootPath}/${components.join('/')}`;
  }

  /**
   * Reads a regular file that `resolved` reached, with synchronous calls, to its end: like
   * readFile, it trusts neither st_size nor the size seen when the path was resolved.
   */
  private readSmallFileSync(path: string, resolved: ResolvedPath, maxBytes: number): Uint8Array {
    const descriptor = this.hostCallSync(path, () => openWithoutAtimeSync(resolved.hostPath));
    try {
      const opened = this.hostCallSync(path, () => fstatSync(descriptor));
      assertSameFile(path, resolved.stats, opened);

      const file = new FileBuffer(opened.size, maxBytes);
      while (file.makeRoom()) {
        const bytesRead = this.hostCallSync(path, () => readSync(descriptor, file.buffer, file.total, file.buffer.byteLength - file.total, null));
        if (bytesRead === 0) break;
        file.total += bytesRead;
      }
      return file.contents(path);
    } finally {
      closeSync(descriptor);
    }
  }

  /**
   * Opens a regular file for reading and returns it with its size at the open. FIFOs, sockets
   * and devices are rejected before any open.
   */
  private async openRegularFile(path: string): Promise<{ handle: FileHandle; size: number }> {
    const resolved = this.resolveExisting(path, true);
    assertRegularFile(path, resolved.stats);

    const handle = await this.hostCall(path, () => openWithoutAtime(resolved.hostPath));
    let opened: Stats;
    try {
      opened = await handle.stat();
      assertSameFile(path, resolved.stats, opened);
    } catch (error) {
      await handle.close();
      throw error instanceof ScapulaError ? error : ioError(path, error);
    }
    return { handle, size: opened.size };
  }

  private entryTypeByLstat(directoryHostPath: string, name: string): FileType | null {
    try {
      return fileTypeOf(lstatSync(join(directoryHostPath, name)));
    } catch {
      // The entry went away between readdir and lstat.
      return null;
    }
  }

  private hostCallSync<T>(path: string, call: () => T): T {
    try {
      return call();
    } catch (error) {
      throw ioError(path, error);
    }
  }

  private async hostCall<T>(path: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw ioError(path, error);
    }
  }
}

async function openWithoutAtime(hostPath: string): Promise<FileHandle> {
  if (NOATIME_FLAG !== 0) {
    try {
      return await open(hostPath, READ_FLAGS | NOATIME_FLAG);
    } catch (error) {
      if (errnoCode(error) !== 'EPERM') throw error;
    }
  }
  return open(hostPath, READ_FLAGS);
}

function openWithoutAtimeSync(hostPath: string): number {
  if (NOATIME_FLAG !== 0) {
    try {
      return openSync(hostPath, READ_FLAGS | NOATIME_FLAG);
    } catch (error) {
      if (errnoCode(error) !== 'EPERM') throw error;
    }
  }
  return openSync(hostPath, READ_FLAGS);
}

/** Checks that the file opened is the regular file resolved before, and not one swapped in since. */
function assertSameFile(path: string, resolved: Stats, opened: Stats): void {
  assertRegularFile(path, opened);
  if (opened.ino !== resolved.ino || opened.dev !== resolved.dev) {
    throw new ScapulaError('IO', `${path} changed while it was being opened`);
  }
}

/** Copies a cached attribute map, values included, so that no caller can change the cache. */
function copyAttributes(attributes: Map<string, Uint8Array>): Map<string, Uint8Array> {
  const copy = new Map<string, Uint8Array>();
  // new Uint8Array(value) copies the bytes, while slice() of a Buffer shares them.
  for (const [name, value] of attributes) copy.set(name, new Uint8Array(value));
  return copy;
}

function assertRegularFile(path: string, stats: Stats): void {
  if (stats.isFile()) return;
  if (stats.isDirectory()) throw new ScapulaError('IO', `cannot read ${path}: it is a directory`);
  throw new ScapulaError('SPECIAL_FILE', `cannot read ${path}: it is a ${fileTypeOf(stats)}, not a regular file, so it is not opened`);
}

function compareNames(a: DirEntry, b: DirEntry): number {
  if (a.name < b.name) return -1;
  if (a.name > b.name) return 1;
  return 0;
}

function splitPath(path: string): string[] {
  return path.split('/').filter((component) => component !== '' && component !== '.');
}

export function fileTypeOf(stats: Stats): FileType {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isCharacterDevice()) return 'character';
  if (stats.isBlockDevice()) return 'block';
  return 'socket';
}

function direntType(dirent: Dirent): FileType | null {
  if (dirent.isFile()) return 'file';
  if (dirent.isDirectory()) return 'directory';
  if (dirent.isSymbolicLink()) return 'symlink';
  if (dirent.isFIFO()) return 'fifo';
  if (dirent.isCharacterDevice()) return 'character';
  if (dirent.isBlockDevice()) return 'block';
  if (dirent.isSocket()) return 'socket';
  // DT_UNKNOWN: some file systems leave the type out of directory entries.
  return null;
}

/** Converts host stats to the target's FileStat, decoding device numbers from Linux's dev_t layout. */
export function toFileStat(stats: Stats): FileStat {
  const fileStat: FileStat = {
    type: fileTypeOf(stats),
    mode: stats.mode & 0o7777,
    uid: stats.uid,
    gid: stats.gid,
    size: stats.size,
    mtime: Math.floor(stats.mtimeMs / 1000),
    atime: Math.floor(stats.atimeMs / 1000),
    ctime: Math.floor(stats.ctimeMs / 1000),
    nlink: stats.nlink,
    ino: stats.ino,
    dev: stats.dev,
  };
  if (stats.isCharacterDevice() || stats.isBlockDevice()) {
    const rdev = BigInt(stats.rdev);
    fileStat.rdevMajor = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
    fileStat.rdevMinor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  }
  return fileStat;
}

function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

/**
 * Builds an error without a stack trace, for a fault that callers expect and handle for every
 * file: the file probe reads the extended attributes of each file it reports. Capturing the
 * stacks for the 10,000 file items of ssg-debian11 on a Debian 12 root took some 70 ms of CPU
 * time in one profile.
 */
function errorWithoutStack(code: ErrorCode, message: string): ScapulaError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new ScapulaError(code, message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function ioError(path: string, error: unknown): ScapulaError {
  if (error instanceof ScapulaError) return error;
  const code = errnoCode(error);
  if (code === 'ENOENT') return new ScapulaError('NOT_FOUND', `${path} does not exist in the target`, {}, { cause: error });
  if (code === 'ENOTDIR') return new ScapulaError('NOT_A_DIRECTORY', `${path}: a path component is not a directory`, {}, { cause: error });
  const reason = error instanceof Error ? error.message : String(error);
  return new ScapulaError('IO', `cannot read ${path}: ${reason}`, {}, { cause: error });
}

class DirectoryTarget implements Target {
  readonly kind = 'directory' as const;
  readonly live = false;
  readonly source: string;
  readonly fs: RootedFileSystemView;
  private factsPromise?: Promise<TargetFacts>;

  constructor(source: string, rootPath: string) {
    this.source = source;
    this.fs = new RootedFileSystemView(rootPath, { cacheMetadata: true });
  }

  facts(): Promise<TargetFacts> {
    this.factsPromise ??= this.readFacts();
    return this.factsPromise;
  }

  async close(): Promise<void> {
    // Nothing is held open between calls.
  }

  /**
   * Reads the facts from the root's own files: os-release for the OS, the ELF header of
   * /bin/sh for the architecture, etc/hostname (else the root's directory name) for the host
   * name. No environment and no kernel facts exist for a root that is not running.
   */
  private async readFacts(): Promise<TargetFacts> {
    const { osName, osVersion } = osNameAndVersion(await readOsRelease(this.fs));
    const architecture = (await readElfArchitecture(this.fs)) ?? 'unknown';
    const primaryHostName = (await readHostName(this.fs)) ?? basename(this.source);

    return {
      osName,
      osVersion,
      architecture,
      primaryHostName,
      interfaces: [],
      environment: null,
      uname: null,
    };
  }
}

/**
 * Opens a directory holding a root file system as a read-only target. Throws NOT_FOUND or
 * NOT_A_DIRECTORY when `root` is not an existing directory.
 */
export async function openDirectoryTarget(root: string): Promise<Target> {
  let rootPath: string;
  try {
    rootPath = await realpath(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'the root directory does not exist' : `cannot open the root directory: ${(error as Error).message}`;
    throw new ScapulaError(code === 'ENOENT' ? 'NOT_FOUND' : 'IO', reason, { file: root }, { cause: error });
  }

  const stats = await lstat(rootPath).catch((error: unknown) => {
    throw ioError(root, error);
  });
  if (!stats.isDirectory()) {
    throw new ScapulaError('NOT_A_DIRECTORY', `${root} is not a directory: a directory target needs a root file system directory`);
  }
  return new DirectoryTarget(root, rootPath);
}

/**
 * A buffer that a whole file is read into, grown as needed to one byte past `maxBytes`. The
 * size seen at the open only picks the first buffer, so that a small file costs a small one.
 */
class FileBuffer {
  buffer: Buffer;
  total = 0;

  constructor(
    sizeHint: number,
    private readonly maxBytes: number,
  ) {
    this.buffer = Buffer.alloc(Math.min(maxBytes + 1, Math.max(sizeHint + 1, MIN_READ_BUFFER)));
  }

  /** Makes room for the next read; false once more than maxBytes have been read. */
  makeRoom(): boolean {
    if (this.total < this.buffer.byteLength) return true;
    if (this.total > this.maxBytes) return false;
    const grown = Buffer.alloc(Math.min(this.maxBytes + 1, this.buffer.byteLength * 2));
    this.buffer.copy(grown, 0, 0, this.total);
    this.buffer = grown;
    return true;
  }

  contents(path: string): Uint8Array {
    if (this.total > this.maxBytes) throw new ScapulaError('LIMIT', `${path} is larger than the limit of ${this.maxBytes} bytes`);
    return this.buffer.subarray(0, this.total);
  }
}
