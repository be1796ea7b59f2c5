/**
 * file_object: the metadata of files and directories (type, owner, times, size, permission
 * bits, extended ACL), read with lstat so that a symbolic link is reported as itself.
 */
import { isScapulaError } from '../../errors.js';
import type { ItemEntity, ProbeItem } from '../../oval/syschar.js';
import type { FileStat, FileSystemView, FileType } from '../../targets/target.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { booleanEntity, defineProbe, itemEntity, makeItem, throwIfAborted } from '../util/items.js';
import { searchFiles, type FoundFile } from '../util/path-search.js';

/** The file_item type names, as the unix system characteristics schema spells them. */
const TYPE_NAMES: Record<FileType, string> = {
  file: 'regular',
  directory: 'directory',
  symlink: 'symbolic link',
  fifo: 'named pipe',
  character: 'character special',
  block: 'block special',
  socket: 'socket',
};

/** The type entity of each file type, shared by every item (entities are never changed in place). */
const TYPE_ENTITIES = Object.fromEntries(
  Object.entries(TYPE_NAMES).map(([type, name]) => [type, Object.freeze(itemEntity('type', name))]),
) as Record<FileType, ItemEntity>;

const ACL_NOT_COLLECTED: ItemEntity = Object.freeze<ItemEntity>({ name: 'has_extended_acl', datatype: 'boolean', status: 'not collected' });

/** The extended attributes that hold POSIX ACLs beyond the permission bits. */
const ACL_ATTRIBUTES = ['system.posix_acl_access', 'system.posix_acl_default'];

/** The key of the per-evaluation map of file items, by path and filename (see itemCache). */
const ITEM_CACHE_KEY = 'file_object:items';

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const fs = context.target.fs;
  const files = await searchFiles(request, context, true);
  const cache = itemCache(context);
  const items: ProbeItem[] = [];

  for (const file of files) {
    throwIfAborted(context);
    const key = cache === null ? '' : `${file.path}\u0000${file.filename ?? '\u0001'}`;
    const cached = cache?.get(key);
    if (cached !== undefined) {
      items.push(cached);
      continue;
    }

    const item = await readFileItem(fs, file);
    if (item === null) continue;
    cache?.set(key, item);
    items.push(item);
  }
  return { items };
}

/** Builds the item of one found file, or returns null when the file no longer exists. */
async function readFileItem(fs: FileSystemView, file: FoundFile): Promise<ProbeItem | null> {
  const stat = await fs.lstat(file.filepath);
  if (stat === null) return null;
  const entities = locationEntities(file);
  entities.push(...statEntities(stat), await extendedAclEntity(fs, file.filepath));
  return makeItem('file_item', 'unix', entities);
}

/**
 * Returns the file items built so far in this evaluation, for a target that does not change
 * (a directory root or an image), or null for the running host, whose files may change
 * between two objects. SSG content reports the same files under several objects: the 10,665
 * file items of ssg-debian11 on a Debian 12 root name 5,641 files. Items are never changed in
 * place, so one item can serve every object that finds its file.
 */
function itemCache(context: ProbeContext): Map<string, ProbeItem> | null {
  if (context.target.live) return null;
  let cache = context.cache.get(ITEM_CACHE_KEY) as Map<string, ProbeItem> | undefined;
  if (cache === undefined) {
    cache = new Map();
    context.cache.set(ITEM_CACHE_KEY, cache);
  }
  return cache;
}

/** filepath is left out for a directory result (nil filename), as OpenSCAP 1.3.7 writes it. */
function locationEntities(file: FoundFile): ItemEntity[] {
  if (file.filename === null) return [itemEntity('path', file.path), itemEntity('filename', '')];
  return [itemEntity('filepath', file.filepath), itemEntity('path', file.path), itemEntity('filename', file.filename)];
}

/** Builds the entities from type to oexec, in schema order. */
export function statEntities(stat: FileStat): ItemEntity[] {
  const mode = stat.mode;
  return [
    TYPE_ENTITIES[stat.type],
    itemEntity('group_id', String(stat.gid), 'int'),
    itemEntity('user_id', String(stat.uid), 'int'),
    itemEntity('a_time', String(stat.atime), 'int'),
    itemEntity('c_time', String(stat.ctime), 'int'),
    itemEntity('m_time', String(stat.mtime), 'int'),
    itemEntity('size', String(stat.size), 'int'),
    booleanEntity('suid', (mode & 0o4000) !== 0),
    booleanEntity('sgid', (mode & 0o2000) !== 0),
    booleanEntity('sticky', (mode & 0o1000) !== 0),
    booleanEntity('uread', (mode & 0o400) !== 0),
    booleanEntity('uwrite', (mode & 0o200) !== 0),
    booleanEntity('uexec', (mode & 0o100) !== 0),
    booleanEntity('gread', (mode & 0o040) !== 0),
    booleanEntity('gwrite', (mode & 0o020) !== 0),
    booleanEntity('gexec', (mode & 0o010) !== 0),
    booleanEntity('oread', (mode & 0o004) !== 0),
    booleanEntity('owrite', (mode & 0o002) !== 0),
    booleanEntity('oexec', (mode & 0o001) !== 0),
  ];
}

/**
 * has_extended_acl from the POSIX ACL extended attributes. When the target cannot read
 * extended attributes (a host directory), the entity has status "not collected" instead of
 * a guessed false.
 */
async function extendedAclEntity(fs: FileSystemView, path: string): Promise<ItemEntity> {
  try {
    const attributes = await fs.xattrs(path);
    return booleanEntity('has_extended_acl', ACL_ATTRIBUTES.some((name) => attributes.has(name)));
  } catch (error) {
    if (!isScapulaError(error)) throw error;
    return ACL_NOT_COLLECTED;
  }
}

export const fileProbe = defineProbe({
  objectType: 'file_object',
  family: 'unix',
  description: {
    summary: 'File metadata: type, owner, times, size, permission bits and extended ACLs.',
    onImage: 'Reads the metadata stored in the image or root; has_extended_acl is "not collected" where extended attributes cannot be read.',
    onHost: 'Reads the metadata of the running host\'s files.',
  },
  collect,
});
