/**
 * symlink_object: where a symbolic link points, resolved inside the target. A path that is
 * not a symbolic link gives no item; a link that loops or dangles gives an item whose
 * canonical_path has status "error".
 */
import { isScapulaError } from '../../errors.js';
import type { ProbeItem } from '../../oval/syschar.js';
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
          { level: 'error', text: error.message },
        ]),
      );
    }
  }
  return { items };
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
