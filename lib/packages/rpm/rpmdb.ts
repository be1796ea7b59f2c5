/**
 * Finds and reads a target's rpm database through its FileSystemView, whatever its storage:
 * SQLite (`rpmdb.sqlite`), NDB (`Packages.db`) or Berkeley DB (`Packages`).
 */
import { isScapulaError } from '../../errors.js';
import type { FileSystemView } from '../../targets/target.js';
import { readBdbHeaders } from './bdb.js';
import { RpmHeader } from './header.js';
import { readNdbHeaders } from './ndb.js';
import { packageFromHeader, type RpmPackage } from './package.js';
import { readSqliteHeaders, type HeaderBlob } from './sqlite.js';

export type RpmDatabaseFormat = 'sqlite' | 'ndb' | 'bdb';

export interface RpmDatabase {
  format: RpmDatabaseFormat;
  /** The database file inside the target, e.g. "/var/lib/rpm/rpmdb.sqlite". */
  path: string;
  packages: RpmPackage[];
}

/**
 * Directories of rpm's database: `/var/lib/rpm` (RHEL, CentOS, Fedora up to 35, Amazon Linux)
 * and `/usr/lib/sysimage/rpm` (SUSE, Fedora 36+, where `/var/lib/rpm` is often a symlink to it).
 */
export const RPM_DATABASE_DIRECTORIES = ['/var/lib/rpm', '/usr/lib/sysimage/rpm'];

/** In each directory, the file that marks each storage format, in the order they are tried. */
const DATABASE_FILES: { format: RpmDatabaseFormat; name: string }[] = [
  { format: 'sqlite', name: 'rpmdb.sqlite' },
  { format: 'ndb', name: 'Packages.db' },
  { format: 'bdb', name: 'Packages' },
];

/** A database larger than this is rejected with a LIMIT error rather than loaded. */
export const MAX_DATABASE_BYTES = 1024 * 1024 * 1024;

/**
 * Returns the path and format of the target's rpm database, or null when it has none. When
 * one directory contains several formats (a leftover `Packages` beside `rpmdb.sqlite` after
 * `rpmdb --rebuilddb`), the newer format wins, as with rpm's default backend on those systems.
 */
export async function locateRpmDatabase(fs: FileSystemView): Promise<{ format: RpmDatabaseFormat; path: string } | null> {
  for (const directory of RPM_DATABASE_DIRECTORIES) {
    for (const candidate of DATABASE_FILES) {
      const path = `${directory}/${candidate.name}`;
      const stat = await fs.stat(path);
      if (stat?.type === 'file') return { format: candidate.format, path };
    }
  }
  return null;
}

/** Reads and decodes the target's rpm database; returns null when the target has none. */
export async function readRpmDatabase(fs: FileSystemView): Promise<RpmDatabase | null> {
  const location = await locateRpmDatabase(fs);
  if (location === null) return null;

  const blobs = await readHeaderBlobs(fs, location.format, location.path);
  const packages = blobs.map((entry) => decodePackage(entry, location.path));
  return { ...location, packages };
}

/** Reads the header blobs of one database file in the given format. */
export async function readHeaderBlobs(fs: FileSystemView, format: RpmDatabaseFormat, path: string): Promise<HeaderBlob[]> {
  const bytes = await fs.readFile(path, { maxBytes: MAX_DATABASE_BYTES });
  switch (format) {
    case 'sqlite':
      return readSqliteHeaders(bytes, await readOptional(fs, `${path}-wal`), path);
    case 'ndb':
      return readNdbHeaders(bytes, path);
    case 'bdb':
      return readBdbHeaders(bytes, path);
  }
}

function decodePackage(entry: HeaderBlob, path: string): RpmPackage {
  return packageFromHeader(new RpmHeader(entry.blob, `${path}: header ${entry.instance}`));
}

async function readOptional(fs: FileSystemView, path: string): Promise<Uint8Array | null> {
  try {
    const stat = await fs.stat(path);
    if (stat?.type !== 'file' || stat.size === 0) return null;
    return await fs.readFile(path, { maxBytes: MAX_DATABASE_BYTES });
  } catch (error) {
    if (isScapulaError(error, 'NOT_FOUND')) return null;
    throw error;
  }
}

const CACHE_KEY = 'packages:rpmdb';

/**
 * Reads the rpm database once per evaluation: the promise is kept in the probe context's cache,
 * so every rpm probe shares one read, and a failed read fails each of them the same way.
 */
export function cachedRpmDatabase(fs: FileSystemView, cache: Map<string, unknown>): Promise<RpmDatabase | null> {
  let pending = cache.get(CACHE_KEY) as Promise<RpmDatabase | null> | undefined;
  if (pending === undefined) {
    pending = readRpmDatabase(fs);
    // The rejection is handled by each caller; this keeps Node from reporting it as unhandled.
    pending.catch(() => undefined);
    cache.set(CACHE_KEY, pending);
  }
  return pending;
}
