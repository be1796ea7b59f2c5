/**
 * Applies one layer's tar entries to the merged tree, as a container runtime unpacks a layer
 * onto the layers below it:
 *
 *   etc/.wh.issue.net          whiteout: removes etc/issue.net of a lower layer
 *   etc/sudoers.d/.wh..wh..opq opaque marker: hides everything lower layers put in etc/sudoers.d
 *   srv/dropbox/shadow.bak     symlink, hard link, file, directory or device: replaces the entry
 *
 * Whiteouts and opaque markers act on lower layers only (OCI image spec, "Whiteouts"), never
 * on entries of their own layer, whatever the entry order. Entry names with ".." or a leading
 * "/" are clamped at the image root, as containerd does.
 */
import { ScapulaError } from '../../errors.js';
import type { FileType } from '../target.js';
import type { FileTree, NodeAttributes, TreeNode } from '../tree/tree.js';

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';

/** A tar entry as the layer reader hands it over, with PAX overrides already applied. */
export interface LayerEntry {
  name: string;
  /** The tar entry type, as tar-stream names it. */
  type: string | null | undefined;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  atime: number;
  ctime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  xattrs?: Map<string, Uint8Array>;
}

const DEVICE_TYPES: Record<string, FileType> = {
  'character-device': 'character',
  'block-device': 'block',
  fifo: 'fifo',
};

export class LayerApplier {
  private readonly tree: FileTree;
  private readonly layerName: string;
  private readonly warnings: string[];
  private readonly opaqueDirectories = new Set<TreeNode>();
  /** The names this layer wrote or passed through, per directory. */
  private readonly touched = new Map<TreeNode, Set<string>>();

  constructor(tree: FileTree, layerName: string, warnings: string[]) {
    this.tree = tree;
    this.layerName = layerName;
    this.warnings = warnings;
  }

  /**
   * Applies one entry. Returns the new regular-file node, whose content the caller records,
   * or null for every other kind of entry.
   */
  apply(entry: LayerEntry): TreeNode | null {
    const components = cleanEntryName(entry.name);
    if (components.length === 0) {
      // containerd ignores an entry that resolves to the root ("./"), so a layer cannot change
      // the root directory's mode or owner.
      if (entry.type !== 'directory') {
        this.warnings.push(`${this.layerName}: entry ${JSON.stringify(entry.name)} names the image root but is not a directory; it was skipped`);
      }
      return null;
    }

    const name = components[components.length - 1];
    if (name.startsWith(WHITEOUT_PREFIX)) {
      this.applyWhiteout(components.slice(0, -1), name, entry.name);
      return null;
    }

    const parent = this.parentDirectory(components.slice(0, -1), entry.name);
    switch (entry.type) {
      case 'directory':
        this.applyDirectory(parent, name, entry);
        return null;
      case 'file':
      case 'contiguous-file':
        return this.addNode(parent, name, entry, 'file');
      case 'symlink': {
        const node = this.addNode(parent, name, entry, 'symlink');
        node.linkTarget = entry.linkname;
        node.size = Buffer.byteLength(entry.linkname);
        return null;
      }
      case 'link':
        this.applyHardLink(parent, name, entry);
        return null;
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        const node = this.addNode(parent, name, entry, DEVICE_TYPES[entry.type]);
        node.size = 0;
        if (entry.type !== 'fifo') {
          node.rdevMajor = entry.devmajor;
          node.rdevMinor = entry.devminor;
        }
        return null;
      }
      default:
        throw new ScapulaError('IMAGE_INVALID', `${this.layerName}: entry ${entry.name} has an unsupported tar type ${JSON.stringify(entry.type ?? 'unknown')}`);
    }
  }

  /** Hides what lower layers put in each opaque directory. Call after the layer's last entry. */
  finish(): void {
    for (const directory of this.opaqueDirectories) this.hideLowerEntries(directory);
  }

  private applyWhiteout(parentComponents: string[], name: string, entryName: string): void {
    const parent = this.existingDirectory(parentComponents);
    if (parent === null) return;

    if (name === OPAQUE_MARKER) {
      this.opaqueDirectories.add(parent);
      return;
    }
    // Other ".wh..wh." names are aufs bookkeeping (hard link directories and the like), not whiteouts.
    if (name.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) return;

    const hidden = name.slice(WHITEOUT_PREFIX.length);
    if (hidden === '' || hidden === '.' || hidden === '..') {
      this.warnings.push(`${this.layerName}: whiteout ${JSON.stringify(entryName)} names no entry; it was skipped`);
      return;
    }
    const child = parent.children!.get(hidden);
    if (child !== undefined && !this.wasTouched(parent, hidden)) this.tree.unlink(parent, hidden);
  }

  private applyDirectory(parent: TreeNode, name: string, entry: LayerEntry): void {
    const existing = parent.children!.get(name);
    if (existing !== undefined && existing.type === 'directory') {
      // A directory entry over a directory changes its metadata and keeps its contents.
      setAttributes(existing, entry);
      this.touch(parent, name);
      return;
    }
    // Over anything else (a symbolic link included) the new directory replaces the old entry,
    // so nothing is ever written through a link of a lower layer.
    this.addNode(parent, name, entry, 'directory');
  }

  /** Links `name` to the node its target names in the tree merged so far. */
  private applyHardLink(parent: TreeNode, name: string, entry: LayerEntry): void {
    const targetComponents = cleanEntryName(entry.linkname);
    let target: TreeNode | null = null;
    try {
      target = this.tree.resolve(targetComponents, false, entry.linkname)?.node ?? null;
    } catch (error) {
      if (!(error instanceof ScapulaError)) throw error;
    }

    if (target === null || target.type === 'directory') {
      const reason = target === null ? 'it does not exist in the image' : 'it is a directory';
      this.warnings.push(`${this.layerName}: hard link ${entry.name} → ${entry.linkname} was skipped because ${reason}`);
      return;
    }
    this.touch(parent, name);
    if (parent.children!.get(name) === target) return;
    this.tree.link(parent, name, target);
  }

  private addNode(parent: TreeNode, name: string, entry: LayerEntry, type: FileType): TreeNode {
    const attributes: NodeAttributes = {
      type,
      mode: entry.mode & 0o7777,
      uid: entry.uid,
      gid: entry.gid,
      size: type === 'file' ? entry.size : 0,
      mtime: entry.mtime,
      atime: entry.atime,
      ctime: entry.ctime,
    };
    const node = this.tree.createNode(attributes);
    if (entry.xattrs !== undefined && entry.xattrs.size > 0) node.xattrs = entry.xattrs;
    this.tree.link(parent, name, node);
    this.touch(parent, name);
    return node;
  }

  /**
   * Walks to the directory that will contain an entry, creating missing directories (0755,
   * root) as runtimes do. A symbolic link on the way is followed inside the image, as
   * containerd resolves parent paths. Anything else that is not a directory fails the layer.
   * Every directory passed is marked as touched by this layer, so an opaque marker above it
   * keeps it.
   */
  private parentDirectory(components: string[], entryName: string): TreeNode {
    let directory = this.tree.root;
    for (let depth = 0; depth < components.length; depth++) {
      const name = components[depth];
      let child = directory.children!.get(name);

      if (child === undefined) {
        child = this.tree.createNode({ type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0, atime: 0, ctime: 0 });
        this.tree.link(directory, name, child);
      } else if (child.type === 'symlink') {
        child = this.resolveLinkedDirectory(components.slice(0, depth + 1), entryName);
        if (child === undefined || child.type !== 'directory') {
          throw new ScapulaError('IMAGE_INVALID', `${this.layerName}: entry ${entryName} lies below /${components.slice(0, depth + 1).join('/')}, a symbolic link that leads to no directory`);
        }
      } else if (child.type !== 'directory') {
        throw new ScapulaError('IMAGE_INVALID', `${this.layerName}: entry ${entryName} lies below /${components.slice(0, depth + 1).join('/')}, which is a ${child.type}, not a directory`);
      }

      this.touch(directory, name);
      directory = child;
    }
    return directory;
  }

  /** Resolves a symbolic link on an entry's parent path, or returns undefined when it leads nowhere or loops. */
  private resolveLinkedDirectory(components: string[], entryName: string): TreeNode | undefined {
    try {
      return this.tree.resolve(components, true, entryName)?.node;
    } catch (error) {
      if (error instanceof ScapulaError) return undefined;
      throw error;
    }
  }

  private touch(directory: TreeNode, name: string): void {
    let names = this.touched.get(directory);
    if (names === undefined) {
      names = new Set();
      this.touched.set(directory, names);
    }
    names.add(name);
  }

  private wasTouched(directory: TreeNode, name: string): boolean {
    return this.touched.get(directory)?.has(name) ?? false;
  }

  private existingDirectory(components: string[]): TreeNode | null {
    let resolved;
    try {
      resolved = this.tree.resolve(components, true, components.join('/'));
    } catch (error) {
      if (error instanceof ScapulaError) return null;
      throw error;
    }
    return resolved !== null && resolved.node.type === 'directory' ? resolved.node : null;
  }

  /** Removes, below an opaque directory, every entry that this layer neither wrote nor passed through. */
  private hideLowerEntries(directory: TreeNode): void {
    const stack = [directory];
    while (stack.length > 0) {
      const current = stack.pop()!;
      for (const [name, child] of current.children!) {
        if (!this.wasTouched(current, name)) this.tree.unlink(current, name);
        else if (child.type === 'directory') stack.push(child);
      }
    }
  }
}

/**
 * Splits a tar entry name into clean components inside the root. "." and empty parts are
 * dropped, and ".." removes the previous component but never leaves the root, so a leading
 * "/" has no effect. "../etc/x", "/etc/x" and "a/../../etc/x" all become ["etc", "x"].
 */
export function cleanEntryName(name: string): string[] {
  const components: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') components.pop();
    else components.push(part);
  }
  return components;
}

function setAttributes(node: TreeNode, entry: LayerEntry): void {
  node.mode = entry.mode & 0o7777;
  node.uid = entry.uid;
  node.gid = entry.gid;
  node.mtime = entry.mtime;
  node.atime = entry.atime;
  node.ctime = entry.ctime;
  if (entry.xattrs !== undefined && entry.xattrs.size > 0) node.xattrs = entry.xattrs;
  else node.xattrs = undefined;
}
