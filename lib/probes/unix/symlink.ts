/**
 * symlink_object: where a symbolic link points, resolved inside the target. A path that is
 * not a symbolic link gives no item. A link that loops or dangles gives an item whose
 * canonical_path has status "error", and the object stays "complete". OVAL 5.11.2 keeps the
 * "error" flag for objects whose items cannot be identified. It shows a failure to retrieve one
 * entity as that entity's status. OpenSCAP 1.3.7 instead flags the object "error" and reports
 * no item.
 */
import { isScapulaError, type ScapulaError } from '../../errors.js';
import type { ProbeItem } from '../../oval/syschar.js';
import type { FileSystemView } from '../../targets/target.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { defineProbe, errorEntity, itemEntity, makeItem, throwIfAborted } from '../util/items.js';
import { searchFiles } from '../util/path-search.js';

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const fs = context.target.fs;
  const items: ProbeItem[] = [];

  for (const file of await searchFiles(request, context)) {
    throwIfAborted(context);
    const stat = await fs.lstat(file.filepath);
    if (stat?.type !== 'symlink') continue;

    try {
      const canonicalPath = await fs.realpath(file.filepath);
      items.push(makeItem('symlink_item', 'unix', [itemEntity('filepath', file.filepath), itemEntity('canonical_path', canonicalPath)]));
    } catch (error) {
      if (!isScapulaError(error)) throw error;
      items.push(
        makeItem('symlink_item', 'unix', [itemEntity('filepath', file.filepath), errorEntity('canonical_path')], 'error', [
          { level: 'error', text: await unresolvedLinkMessage(fs, file.filepath, error) },
        ]),
      );
    }
  }
  return { items };
}

/**
 * Names the link, its target and the cause, since the resolver's own message names only the
 * path it was given ("/etc/x does not exist in the target" for a link that exists).
 */
async function unresolvedLinkMessage(fs: FileSystemView, filepath: string, error: ScapulaError): Promise<string> {
  const linkTarget = await fs.readlink(filepath).catch(() => null);
  const link = linkTarget === null ? `the symbolic link ${filepath}` : `the symbolic link ${filepath} -> ${linkTarget}`;
  switch (error.code) {
    case 'NOT_FOUND':
      return `${link} is broken: the path it resolves to does not exist in the target`;
    case 'PATH_LOOP':
      return `${link} is circular or too long a chain: ${error.message}`;
    default:
      return `${link} cannot be resolved: ${error.message}`;
  }
}

export const symlinkProbe = defineProbe({
  objectType: 'symlink_object',
  family: 'unix',
  description: {
    summary: 'The canonical path a symbolic link resolves to.',
    onImage: 'Resolves links inside the image or root, with its root as "/".',
    onHost: 'Resolves links on the running host.',
  },
  collect,
});
