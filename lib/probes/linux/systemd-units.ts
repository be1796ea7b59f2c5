/**
 * An offline model of the systemd system manager: the units it would load at boot, read from
 * the unit files, drop-ins and `.wants/` links in the target, with the dependency and
 * enablement facts that systemd reports over D-Bus. Nothing here talks to a running systemd.
 *
 * Which units exist: systemd's ListUnits returns the units loaded in memory, which are the
 * boot target and every unit reachable from it through any dependency (including ordering
 * and conflicts), plus referenced names that have no unit file ("not-found"). The model loads
 * the same closure, starting from default.target.
 */
import { posix } from 'node:path';

import { isScapulaError, ScapulaError } from '../../errors.js';
import type { DirEntry, FileSystemView } from '../../targets/target.js';
import {
  GENERATOR_DIRS,
  ignoreLookupErrors,
  listDependencyDirectory,
  mayHaveSubdirectory,
  PERSISTENT_CONFIG_DIRS,
  RUNTIME_CONFIG_DIRS,
  scanUnitSearchPath,
  TRANSIENT_DIR,
  type UnitFileEntry,
  type UnitSearchPath,
} from './systemd-search-path.js';
import { parseUnitBoolean, parseUnitFile, type ParsedUnitFile, type UnitAssignment, type UnitFileProblem } from './systemd-unit-file.js';
import { expandUnitSpecifiers, parseUnitName, templateOf, unescapeUnitNamePart, type UnitType } from './systemd-unit-name.js';
import { computeUnitFilePreset, loadPresetRules, type PresetRule } from './systemd-presets.js';

export type LoadState = 'loaded' | 'not-found' | 'masked' | 'bad-setting' | 'error';

/** Dependency properties of org.freedesktop.systemd1.Unit that unit files set directly. */
export const FORWARD_DEPENDENCIES = [
  'Requires',
  'Requisite',
  'Wants',
  'BindsTo',
  'PartOf',
  'Upholds',
  'Conflicts',
  'Before',
  'After',
  'OnFailure',
  'OnSuccess',
  'PropagatesReloadTo',
  'ReloadPropagatedFrom',
  'PropagatesStopTo',
  'StopPropagatedFrom',
  'JoinsNamespaceOf',
] as const;

/** For each dependency property, the property systemd fills on the other unit. */
const INVERSE_DEPENDENCY: Record<string, string> = {
  Requires: 'RequiredBy',
  Requisite: 'RequisiteOf',
  Wants: 'WantedBy',
  BindsTo: 'BoundBy',
  PartOf: 'ConsistsOf',
  Upholds: 'UpheldBy',
  Conflicts: 'ConflictedBy',
  Before: 'After',
  After: 'Before',
  OnFailure: 'OnFailureOf',
  OnSuccess: 'OnSuccessOf',
  Triggers: 'TriggeredBy',
  TriggeredBy: 'Triggers',
  PropagatesReloadTo: 'ReloadPropagatedFrom',
  ReloadPropagatedFrom: 'PropagatesReloadTo',
  PropagatesStopTo: 'StopPropagatedFrom',
  StopPropagatedFrom: 'PropagatesStopTo',
  JoinsNamespaceOf: 'JoinsNamespaceOf',
};

/** Every dependency property the model fills, in the order `systemctl show` lists them. */
export const DEPENDENCY_PROPERTIES = [
  'Requires',
  'Requisite',
  'Wants',
  'BindsTo',
  'PartOf',
  'Upholds',
  'RequiredBy',
  'RequisiteOf',
  'WantedBy',
  'BoundBy',
  'UpheldBy',
  'ConsistsOf',
  'Conflicts',
  'ConflictedBy',
  'Before',
  'After',
  'OnFailure',
  'OnFailureOf',
  'OnSuccess',
  'OnSuccessOf',
  'Triggers',
  'TriggeredBy',
  'PropagatesReloadTo',
  'ReloadPropagatedFrom',
  'PropagatesStopTo',
  'StopPropagatedFrom',
  'JoinsNamespaceOf',
] as const;

export interface InstallSection {
  wantedBy: string[];
  requiredBy: string[];
  upheldBy: string[];
  alias: string[];
  also: string[];
}

export interface SystemdUnit {
  /** The primary name, which D-Bus reports as Id. */
  id: string;
  type: UnitType;
  /** The primary name and every alias, Id first. */
  names: string[];
  loadState: LoadState;
  /** '' when no unit file was found, '/dev/null' for a masked unit. */
  fragmentPath: string;
  dropInPaths: string[];
  description: string;
  documentation: string[];
  defaultDependencies: boolean;
  stopWhenUnneeded: boolean;
  refuseManualStart: boolean;
  refuseManualStop: boolean;
  allowIsolate: boolean;
  ignoreOnIsolate: boolean;
  onFailureJobMode: string;
  collectMode: string;
  requiresMountsFor: string[];
  /** True for a service with ExecReload=, which makes CanReload true. */
  hasExecReload: boolean;
  /** Dependency property name to the Ids of the units it names. */
  dependencies: Map<string, Set<string>>;
  install: InstallSection;
  unitFileState: string;
  unitFilePreset: string;
  /** Lines systemd would skip with a warning, for messages. */
  problems: UnitFileProblem[];
  /** Slice= of a service, socket, mount or swap unit, when set. */
  slice?: string;
  /** Unit= of a timer or path unit, or Service= of a socket unit, when set. */
  explicitTrigger?: string;
  /** True for a service of Type=dbus, which requires dbus.socket. */
  busService?: boolean;
  /** StandardOutput= and StandardError= of a service, socket, mount or swap unit, when set. */
  standardOutput?: string;
  standardError?: string;
  /** True when a socket unit runs commands (ExecStartPre= and the like). */
  socketRunsCommands?: boolean;
}

export interface SystemdUnitModel {
  /** False when the target has neither the systemd binary nor a default.target unit. */
  hasSystemd: boolean;
  /** Loaded units by Id, in load order. */
  units: Map<string, SystemdUnit>;
  /** Finds a loaded unit by its Id or by one of its aliases. */
  find(name: string): SystemdUnit | undefined;
  /** The loaded units sorted by Id. */
  sortedUnits(): SystemdUnit[];
}

export interface LoadOptions {
  /** Maximum number of units loaded before the load stops with a LIMIT error (default 20,000). */
  maxUnits?: number;
  /** The largest unit file or drop-in read, in bytes (default 1 MiB). */
  maxFileBytes?: number;
  /** Stops the load with an INTERRUPTED error when aborted. */
  signal?: AbortSignal;
}

const DEFAULT_MAX_UNITS = 20_000;
const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
const MAX_ALIAS_HOPS = 16;
const LOAD_BATCH_SIZE = 32;
/** Maximum number of drop-in files applied to one unit; more make the unit's load fail. */
const MAX_DROP_INS_PER_UNIT = 1000;
/** Maximum number of bytes of unit files and drop-ins read in one load. */
const MAX_TOTAL_BYTES = 256 * 1024 * 1024;

/** The cgroup-backed unit types that systemd places in a slice, which they then require. */
const SLICED_TYPES: ReadonlySet<UnitType> = new Set(['service', 'socket', 'mount', 'swap']);

/** Loads the units the system manager would hold after boot, from the target's files. */
export async function loadSystemdUnits(fs: FileSystemView, options: LoadOptions = {}): Promise<SystemdUnitModel> {
  const searchPath = await scanUnitSearchPath(fs);
  const loader = new UnitLoader(fs, searchPath, options);

  const hasSystemd = await isSystemdInstalled(fs, searchPath);
  if (hasSystemd) {
    await loader.loadClosure(['default.target']);
    await loader.finish();
  }

  return {
    hasSystemd,
    units: loader.units,
    find: (name) => loader.units.get(loader.resolveAlias(name)),
    sortedUnits: () => [...loader.units.values()].sort((a, b) => compareNames(a.id, b.id)),
  };
}

/** Paths of the system manager binary in distributions with and without a merged /usr. */
const SYSTEMD_BINARIES = ['/usr/lib/systemd/systemd', '/lib/systemd/systemd'];

/**
 * Tells whether systemd would run the target: its binary or a default.target unit exists.
 * Slim container images often carry a few unit files from packages without systemd itself.
 */
async function isSystemdInstalled(fs: FileSystemView, searchPath: UnitSearchPath): Promise<boolean> {
  if (searchPath.dirs.length === 0) return false;
  if (searchPath.entries.has('default.target')) return true;
  for (const path of SYSTEMD_BINARIES) {
    const stat = await fs.stat(path).catch(ignoreLookupErrors);
    if (stat?.type === 'file') return true;
  }
  return false;
}

class UnitLoader {
  readonly units = new Map<string, SystemdUnit>();
  private aliasIndex: Map<string, string[]> | null = null;
  private readonly maxUnits: number;
  private readonly maxFileBytes: number;
  private readonly signal?: AbortSignal;
  private readonly parsedFiles = new Map<string, Promise<ParsedUnitFile>>();
  private readonly dropInListings = new Map<string, Promise<DirEntry[] | null>>();
  private bytesRead = 0;
  private budgetExceeded = false;

  constructor(
    private readonly fs: FileSystemView,
    private readonly searchPath: UnitSearchPath,
    options: LoadOptions,
  ) {
    this.maxUnits = options.maxUnits ?? DEFAULT_MAX_UNITS;
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.signal = options.signal;
  }

  /** Follows alias links ("sshd.service" → "ssh.service"), instances through template aliases. */
  resolveAlias(name: string): string {
    let current = name;
    for (let hop = 0; hop < MAX_ALIAS_HOPS; hop++) {
      const entry = this.searchPath.entries.get(current);
      if (entry?.kind === 'alias') {
        current = entry.aliasOf;
        continue;
      }
      const template = entry === undefined ? templateOf(current) : null;
      const templateEntry = template === null ? undefined : this.searchPath.entries.get(template);
      if (templateEntry?.kind === 'alias') {
        const parsed = parseUnitName(current);
        const target = parseUnitName(templateEntry.aliasOf);
        if (parsed !== null && target !== null && target.instance === '') {
          current = `${target.prefix}@${parsed.instance}.${target.type}`;
          continue;
        }
      }
      return current;
    }
    return current;
  }

  async loadClosure(roots: string[]): Promise<void> {
    let frontier = [...new Set(roots.map((name) => this.resolveAlias(name)))];
    while (frontier.length > 0) {
      if (this.signal?.aborted === true) throw new ScapulaError('INTERRUPTED', 'the evaluation was cancelled');
      if (this.units.size + frontier.length > this.maxUnits) {
        throw new ScapulaError('LIMIT', `more than ${this.maxUnits} systemd units are reachable from default.target`);
      }

      // Units of one breadth-first level are read concurrently, a batch at a time, because
      // reading is bound by file system latency. The result does not depend on the order.
      const next = new Set<string>();
      for (let start = 0; start < frontier.length; start += LOAD_BATCH_SIZE) {
        const batch = frontier.slice(start, start + LOAD_BATCH_SIZE);
        const loaded = await Promise.all(batch.map((id) => this.loadUnit(id)));
        for (const unit of loaded) this.units.set(unit.id, unit);
        for (const unit of loaded) {
          for (const names of unit.dependencies.values()) {
            for (const name of names) if (!this.units.has(name)) next.add(name);
          }
        }
      }
      frontier = [...next].filter((id) => !this.units.has(id));
    }
  }

  /** Adds inverse dependencies and the enablement facts, which need every unit loaded. */
  async finish(): Promise<void> {
    this.orderTargetsAfterRequirements();

    for (const unit of this.units.values()) {
      for (const [property, names] of [...unit.dependencies]) {
        const inverse = INVERSE_DEPENDENCY[property];
        if (inverse === undefined) continue;
        for (const name of names) this.units.get(name)?.dependencies.get(inverse)?.add(unit.id);
      }
    }

    const enablement = await scanEnablementLinks(this.fs);
    const presets = await loadPresetRules(this.fs);
    for (const unit of this.units.values()) {
      unit.unitFileState = this.computeUnitFileState(unit, enablement);
      unit.unitFilePreset = presetFor(unit, presets);
    }
  }

  /**
   * Orders a target after the units it requires or wants, as systemd does for targets with
   * default dependencies, unless the other unit has DefaultDependencies=no or is already
   * ordered after the target.
   */
  private orderTargetsAfterRequirements(): void {
    for (const target of this.units.values()) {
      if (target.type !== 'target' || !target.defaultDependencies || target.loadState !== 'loaded') continue;
      for (const property of ['Requires', 'Requisite', 'Wants', 'BindsTo']) {
        for (const name of target.dependencies.get(property) ?? []) {
          const other = this.units.get(name);
          if (other === undefined || !other.defaultDependencies) continue;
          if (target.dependencies.get('Before')?.has(name) || other.dependencies.get('After')?.has(target.id)) continue;
          target.dependencies.get('After')?.add(name);
        }
      }
    }
  }

  private async loadUnit(id: string): Promise<SystemdUnit> {
    const parsedName = parseUnitName(id);
    const unit = emptyUnit(id, parsedName?.type ?? 'service');
    unit.names = [id, ...this.aliasesOf(id)];

    const entry = this.findFragment(id);
    if (entry === undefined) {
      // systemd synthesizes slices that have no unit file, such as "system-getty.slice".
      if (unit.type === 'slice') {
        unit.description = synthesizedSliceDescription(id);
        addImplicitDependencies(unit, this.searchPath.entries);
      } else {
        unit.loadState = 'not-found';
      }
      return unit;
    }
    if (entry.kind === 'masked' || (entry.kind === 'file' && entry.empty)) {
      unit.loadState = 'masked';
      unit.fragmentPath = '/dev/null';
      return unit;
    }

    unit.fragmentPath = entry.path;
    const assignments = await this.readUnitFiles(unit, entry);
    if (assignments === null) return unit;

    this.applyAssignments(unit, assignments);
    await this.addDirectoryDependencies(unit);
    addImplicitDependencies(unit, this.searchPath.entries);
    return unit;
  }

  private findFragment(id: string): UnitFileEntry | undefined {
    const entry = this.searchPath.entries.get(id);
    if (entry !== undefined && entry.kind !== 'alias') return entry;
    const template = templateOf(id);
    if (template === null) return undefined;
    const templateEntry = this.searchPath.entries.get(template);
    return templateEntry?.kind === 'alias' ? undefined : templateEntry;
  }

  private aliasesOf(id: string): string[] {
    if (this.aliasIndex === null) {
      this.aliasIndex = new Map();
      for (const entry of this.searchPath.entries.values()) {
        if (entry.kind !== 'alias') continue;
        const target = this.resolveAlias(entry.name);
        if (target === entry.name) continue;
        const aliases = this.aliasIndex.get(target) ?? [];
        aliases.push(entry.name);
        this.aliasIndex.set(target, aliases);
      }
    }
    return [...(this.aliasIndex.get(id) ?? [])].sort();
  }

  /** Reads the fragment and its drop-ins, or sets the load state and returns null on failure. */
  private async readUnitFiles(unit: SystemdUnit, entry: UnitFileEntry): Promise<UnitAssignment[] | null> {
    const assignments: UnitAssignment[] = [];
    const files = [entry.path, ...(await this.findDropIns(unit))];
    unit.dropInPaths = files.slice(1);

    if (unit.dropInPaths.length > MAX_DROP_INS_PER_UNIT) {
      unit.loadState = 'error';
      unit.problems.push({ file: entry.path, line: 0, message: `more than ${MAX_DROP_INS_PER_UNIT} drop-in files apply to the unit` });
      return null;
    }

    for (const file of files) {
      let parsed: ParsedUnitFile;
      try {
        parsed = await this.parseFile(file);
      } catch (error) {
        // A single file too large fails its unit, but the total budget fails the whole load.
        if (!isScapulaError(error) || this.budgetExceeded) throw error;
        unit.loadState = 'error';
        unit.problems.push({ file, line: 0, message: `cannot read the unit file: ${error.message}` });
        return null;
      }
      assignments.push(...parsed.assignments);
      unit.problems.push(...parsed.problems);
    }
    return assignments;
  }

  /**
   * Reads and parses a unit file or drop-in once per load, since drop-ins such as
   * "service.d/*.conf" apply to many units. Raises LIMIT when the files read in total exceed
   * the byte budget.
   */
  private parseFile(path: string): Promise<ParsedUnitFile> {
    const cached = this.parsedFiles.get(path);
    if (cached !== undefined) return cached;

    const parsing = this.fs.readFile(path, { maxBytes: this.maxFileBytes }).then((bytes) => {
      this.bytesRead += bytes.length;
      if (this.bytesRead > MAX_TOTAL_BYTES) {
        this.budgetExceeded = true;
        throw new ScapulaError('LIMIT', `the systemd unit files of the target exceed ${MAX_TOTAL_BYTES} bytes in total`);
      }
      return parseUnitFile(new TextDecoder('utf-8', { fatal: false }).decode(bytes), path);
    });
    this.parsedFiles.set(path, parsing);
    return parsing;
  }

  /** Lists a drop-in directory once per load. */
  private listDropInDirectory(path: string): Promise<DirEntry[] | null> {
    const cached = this.dropInListings.get(path);
    if (cached !== undefined) return cached;
    const listing = this.fs.readdir(path).catch(ignoreLookupErrors);
    this.dropInListings.set(path, listing);
    return listing;
  }

  /**
   * Lists the drop-in files that apply to a unit, in the order systemd applies them. They are
   * the `*.conf` files in `<name>.d/` for each of the unit's names, its template, its
   * dash-truncated prefixes ("a-b-.service.d", "a-.service.d") and its type ("service.d"),
   * over all search path directories. A file name in a higher-priority directory hides the
   * same name in a lower one, and the remaining files are sorted by file name.
   */
  private async findDropIns(unit: SystemdUnit): Promise<string[]> {
    const dropInNames = new Set<string>();
    const parsed = parseUnitName(unit.id);
    dropInNames.add(unit.type);
    if (parsed !== null) {
      const stem = parsed.prefix;
      for (let dash = stem.indexOf('-'); dash !== -1; dash = stem.indexOf('-', dash + 1)) {
        dropInNames.add(`${stem.slice(0, dash + 1)}.${parsed.type}`);
      }
    }
    const template = templateOf(unit.id);
    if (template !== null) dropInNames.add(template);
    for (const name of unit.names) dropInNames.add(name);

    const byFileName = new Map<string, string | null>();
    for (const dir of this.searchPath.dirs) {
      for (const name of dropInNames) {
        if (!mayHaveSubdirectory(this.searchPath, dir, `${name}.d`)) continue;
        const dropInDir = posix.join(dir, `${name}.d`);
        const listing = await this.listDropInDirectory(dropInDir);
        if (listing === null) continue;
        for (const entry of listing) {
          if (!entry.name.endsWith('.conf') || byFileName.has(entry.name)) continue;
          const path = posix.join(dropInDir, entry.name);
          byFileName.set(entry.name, (await this.isMaskedFile(path)) ? null : path);
        }
      }
    }

    return [...byFileName.keys()]
      .sort()
      .map((name) => byFileName.get(name))
      .filter((path): path is string => typeof path === 'string');
  }

  /** Tells whether a drop-in is masked (linked to /dev/null or empty) or is not a regular file. */
  private async isMaskedFile(path: string): Promise<boolean> {
    const lstat = await this.fs.lstat(path).catch(ignoreLookupErrors);
    if (lstat?.type === 'symlink') {
      const target = await this.fs.readlink(path).catch(ignoreLookupErrors);
      if (target === '/dev/null') return true;
    }
    const stat = await this.fs.stat(path).catch(ignoreLookupErrors);
    return stat === null || stat.type !== 'file' || stat.size === 0;
  }

  private applyAssignments(unit: SystemdUnit, assignments: UnitAssignment[]): void {
    for (const assignment of assignments) {
      const { section, key, value } = assignment;
      if (section === 'Unit') applyUnitSetting(unit, assignment, this);
      // systemctl reads [Install] from the unit file itself, not from drop-ins.
      else if (section === 'Install' && assignment.file === unit.fragmentPath) applyInstallSetting(unit, key, value);
      else if (section === 'Service' && key === 'ExecReload') unit.hasExecReload = value !== '';
      else if (section === 'Service' && key === 'Type') unit.busService = value === 'dbus';
      else if ((section === 'Timer' || section === 'Path') && key === 'Unit') this.setTrigger(unit, value);
      else if (section === 'Socket' && key === 'Service') this.setTrigger(unit, value);
      else if (SLICED_TYPES.has(unit.type) && section === capitalise(unit.type)) this.applyExecSetting(unit, key, value);
    }
    if (unit.type === 'service' && unit.busService) {
      this.addDependency(unit, 'Requires', 'dbus.socket');
      this.addDependency(unit, 'After', 'dbus.socket');
    }
  }

  private applyExecSetting(unit: SystemdUnit, key: string, value: string): void {
    if (key === 'Slice') unit.slice = value;
    else if (key === 'StandardOutput') unit.standardOutput = value;
    else if (key === 'StandardError') unit.standardError = value;
    else if (unit.type === 'socket' && /^Exec(StartPre|StartPost|StopPre|StopPost)$/.test(key)) unit.socketRunsCommands = value !== '';
  }

  private setTrigger(unit: SystemdUnit, value: string): void {
    const expanded = expandUnitSpecifiers(value, unit.id);
    if (expanded !== null && parseUnitName(expanded) !== null) unit.explicitTrigger = this.resolveAlias(expanded);
  }

  addDependency(unit: SystemdUnit, property: string, name: string): void {
    if (parseUnitName(name) === null) return;
    const id = this.resolveAlias(name);
    if (id === unit.id && property !== 'JoinsNamespaceOf') return;
    unit.dependencies.get(property)?.add(id);
  }

  private async addDirectoryDependencies(unit: SystemdUnit): Promise<void> {
    const names = [...unit.names];
    const template = templateOf(unit.id);
    if (template !== null) names.push(template);
    const instance = parseUnitName(unit.id)?.instance ?? null;

    const directories: [('wants' | 'requires' | 'upholds'), string][] = [
      ['wants', 'Wants'],
      ['requires', 'Requires'],
      ['upholds', 'Upholds'],
    ];
    for (const [suffix, property] of directories) {
      for (const name of names) {
        for (const entry of await listDependencyDirectory(this.fs, this.searchPath, name, suffix)) {
          const parsed = parseUnitName(entry);
          // A template linked into an instance's directory means the same instance of it.
          if (parsed?.instance === '') {
            if (instance !== null && instance !== '') this.addDependency(unit, property, `${parsed.prefix}@${instance}.${parsed.type}`);
            continue;
          }
          this.addDependency(unit, property, entry);
        }
      }
    }
  }

  private computeUnitFileState(unit: SystemdUnit, enablement: EnablementLinks): string {
    if (unit.loadState === 'not-found') return '';
    const entry = this.findFragment(unit.id);
    if (entry === undefined) return '';

    const inConfig = (dirs: string[]) => dirs.includes(entry.dir);
    if (unit.loadState === 'masked') {
      if (inConfig(PERSISTENT_CONFIG_DIRS)) return 'masked';
      if (inConfig(RUNTIME_CONFIG_DIRS)) return 'masked-runtime';
      return 'masked';
    }
    if (unit.loadState !== 'loaded') return 'bad';
    if (entry.dir === TRANSIENT_DIR) return 'transient';
    if (GENERATOR_DIRS.includes(entry.dir)) return 'generated';
    if (entry.kind === 'linked') return inConfig(RUNTIME_CONFIG_DIRS) ? 'linked-runtime' : 'linked';

    const links = enablement.get(unit.id) ?? enablement.get(templateOf(unit.id) ?? '');
    const aliasLinks = unit.install.alias.filter((alias) => {
      const aliasEntry = this.searchPath.entries.get(alias);
      return aliasEntry?.kind === 'alias' && [...PERSISTENT_CONFIG_DIRS, ...RUNTIME_CONFIG_DIRS].includes(aliasEntry.dir);
    });
    if (links?.persistent || aliasLinks.some((alias) => PERSISTENT_CONFIG_DIRS.includes(this.searchPath.entries.get(alias)?.dir ?? ''))) {
      return 'enabled';
    }
    if (links?.runtime || aliasLinks.length > 0) return 'enabled-runtime';

    const install = unit.install;
    const hasInstallInfo = install.wantedBy.length + install.requiredBy.length + install.upheldBy.length + install.alias.length > 0;
    if (hasInstallInfo) return 'disabled';
    return install.also.length > 0 ? 'indirect' : 'static';
  }
}

const UNIT_DEPENDENCY_KEYS: ReadonlySet<string> = new Set(FORWARD_DEPENDENCIES);

function applyUnitSetting(unit: SystemdUnit, assignment: UnitAssignment, loader: UnitLoader): void {
  const { key, value } = assignment;
  if (UNIT_DEPENDENCY_KEYS.has(key)) {
    // Dependencies only accumulate: an empty value does not reset them (systemd.unit(5)).
    for (const word of value.split(/\s+/)) {
      if (word === '') continue;
      const expanded = expandUnitSpecifiers(word, unit.id);
      if (expanded === null || parseUnitName(expanded) === null) {
        unit.problems.push({ file: assignment.file, line: assignment.line, message: `invalid unit name "${word}" in ${key}=, ignored` });
        continue;
      }
      loader.addDependency(unit, key, expanded);
    }
    return;
  }

  const flag = parseUnitBoolean(value);
  switch (key) {
    case 'Description':
      unit.description = expandUnitSpecifiers(value, unit.id) ?? value;
      break;
    case 'Documentation':
      if (value === '') unit.documentation = [];
      else unit.documentation.push(...value.split(/\s+/).filter((word) => word !== ''));
      break;
    case 'RequiresMountsFor':
      if (value === '') unit.requiresMountsFor = [];
      else unit.requiresMountsFor.push(...value.split(/\s+/).filter((word) => word.startsWith('/')));
      break;
    case 'DefaultDependencies':
      if (flag !== null) unit.defaultDependencies = flag;
      break;
    case 'StopWhenUnneeded':
      if (flag !== null) unit.stopWhenUnneeded = flag;
      break;
    case 'RefuseManualStart':
      if (flag !== null) unit.refuseManualStart = flag;
      break;
    case 'RefuseManualStop':
      if (flag !== null) unit.refuseManualStop = flag;
      break;
    case 'AllowIsolate':
      if (flag !== null) unit.allowIsolate = flag;
      break;
    case 'IgnoreOnIsolate':
      if (flag !== null) unit.ignoreOnIsolate = flag;
      break;
    case 'OnFailureJobMode':
      unit.onFailureJobMode = value;
      break;
    case 'CollectMode':
      unit.collectMode = value;
      break;
    default:
      break;
  }
}

function applyInstallSetting(unit: SystemdUnit, key: string, value: string): void {
  const words = value.split(/\s+/).filter((word) => word !== '');
  switch (key) {
    case 'WantedBy':
      unit.install.wantedBy.push(...words);
      break;
    case 'RequiredBy':
      unit.install.requiredBy.push(...words);
      break;
    case 'UpheldBy':
      unit.install.upheldBy.push(...words);
      break;
    case 'Alias':
      unit.install.alias.push(...words);
      break;
    case 'Also':
      unit.install.also.push(...words);
      break;
    default:
      break;
  }
}

/**
 * Adds the dependencies systemd adds by itself (systemd.service(5), systemd.socket(5),
 * systemd.target(5), systemd.timer(5), systemd.path(5), systemd.slice(5), "Implicit
 * Dependencies" and "Default Dependencies"). Mount, automount, swap, device and scope units
 * get only their explicit dependencies here.
 */
function addImplicitDependencies(unit: SystemdUnit, entries: Map<string, UnitFileEntry>): void {
  const add = (property: string, name: string) => {
    if (name !== unit.id) unit.dependencies.get(property)?.add(name);
  };
  const parsed = parseUnitName(unit.id);

  if (SLICED_TYPES.has(unit.type)) {
    const slice = unit.slice ?? (parsed?.instance ? `system-${parsed.prefix}.slice` : 'system.slice');
    add('Requires', slice);
    add('After', slice);
  }

  const trigger = unit.explicitTrigger ?? (parsed === null ? undefined : `${unit.id.slice(0, unit.id.lastIndexOf('.'))}.service`);
  if ((unit.type === 'socket' || unit.type === 'timer' || unit.type === 'path') && trigger !== undefined) {
    // A socket of Accept=yes triggers instances of a template, which are not loaded at boot.
    if (unit.type !== 'socket' || entries.has(trigger) || unit.explicitTrigger !== undefined) {
      add('Triggers', trigger);
      if (unit.type === 'socket') add('Before', trigger);
    }
  }

  if (writesToJournal(unit)) add('After', 'systemd-journald.socket');

  if (unit.type === 'slice') {
    const parent = parentSlice(unit.id);
    if (parent !== null) {
      add('Requires', parent);
      add('After', parent);
    }
  }

  if (!unit.defaultDependencies) return;

  switch (unit.type) {
    case 'service':
      add('Requires', 'sysinit.target');
      add('After', 'sysinit.target');
      add('After', 'basic.target');
      break;
    case 'socket':
      add('Requires', 'sysinit.target');
      add('After', 'sysinit.target');
      add('Before', 'sockets.target');
      break;
    case 'timer':
      add('Requires', 'sysinit.target');
      add('After', 'sysinit.target');
      add('After', 'time-set.target');
      add('After', 'time-sync.target');
      add('Before', 'timers.target');
      break;
    case 'path':
      add('Requires', 'sysinit.target');
      add('After', 'sysinit.target');
      add('Before', 'paths.target');
      break;
    default:
      break;
  }
  if (['service', 'socket', 'timer', 'path', 'target', 'slice'].includes(unit.type)) {
    add('Conflicts', 'shutdown.target');
    add('Before', 'shutdown.target');
  }
}

export interface EnablementLinkState {
  persistent: boolean;
  runtime: boolean;
}
export type EnablementLinks = Map<string, EnablementLinkState>;

/**
 * Finds the `.wants/`, `.requires/` and `.upholds/` links under /etc and /run that enable a
 * unit, keyed by the linked unit name and by the basename of the link's target.
 */
async function scanEnablementLinks(fs: FileSystemView): Promise<EnablementLinks> {
  const links: EnablementLinks = new Map();
  const record = (name: string, persistent: boolean) => {
    const state = links.get(name) ?? { persistent: false, runtime: false };
    if (persistent) state.persistent = true;
    else state.runtime = true;
    links.set(name, state);
  };

  const configDirs: [string, boolean][] = [
    ...PERSISTENT_CONFIG_DIRS.map((dir): [string, boolean] => [dir, true]),
    ...RUNTIME_CONFIG_DIRS.map((dir): [string, boolean] => [dir, false]),
  ];
  for (const [dir, persistent] of configDirs) {
    const listing = await fs.readdir(dir).catch(ignoreLookupErrors);
    if (listing === null) continue;
    for (const entry of listing) {
      if (entry.type !== 'directory' || !/\.(wants|requires|upholds)$/.test(entry.name)) continue;
      const linkDir = posix.join(dir, entry.name);
      const linkListing = await fs.readdir(linkDir).catch(ignoreLookupErrors);
      if (linkListing === null) continue;
      for (const link of linkListing) {
        if (link.type !== 'symlink' || parseUnitName(link.name) === null) continue;
        const target = await fs.readlink(posix.join(linkDir, link.name)).catch(ignoreLookupErrors);
        if (target === null || target === '/dev/null') continue;
        record(link.name, persistent);
        const targetName = posix.basename(target);
        if (targetName !== link.name) record(targetName, persistent);
        const template = templateOf(link.name);
        if (template !== null) record(template, persistent);
      }
    }
  }
  return links;
}

function presetFor(unit: SystemdUnit, rules: PresetRule[]): string {
  if (unit.loadState === 'not-found' || unit.fragmentPath === '' || unit.fragmentPath === '/dev/null') return '';
  return computeUnitFilePreset(posix.basename(unit.fragmentPath), rules);
}

function emptyUnit(id: string, type: UnitType): SystemdUnit {
  const dependencies = new Map<string, Set<string>>();
  for (const property of DEPENDENCY_PROPERTIES) dependencies.set(property, new Set());
  return {
    id,
    type,
    names: [id],
    loadState: 'loaded',
    fragmentPath: '',
    dropInPaths: [],
    description: '',
    documentation: [],
    defaultDependencies: true,
    stopWhenUnneeded: false,
    refuseManualStart: false,
    refuseManualStop: false,
    allowIsolate: false,
    ignoreOnIsolate: false,
    onFailureJobMode: 'replace',
    collectMode: 'inactive',
    requiresMountsFor: [],
    hasExecReload: false,
    dependencies,
    install: { wantedBy: [], requiredBy: [], upheldBy: [], alias: [], also: [] },
    unitFileState: '',
    unitFilePreset: '',
    problems: [],
  };
}

/** Output targets that send a unit's output to the journal, so it starts after journald's socket. */
const JOURNAL_OUTPUTS = new Set(['journal', 'journal+console', 'kmsg', 'kmsg+console', 'syslog', 'syslog+console']);

/**
 * Tells whether a unit that runs commands logs to the journal, which orders it after
 * systemd-journald.socket. Services, mounts and swaps always run commands, sockets only with
 * Exec*= settings. Output defaults to the journal and errors to the output.
 */
function writesToJournal(unit: SystemdUnit): boolean {
  if (unit.type !== 'service' && unit.type !== 'mount' && unit.type !== 'swap' && !(unit.type === 'socket' && unit.socketRunsCommands)) {
    return false;
  }
  const output = unit.standardOutput === undefined || unit.standardOutput === '' ? 'journal' : unit.standardOutput;
  const error = unit.standardError === undefined || unit.standardError === '' || unit.standardError === 'inherit' ? output : unit.standardError;
  return JOURNAL_OUTPUTS.has(output) || JOURNAL_OUTPUTS.has(error);
}

/**
 * Returns the description systemd gives a slice without a unit file: "Root Slice",
 * "System Slice", or "Slice " and the slice's path ("system-getty.slice" → "Slice /system/getty").
 */
function synthesizedSliceDescription(id: string): string {
  if (id === '-.slice') return 'Root Slice';
  if (id === 'system.slice') return 'System Slice';
  const prefix = id.slice(0, -'.slice'.length);
  return `Slice /${prefix.split('-').map(unescapeUnitNamePart).join('/')}`;
}

/** Returns the slice that contains a slice ("system-getty.slice" → "system.slice"), or null for "-.slice". */
function parentSlice(id: string): string | null {
  if (id === '-.slice') return null;
  const dash = id.lastIndexOf('-');
  if (dash <= 0) return '-.slice';
  return `${id.slice(0, dash)}.slice`;
}

/** Orders names by UTF-16 code units, so the order does not depend on the locale. */
export function compareNames(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

