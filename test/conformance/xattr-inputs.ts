/**
 * Roots for the cases whose upstream script sets extended attributes with setfattr on files in
 * the host's /tmp. The runner sets the same attributes on files in a root folder of its own,
 * through the optional @napi-rs/xattr package, and never writes to the host's /tmp.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { setXattr } from '../host-xattrs.js';

/**
 * test_probes_fileextendedattribute.sh runs, before `oscap oval eval`:
 *
 *     setfattr -n user.fooattr -v foo /tmp/xattr_with_val
 *     setfattr -n user.fooattr /tmp/xattr_without_val
 *     touch /tmp/xattr_noattr
 *
 * setfattr without -v sets an empty value.
 */
function buildFileExtendedAttributeRoot(root: string): void {
  const folder = path.join(root, 'tmp');
  mkdirSync(folder, { recursive: true });
  for (const name of ['xattr_with_val', 'xattr_without_val', 'xattr_noattr']) writeFileSync(path.join(folder, name), '');
  setXattr(path.join(folder, 'xattr_with_val'), 'user.fooattr', 'foo');
  setXattr(path.join(folder, 'xattr_without_val'), 'user.fooattr', '');
}

/** Root builders by case id, in the form of prepared-roots.ts. */
export const XATTR_ROOTS: Record<string, (root: string, scratchTests: string) => void> = {
  'probes/fileextendedattribute/test_probes_fileextendedattribute/test_probes_fileattribute': buildFileExtendedAttributeRoot,
};
