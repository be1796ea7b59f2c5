/**
 * inetlisteningservers_object (OVAL 5.11 linux schema): the TCP and UDP sockets of a running
 * system, from the kernel's socket tables, with the process that owns each one. As in
 * OpenSCAP 1.3.7, every socket in /proc/net/{tcp,tcp6,udp,udp6} is reported whatever its
 * state, and raw sockets (/proc/net/raw, raw6) are reported as "udp". An image or directory
 * root runs no process, so there the object is "not collected".
 *
 *     sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
 *      0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 20518 ...
 */
import { endianness } from 'node:os';

import type { ItemEntity, ProbeItem } from '../../oval/syschar.js';
import type { FileSystemView } from '../../targets/target.js';
import type { ProbeContext, ProbeRequest, ProbeResult, ResolvedEntity } from '../probe.js';
import { entityMatches, findEntity } from '../util/entity.js';
import { defineProbe, itemEntity, makeItem, notCollectedOffline, throwIfAborted } from '../util/items.js';
import { ignoreLookupErrors } from './systemd-search-path.js';

export interface SocketEntry {
  protocol: 'tcp' | 'udp';
  localAddress: string;
  localPort: number;
  foreignAddress: string;
  foreignPort: number;
  inode: string;
}

export interface SocketOwner {
  pid: number;
  /** The command name from /proc/<pid>/stat, at most 15 characters. */
  programName: string;
  /** The effective user id. */
  userId: number;
}

const SOCKET_TABLES: [string, 'tcp' | 'udp'][] = [
  ['/proc/net/tcp', 'tcp'],
  ['/proc/net/tcp6', 'tcp'],
  ['/proc/net/udp', 'udp'],
  ['/proc/net/udp6', 'udp'],
  ['/proc/net/raw', 'udp'],
  ['/proc/net/raw6', 'udp'],
];

const MAX_TABLE_BYTES = 256 * 1024 * 1024;
const MAX_PROC_FILE_BYTES = 64 * 1024;

/** The process id of kthreadd, whose children are kernel threads without sockets of their own. */
const KTHREADD_PID = 2;

export const inetListeningServersProbe = defineProbe({
  objectType: 'inetlisteningservers_object',
  family: 'linux',
  description: {
    summary: 'TCP and UDP sockets with their addresses, ports and owning process.',
    onImage: 'Not collected: an image runs no process and has no sockets.',
    onHost: 'Reads /proc/net/{tcp,tcp6,udp,udp6,raw,raw6} and maps socket inodes to processes through /proc/<pid>/fd.',
  },
  collect: collectListeningServers,
});

async function collectListeningServers(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  if (!context.target.live) {
    return notCollectedOffline('inetlisteningservers_object', 'socket tables (/proc/net/tcp and the like) exist only on a running system');
  }
  const protocolEntity = findEntity(request, 'protocol');
  const addressEntity = findEntity(request, 'local_address');
  const portEntity = findEntity(request, 'local_port');
  const fs = context.target.fs;

  const owners = await findSocketOwners(fs, context);
  const items: ProbeItem[] = [];
  for (const [path, protocol] of SOCKET_TABLES) {
    const bytes = await fs.readFile(path, { maxBytes: MAX_TABLE_BYTES }).catch(ignoreLookupErrors);
    if (bytes === null) continue;

    for (const socket of parseSocketTable(new TextDecoder().decode(bytes), protocol)) {
      throwIfAborted(context);
      if (protocolEntity !== undefined && !entityMatches(protocolEntity, socket.protocol)) continue;
      if (!addressMatches(addressEntity, socket.localAddress)) continue;
      if (portEntity !== undefined && !entityMatches(portEntity, String(socket.localPort))) continue;
      items.push(makeItem('inetlisteningserver_item', 'linux', socketEntities(socket, owners.get(socket.inode))));
    }
  }
  return { items };
}

/**
 * Compares a local address with the object's entity. An ipv4_address entity never matches an
 * IPv6 socket and the other way round, instead of making the whole object an error.
 */
function addressMatches(entity: ResolvedEntity | undefined, address: string): boolean {
  if (entity === undefined) return true;
  const isIpv6 = address.includes(':');
  if (entity.datatype === 'ipv4_address' && isIpv6) return false;
  if (entity.datatype === 'ipv6_address' && !isIpv6) return false;
  return entityMatches(entity, address);
}

function socketEntities(socket: SocketEntry, owner: SocketOwner | undefined): ItemEntity[] {
  const entities = [
    itemEntity('protocol', socket.protocol),
    itemEntity('local_address', socket.localAddress),
    itemEntity('local_port', String(socket.localPort), 'int'),
    itemEntity('local_full_address', `${socket.localAddress}:${socket.localPort}`),
  ];
  if (owner !== undefined) entities.push(itemEntity('program_name', owner.programName));
  entities.push(
    itemEntity('foreign_address', socket.foreignAddress),
    itemEntity('foreign_port', String(socket.foreignPort), 'int'),
    itemEntity('foreign_full_address', `${socket.foreignAddress}:${socket.foreignPort}`),
  );
  if (owner !== undefined) {
    entities.push(itemEntity('pid', String(owner.pid), 'int'), itemEntity('user_id', String(owner.userId), 'int'));
  }
  return entities;
}

/** Parses one /proc/net socket table; the header line and malformed lines are skipped. */
export function parseSocketTable(text: string, protocol: 'tcp' | 'udp', littleEndian = endianness() === 'LE'): SocketEntry[] {
  const sockets: SocketEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{1,4})$/.exec(fields[1] ?? '');
    const foreign = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{1,4})$/.exec(fields[2] ?? '');
    const inode = fields[9];
    if (local === null || foreign === null || inode === undefined || !/^\d+$/.test(inode)) continue;
    sockets.push({
      protocol,
      localAddress: formatKernelAddress(local[1] as string, littleEndian),
      localPort: Number.parseInt(local[2] as string, 16),
      foreignAddress: formatKernelAddress(foreign[1] as string, littleEndian),
      foreignPort: Number.parseInt(foreign[2] as string, 16),
      inode,
    });
  }
  return sockets;
}

/**
 * Turns the kernel's hex address into text. The kernel prints each 32-bit word of the
 * network-order address as a host-order integer, so on a little-endian host the bytes of
 * every word appear reversed ("0100007F" is 127.0.0.1).
 */
export function formatKernelAddress(hex: string, littleEndian: boolean): string {
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const wordBytes = [0, 2, 4, 6].map((offset) => Number.parseInt(hex.slice(word + offset, word + offset + 2), 16));
    bytes.push(...(littleEndian ? wordBytes.reverse() : wordBytes));
  }
  return bytes.length === 4 ? bytes.join('.') : formatIpv6(bytes);
}

/**
 * Formats 16 bytes as inet_ntop(3) does: lower-case groups, the longest run of two or more
 * zero groups as "::", and an embedded IPv4 address for IPv4-mapped (::ffff:a.b.c.d) and
 * IPv4-compatible (::a.b.c.d) addresses.
 */
export function formatIpv6(bytes: number[]): string {
  const groups = Array.from({ length: 8 }, (_, index) => ((bytes[index * 2] ?? 0) << 8) | (bytes[index * 2 + 1] ?? 0));

  let bestStart = -1;
  let bestLength = 0;
  for (let start = 0; start < 8; ) {
    if (groups[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  if (bestLength < 2) bestStart = -1;

  const embedsIpv4 = bestStart === 0 && (bestLength === 6 || (bestLength === 5 && groups[5] === 0xffff));
  const lastGroup = embedsIpv4 ? 6 : 8;
  let text = '';
  for (let index = 0; index < lastGroup; index++) {
    if (index === bestStart) {
      text += index === 0 ? '::' : ':';
      index += bestLength - 1;
      continue;
    }
    text += (groups[index] as number).toString(16);
    if (index < lastGroup - 1) text += ':';
  }
  if (embedsIpv4) text += `${text.endsWith(':') ? '' : ':'}${bytes.slice(12, 16).join('.')}`;
  return text;
}

/**
 * Maps socket inodes to the first process (in /proc order) with a descriptor on them.
 * Processes that end while being read, and those whose descriptors this user may not list,
 * are skipped, so without root only the caller's own sockets get an owner.
 */
export async function findSocketOwners(fs: FileSystemView, context: ProbeContext): Promise<Map<string, SocketOwner>> {
  const owners = new Map<string, SocketOwner>();
  const processes = (await fs.readdir('/proc')).filter((entry) => /^\d+$/.test(entry.name));

  for (const entry of processes) {
    throwIfAborted(context);
    const process = await readProcess(fs, entry.name);
    if (process === null) continue;

    const descriptors = await fs.readdir(`/proc/${entry.name}/fd`).catch(() => null);
    for (const descriptor of descriptors ?? []) {
      const link = await fs.readlink(`/proc/${entry.name}/fd/${descriptor.name}`).catch(() => null);
      const inode = link === null ? null : /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode !== undefined && inode !== null && !owners.has(inode)) owners.set(inode, process);
    }
  }
  return owners;
}

async function readProcess(fs: FileSystemView, pidText: string): Promise<SocketOwner | null> {
  const stat = await fs.readFile(`/proc/${pidText}/stat`, { maxBytes: MAX_PROC_FILE_BYTES }).catch(() => null);
  if (stat === null) return null;
  const statText = new TextDecoder().decode(stat);

  // "1234 (name with ) inside) S 1 ...": the name ends at the last closing parenthesis.
  const open = statText.indexOf('(');
  const close = statText.lastIndexOf(')');
  if (open === -1 || close < open) return null;
  const parentPid = Number(statText.slice(close + 2).split(' ')[1]);
  const pid = Number(pidText);
  if (pid === KTHREADD_PID || parentPid === KTHREADD_PID) return null;

  const status = await fs.readFile(`/proc/${pidText}/status`, { maxBytes: MAX_PROC_FILE_BYTES }).catch(() => null);
  const uidLine = status === null ? undefined : new TextDecoder().decode(status).split('\n').find((line) => line.startsWith('Uid:'));
  const effectiveUid = Number(uidLine?.split(/\s+/)[2] ?? 0);

  return { pid, programName: statText.slice(open + 1, close).slice(0, 15), userId: Number.isFinite(effectiveUid) ? effectiveUid : 0 };
}
