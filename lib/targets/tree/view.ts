/**
 * A FileSystemView over a FileTree: metadata comes from the tree, file contents from the
 * content store each regular file names. Nothing here opens a path of the scanning host.
 */
import { ScapulaError } from '../../errors.js';
import type { DirEntry, FileStat, FileSystemView, ReadOptions } from '../target.js';
import { type FileTree, type ResolvedNode, type TreeNode, splitPath } from './tree.js';

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const DEFAULT_CHUNK_SIZE = 1024 * 1024;

/** The device number every entry reports: the whole tree is one file system. */
const TREE_DEVICE = 1;

export class TreeFileSystemView implements FileSystemView {
  private readonly tree: FileTree;

  constructor(tree: FileTree) {
    this.tree = tree;
  }

  async lstat(path: string): Promise<FileStat | null> {
    const resolved = this.resolve(path, false);
    return resolved === null ? null : statOf(resolved.node);
  }

  async stat(path: string): Promise<FileStat | null> {
    const resolved = this.resolve(path, true);
    return resolved === null ? null : statOf(resolved.node);
  }

  async readlink(path: string): Promise<string> {
    const { node } = this.resolveExisting(path, false);
    if (node.type !== 'symlink') throw new ScapulaError('IO', `cannot read link ${path}: it is not a symbolic link`);
    return node.linkTarget!;
  }

  async realpath(path: string): Promise<string> {
    return '/' + this.resolveExisting(path, true).components.join('/');
  }

  async readFile(path: string, options: ReadOptions = {}): Promise<Uint8Array> {
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    const node = this.regularFile(path);
    if (node.size > maxBytes) {
      throw new ScapulaError('LIMIT', `${path} is larger than the limit of ${maxBytes} bytes`);
    }
    return readContent(path, node, 0, node.size);
  }

  async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
    const node = this.regularFile(path);
    const start = Math.min(Math.max(0, offset), node.size);
    const end = Math.min(node.size, start + Math.max(0, length));
    return readContent(path, node, start, end - start);
  }

  async *readChunks(path: string, chunkSize = DEFAULT_CHUNK_SIZE): AsyncIterable<Uint8Array> {
    if (!(chunkSize > 0)) throw new ScapulaError('USAGE', `chunk size must be a positive number of bytes, not ${chunkSize}`);
    const node = this.regularFile(path);
    for (let offset = 0; offset < node.size; offset += chunkSize) {
      yield await readContent(path, node, offset, Math.min(chunkSize, node.size - offset));
    }
  }

  async readdir(path: string): Promise<DirEntry[]> {
    const { node } = this.resolveExisting(path, true);
    if (node.type !== 'directory') throw new ScapulaError('NOT_A_DIRECTORY', `cannot list ${path}: it is not a directory`);

    const entries: DirEntry[] = [];
    for (const [name, child] of node.children!) entries.push({ name, type: child.type });
    return entries.sort(compareNames);
  }

  async xattrs(path: string): Promise<Map<string, Uint8Array>> {
    const { node } = this.resolveExisting(path, false);
    return new Map(node.xattrs ?? []);
  }

  private resolve(path: string, followFinal: boolean): ResolvedNode | null {
    if (path.includes('\0')) return null;
    return this.tree.resolve(splitPath(path), followFinal, path);
  }

  private resolveExisting(path: string, followFinal: boolean): ResolvedNode {
    const resolved = this.resolve(path, followFinal);
    if (resolved === null) throw new ScapulaError('NOT_FOUND', `${path} does not exist in the target`);
    return resolved;
  }

  /** Resolves a regular file to read. FIFOs, sockets and devices are rejected and never read. */
  private regularFile(path: string): TreeNode {
    const { node } = this.resolveExisting(path, true);
    if (node.type === 'file') return node;
    if (node.type === 'directory') throw new ScapulaError('IO', `cannot read ${path}: it is a directory`);
    throw new ScapulaError('SPECIAL_FILE', `cannot read ${path}: it is a ${node.type}, not a regular file, so it is not opened`);
  }
}

export function statOf(node: TreeNode): FileStat {
  const stat: FileStat = {
    type: node.type,
    mode: node.mode & 0o7777,
    uid: node.uid,
    gid: node.gid,
    size: node.size,
    mtime: node.mtime,
    atime: node.atime,
    ctime: node.ctime,
    nlink: node.type === 'directory' ? directoryLinkCount(node) : node.links,
    ino: node.ino,
    dev: TREE_DEVICE,
  };
  if (node.type === 'character' || node.type === 'block') {
    stat.rdevMajor = node.rdevMajor ?? 0;
    stat.rdevMinor = node.rdevMinor ?? 0;
  }
  return stat;
}

/** Counts a directory's links as Linux file systems do: its name, its "." and each subdirectory's "..". */
function directoryLinkCount(node: TreeNode): number {
  let count = 2;
  for (const child of node.children!.values()) if (child.type === 'directory') count++;
  return count;
}

function compareNames(a: DirEntry, b: DirEntry): number {
  if (a.name < b.name) return -1;
  if (a.name > b.name) return 1;
  return 0;
}

async function readContent(path: string, node: TreeNode, offset: number, length: number): Promise<Uint8Array> {
  if (length === 0) return new Uint8Array(0);

  const content = node.content;
  if (content === undefined) {
    throw new ScapulaError('IO', `cannot read ${path}: its content was not stored`);
  }
  const bytes = await content.store.read(content.offset + offset, length);
  if (bytes.byteLength !== length) {
    throw new ScapulaError('IO', `cannot read ${path}: ${content.store.name} ended after ${bytes.byteLength} of ${length} bytes`);
  }
  return bytes;
}
