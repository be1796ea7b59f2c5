/**
 * runlevel_object: whether SysV init scripts are scheduled to start or be killed at each
 * runlevel, read from the links in etc/rc?.d (Debian and Red Hat layouts):
 *
 *     /etc/rc2.d/S01ssh -> ../init.d/ssh     ssh starts at runlevel 2
 *     /etc/rc0.d/K01ssh -> ../init.d/ssh     ssh is killed at runlevel 0
 *
 * These links are configuration, so an image or root directory gives the same items as a host.
 * Every script in etc/init.d gets one item per runlevel directory that exists.
 */
import { ScapulaError, isScapulaError } from '../../errors.js';
import type { ProbeItem } from '../../oval/syschar.js';
import type { FileSystemView } from '../../targets/target.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { entityMatches, findEntity } from '../util/entity.js';
import { booleanEntity, defineProbe, itemEntity, makeItem } from '../util/items.js';

const RUNLEVELS = ['0', '1', '2', '3', '4', '5', '6', 'S'];

/** The directories that hold the rc links: Debian's /etc/rcN.d, then Red Hat's /etc/rc.d/rcN.d. */
const RC_PARENTS = ['/etc', '/etc/rc.d'];
const INIT_DIRECTORIES = ['/etc/init.d', '/etc/rc.d/init.d'];

async function listNames(fs: FileSystemView, path: string): Promise<string[] | null> {
  try {
    return (await fs.readdir(path)).map((entry) => entry.name);
  } catch (error) {
    if (isScapulaError(error, 'NOT_FOUND') || isScapulaError(error, 'NOT_A_DIRECTORY') || isScapulaError(error, 'PATH_LOOP')) return null;
    throw error;
  }
}

interface RunlevelLinks {
  runlevel: string;
  started: Set<string>;
  killed: Set<string>;
}

async function readRunlevelLinks(fs: FileSystemView): Promise<RunlevelLinks[]> {
  const runlevels: RunlevelLinks[] = [];
  for (const runlevel of RUNLEVELS) {
    for (const parent of RC_PARENTS) {
      const names = await listNames(fs, `${parent}/rc${runlevel}.d`);
      if (names === null) continue;

      const links: RunlevelLinks = { runlevel, started: new Set(), killed: new Set() };
      for (const name of names) {
        const match = /^([SK])\d\d(.+)$/.exec(name);
        if (match === null) continue;
        (match[1] === 'S' ? links.started : links.killed).add(match[2]);
      }
      runlevels.push(links);
      break;
    }
  }
  return runlevels;
}

async function readServices(fs: FileSystemView, runlevels: RunlevelLinks[]): Promise<string[]> {
  const services = new Set<string>();
  for (const directory of INIT_DIRECTORIES) {
    for (const name of (await listNames(fs, directory)) ?? []) {
      if (!name.startsWith('.') && name !== 'README' && name !== 'functions') services.add(name);
    }
  }
  for (const links of runlevels) for (const name of [...links.started, ...links.killed]) services.add(name);
  return [...services].sort();
}

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const serviceEntity = findEntity(request, 'service_name');
  const runlevelEntity = findEntity(request, 'runlevel');
  if (serviceEntity === undefined || runlevelEntity === undefined) {
    throw new ScapulaError('OVAL_INVALID', `${request.object.id}: runlevel_object needs service_name and runlevel entities`);
  }

  const fs = context.target.fs;
  const runlevels = await readRunlevelLinks(fs);
  const items: ProbeItem[] = [];
  for (const service of await readServices(fs, runlevels)) {
    if (!entityMatches(serviceEntity, service)) continue;
    for (const links of runlevels) {
      if (!entityMatches(runlevelEntity, links.runlevel)) continue;
      items.push(
        makeItem('runlevel_item', 'unix', [
          itemEntity('service_name', service),
          itemEntity('runlevel', links.runlevel),
          booleanEntity('start', links.started.has(service)),
          booleanEntity('kill', links.killed.has(service)),
        ]),
      );
    }
  }
  return { items };
}

export const runlevelProbe = defineProbe({
  objectType: 'runlevel_object',
  family: 'unix',
  description: {
    summary: 'SysV init scripts scheduled to start or stop per runlevel, from the etc/rc?.d links.',
    onImage: 'Reads the links in the image or root (systemd units are not consulted).',
    onHost: 'Reads the links in /etc (systemd units are not consulted).',
  },
  collect,
});
