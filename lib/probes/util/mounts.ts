/**
 * The mounts of the live host that recurse_file_system="local" leaves out: network file
 * systems, read from /proc/self/mountinfo. An image or root directory has no mounts of its
 * own, so every file there is local.
 *
 *     36 25 0:45 / /mnt/share rw,relatime - nfs4 server:/export rw,vers=4.2
 *     (id parent major:minor root mount-point options - type source super-options)
 */
import { isScapulaError } from '../../errors.js';
import type { ProbeContext } from '../probe.js';
import { decodeText } from './file-content.js';

/** File system types that reach another machine (nfs, cifs, sshfs and their kin). */
const NETWORK_TYPES = new Set([
  '9p', 'afs', 'ceph', 'cifs', 'coda', 'davfs', 'fuse.glusterfs', 'fuse.s3fs', 'fuse.sshfs', 'fuse.rclone',
  'glusterfs', 'lustre', 'ncpfs', 'nfs', 'nfs4', 'ocfs2', 'smb3', 'smbfs', 'sshfs',
]);

const CACHE_KEY = 'probes/util/mounts:remote-devices';

/** Encodes a device number as Linux's dev_t, the form Node.js reports in `stat().dev`. */
export function makeDeviceNumber(major: number, minor: number): number {
  const low = (minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12);
  // The high bits of major sit above bit 32, beyond the reach of JavaScript's bitwise operators.
  return (low >>> 0) + Math.floor(major / 0x1000) * 0x1000 * 2 ** 32;
}

/**
 * Tells whether a mountinfo line describes a network file system: by its type, or by a
 * source of the form "//server/share" or "server:/path".
 */
export function isRemoteMount(type: string, source: string): boolean {
  if (NETWORK_TYPES.has(type)) return true;
  if (source.startsWith('//')) return true;
  const colon = source.indexOf(':');
  const slash = source.indexOf('/');
  return colon > 0 && (slash < 0 || colon < slash);
}

/** Parses mountinfo text into the device numbers of its network mounts. */
export function parseRemoteDevices(text: string): Set<number> {
  const devices = new Set<number>();
  for (const line of text.split('\n')) {
    const separator = line.indexOf(' - ');
    if (separator < 0) continue;
    const fields = line.slice(0, separator).split(' ');
    const [type, source] = line.slice(separator + 3).split(' ');
    const device = /^(\d+):(\d+)$/.exec(fields[2] ?? '');
    if (device === null || type === undefined) continue;
    if (isRemoteMount(type, source ?? '')) devices.add(makeDeviceNumber(Number(device[1]), Number(device[2])));
  }
  return devices;
}

/** Returns the device numbers of the live host's network mounts, or an empty set offline. */
export async function remoteDevices(context: ProbeContext): Promise<Set<number>> {
  if (!context.target.live) return new Set();
  const cached = context.cache.get(CACHE_KEY);
  if (cached instanceof Set) return cached as Set<number>;

  let devices = new Set<number>();
  try {
    devices = parseRemoteDevices(decodeText(await context.target.fs.readFile('/proc/self/mountinfo')));
  } catch (error) {
    // Without /proc there is no mount table, and every file counts as local.
    if (!isScapulaError(error)) throw error;
  }
  context.cache.set(CACHE_KEY, devices);
  return devices;
}
