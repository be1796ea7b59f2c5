/**
 * dpkginfo_object: installed Debian packages whose name matches, one item per installed
 * package and architecture, read from `/var/lib/dpkg/status` and distroless `status.d/*`.
 *
 * The version splits as Debian policy defines it (epoch before the first ":", revision after
 * the last "-"). `evr` is "epoch:upstream-revision" with a missing epoch written as 0, and
 * "epoch:upstream" for a native package, as OpenSCAP writes it.
 */
import type { ProbeItem } from '../../oval/syschar.js';
import { DPKG_STATUS, DPKG_STATUS_DIRECTORY, cachedDpkgDatabase, parseDebianVersion, type DpkgPackage } from '../../packages/dpkg.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { entityMatches, exactValues } from '../util/entity.js';
import { defineProbe, itemEntity, makeItem, throwIfAborted } from '../util/items.js';
import { schemaAtLeast } from '../util/schema-version.js';
import { requireEntity } from './rpm-common.js';

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const nameEntity = requireEntity(request, 'name');
  const database = await cachedDpkgDatabase(context.target.fs, context.cache);
  if (database === null) {
    return {
      flag: 'does not exist',
      items: [],
      messages: [{ level: 'info', text: `dpkginfo_object: the target has no ${DPKG_STATUS} and no ${DPKG_STATUS_DIRECTORY}` }],
    };
  }
  context.logger?.debug(`dpkg: read ${database.packages.length} installed packages from ${database.files.join(', ')}`);

  const names = exactValues(nameEntity);
  // OVAL 5.11.1 made the item's evr a debian_evr_string; the schemas before it allow only
  // evr_string, which OpenSCAP 1.3.7 writes for them.
  const evrDatatype = schemaAtLeast(context, '5.11.1') ? 'debian_evr_string' : 'evr_string';
  const items: ProbeItem[] = [];
  for (const pkg of database.packages) {
    throwIfAborted(context);
    const selected = names === null ? entityMatches(nameEntity, pkg.name) : names.includes(pkg.name);
    if (selected) items.push(dpkginfoItem(pkg, evrDatatype));
  }
  return { items };
}

export function dpkginfoItem(pkg: DpkgPackage, evrDatatype: 'debian_evr_string' | 'evr_string' = 'debian_evr_string'): ProbeItem {
  const version = parseDebianVersion(pkg.version);
  const evr = version.revision === '' ? `${version.epoch}:${version.upstream}` : `${version.epoch}:${version.upstream}-${version.revision}`;
  return makeItem('dpkginfo_item', 'linux', [
    itemEntity('name', pkg.name),
    itemEntity('arch', pkg.architecture),
    itemEntity('epoch', version.epoch),
    itemEntity('release', version.revision),
    itemEntity('version', version.upstream),
    itemEntity('evr', evr, evrDatatype),
  ]);
}

export const dpkginfoProbe = defineProbe({
  objectType: 'dpkginfo_object',
  family: 'linux',
  description: {
    summary: 'Installed Debian packages: name, arch, epoch, upstream version, Debian revision.',
    onImage: 'Reads var/lib/dpkg/status and the distroless var/lib/dpkg/status.d/ entries inside the image or root.',
    onHost: 'Reads /var/lib/dpkg/status and /var/lib/dpkg/status.d/ of the host.',
  },
  collect,
});
