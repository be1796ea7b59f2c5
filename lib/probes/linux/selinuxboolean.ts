/**
 * selinuxboolean_object (OVAL 5.11 linux schema): the current and pending value of SELinux
 * booleans. On the live host they come from selinuxfs (/sys/fs/selinux/booleans/<name>
 * contains "current pending", such as "1 1"). An image runs no kernel, so there both values are
 * the ones the policy store would load at boot.
 */
import type { ProbeItem } from '../../oval/syschar.js';
import type { FileSystemView } from '../../targets/target.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { entityMatches, findEntity } from '../util/entity.js';
import { booleanEntity, defineProbe, itemEntity, makeItem, notCollectedOffline, throwIfAborted } from '../util/items.js';
import { readPolicyBooleans, readSelinuxConfig } from './selinux-policy-store.js';
import { ignoreLookupErrors } from './systemd-search-path.js';
import { compareNames } from './systemd-units.js';

interface BooleanState {
  current: boolean;
  pending: boolean;
}

const SELINUXFS_BOOLEANS = '/sys/fs/selinux/booleans';
const CACHE_KEY = 'linux:selinux-booleans';

export const selinuxBooleanProbe = defineProbe({
  objectType: 'selinuxboolean_object',
  family: 'linux',
  description: {
    summary: 'Current and pending values of SELinux booleans.',
    onImage:
      'Computes the boot values from /etc/selinux/config and the policy store (module CIL defaults, then booleans.local); ' +
      'current and pending are both that value.',
    onHost: 'Reads /sys/fs/selinux/booleans.',
  },
  collect: collectBooleans,
});

async function collectBooleans(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const nameEntity = findEntity(request, 'name');
  const lookup = await cachedBooleans(context);
  if (lookup.kind === 'absent') return { items: [], messages: [{ level: 'info', text: lookup.reason }] };
  if (lookup.kind === 'unreadable') return notCollectedOffline('selinuxboolean_object', lookup.reason);

  const items: ProbeItem[] = [];
  for (const [name, state] of [...lookup.booleans].sort(([a], [b]) => compareNames(a, b))) {
    throwIfAborted(context);
    if (nameEntity !== undefined && !entityMatches(nameEntity, name)) continue;
    items.push(makeItem('selinuxboolean_item', 'linux', [itemEntity('name', name), booleanEntity('current_status', state.current), booleanEntity('pending_status', state.pending)]));
  }
  return { items };
}

type BooleanLookup =
  | { kind: 'found'; booleans: Map<string, BooleanState> }
  | { kind: 'absent'; reason: string }
  | { kind: 'unreadable'; reason: string };

function cachedBooleans(context: ProbeContext): Promise<BooleanLookup> {
  const cached = context.cache.get(CACHE_KEY) as Promise<BooleanLookup> | undefined;
  if (cached !== undefined) return cached;
  const lookup = context.target.live ? readLiveBooleans(context.target.fs) : readImageBooleans(context.target.fs);
  context.cache.set(CACHE_KEY, lookup);
  return lookup;
}

async function readLiveBooleans(fs: FileSystemView): Promise<BooleanLookup> {
  const listing = await fs.readdir(SELINUXFS_BOOLEANS).catch(ignoreLookupErrors);
  if (listing === null) return { kind: 'absent', reason: `SELinux is not enabled on the host (${SELINUXFS_BOOLEANS} does not exist), so no boolean exists` };

  const booleans = new Map<string, BooleanState>();
  for (const entry of listing) {
    const bytes = await fs.readFile(`${SELINUXFS_BOOLEANS}/${entry.name}`, { maxBytes: 64 }).catch(ignoreLookupErrors);
    const match = bytes === null ? null : /^([01])\s+([01])/.exec(new TextDecoder().decode(bytes));
    if (match !== null) booleans.set(entry.name, { current: match[1] === '1', pending: match[2] === '1' });
  }
  return { kind: 'found', booleans };
}

async function readImageBooleans(fs: FileSystemView): Promise<BooleanLookup> {
  const config = await readSelinuxConfig(fs);
  if (config === null) return { kind: 'absent', reason: 'SELinux is not configured in the target (no /etc/selinux/config), so no boolean exists' };
  if (config.mode === 'disabled') return { kind: 'absent', reason: 'SELinux is disabled in /etc/selinux/config, so no boolean exists' };

  const values = await readPolicyBooleans(fs, config.policyType);
  if (values === null) {
    return { kind: 'unreadable', reason: `the policy store /var/lib/selinux/${config.policyType}/active/modules is missing, so boolean values are unknown` };
  }
  const booleans = new Map<string, BooleanState>();
  for (const [name, value] of values) booleans.set(name, { current: value, pending: value });
  return { kind: 'found', booleans };
}
