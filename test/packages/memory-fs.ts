/**
 * A FileSystemView over files held in memory, for tests: regular files, directories (implied
 * by the files in them) and symbolic links resolved inside the view.
 */
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';

import tarStream from 'tar-stream';

import { ScapulaError } from '../../lib/errors.js';
import type { DirEntry, FileStat, FileSystemView, FileType, ReadOptions, Target, TargetFacts } from '../../lib/targets/target.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const fixtures = path.resolve(repoRoot, '../shared/fixtures');

export function fixtureBytes(relative: string): Uint8Array {
  return readFileSync(path.join(fixtures, relative));
}

export interface MemoryFile {
  bytes?: Uint8Array;
  /** A symbolic link target instead of contents. */
  link?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  directory?: boolean;
  xattrs?: Map<string, Uint8Array>;
}

export class MemoryFileSystem implements FileSystemView {
  readonly files = new Map<string, MemoryFile>();

  constructor(entries: Record<string, MemoryFile | Uint8Array | string> = {}) {
    for (const [name, value] of Object.entries(entries)) this.add(name, value);
  }

  add(name: string, value: MemoryFile | Uint8Array | string): this {
    const file: MemoryFile =
      typeof value === 'string' ? { bytes: new TextEncoder().encode(value) } : value instanceof Uint8Array ? { bytes: value } : value;
    this.files.set(normalize(name), file);
    return this;
  }

  async lstat(name: string): Promise<FileStat | null> {
    const resolved = this.resolve(name, false);
    return resolved === null ? null : this.statOf(resolved);
  }

  async stat(name: string): Promise<FileStat | null> {
    const resolved = this.resolve(name, true);
    return resolved === null ? null : this.statOf(resolved);
  }

  async readlink(name: string): Promise<string> {
    const resolved = this.resolve(name, false);
    const link = resolved === null ? undefined : this.files.get(resolved)?.link;
    if (link === undefined) throw new ScapulaError('NOT_FOUND', `${name}: not a symbolic link`);
    return link;
  }

  async realpath(name: string): Promise<string> {
    const resolved = this.resolve(name, true);
    if (resolved === null) throw new ScapulaError('NOT_FOUND', `${name} not found`);
    return resolved;
  }

  async readFile(name: string, options: ReadOptions = {}): Promise<Uint8Array> {
    const resolved = this.resolve(name, true);
    const bytes = resolved === null ? undefined : this.files.get(resolved)?.bytes;
    if (bytes === undefined) throw new ScapulaError('NOT_FOUND', `${name} not found`);
    if (bytes.byteLength > (options.maxBytes ?? 64 * 1024 * 1024)) throw new ScapulaError('LIMIT', `${name} is too large`);
    return bytes;
  }

  async readRange(name: string, offset: number, length: number): Promise<Uint8Array> {
    return (await this.readFile(name)).subarray(offset, offset + length);
  }

  async *readChunks(name: string, chunkSize = 65536): AsyncIterable<Uint8Array> {
    const bytes = await this.readFile(name, { maxBytes: Number.MAX_SAFE_INTEGER });
    for (let at = 0; at < bytes.byteLength; at += chunkSize) yield bytes.subarray(at, at + chunkSize);
  }

  async readdir(name: string): Promise<DirEntry[]> {
    const resolved = this.resolve(name, true);
    if (resolved === null) throw new ScapulaError('NOT_FOUND', `${name} not found`);
    const prefix = resolved === '/' ? '/' : `${resolved}/`;
    const names = new Set<string>();
    for (const key of this.files.keys()) {
      if (key.startsWith(prefix)) names.add(key.slice(prefix.length).split('/')[0]);
    }
    const entries: DirEntry[] = [];
    for (const entry of [...names].sort()) {
      const stat = await this.lstat(prefix + entry);
      entries.push({ name: entry, type: stat?.type ?? 'file' });
    }
    return entries;
  }

  async xattrs(name: string): Promise<Map<string, Uint8Array>> {
    const resolved = this.resolve(name, false);
    return (resolved === null ? undefined : this.files.get(resolved)?.xattrs) ?? new Map();
  }

  private isDirectory(name: string): boolean {
    if (name === '/') return true;
    if (this.files.get(name)?.directory === true) return true;
    for (const key of this.files.keys()) if (key.startsWith(`${name}/`)) return true;
    return false;
  }

  /** Resolves links in every component (and the last one when `follow`); null when missing. */
  private resolve(name: string, follow: boolean, depth = 0): string | null {
    if (depth > 40) throw new ScapulaError('PATH_LOOP', `${name}: too many symbolic links`);
    const parts = normalize(name).split('/').filter(Boolean);
    let current = '';
    for (let i = 0; i < parts.length; i++) {
      const next = `${current}/${parts[i]}`;
      const file = this.files.get(next);
      const last = i === parts.length - 1;
      if (file?.link !== undefined && (!last || follow)) {
        const target = file.link.startsWith('/') ? file.link : `${current}/${file.link}`;
        const resolved = this.resolve(target, true, depth + 1);
        if (resolved === null) return null;
        current = resolved === '/' ? '' : resolved;
        continue;
      }
      if (file === undefined && !this.isDirectory(next)) return null;
      current = next;
    }
    return current === '' ? '/' : current;
  }

  private statOf(resolved: string): FileStat {
    const file = this.files.get(resolved);
    let type: FileType = 'directory';
    if (file?.link !== undefined) type = 'symlink';
    else if (file?.bytes !== undefined) type = 'file';
    return {
      type,
      mode: file?.mode ?? DEFAULT_MODES[type] ?? 0o644,
      uid: file?.uid ?? 0,
      gid: file?.gid ?? 0,
      size: file?.bytes?.byteLength ?? (file?.link?.length ?? 0),
      mtime: file?.mtime ?? 0,
      atime: 0,
      ctime: 0,
      nlink: 1,
      ino: 0,
      dev: 0,
    };
  }
}

const DEFAULT_MODES: Partial<Record<FileType, number>> = { directory: 0o755, symlink: 0o777, file: 0o644 };

function normalize(name: string): string {
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

export function memoryTarget(fs: FileSystemView): Target {
  const facts: TargetFacts = {
    osName: 'Linux',
    osVersion: '',
    architecture: 'x86_64',
    primaryHostName: 'test',
    interfaces: [],
    environment: null,
    uname: null,
  };
  return {
    kind: 'directory',
    source: '/memory',
    fs,
    live: false,
    facts: async () => facts,
    close: async () => undefined,
  };
}

/** Reads a tab-separated package list whose first line names the columns after a `#`. */
export function readPackageList(file: string): Record<string, string>[] {
  const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
  const columns = lines[0].replace(/^#/, '').split('\t');
  return lines.slice(1).map((line) => {
    const cells = line.split('\t');
    return Object.fromEntries(columns.map((column, i) => [column, cells[i]]));
  });
}

/**
 * Loads a .tar.gz into a MemoryFileSystem, keeping modes, numeric owners and mtimes from the
 * tar headers, so tests see setuid bits and owners without extracting as root.
 */
export async function memoryFileSystemFromTar(file: string): Promise<MemoryFileSystem> {
  const fs = new MemoryFileSystem();
  const extract = tarStream.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: unknown) => {
      chunks.push(chunk as Buffer);
    });
    stream.on('end', () => {
      const name = header.name.replace(/^\.\/?/, '/');
      const common = { mode: (header.mode ?? 0) & 0o7777, uid: header.uid ?? 0, gid: header.gid ?? 0, mtime: Math.floor((header.mtime?.getTime() ?? 0) / 1000) };
      if (name !== '/' && name !== '') {
        if (header.type === 'directory') fs.add(name.replace(/\/$/, ''), { ...common, directory: true });
        else if (header.type === 'symlink') fs.add(name, { ...common, link: header.linkname ?? '' });
        else if (header.type === 'file') fs.add(name, { ...common, bytes: new Uint8Array(Buffer.concat(chunks)) });
      }
      next();
    });
    stream.resume();
  });
  await pipeline(createReadStream(file), createGunzip(), extract);
  return fs;
}
