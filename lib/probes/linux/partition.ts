/**
 * partition_object (OVAL 5.11 linux schema): the mounted file systems of a running system,
 * from the kernel's mount table (/proc/mounts) and statfs(2). An image or directory root has
 * no mounts, so there the object is "not collected".
 *
 *     /dev/sda1 /boot ext4 rw,nosuid,nodev,relatime 0 0
 *     proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
 */
import { statfs } from 'node:fs/promises';
import { posix } from 'node:path';

import type { ItemEntity, ProbeItem } from '../../oval/syschar.js';
import type { FileSystemView } from '../../targets/target.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { entityMatches, findEntity } from '../util/entity.js';
import { defineProbe, errorEntity, itemEntity, makeItem, missingEntity, notCollectedOffline, throwIfAborted } from '../util/items.js';
import { ignoreLookupErrors } from './systemd-search-path.js';

export interface MountEntry {
  device: string;
  mountPoint: string;
  fsType: string;
  options: string[];
}

/** The largest mount table read, in bytes; a host with 100,000 mounts stays well under it. */
const MAX_MOUNT_TABLE_BYTES = 64 * 1024 * 1024;

export const partitionProbe = defineProbe({
  objectType: 'partition_object',
  family: 'linux',
  description: {
    summary: 'Mounted file systems: device, UUID, type, options and space.',
    onImage: 'Not collected: an image has no mounted file systems.',
    onHost: 'Reads /proc/mounts, statfs(2) of each mount point and the UUID links in /dev/disk/by-uuid.',
  },
  collect: collectPartitions,
});

async function collectPartitions(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  if (!context.target.live) {
    return notCollectedOffline('partition_object', 'the mount table (/proc/mounts) exists only on a running system');
  }
  const mountPointEntity = findEntity(request, 'mount_point');
  const fs = context.target.fs;

  const table = parseMountTable(new TextDecoder().decode(await fs.readFile('/proc/mounts', { maxBytes: MAX_MOUNT_TABLE_BYTES })));
  const uuids = await readDeviceUuids(fs);

  const items: ProbeItem[] = [];
  const collected = new Set<string>();
  for (const entry of table) {
    throwIfAborted(context);
    if (entry.fsType === 'rootfs') continue;
    if (mountPointEntity !== undefined && !entityMatches(mountPointEntity, entry.mountPoint)) continue;
    // For "equals", OpenSCAP 1.3.7 reports the first mount of a mount point only.
    if (mountPointEntity?.operation === 'equals' && collected.has(entry.mountPoint)) continue;
    collected.add(entry.mountPoint);

    const device = entry.device.startsWith('/') ? await fs.realpath(entry.device).catch(() => entry.device) : entry.device;
    items.push(makeItem('partition_item', 'linux', [...identityEntities(entry, uuids.get(device)), ...(await spaceEntities(entry.mountPoint))]));
  }
  return { items };
}

/**
 * Parses /proc/mounts (the fstab(5) format). Fields are separated by blanks, and the kernel
 * writes a space, tab, newline or backslash inside a field as an octal escape ("\040").
 * Lines with fewer than four fields are skipped.
 */
export function parseMountTable(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/[ \t]+/);
    if (fields.length < 4 || line.trim().startsWith('#')) continue;
    const [device, mountPoint, fsType, options] = fields.map(unescapeOctal) as [string, string, string, string];
    entries.push({ device, mountPoint, fsType, options: options.split(',').filter((option) => option !== '') });
  }
  return entries;
}

function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

function identityEntities(entry: MountEntry, uuid: string | undefined): ItemEntity[] {
  return [
    itemEntity('mount_point', entry.mountPoint),
    itemEntity('device', entry.device),
    uuid === undefined ? missingEntity('uuid') : itemEntity('uuid', uuid),
    itemEntity('fs_type', entry.fsType),
    ...entry.options.map((option) => itemEntity('mount_options', option)),
  ];
}

const SPACE_ENTITY_NAMES = ['total_space', 'space_used', 'space_left', 'space_left_for_unprivileged_users', 'block_size'];

/**
 * Maximum wait for statfs(2) of one mount point, in milliseconds. A network file system
 * whose server does not answer blocks statfs, and the item then gets error entities instead
 * of stopping the evaluation.
 */
export const STATFS_TIMEOUT_MS = 10_000;

/** Block counts from statfs(2), in units of the file system's block size. */
async function spaceEntities(mountPoint: string): Promise<ItemEntity[]> {
  let stats;
  try {
    // The probe runs on the live host only, where a mount point is a host path.
    stats = await withTimeout(statfs(mountPoint, { bigint: true }), STATFS_TIMEOUT_MS);
  } catch {
    return SPACE_ENTITY_NAMES.map((name) => errorEntity(name, 'int'));
  }
  return [
    itemEntity('total_space', String(stats.blocks), 'int'),
    itemEntity('space_used', String(stats.blocks - stats.bfree), 'int'),
    itemEntity('space_left', String(stats.bfree), 'int'),
    itemEntity('space_left_for_unprivileged_users', String(stats.bavail), 'int'),
    itemEntity('block_size', String(stats.bsize), 'int'),
  ];
}

/** Resolves like `promise`, or rejects after `milliseconds` while the call goes on in the background. */
function withTimeout<T>(promise: Promise<T>, milliseconds: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${milliseconds} ms`)), milliseconds);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Maps each block device (its canonical path) to its file system UUID, from udev's links. */
async function readDeviceUuids(fs: FileSystemView): Promise<Map<string, string>> {
  const uuids = new Map<string, string>();
  const listing = await fs.readdir('/dev/disk/by-uuid').catch(ignoreLookupErrors);
  for (const entry of listing ?? []) {
    const device = await fs.realpath(posix.join('/dev/disk/by-uuid', entry.name)).catch(ignoreLookupErrors);
    if (device !== null && !uuids.has(device)) uuids.set(device, entry.name);
  }
  return uuids;
}
