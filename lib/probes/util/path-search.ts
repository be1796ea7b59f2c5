/**
 * The file search shared by every object that names files by filepath, or by path and
 * filename (file, textfilecontent54, filehash58, xmlfilecontent, ...), with the OVAL 5.11.2
 * FileBehaviors: max_depth, recurse, recurse_direction and recurse_file_system.
 */
import { ScapulaError, isScapulaError } from '../../errors.js';
import type { FileStat, FileSystemView, FileType } from '../../targets/target.js';
import type { ProbeContext, ProbeRequest, ResolvedEntity } from '../probe.js';
import { entityMatches, exactValues, findEntity } from './entity.js';
import { throwIfAborted } from './items.js';
import { remoteDevices } from './mounts.js';
import { literalDirectoryPrefix, literalMatchPrefixes, literalPatternPath } from './pattern.js';

export type RecurseMode = 'directories' | 'symlinks' | 'symlinks and directories' | 'files and directories';
export type RecurseDirection = 'none' | 'up' | 'down';
export type RecurseFileSystem = 'all' | 'local' | 'defined';

export interface FileBehaviors {
  /** Levels to recurse; -1 is unlimited and 0 searches the matched directory only. */
  maxDepth: number;
  recurse: RecurseMode;
  direction: RecurseDirection;
  fileSystem: RecurseFileSystem;
}

/** A file (or, for a nil filename, a directory) the search found. */
export interface FoundFile {
  /** The directory as the search reached it, without resolving symbolic links. */
  path: string;
  /** Null when the object's filename is nil, so the directory itself is the result. */
  filename: string | null;
  /** `path` joined with `filename`, or `path` for a directory result. */
  filepath: string;
}

/**
 * The largest number of directory entries one search visits; a pattern such as "^/.*" on a
 * full root would otherwise walk every file. Sized for a large distribution root (an estimate:
 * a full Fedora workstation root has about 400,000 files).
 */
export const MAX_VISITED_ENTRIES = 2_000_000;

/**
 * How often one walk may enter the same directory through different links. Real roots enter
 * a directory once or twice (/bin and /usr/bin on a merged-/usr system). Links that fan out
 * to the same directories level after level would otherwise multiply the walk exponentially.
 */
export const MAX_ENTRIES_PER_DIRECTORY = 16;

const RECURSE_MODES: readonly string[] = ['directories', 'symlinks', 'symlinks and directories', 'files and directories'];
const DIRECTIONS: readonly string[] = ['none', 'up', 'down'];
const FILE_SYSTEMS: readonly string[] = ['all', 'local', 'defined'];

/** Reads the FileBehaviors attributes with the schema's defaults, rejecting invalid values. */
export function parseFileBehaviors(behaviors: Record<string, string>): FileBehaviors {
  const maxDepthText = behaviors['max_depth'] ?? '-1';
  const maxDepth = Number(maxDepthText);
  if (!/^-?\d+$/.test(maxDepthText.trim()) || maxDepth < -1) {
    throw new ScapulaError('OVAL_INVALID', `invalid max_depth behavior ${JSON.stringify(maxDepthText)}: expected -1 or a non-negative integer`);
  }

  const recurse = behaviors['recurse'] ?? 'symlinks and directories';
  const direction = behaviors['recurse_direction'] ?? 'none';
  const fileSystem = behaviors['recurse_file_system'] ?? 'all';
  checkEnumerated('recurse', recurse, RECURSE_MODES);
  checkEnumerated('recurse_direction', direction, DIRECTIONS);
  checkEnumerated('recurse_file_system', fileSystem, FILE_SYSTEMS);

  return {
    maxDepth,
    recurse: recurse as RecurseMode,
    direction: direction as RecurseDirection,
    fileSystem: fileSystem as RecurseFileSystem,
  };
}

function checkEnumerated(name: string, value: string, allowed: readonly string[]): void {
  if (!allowed.includes(value)) {
    throw new ScapulaError('OVAL_INVALID', `invalid ${name} behavior ${JSON.stringify(value)}: expected one of ${allowed.join(', ')}`);
  }
}

/** Joins a directory and a name without doubling the slash after "/" or a path ending in "/". */
export function joinPath(directory: string, name: string): string {
  return directory.endsWith('/') ? directory + name : `${directory}/${name}`;
}

function parentOf(path: string): string | null {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (trimmed === '/') return null;
  const slash = trimmed.lastIndexOf('/');
  return slash <= 0 ? '/' : trimmed.slice(0, slash);
}

function baseNameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Counts visited entries and checks for cancellation during one search. */
class SearchBudget {
  private visited = 0;

  /** `remote`: device numbers of network mounts, which recurse_file_system "local" skips. */
  constructor(
    private readonly context: ProbeContext,
    readonly remote: Set<number>,
  ) {}

  get visitedCount(): number {
    return this.visited;
  }

  visit(count = 1): void {
    this.visited += count;
    if (this.visited > MAX_VISITED_ENTRIES) {
      throw new ScapulaError('LIMIT', `file search stopped after visiting ${MAX_VISITED_ENTRIES} entries: narrow the object's path or pattern`);
    }
    throwIfAborted(this.context);
  }
}

/**
 * Finds the files an object names, in the order a depth-first walk of sorted directories
 * reaches them. Uses the filepath entity when present, otherwise path with filename.
 * `allowDirectoryResults` lets a nil filename return directories (file_object only).
 */
export async function searchFiles(request: ProbeRequest, context: ProbeContext, allowDirectoryResults = false): Promise<FoundFile[]> {
  const found = await searchAllFiles(request, context, allowDirectoryResults);
  const ignored = context.ignoredPaths ?? [];
  if (ignored.length === 0) return found;
  return found.filter((file) => !ignored.some((prefix) => pathStartsWith(file.filepath, prefix)));
}

/**
 * Tells whether `path` is `prefix` or lies below it, comparing whole components and skipping
 * empty ones, so "/tmp//b/" covers "/tmp/b/y" but not "/tmp/bc".
 */
export function pathStartsWith(path: string, prefix: string): boolean {
  const pathComponents = path.split('/').filter((component) => component !== '');
  const prefixComponents = prefix.split('/').filter((component) => component !== '');
  if (prefixComponents.length > pathComponents.length) return false;
  return prefixComponents.every((component, index) => pathComponents[index] === component);
}

async function searchAllFiles(request: ProbeRequest, context: ProbeContext, allowDirectoryResults: boolean): Promise<FoundFile[]> {
  const fs = context.target.fs;
  const budget = new SearchBudget(context, await remoteDevices(context));
  const filepath = findEntity(request, 'filepath');

  const behaviors = parseFileBehaviors(request.behaviors);
  if (filepath !== undefined) {
    const files = await searchByFilepath(fs, filepath, behaviors, budget);
    context.logger?.debug(`${request.object.id}: the filepath search visited ${budget.visitedCount} entries and found ${files.length} files`);
    return files;
  }

  const path = findEntity(request, 'path');
  if (path === undefined) {
    throw new ScapulaError('OVAL_INVALID', `${request.object.id}: the object has neither a filepath nor a path entity`);
  }
  const filename = findEntity(request, 'filename');

  const baseDirectories = await findBaseDirectories(fs, path, behaviors, budget);
  const directories = await expandDirectories(fs, baseDirectories, behaviors, budget);

  const found: FoundFile[] = [];
  const matchesFilename = filename === undefined || filename.nil ? null : filenameMatcher(context, filename);
  for (const directory of directories) {
    if (filename === undefined || matchesFilename === null) {
      if (allowDirectoryResults) found.push({ path: directory, filename: null, filepath: directory });
      continue;
    }
    // A loop, not push(...files): spreading more than about 150,000 arguments overflows the stack.
    for (const file of await filesInDirectory(fs, directory, filename, matchesFilename, budget)) found.push(file);
  }
  context.logger?.debug(
    `${request.object.id}: the path search matched ${baseDirectories.length} directories, ` +
      `recursed into ${directories.length}, visited ${budget.visitedCount} entries and found ${found.length} results`,
  );
  return found;
}

async function searchByFilepath(fs: FileSystemView, filepath: ResolvedEntity, behaviors: FileBehaviors, budget: SearchBudget): Promise<FoundFile[]> {
  const exact = exactValues(filepath);
  if (exact !== null) {
    const found: FoundFile[] = [];
    for (const value of exact) {
      budget.visit();
      if (!value.startsWith('/')) continue;
      const stat = await lstatOrNull(fs, value);
      if (stat !== null && stat.type !== 'directory') found.push(foundFile(parentOf(value) ?? '/', baseNameOf(value)));
    }
    return found;
  }

  const walk = { ...walkOptionsOf(behaviors, budget.remote), maxDepth: -1 };
  const literal = literalPathCandidates(filepath);
  if (literal !== null) {
    const found: FoundFile[] = [];
    for (const candidate of literal) {
      budget.visit();
      const parent = parentOf(candidate);
      if (parent === null || (await statOrNull(fs, parent))?.type !== 'directory') continue;
      const stat = await lstatOrNull(fs, candidate);
      if (stat !== null && !(await isWalkDirectory(fs, candidate, stat, walk))) found.push(foundFile(parent, baseNameOf(candidate)));
    }
    return found;
  }

  const found: FoundFile[] = [];
  const start = patternStart(filepath);
  await walkDown(fs, start, { ...walk, mayHoldMatches: matchPrefixFilter(filepath) }, budget, async (directory, entries) => {
    for (const entry of entries) {
      if (entry.isDirectory) continue;
      if (entityMatches(filepath, joinPath(directory, entry.name))) found.push(foundFile(directory, entry.name));
    }
  });
  return found;
}

function foundFile(directory: string, name: string): FoundFile {
  return { path: directory, filename: name, filepath: joinPath(directory, name) };
}

/** Returns where a search for a pattern entity starts: its literal prefix, else "/". */
function patternStart(entity: ResolvedEntity): string {
  if (isSinglePositivePattern(entity)) return literalDirectoryPrefix(entity.values[0]);
  return '/';
}

/**
 * Returns a test of whether a directory can hold a path that the pattern entity matches, from
 * the literal prefixes that every match starts with, or undefined when the entity has none.
 * SSG's "^\/(|s)bin|^\/usr\/(|local\/)(|s)bin|^\/usr\/libexec" starts at the root, and
 * without the test its search walks the whole tree.
 */
function matchPrefixFilter(entity: ResolvedEntity): ((directory: string) => boolean) | undefined {
  if (!isSinglePositivePattern(entity)) return undefined;
  const prefixes = literalMatchPrefixes(entity.values[0]);
  if (prefixes === null) return undefined;
  return (directory) => {
    // Every path below the directory starts with this string.
    const below = directory === '/' ? '/' : `${directory}/`;
    return prefixes.some((prefix) => below.startsWith(prefix) || prefix.startsWith(below));
  };
}

/**
 * Returns the only paths a pattern entity such as "^/etc$" can match, so that the search looks
 * them up instead of walking their parent directory, or null for any other entity.
 */
function literalPathCandidates(entity: ResolvedEntity): string[] | null {
  if (!isSinglePositivePattern(entity)) return null;
  const path = literalPatternPath(entity.values[0]);
  return path === null ? null : [path, `${path}\n`];
}

/** Tells whether the entity is one pattern that a path must match (not "none satisfy"). */
function isSinglePositivePattern(entity: ResolvedEntity): boolean {
  const check = entity.varCheck ?? 'all';
  return (
    !entity.nil &&
    entity.operation === 'pattern match' &&
    entity.datatype === 'string' &&
    entity.values.length === 1 &&
    check !== 'none satisfy' &&
    check !== 'none exist'
  );
}

/**
 * Tells whether a walk would take the entry at `path` for a directory: a directory, or a link
 * to one when the walk follows links.
 */
async function isWalkDirectory(fs: FileSystemView, path: string, stat: FileStat, options: WalkOptions): Promise<boolean> {
  if (stat.type === 'directory') return true;
  if (stat.type !== 'symlink' || !options.followLinks) return false;
  return (await statOrNull(fs, path))?.type === 'directory';
}

/** Finds the directories whose path matches the path entity, before recursion. */
async function findBaseDirectories(fs: FileSystemView, path: ResolvedEntity, behaviors: FileBehaviors, budget: SearchBudget): Promise<string[]> {
  const exact = exactValues(path);
  if (exact !== null) {
    const directories: string[] = [];
    for (const value of exact) {
      budget.visit();
      if (value.startsWith('/') && (await statOrNull(fs, value))?.type === 'directory') directories.push(value);
    }
    return directories;
  }

  const directories: string[] = [];
  const walk = { ...walkOptionsOf(behaviors, budget.remote), maxDepth: -1 };
  const literal = literalPathCandidates(path);
  if (literal !== null) {
    for (const candidate of literal) {
      budget.visit();
      const parent = parentOf(candidate);
      if (parent === null) {
        if ((await statOrNull(fs, candidate))?.type === 'directory') directories.push(candidate);
        continue;
      }
      if ((await statOrNull(fs, parent))?.type !== 'directory') continue;
      const stat = await lstatOrNull(fs, candidate);
      if (stat !== null && (await isWalkDirectory(fs, candidate, stat, walk))) directories.push(candidate);
    }
    return directories;
  }

  const start = patternStart(path);
  if ((await statOrNull(fs, start))?.type !== 'directory') return directories;

  if (entityMatches(path, start)) directories.push(start);
  await walkDown(fs, start, { ...walk, mayHoldMatches: matchPrefixFilter(path) }, budget, async (directory, entries) => {
    for (const entry of entries) {
      if (!entry.isDirectory) continue;
      const candidate = joinPath(directory, entry.name);
      if (entityMatches(path, candidate)) directories.push(candidate);
    }
  });
  return directories;
}

interface WalkOptions {
  followDirectories: boolean;
  followLinks: boolean;
  /** -1 for unlimited; 0 lists `start` only. */
  maxDepth: number;
  /** Stay on the file system of `start` (recurse_file_system "defined"). */
  sameDevice: boolean;
  /** Devices not to enter (network mounts, for recurse_file_system "local"). */
  excludedDevices: Set<number>;
  /**
   * A test of whether a directory can hold a path the search wants. The walk neither enters
   * nor stats a directory that fails it, so the directory's entry is not marked isDirectory.
   */
  mayHoldMatches?: (directory: string) => boolean;
}

function walkOptionsOf(behaviors: FileBehaviors, remote: Set<number>): WalkOptions {
  return {
    followDirectories: behaviors.recurse !== 'symlinks',
    followLinks: behaviors.recurse === 'symlinks' || behaviors.recurse === 'symlinks and directories',
    maxDepth: behaviors.maxDepth,
    sameDevice: behaviors.fileSystem === 'defined',
    excludedDevices: behaviors.fileSystem === 'local' ? remote : new Set(),
  };
}

interface WalkEntry {
  name: string;
  type: FileType;
  /** True for a directory, and for a link to a directory when links are followed. */
  isDirectory: boolean;
}

/**
 * Walks the tree under `start` depth-first, calling `visit` with each directory and its
 * entries, parents before children and siblings in name order. A directory is entered again
 * through another link, as fts(3) does, but never inside itself: a link to one of its own
 * ancestors is a loop and is not followed.
 */
async function walkDown(
  fs: FileSystemView,
  start: string,
  options: WalkOptions,
  budget: SearchBudget,
  visit: (directory: string, entries: WalkEntry[]) => Promise<void>,
): Promise<void> {
  const startStat = await statOrNull(fs, start);
  if (startStat === null || startStat.type !== 'directory') return;

  const stack: { directory: string; depth: number; ancestors: Set<string> }[] = [
    { directory: start, depth: 0, ancestors: new Set([inodeKey(startStat)]) },
  ];
  const timesEntered = new Map<string, number>();
  while (stack.length > 0) {
    const { directory, depth, ancestors } = stack.pop()!;
    const listing = await readdirOrEmpty(fs, directory);
    budget.visit(listing.length + 1);

    const entries: WalkEntry[] = [];
    const children: { directory: string; depth: number; ancestors: Set<string> }[] = [];
    for (const listed of listing) {
      const entry: WalkEntry = { name: listed.name, type: listed.type, isDirectory: listed.type === 'directory' };
      const mayEnter = (listed.type === 'directory' && options.followDirectories) || (listed.type === 'symlink' && options.followLinks);
      const childPath = mayEnter ? joinPath(directory, listed.name) : '';
      if (mayEnter && (options.mayHoldMatches === undefined || options.mayHoldMatches(childPath))) {
        const childStat = listed.type === 'directory' ? await lstatOrNull(fs, childPath) : await statOrNull(fs, childPath);
        if (childStat?.type === 'directory') {
          entry.isDirectory = true;
          const key = inodeKey(childStat);
          const withinDepth = options.maxDepth === -1 || depth < options.maxDepth;
          const sameDevice = !options.sameDevice || childStat.dev === startStat.dev;
          const allowedDevice = !options.excludedDevices.has(childStat.dev);
          if (withinDepth && sameDevice && allowedDevice && !ancestors.has(key)) {
            const entered = (timesEntered.get(key) ?? 0) + 1;
            if (entered > MAX_ENTRIES_PER_DIRECTORY) {
              throw new ScapulaError(
                'LIMIT',
                `file search stopped: ${childPath} leads to a directory already entered ${MAX_ENTRIES_PER_DIRECTORY} times through other links`,
              );
            }
            timesEntered.set(key, entered);
            children.push({ directory: childPath, depth: depth + 1, ancestors: new Set([...ancestors, key]) });
          }
        }
      }
      entries.push(entry);
    }

    await visit(directory, entries);
    stack.push(...children.reverse());
  }
}

/** Applies recurse_direction and max_depth to the base directories. */
async function expandDirectories(fs: FileSystemView, bases: string[], behaviors: FileBehaviors, budget: SearchBudget): Promise<string[]> {
  const seen = new Set<string>();
  const result: string[] = [];
  const add = (directory: string) => {
    if (seen.has(directory)) return;
    seen.add(directory);
    result.push(directory);
  };

  for (const base of bases) {
    add(base);
    if (behaviors.maxDepth === 0 || behaviors.direction === 'none') continue;

    if (behaviors.direction === 'up') {
      let current = parentOf(base);
      for (let depth = 1; current !== null && (behaviors.maxDepth === -1 || depth <= behaviors.maxDepth); depth++) {
        budget.visit();
        add(current);
        current = parentOf(current);
      }
      continue;
    }

    // The walk lists a directory's subdirectories when it visits it, so it stops one level
    // above max_depth: the deepest directories are collected without being listed.
    const walk = { ...walkOptionsOf(behaviors, budget.remote), maxDepth: behaviors.maxDepth === -1 ? -1 : behaviors.maxDepth - 1 };
    await walkDown(fs, base, walk, budget, async (directory, entries) => {
      for (const entry of entries) {
        if (entry.isDirectory && enteredKind(entry, walk)) add(joinPath(directory, entry.name));
      }
    });
  }
  return result;
}

/** Tells whether recursion goes through this directory entry under the recurse behavior. */
function enteredKind(entry: WalkEntry, options: WalkOptions): boolean {
  return entry.type === 'directory' ? options.followDirectories : options.followLinks;
}

function inodeKey(stat: FileStat): string {
  return `${stat.dev}:${stat.ino}`;
}

/** The key of the per-evaluation memo of filename comparisons (see filenameMatcher). */
const FILENAME_MATCHES_KEY = 'path-search:filename-matches';

/** The maximum number of names remembered per filename entity; the memo starts over beyond it. */
const MAX_REMEMBERED_NAMES = 100_000;

/**
 * Returns a test of a name against the filename entity that remembers its results for the
 * evaluation. SSG content compares "^.*$" with the names of the same trees under several
 * objects, and names such as "copyright" recur in many directories. A comparison that fails
 * with an error is not remembered, so it raises its error each time.
 */
function filenameMatcher(context: ProbeContext, filename: ResolvedEntity): (name: string) => boolean {
  let memos = context.cache.get(FILENAME_MATCHES_KEY) as Map<string, Map<string, boolean>> | undefined;
  if (memos === undefined) {
    memos = new Map();
    context.cache.set(FILENAME_MATCHES_KEY, memos);
  }

  // Everything entityMatches reads of a non-nil entity, apart from the position in its errors.
  const key = JSON.stringify([filename.operation, filename.datatype, filename.varCheck ?? 'all', filename.values]);
  let memo = memos.get(key);
  if (memo === undefined) {
    memo = new Map();
    memos.set(key, memo);
  }

  const results = memo;
  return (name) => {
    const known = results.get(name);
    if (known !== undefined) return known;
    const matches = entityMatches(filename, name);
    if (results.size >= MAX_REMEMBERED_NAMES) results.clear();
    results.set(name, matches);
    return matches;
  };
}

/** Lists the files in one directory whose name matches the filename entity, skipping directories. */
async function filesInDirectory(
  fs: FileSystemView,
  directory: string,
  filename: ResolvedEntity,
  matchesFilename: (name: string) => boolean,
  budget: SearchBudget,
): Promise<FoundFile[]> {
  const exact = exactValues(filename);
  const found: FoundFile[] = [];

  if (exact !== null) {
    for (const name of exact) {
      budget.visit();
      if (name === '' || name.includes('/')) continue;
      const stat = await lstatOrNull(fs, joinPath(directory, name));
      if (stat !== null && stat.type !== 'directory') found.push(foundFile(directory, name));
    }
    return found;
  }

  const entries = await readdirOrEmpty(fs, directory);
  budget.visit(entries.length);
  for (const entry of entries) {
    if (entry.type === 'directory') continue;
    if (matchesFilename(entry.name)) found.push(foundFile(directory, entry.name));
  }
  return found;
}

/** Paths the search cannot enter (missing, loops, not directories) count as absent. */
function isAbsentPathError(error: unknown): boolean {
  return isScapulaError(error, 'NOT_FOUND') || isScapulaError(error, 'NOT_A_DIRECTORY') || isScapulaError(error, 'PATH_LOOP');
}

async function statOrNull(fs: FileSystemView, path: string): Promise<FileStat | null> {
  try {
    return await fs.stat(path);
  } catch (error) {
    if (isAbsentPathError(error)) return null;
    throw error;
  }
}

async function lstatOrNull(fs: FileSystemView, path: string): Promise<FileStat | null> {
  try {
    return await fs.lstat(path);
  } catch (error) {
    if (isAbsentPathError(error)) return null;
    throw error;
  }
}

async function readdirOrEmpty(fs: FileSystemView, path: string): Promise<{ name: string; type: FileType }[]> {
  try {
    return await fs.readdir(path);
  } catch (error) {
    if (isAbsentPathError(error)) return [];
    throw error;
  }
}
