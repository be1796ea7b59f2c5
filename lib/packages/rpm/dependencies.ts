/**
 * The dependency part of `rpm -V`: whether every Requires of a package is provided by the
 * installed packages, by a Provides entry (with rpm's version range overlap), a package's own
 * `name = epoch:version-release`, or, for a path, by a file some package installs. Like rpm's
 * file fingerprints, a path requirement also matches a packaged file whose directory is the
 * same directory on the target through symbolic links ("/bin/sh" and "/usr/bin/sh" when
 * "/bin" links to "usr/bin").
 *
 * Not checked: Conflicts and Obsoletes, and rich (boolean) dependencies such as
 * "(a if b)", which count as satisfied.
 */
import { rpmVersionCompare } from '../../oval/datatypes/evr.js';
import { filePaths, type RpmPackage } from './package.js';
import { RpmTag } from './tags.js';

/** Dependency flag bits (rpm's rpmsenseFlags). */
const Sense = {
  LESS: 1 << 1,
  GREATER: 1 << 2,
  EQUAL: 1 << 3,
  MISSINGOK: 1 << 19,
  RPMLIB: 1 << 24,
} as const;

const COMPARISON = Sense.LESS | Sense.GREATER | Sense.EQUAL;

interface Dependency {
  name: string;
  flags: number;
  version: string;
}

export interface ProvidesIndex {
  provides: Map<string, Dependency[]>;
  files: Set<string>;
  /** Directories of packaged files by base name, for requirements reached through symbolic links. */
  directoriesByBasename: Map<string, string[]>;
}

/** Resolves a directory to its canonical path on the target, or returns null when it is missing. */
export type DirectoryResolver = (directory: string) => Promise<string | null>;

/** Indexes every package's Provides, its implicit `name = evr` and its files. */
export function buildProvidesIndex(packages: RpmPackage[]): ProvidesIndex {
  const provides = new Map<string, Dependency[]>();
  const files = new Set<string>();
  const directoriesByBasename = new Map<string, string[]>();
  const add = (dependency: Dependency) => {
    const list = provides.get(dependency.name);
    if (list === undefined) provides.set(dependency.name, [dependency]);
    else list.push(dependency);
  };
  for (const pkg of packages) {
    const epoch = pkg.epoch === null ? '' : `${pkg.epoch}:`;
    add({ name: pkg.name, flags: Sense.EQUAL, version: `${epoch}${pkg.version}-${pkg.release}` });
    for (const dependency of dependencies(pkg, RpmTag.PROVIDENAME, RpmTag.PROVIDEFLAGS, RpmTag.PROVIDEVERSION)) add(dependency);
    for (const path of filePaths(pkg.header)) {
      files.add(path);
      const { directory, basename } = splitPath(path);
      const directories = directoriesByBasename.get(basename);
      if (directories === undefined) directoriesByBasename.set(basename, [directory]);
      else directories.push(directory);
    }
  }
  return { provides, files, directoriesByBasename };
}

/** Returns the package's Requires that nothing installed satisfies, as "name op version" text. */
export async function unsatisfiedRequires(pkg: RpmPackage, index: ProvidesIndex, resolveDirectory: DirectoryResolver): Promise<string[]> {
  const missing: string[] = [];
  for (const requirement of dependencies(pkg, RpmTag.REQUIRENAME, RpmTag.REQUIREFLAGS, RpmTag.REQUIREVERSION)) {
    if (requirement.flags & (Sense.RPMLIB | Sense.MISSINGOK)) continue;
    if (requirement.name.startsWith('(')) continue;
    const candidates = index.provides.get(requirement.name) ?? [];
    if (candidates.some((provide) => rangesOverlap(provide, requirement))) continue;
    if (requirement.name.startsWith('/') && (await pathProvided(requirement.name, index, resolveDirectory))) continue;
    missing.push(formatDependency(requirement));
  }
  return missing;
}

async function pathProvided(path: string, index: ProvidesIndex, resolveDirectory: DirectoryResolver): Promise<boolean> {
  if (index.files.has(path)) return true;
  const { directory, basename } = splitPath(path);
  const directories = index.directoriesByBasename.get(basename);
  if (directories === undefined) return false;
  const required = await resolveDirectory(directory);
  if (required === null) return false;
  for (const candidate of directories) {
    if ((await resolveDirectory(candidate)) === required) return true;
  }
  return false;
}

function splitPath(path: string): { directory: string; basename: string } {
  const slash = path.lastIndexOf('/');
  return { directory: slash <= 0 ? '/' : path.slice(0, slash), basename: path.slice(slash + 1) };
}

function dependencies(pkg: RpmPackage, nameTag: number, flagsTag: number, versionTag: number): Dependency[] {
  const names = pkg.header.strings(nameTag) ?? [];
  const flags = pkg.header.numbers(flagsTag) ?? [];
  const versions = pkg.header.strings(versionTag) ?? [];
  return names.map((name, i) => ({ name, flags: flags[i] ?? 0, version: versions[i] ?? '' }));
}

/** rpmdsCompare: whether a provide's range and a requirement's range have a version in common. */
export function rangesOverlap(provide: Dependency, requirement: Dependency): boolean {
  const a = provide.flags & COMPARISON;
  const b = requirement.flags & COMPARISON;
  if (a === 0 || b === 0 || provide.version === '' || requirement.version === '') return true;

  const sense = compareDependencyEvr(provide.version, requirement.version);
  if (sense < 0) return (a & Sense.GREATER) !== 0 || (b & Sense.LESS) !== 0;
  if (sense > 0) return (a & Sense.LESS) !== 0 || (b & Sense.GREATER) !== 0;
  return (a & b & COMPARISON) !== 0;
}

/** rpm 4.16's rpmverCmp: a missing epoch is 0, releases count only when both sides have one. */
function compareDependencyEvr(left: string, right: string): number {
  const a = splitEvr(left);
  const b = splitEvr(right);
  const epoch = rpmVersionCompare(a.epoch, b.epoch);
  if (epoch !== 0) return epoch;
  const version = rpmVersionCompare(a.version, b.version);
  if (version !== 0 || a.release === null || b.release === null) return version;
  return rpmVersionCompare(a.release, b.release);
}

function splitEvr(text: string): { epoch: string; version: string; release: string | null } {
  let rest = text;
  let epoch = '0';
  const colon = rest.indexOf(':');
  if (colon >= 0 && /^\d*$/.test(rest.slice(0, colon))) {
    epoch = colon === 0 ? '0' : rest.slice(0, colon);
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  return dash < 0 ? { epoch, version: rest, release: null } : { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) };
}

function formatDependency(dependency: Dependency): string {
  const flags = dependency.flags & COMPARISON;
  if (flags === 0) return dependency.name;
  const operator = `${flags & Sense.LESS ? '<' : ''}${flags & Sense.GREATER ? '>' : ''}${flags & Sense.EQUAL ? '=' : ''}`;
  return `${dependency.name} ${operator} ${dependency.version}`;
}
