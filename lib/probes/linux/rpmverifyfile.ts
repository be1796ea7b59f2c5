/**
 * rpmverifyfile_object: `rpm -V` for the files of the selected packages whose path matches,
 * one item per (package, file). Each *_differs entity is "pass", "fail" or "not performed":
 * "not performed" when a behavior omits the check, or, as OpenSCAP reports it, for every check
 * of a file that could not be examined (missing, unreadable, unreadable link).
 */
import type { ItemEntity, ProbeItem } from '../../oval/syschar.js';
import type { RpmFile, RpmPackage } from '../../packages/rpm/package.js';
import { RpmFileFlag, RpmVerify } from '../../packages/rpm/tags.js';
import { ANY_FAILURE, readAccountNames, verifyFile, type AccountNames } from '../../packages/rpm/verify.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { entityMatches, exactValues } from '../util/entity.js';
import { booleanEntity, defineProbe, itemEntity, makeItem, throwIfAborted } from '../util/items.js';
import {
  behaviorEnabled,
  cachedFiles,
  extendedNameEntity,
  noRpmDatabase,
  packageIdentityEntities,
  requireEntity,
  rpmDatabase,
  selectPackages,
  withEmptyValue,
} from './rpm-common.js';
import { schemaAtLeast } from '../util/schema-version.js';

/** Behaviors that omit one check, with the RpmVerify bit they clear. */
const OMIT_BEHAVIORS: Record<string, number> = {
  nolinkto: RpmVerify.LINKTO,
  nomd5: RpmVerify.FILEDIGEST,
  nofiledigest: RpmVerify.FILEDIGEST,
  nosize: RpmVerify.FILESIZE,
  nouser: RpmVerify.USER,
  nogroup: RpmVerify.GROUP,
  nomtime: RpmVerify.MTIME,
  nomode: RpmVerify.MODE,
  nordev: RpmVerify.RDEV,
  nocaps: RpmVerify.CAPS,
};

/** Item entities in schema order, each with the verify bit it reports. */
const RESULT_ENTITIES: [string, number][] = [
  ['size_differs', RpmVerify.FILESIZE],
  ['mode_differs', RpmVerify.MODE],
  ['md5_differs', RpmVerify.FILEDIGEST],
  ['filedigest_differs', RpmVerify.FILEDIGEST],
  ['device_differs', RpmVerify.RDEV],
  ['link_mismatch', RpmVerify.LINKTO],
  ['ownership_differs', RpmVerify.USER],
  ['group_differs', RpmVerify.GROUP],
  ['mtime_differs', RpmVerify.MTIME],
  ['capabilities_differ', RpmVerify.CAPS],
];

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const pathEntity = withEmptyValue(requireEntity(request, 'filepath'));
  const database = await rpmDatabase(context);
  if (database === null) return noRpmDatabase('rpmverifyfile_object');

  let omit = 0;
  for (const [behavior, bit] of Object.entries(OMIT_BEHAVIORS)) if (behaviorEnabled(request, behavior)) omit |= bit;
  const skipConfig = behaviorEnabled(request, 'noconfigfiles');
  const skipGhost = behaviorEnabled(request, 'noghostfiles');
  const paths = pathEntity.nil ? null : exactValues(pathEntity);
  const accounts = await cachedAccounts(context);
  // filedigest_differs, which replaces md5_differs, exists from OVAL 5.11.1 on.
  const withFileDigest = schemaAtLeast(context, '5.11.1');

  const items: ProbeItem[] = [];
  for (const pkg of selectPackages(request, database.packages)) {
    for (const file of cachedFiles(pkg)) {
      throwIfAborted(context);
      if (skipConfig && file.flags & RpmFileFlag.CONFIG) continue;
      if (skipGhost && file.flags & RpmFileFlag.GHOST) continue;
      const selected = pathEntity.nil || (paths === null ? entityMatches(pathEntity, file.path) : paths.includes(file.path));
      if (!selected) continue;

      const result = await verifyFile(context.target.fs, file, pkg.fileDigestAlgorithm, omit, accounts);
      items.push(rpmverifyfileItem(pkg, file, result, omit, withFileDigest));
    }
  }
  return { items };
}

export function rpmverifyfileItem(pkg: RpmPackage, file: RpmFile, result: number, omit: number, withFileDigest = true): ProbeItem {
  const outcome = (bit: number): string => {
    if (omit & bit || result & ANY_FAILURE) return 'not performed';
    return result & bit ? 'fail' : 'pass';
  };
  const entities: ItemEntity[] = [...packageIdentityEntities(pkg), itemEntity('filepath', file.path), extendedNameEntity(pkg)];
  for (const [name, bit] of RESULT_ENTITIES) {
    if (name === 'filedigest_differs' && !withFileDigest) continue;
    entities.push(itemEntity(name, outcome(bit)));
  }
  entities.push(
    booleanEntity('configuration_file', (file.flags & RpmFileFlag.CONFIG) !== 0),
    booleanEntity('documentation_file', (file.flags & RpmFileFlag.DOC) !== 0),
    booleanEntity('ghost_file', (file.flags & RpmFileFlag.GHOST) !== 0),
    booleanEntity('license_file', (file.flags & RpmFileFlag.LICENSE) !== 0),
    booleanEntity('readme_file', (file.flags & RpmFileFlag.README) !== 0),
  );
  return makeItem('rpmverifyfile_item', 'linux', entities);
}

const ACCOUNTS_KEY = 'packages:accounts';

function cachedAccounts(context: ProbeContext): Promise<AccountNames> {
  let pending = context.cache.get(ACCOUNTS_KEY) as Promise<AccountNames> | undefined;
  if (pending === undefined) {
    pending = readAccountNames(context.target.fs);
    context.cache.set(ACCOUNTS_KEY, pending);
  }
  return pending;
}

export const rpmverifyfileProbe = defineProbe({
  objectType: 'rpmverifyfile_object',
  family: 'linux',
  description: {
    summary: 'rpm -V for packaged files: digest, size, mode, owner, group, mtime, link target, device and capabilities against the rpm database.',
    onImage: 'Compares the files inside the image or root with its rpm database; owners resolve through its /etc/passwd and /etc/group.',
    onHost: 'Compares the host files with the host rpm database.',
  },
  collect,
});
