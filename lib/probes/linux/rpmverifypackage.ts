/**
 * rpmverifypackage_object: the package-level checks of `rpm -V --nofiles` for the selected
 * packages: dependencies, header digests, header signature and the %verify script.
 *
 * - digest_check_passed: SHA256HEADER and SHA1HEADER match the header's immutable region.
 * - signature_check_passed: the RSAHEADER/DSAHEADER signature verifies with the imported key.
 *   As rpm does when it loads installed headers, only a bad signature fails: an unsigned
 *   header or a key that was never imported passes, with a message.
 * - dependency_check_passed: every Requires is provided by an installed package.
 * - verification_script_successful: true for packages without a %verify script. A script is
 *   never run on a target read in place, so its entity has status "not collected".
 *
 * A behavior that is "true" leaves its entity out of the item, as OpenSCAP does.
 */
import type { KeyObject } from 'node:crypto';

import type { ItemEntity, Message, ProbeItem } from '../../oval/syschar.js';
import { buildProvidesIndex, unsatisfiedRequires, type DirectoryResolver, type ProvidesIndex } from '../../packages/rpm/dependencies.js';
import { extendedName, type RpmPackage } from '../../packages/rpm/package.js';
import type { RpmDatabase } from '../../packages/rpm/rpmdb.js';
import { checkHeaderDigests, checkHeaderSignature, importedKeys } from '../../packages/rpm/signature.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { booleanEntity, defineProbe, makeItem, throwIfAborted } from '../util/items.js';
import { behaviorEnabled, extendedNameEntity, noRpmDatabase, packageIdentityEntities, rpmDatabase, selectPackages } from './rpm-common.js';

const VERIFYSCRIPT_TAG = 1079;

interface Checks {
  deps: boolean;
  digest: boolean;
  scripts: boolean;
  signature: boolean;
}

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const database = await rpmDatabase(context);
  if (database === null) return noRpmDatabase('rpmverifypackage_object');

  const checks: Checks = {
    deps: !behaviorEnabled(request, 'nodeps'),
    digest: !behaviorEnabled(request, 'nodigest'),
    scripts: !behaviorEnabled(request, 'noscripts'),
    signature: !behaviorEnabled(request, 'nosignature'),
  };
  const shared = sharedIndexes(database, context);

  const items: ProbeItem[] = [];
  for (const pkg of selectPackages(request, database.packages)) {
    throwIfAborted(context);
    items.push(await rpmverifypackageItem(pkg, checks, shared));
  }
  return { items };
}

interface SharedIndexes {
  keys: () => Map<string, KeyObject>;
  provides: () => ProvidesIndex;
  resolveDirectory: DirectoryResolver;
}

/** Builds the key list and the Provides index once per database and evaluation, on first use. */
function sharedIndexes(database: RpmDatabase, context: ProbeContext): SharedIndexes {
  const key = 'packages:rpmverifypackage';
  let shared = context.cache.get(key) as
    | { database: RpmDatabase; keys?: Map<string, KeyObject>; provides?: ProvidesIndex; directories: Map<string, Promise<string | null>> }
    | undefined;
  if (shared === undefined || shared.database !== database) {
    shared = { database, directories: new Map() };
    context.cache.set(key, shared);
  }
  const entry = shared;
  const fs = context.target.fs;
  return {
    keys: () => (entry.keys ??= importedKeys(database.packages)),
    provides: () => (entry.provides ??= buildProvidesIndex(database.packages)),
    resolveDirectory: (directory) => {
      let resolved = entry.directories.get(directory);
      if (resolved === undefined) {
        resolved = fs.realpath(directory).catch(() => null);
        entry.directories.set(directory, resolved);
      }
      return resolved;
    },
  };
}

async function rpmverifypackageItem(pkg: RpmPackage, checks: Checks, shared: SharedIndexes): Promise<ProbeItem> {
  const entities: ItemEntity[] = [...packageIdentityEntities(pkg), extendedNameEntity(pkg)];
  const messages: Message[] = [];
  const label = extendedName(pkg);

  if (checks.deps) {
    const missing = await unsatisfiedRequires(pkg, shared.provides(), shared.resolveDirectory);
    if (missing.length > 0) messages.push({ level: 'info', text: `${label}: unsatisfied requires: ${missing.join(', ')}` });
    entities.push(booleanEntity('dependency_check_passed', missing.length === 0));
  }

  if (checks.digest) {
    const digest = checkHeaderDigests(pkg.header);
    if (digest === 'bad') messages.push({ level: 'info', text: `${label}: header digest mismatch` });
    entities.push(booleanEntity('digest_check_passed', digest !== 'bad'));
  }

  if (checks.scripts) {
    if (pkg.header.has(VERIFYSCRIPT_TAG)) {
      messages.push({ level: 'info', text: `${label}: the %verify script was not run: scripts never run on a target read in place` });
      entities.push({ name: 'verification_script_successful', datatype: 'boolean', status: 'not collected' });
    } else {
      entities.push(booleanEntity('verification_script_successful', true));
    }
  }

  if (checks.signature) {
    const signature = checkHeaderSignature(pkg.header, shared.keys());
    if (signature === 'unsupported') {
      messages.push({ level: 'info', text: `${label}: the header signature uses an algorithm scapula does not verify (only RSA and Ed25519)` });
      entities.push({ name: 'signature_check_passed', datatype: 'boolean', status: 'not collected' });
    } else {
      if (signature === 'bad') messages.push({ level: 'info', text: `${label}: bad header signature` });
      if (signature === 'nokey') messages.push({ level: 'info', text: `${label}: header signed with a key not imported into the rpm database` });
      entities.push(booleanEntity('signature_check_passed', signature !== 'bad'));
    }
  }

  return makeItem('rpmverifypackage_item', 'linux', entities, 'exists', messages);
}

export const rpmverifypackageProbe = defineProbe({
  objectType: 'rpmverifypackage_object',
  family: 'linux',
  description: {
    summary: 'rpm -V --nofiles: dependencies, header digests and header signature of installed packages.',
    onImage: 'Checks the headers of the rpm database inside the image or root against the keys imported there; %verify scripts are not run.',
    onHost: 'Checks the host rpm database the same way; %verify scripts are not run.',
  },
  collect,
});
