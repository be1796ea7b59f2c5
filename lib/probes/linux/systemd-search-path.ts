/**
 * The unit search path of the system manager, with its unit files, drop-ins and `.wants/`
 * links (systemd.unit(5), "Unit File Load Path"), and the index of every unit file name in it.
 */
import { posix } from 'node:path';

import { isScapulaError } from '../../errors.js';
import type { FileSystemView } from '../../targets/target.js';
import { parseUnitName } from './systemd-unit-name.js';

/**
 * The system unit search path, highest priority first, as systemd 239-255 builds it. Both
 * /usr/lib and /lib appear because distributions without a merged /usr install units under
 * /lib; where /lib links to /usr/lib the duplicate is dropped.
 */
export const SYSTEM_UNIT_PATH = [
  '/etc/systemd/system.control',
  '/run/systemd/system.control',
  '/run/systemd/transient',
  '/run/systemd/generator.early',
  '/etc/systemd/system',
  '/etc/systemd/system.attached',
  '/run/systemd/system',
  '/run/systemd/system.attached',
  '/run/systemd/generator',
  '/usr/local/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/lib/systemd/system',
  '/run/systemd/generator.late',
] as const;

/** Directories whose links and masks count as the administrator's configuration. */
export const PERSISTENT_CONFIG_DIRS = ['/etc/systemd/system', '/etc/systemd/system.control'];
export const RUNTIME_CONFIG_DIRS = ['/run/systemd/system', '/run/systemd/system.control'];
export const GENERATOR_DIRS = ['/run/systemd/generator.early', '/run/systemd/generator', '/run/systemd/generator.late'];
export const TRANSIENT_DIR = '/run/systemd/transient';

/** Maximum number of entries read from one directory of the search path. */
export const MAX_DIRECTORY_ENTRIES = 100_000;

/** One name found in a search path directory: a unit file, a mask, an alias or a linked file. */
export type UnitFileEntry =
  | { kind: 'file'; name: string; dir: string; path: string; empty: boolean }
  | { kind: 'masked'; name: string; dir: string; path: string }
  | { kind: 'alias'; name: string; dir: string; path: string; aliasOf: string }
  | { kind: 'linked'; name: string; dir: string; path: string; linkTarget: string };

export interface UnitSearchPath {
  /** Existing directories of SYSTEM_UNIT_PATH, highest priority first, duplicates removed. */
  dirs: string[];
  /** For each unit file name, the entry in the highest-priority directory that has it. */
  entries: Map<string, UnitFileEntry>;
  /**
   * The subdirectory names of each directory ("sshd.service.d", "multi-user.target.wants"),
   * so lookups of drop-in and link directories skip the ones that do not exist.
   */
  subdirectories: Map<string, Set<string>>;
}

/** Lists the search path directories that exist in the target and indexes their unit files. */
export async function scanUnitSearchPath(fs: FileSystemView): Promise<UnitSearchPath> {
  const dirs: string[] = [];
  const seenRealPaths = new Set<string>();
  for (const dir of SYSTEM_UNIT_PATH) {
    const stat = await fs.stat(dir).catch(ignoreLookupErrors);
    if (stat?.type !== 'directory') continue;
    const real = await fs.realpath(dir).catch(() => dir);
    if (seenRealPaths.has(real)) continue;
    seenRealPaths.add(real);
    dirs.push(dir);
  }

  const entries = new Map<string, UnitFileEntry>();
  const subdirectories = new Map<string, Set<string>>();
  for (const dir of dirs) {
    const listing = await fs.readdir(dir).catch(ignoreLookupErrors);
    if (listing === null) continue;
    const names = new Set<string>();
    subdirectories.set(dir, names);
    for (const entry of listing.slice(0, MAX_DIRECTORY_ENTRIES)) {
      if (entry.type === 'directory' || entry.type === 'symlink') names.add(entry.name);
      if (entries.has(entry.name) || parseUnitName(entry.name) === null) continue;
      const path = posix.join(dir, entry.name);
      const indexed = await indexEntry(fs, dir, path, entry.name, entry.type);
      if (indexed !== null) entries.set(entry.name, indexed);
    }
  }

  return { dirs, entries, subdirectories };
}

/** Tells whether `dir` may hold a subdirectory `name` (a directory or a link to one). */
export function mayHaveSubdirectory(searchPath: UnitSearchPath, dir: string, name: string): boolean {
  return searchPath.subdirectories.get(dir)?.has(name) ?? false;
}

async function indexEntry(
  fs: FileSystemView,
  dir: string,
  path: string,
  name: string,
  type: string,
): Promise<UnitFileEntry | null> {
  if (type === 'file') {
    const stat = await fs.stat(path).catch(ignoreLookupErrors);
    return { kind: 'file', name, dir, path, empty: stat?.size === 0 };
  }
  if (type !== 'symlink') return null;

  const target = await fs.readlink(path).catch(ignoreLookupErrors);
  if (target === null) return null;
  if (target === '/dev/null') return { kind: 'masked', name, dir, path };

  const targetName = posix.basename(target);
  const parsedName = parseUnitName(name);
  const parsedTarget = parseUnitName(targetName);
  if (targetName !== name && parsedTarget !== null && parsedTarget.type === parsedName?.type) {
    return { kind: 'alias', name, dir, path, aliasOf: targetName };
  }

  // A link with the unit's own name to a file elsewhere ("systemctl link"): the unit is read
  // through the link, and an empty or missing file behaves as it would for a regular file.
  const stat = await fs.stat(path).catch(ignoreLookupErrors);
  if (stat === null) return null;
  if (stat.type !== 'file') return null;
  if (stat.size === 0) return { kind: 'masked', name, dir, path };
  const absoluteTarget = posix.resolve(dir, target);
  return { kind: 'linked', name, dir, path, linkTarget: absoluteTarget };
}

/**
 * Lists the unit names in `<dir>/<name>.<suffix>/` over every search path directory, the
 * highest-priority entry winning for each name. Entries linked to /dev/null are dropped, so
 * an administrator can cancel a vendor `.wants/` link by masking it.
 */
export async function listDependencyDirectory(
  fs: FileSystemView,
  searchPath: UnitSearchPath,
  name: string,
  suffix: 'wants' | 'requires' | 'upholds',
): Promise<string[]> {
  const seen = new Map<string, boolean>();
  for (const dir of searchPath.dirs) {
    if (!mayHaveSubdirectory(searchPath, dir, `${name}.${suffix}`)) continue;
    const listing = await fs.readdir(posix.join(dir, `${name}.${suffix}`)).catch(ignoreLookupErrors);
    if (listing === null) continue;
    for (const entry of listing.slice(0, MAX_DIRECTORY_ENTRIES)) {
      if (seen.has(entry.name) || parseUnitName(entry.name) === null) continue;
      let masked = false;
      if (entry.type === 'symlink') {
        const target = await fs.readlink(posix.join(dir, `${name}.${suffix}`, entry.name)).catch(ignoreLookupErrors);
        masked = target === '/dev/null';
      }
      seen.set(entry.name, masked);
    }
  }
  return [...seen].filter(([, masked]) => !masked).map(([entryName]) => entryName);
}

/**
 * Returns null for the lookup faults that a missing or odd file causes (not found, not a
 * directory, a link loop, a special file, a read failure), so a scan goes on. Other errors
 * propagate.
 */
export function ignoreLookupErrors(error: unknown): null {
  if (
    isScapulaError(error, 'NOT_FOUND') ||
    isScapulaError(error, 'NOT_A_DIRECTORY') ||
    isScapulaError(error, 'PATH_LOOP') ||
    isScapulaError(error, 'SPECIAL_FILE') ||
    isScapulaError(error, 'IO')
  ) {
    return null;
  }
  throw error;
}
