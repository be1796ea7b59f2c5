/**
 * rpminfo_object: the installed rpm packages whose name matches, one item per header, read
 * from the target's rpm database (SQLite, NDB or Berkeley DB) without librpm.
 *
 * Item values follow OpenSCAP 1.3.7 and the OVAL 5.11.2 item documentation: a missing epoch is
 * "(none)" in `epoch` and 0 in `evr` and `extended_name`, a missing arch (gpg-pubkey) is
 * "(none)", and an unsigned package has signature_keyid "0".
 */
import type { ProbeItem } from '../../oval/syschar.js';
import { epochText, evrText, extendedName, type RpmPackage } from '../../packages/rpm/package.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { defineProbe, itemEntity, makeItem, throwIfAborted } from '../util/items.js';
import { behaviorEnabled, cachedFiles, noRpmDatabase, requireEntity, rpmDatabase, selectPackages } from './rpm-common.js';
import { schemaAtLeast } from '../util/schema-version.js';

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  requireEntity(request, 'name');
  const database = await rpmDatabase(context);
  if (database === null) return noRpmDatabase('rpminfo_object');

  // extended_name and the filepaths behavior exist from OVAL 5.10 on.
  const withExtendedName = schemaAtLeast(context, '5.10');
  const withFiles = withExtendedName && behaviorEnabled(request, 'filepaths');
  const items: ProbeItem[] = [];
  for (const pkg of selectPackages(request, database.packages)) {
    throwIfAborted(context);
    items.push(rpminfoItem(pkg, withFiles, withExtendedName));
  }
  return { items };
}

export function rpminfoItem(pkg: RpmPackage, withFiles: boolean, withExtendedName = true): ProbeItem {
  const entities = [
    itemEntity('name', pkg.name),
    itemEntity('arch', pkg.arch ?? '(none)'),
    itemEntity('epoch', epochText(pkg)),
    itemEntity('release', pkg.release),
    itemEntity('version', pkg.version),
    itemEntity('evr', evrText(pkg), 'evr_string'),
    itemEntity('signature_keyid', pkg.signatureKeyId ?? '0'),
  ];
  if (withExtendedName) entities.push(itemEntity('extended_name', extendedName(pkg)));
  if (withFiles) {
    for (const file of cachedFiles(pkg)) entities.push(itemEntity('filepath', file.path));
  }
  return makeItem('rpminfo_item', 'linux', entities);
}

export const rpminfoProbe = defineProbe({
  objectType: 'rpminfo_object',
  family: 'linux',
  description: {
    summary: 'Installed rpm packages: name, epoch, version, release, arch, signing key id and, with the filepaths behavior, their files.',
    onImage: 'Reads the rpm database inside the image or root (SQLite, NDB or Berkeley DB) without librpm.',
    onHost: 'Reads the host rpm database files the same way; nothing is written beside them.',
  },
  collect,
});
