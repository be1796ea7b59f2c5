/**
 * Helpers shared by the rpm probes: reading the target's rpm database once per evaluation,
 * selecting packages by the object's name/epoch/version/release/arch entities, and the
 * entities that identify a package in every rpm item.
 */
import { ScapulaError } from '../../errors.js';
import type { ItemEntity } from '../../oval/syschar.js';
import { epochText, extendedName, packageFiles, type RpmFile, type RpmPackage } from '../../packages/rpm/package.js';
import { RPM_DATABASE_DIRECTORIES, cachedRpmDatabase, type RpmDatabase } from '../../packages/rpm/rpmdb.js';
import type { ProbeContext, ProbeRequest, ProbeResult, ResolvedEntity } from '../probe.js';
import { entityMatches, exactValues, findEntity } from '../util/entity.js';
import { itemEntity } from '../util/items.js';

/**
 * Reads the target's rpm database through the evaluation's cache. Returns null when the target
 * has none; a corrupt database raises PACKAGE_DB_CORRUPT, which the probe reports as its
 * object's error flag rather than as "no package installed".
 */
export async function rpmDatabase(context: ProbeContext): Promise<RpmDatabase | null> {
  const database = await cachedRpmDatabase(context.target.fs, context.cache);
  context.logger?.debug(
    database === null
      ? `rpm: no database under ${RPM_DATABASE_DIRECTORIES.join(' or ')}`
      : `rpm: read ${database.packages.length} headers from ${database.path} (${database.format})`,
  );
  return database;
}

/** Builds the result of an rpm object on a target without an rpm database: no package exists. */
export function noRpmDatabase(objectType: string): ProbeResult {
  return {
    flag: 'does not exist',
    items: [],
    messages: [{ level: 'info', text: `${objectType}: the target has no rpm database under ${RPM_DATABASE_DIRECTORIES.join(' or ')}` }],
  };
}

/** The package field an object entity selects on, as rpm's `%{TAG}` prints it. */
const PACKAGE_FIELDS: Record<string, (pkg: RpmPackage) => string> = {
  name: (pkg) => pkg.name,
  epoch: epochText,
  version: (pkg) => pkg.version,
  release: (pkg) => pkg.release,
  arch: (pkg) => pkg.arch ?? '(none)',
};

/**
 * Selects the packages that satisfy every package entity of the object (name, epoch, version,
 * release, arch), in database order. A nil entity selects nothing out.
 */
export function selectPackages(request: ProbeRequest, packages: RpmPackage[]): RpmPackage[] {
  const entities = Object.keys(PACKAGE_FIELDS)
    .map((name) => findEntity(request, name))
    .filter((entity): entity is ResolvedEntity => entity !== undefined && !entity.nil)
    .map(withEmptyValue);

  // An "equals" name is a direct look-up; everything else is tested package by package.
  const nameEntity = entities.find((entity) => entity.name === 'name');
  const names = exactValues(nameEntity);
  const candidates = names === null ? packages : packages.filter((pkg) => names.includes(pkg.name));

  return candidates.filter((pkg) => entities.every((entity) => entityMatches(entity, PACKAGE_FIELDS[entity.name](pkg))));
}

/**
 * Gives an entity written as an empty element (`<name operation="pattern match"/>`, as in Red
 * Hat's feeds) the empty string as its value, which a pattern match accepts for every package.
 */
export function withEmptyValue(entity: ResolvedEntity): ResolvedEntity {
  return entity.values.length === 0 && !entity.nil ? { ...entity, values: [''] } : entity;
}

export function requireEntity(request: ProbeRequest, name: string): ResolvedEntity {
  const entity = findEntity(request, name);
  if (entity === undefined) {
    throw new ScapulaError('OVAL_INVALID', `${request.object.id}: ${request.object.type} needs a ${name} entity`, {
      line: request.object.position.line,
      column: request.object.position.column,
    });
  }
  return entity;
}

/** Tells whether a behavior attribute is "true" or "1" (xsd:boolean). */
export function behaviorEnabled(request: ProbeRequest, name: string): boolean {
  const value = request.behaviors[name];
  return value === 'true' || value === '1';
}

/** name, epoch, version, release, arch in the order rpmverifyfile and rpmverifypackage items list them. */
export function packageIdentityEntities(pkg: RpmPackage): ItemEntity[] {
  return [
    itemEntity('name', pkg.name),
    itemEntity('epoch', epochText(pkg)),
    itemEntity('version', pkg.version),
    itemEntity('release', pkg.release),
    itemEntity('arch', pkg.arch ?? '(none)'),
  ];
}

export function extendedNameEntity(pkg: RpmPackage): ItemEntity {
  return itemEntity('extended_name', extendedName(pkg));
}

const filesCache = new WeakMap<RpmPackage, RpmFile[]>();

/** Returns the package's file list, decoded once per package. */
export function cachedFiles(pkg: RpmPackage): RpmFile[] {
  let files = filesCache.get(pkg);
  if (files === undefined) {
    files = packageFiles(pkg);
    filesCache.set(pkg, files);
  }
  return files;
}
