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

/** The extended attributes that hold POSIX ACLs beyond the permission bits. */
const ACL_ATTRIBUTES = ['system.posix_acl_access', 'system.posix_acl_default'];

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const fs = context.target.fs;
  const files = await searchFiles(request, context, true);
  const items: ProbeItem[] = [];

  for (const file of files) {
    throwIfAborted(context);
    const stat = await fs.lstat(file.filepath);
    if (stat === null) continue;
    items.push(makeItem('file_item', 'unix', [...locationEntities(file), ...statEntities(stat), await extendedAclEntity(fs, file.filepath)]));
  }
  return { items };
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
    itemEntity('type', TYPE_NAMES[stat.type]),
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
    return { name: 'has_extended_acl', datatype: 'boolean', status: 'not collected' };
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
