/**
 * The dpkg database of a Debian or Ubuntu target: installed packages from
 * `/var/lib/dpkg/status`, and for distroless images from `/var/lib/dpkg/status.d/*`. A
 * status.d file describes one package, has no Status field, and its name need not be the
 * package name. Also the per-package `info/<package>[:<arch>].md5sums` file lists.
 */
import { ScapulaError } from '../errors.js';
import type { FileSystemView } from '../targets/target.js';
import { field, parseStanzas, type Stanza } from './control.js';

export const DPKG_STATUS = '/var/lib/dpkg/status';
export const DPKG_STATUS_DIRECTORY = '/var/lib/dpkg/status.d';
export const DPKG_INFO_DIRECTORY = '/var/lib/dpkg/info';

/**
 * The package states (third word of `Status:`) in which a package's files are on disk. Apt
 * gives a package a current version in exactly these states; "not-installed" and
 * "config-files" (removed, configuration kept) are not installed.
 */
const INSTALLED_STATES = new Set(['installed', 'unpacked', 'half-configured', 'half-installed', 'triggers-awaited', 'triggers-pending']);

export interface DebianVersion {
  /** The epoch, "0" when the version has none. */
  epoch: string;
  upstream: string;
  /** The Debian revision after the last hyphen, or '' for a native package. */
  revision: string;
}

export interface Conffile {
  path: string;
  md5: string;
  /** Flags after the digest, such as "obsolete" or "remove-on-upgrade". */
  flags: string[];
}

export interface DpkgPackage {
  name: string;
  /** The Version field as written. */
  version: string;
  architecture: string;
  /** The Status field, or null for a distroless entry (which has none). */
  status: string | null;
  multiArch: string | null;
  /** The source package name, without the "(version)" part; the binary name when absent. */
  source: string;
  sourceVersion: string | null;
  conffiles: Conffile[];
  /** The file the stanza came from, for messages. */
  file: string;
}

export interface DpkgDatabase {
  packages: DpkgPackage[];
  /** The files read, in order. */
  files: string[];
}

/** Splits `[epoch:]upstream[-revision]` as Debian policy section 5.6.12 defines it. */
export function parseDebianVersion(version: string): DebianVersion {
  const colon = version.indexOf(':');
  const epoch = colon >= 0 ? version.slice(0, colon) : '0';
  const rest = colon >= 0 ? version.slice(colon + 1) : version;
  const hyphen = rest.lastIndexOf('-');
  return hyphen >= 0
    ? { epoch, upstream: rest.slice(0, hyphen), revision: rest.slice(hyphen + 1) }
    : { epoch, upstream: rest, revision: '' };
}

/** Parses one status or status.d file; keeps only installed packages. */
export function parseDpkgStatus(text: string, file: string): DpkgPackage[] {
  return parseStanzas(text, file)
    .map((stanza) => packageFromStanza(stanza, file))
    .filter((pkg): pkg is DpkgPackage => pkg !== null && isInstalled(pkg));
}

export function isInstalled(pkg: DpkgPackage): boolean {
  if (pkg.status === null) return true;
  const state = pkg.status.split(/\s+/)[2];
  return state !== undefined && INSTALLED_STATES.has(state);
}

function packageFromStanza(stanza: Stanza, file: string): DpkgPackage | null {
  const name = field(stanza, 'Package');
  const version = field(stanza, 'Version');
  // A stanza without a version describes a package dpkg has seen but never installed. One that
  // claims to be installed without a version is damaged: dpkg itself rejects such a database.
  if (name === undefined || name === '') return null;
  if (version === undefined || version === '') {
    const status = field(stanza, 'Status');
    if (status !== undefined && INSTALLED_STATES.has(status.split(/\s+/)[2] ?? '')) {
      throw new ScapulaError('PACKAGE_DB_CORRUPT', `package ${name} is installed but has no Version field`, { file });
    }
    return null;
  }

  const sourceField = field(stanza, 'Source');
  const sourceMatch = sourceField === undefined ? null : /^(\S+)(?:\s+\((.+)\))?$/.exec(sourceField);
  return {
    name,
    version,
    architecture: field(stanza, 'Architecture') ?? '',
    status: field(stanza, 'Status') ?? null,
    multiArch: field(stanza, 'Multi-Arch') ?? null,
    source: sourceMatch?.[1] ?? name,
    sourceVersion: sourceMatch?.[2] ?? null,
    conffiles: parseConffiles(field(stanza, 'Conffiles')),
    file,
  };
}

function parseConffiles(value: string | undefined): Conffile[] {
  if (value === undefined) return [];
  const conffiles: Conffile[] = [];
  for (const line of value.split('\n')) {
    const words = line.trim().split(/\s+/);
    if (words.length < 2 || words[0] === '') continue;
    conffiles.push({ path: words[0], md5: words[1], flags: words.slice(2) });
  }
  return conffiles;
}

/**
 * Reads the installed packages of the target's dpkg database, or returns null when the target
 * has neither a status file nor a status.d directory.
 */
export async function readDpkgDatabase(fs: FileSystemView): Promise<DpkgDatabase | null> {
  const packages: DpkgPackage[] = [];
  const files: string[] = [];

  const status = await fs.stat(DPKG_STATUS);
  if (status !== null && status.type !== 'file') {
    throw new ScapulaError('PACKAGE_DB_CORRUPT', `the dpkg status database is a ${status.type}, not a regular file`, { file: DPKG_STATUS });
  }
  if (status?.type === 'file') {
    packages.push(...parseDpkgStatus(await readText(fs, DPKG_STATUS), DPKG_STATUS));
    files.push(DPKG_STATUS);
  }

  const directory = await fs.stat(DPKG_STATUS_DIRECTORY);
  if (directory?.type === 'directory') {
    for (const entry of await fs.readdir(DPKG_STATUS_DIRECTORY)) {
      // Newer distroless images keep each package's md5sums beside its stanza file.
      if (entry.name.endsWith('.md5sums') || entry.name.startsWith('.')) continue;
      const path = `${DPKG_STATUS_DIRECTORY}/${entry.name}`;
      if ((await fs.stat(path))?.type !== 'file') continue;
      packages.push(...parseDpkgStatus(await readText(fs, path), path));
      files.push(path);
    }
  }

  return files.length === 0 ? null : { packages, files };
}

/**
 * Reads a package's md5sums list (`path` without the leading slash in the file, returned with
 * it). Looks for `info/<name>:<arch>.md5sums` (Multi-Arch: same packages on dpkg 1.16+), then
 * `info/<name>.md5sums`, then a distroless `status.d/<name>.md5sums`. Returns null when none exists.
 */
export async function readDpkgMd5sums(fs: FileSystemView, pkg: Pick<DpkgPackage, 'name' | 'architecture'>): Promise<Map<string, string> | null> {
  const candidates = [
    `${DPKG_INFO_DIRECTORY}/${pkg.name}:${pkg.architecture}.md5sums`,
    `${DPKG_INFO_DIRECTORY}/${pkg.name}.md5sums`,
    `${DPKG_STATUS_DIRECTORY}/${pkg.name}.md5sums`,
  ];
  for (const path of candidates) {
    if ((await fs.stat(path))?.type !== 'file') continue;
    return parseMd5sums(await readText(fs, path));
  }
  return null;
}

/** Parses md5sums lines: `<32 hex digits>  <path relative to />`. */
export function parseMd5sums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([0-9a-fA-F]{32}) [ *]?(.+)$/.exec(line.replace(/\r$/, ''));
    if (match === null) continue;
    const path = match[2].startsWith('/') ? match[2] : `/${match[2]}`;
    sums.set(path, match[1].toLowerCase());
  }
  return sums;
}

async function readText(fs: FileSystemView, path: string): Promise<string> {
  return new TextDecoder('utf-8').decode(await fs.readFile(path));
}

const CACHE_KEY = 'packages:dpkg';

/** Reads the dpkg database once per evaluation, sharing the promise through the probe cache. */
export function cachedDpkgDatabase(fs: FileSystemView, cache: Map<string, unknown>): Promise<DpkgDatabase | null> {
  let pending = cache.get(CACHE_KEY) as Promise<DpkgDatabase | null> | undefined;
  if (pending === undefined) {
    pending = readDpkgDatabase(fs);
    pending.catch(() => undefined);
    cache.set(CACHE_KEY, pending);
  }
  return pending;
}
