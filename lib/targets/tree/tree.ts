/**
 * An in-memory file tree: the merged index of an image's layers. It stores metadata and the
 * place of each file's content, never the content itself, so its size grows with the number
 * of entries and not with the size of the files.
 */
import { ScapulaError } from '../../errors.js';
import type { FileType } from '../target.js';

/** The number of symbolic links one lookup may follow, as Linux's MAXSYMLINKS (40). */
export const MAX_SYMLINK_HOPS = 40;

/** Random access to the bytes that hold file contents: an archive, a blob or a spool file. */
export interface ContentStore {
  readonly name: string;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** The location of a regular file's bytes: `size` bytes at `offset` of `store`. */
export interface ContentLocation {
  store: ContentStore;
  offset: number;
}

export interface TreeNode {
  type: FileType;
  /** Permission bits with setuid, setgid and sticky. */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  atime: number;
  ctime: number;
  ino: number;
  /** The number of directory entries that name this node (hard links share one node). */
  links: number;
  children?: Map<string, TreeNode>;
  linkTarget?: string;
  content?: ContentLocation;
  rdevMajor?: number;
  rdevMinor?: number;
  xattrs?: Map<string, Uint8Array>;
}

export type NodeAttributes = Omit<TreeNode, 'ino' | 'links' | 'children'>;

/** The result of resolving a path: the node and its canonical components. */
export interface ResolvedNode {
  node: TreeNode;
  components: string[];
  /** The directory that contains `node`, or null for the root. */
  parent: TreeNode | null;
}

export class FileTree {
  readonly root: TreeNode;
  private nextIno = 1;

  constructor() {
    this.root = this.createNode({ type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0, atime: 0, ctime: 0 });
  }

  createNode(attributes: NodeAttributes): TreeNode {
    // Every node gets the same fields in the same order, so V8 gives all of them one shape.
    return {
      type: attributes.type,
      mode: attributes.mode,
      uid: attributes.uid,
      gid: attributes.gid,
      size: attributes.size,
      mtime: attributes.mtime,
      atime: attributes.atime,
      ctime: attributes.ctime,
      ino: this.nextIno++,
      links: 0,
      children: attributes.type === 'directory' ? new Map() : undefined,
      linkTarget: attributes.linkTarget,
      content: attributes.content,
      rdevMajor: attributes.rdevMajor,
      rdevMinor: attributes.rdevMinor,
      xattrs: attributes.xattrs,
    };
  }

  /** Links `node` into `directory` under `name`, replacing and unlinking what was there. */
  link(directory: TreeNode, name: string, node: TreeNode): void {
    const previous = directory.children!.get(name);
    if (previous !== undefined) unlinkSubtree(previous);
    directory.children!.set(name, node);
    node.links++;
  }

  /** Removes `name` from `directory` with everything below it. */
  unlink(directory: TreeNode, name: string): void {
    const previous = directory.children!.get(name);
    if (previous === undefined) return;
    directory.children!.delete(name);
    unlinkSubtree(previous);
  }

  /**
   * Resolves `components` from the root inside the tree: an absolute link target restarts at
   * the root, ".." at the root stays there, and more than 40 links raise PATH_LOOP. A final
   * symbolic link is followed only when `followFinal` is set. Returns null when a component
   * is missing and throws NOT_A_DIRECTORY when one is not a directory.
   */
  resolve(components: readonly string[], followFinal: boolean, displayPath: string): ResolvedNode | null {
    // Components still to resolve, the next one last, so that link targets can be pushed on.
    const pending = components.slice().reverse();
    const names: string[] = [];
    const nodes: TreeNode[] = [this.root];
    let hops = 0;

    while (pending.length > 0) {
      const name = pending.pop()!;
      if (name === '' || name === '.') continue;
      if (name === '..') {
        if (nodes.length > 1) {
          nodes.pop();
          names.pop();
        }
        continue;
      }

      const directory = nodes[nodes.length - 1];
      if (directory.type !== 'directory') {
        throw new ScapulaError('NOT_A_DIRECTORY', `${displayPath}: /${names.join('/')} is not a directory`);
      }
      const child = directory.children!.get(name);
      if (child === undefined) return null;

      const isFinal = pending.length === 0;
      if (child.type === 'symlink' && (!isFinal || followFinal)) {
        hops++;
        if (hops > MAX_SYMLINK_HOPS) {
          throw new ScapulaError('PATH_LOOP', `too many symbolic links (more than ${MAX_SYMLINK_HOPS}) in ${displayPath}`);
        }
        const target = child.linkTarget!;
        if (target === '') return null;
        if (target.startsWith('/')) {
          nodes.length = 1;
          names.length = 0;
        }
        const targetComponents = target.split('/');
        for (let i = targetComponents.length - 1; i >= 0; i--) pending.push(targetComponents[i]);
        continue;
      }

      nodes.push(child);
      names.push(name);
    }

    const node = nodes[nodes.length - 1];
    if (pending.length === 0 && names.length > 0 && node.type !== 'directory' && components[components.length - 1] === '') {
      // A trailing slash ("/etc/passwd/") requires a directory, as on Linux.
      throw new ScapulaError('NOT_A_DIRECTORY', `${displayPath}: /${names.join('/')} is not a directory`);
    }
    return { node, components: names, parent: nodes.length > 1 ? nodes[nodes.length - 2] : null };
  }
}

/** Splits an absolute or relative POSIX path into its components. */
export function splitPath(path: string): string[] {
  const components = path.split('/');
  // Keep a trailing empty component, which marks a trailing slash, and drop the others.
  const trailing = components.length > 1 && components[components.length - 1] === '' ? [''] : [];
  return [...components.filter((component) => component !== '' && component !== '.'), ...trailing];
}

/**
 * Decrements the link counts of a node removed from the tree and, when it was a directory's
 * last name, of everything below it. Walks with an explicit stack, so depth costs no stack.
 */
function unlinkSubtree(node: TreeNode): void {
  const stack = [node];
  while (stack.length > 0) {
    const current = stack.pop()!;
    current.links--;
    if (current.links === 0 && current.children !== undefined) {
      for (const child of current.children.values()) stack.push(child);
    }
  }
}
