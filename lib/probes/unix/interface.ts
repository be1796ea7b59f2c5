/**
 * interface_object: the network interfaces of the running host, one item per address, with
 * the interface's type, hardware address and flags read from /sys/class/net. An image or root
 * directory has no configured interfaces, so there the object is "not collected".
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

import { ScapulaError, isScapulaError } from '../../errors.js';
import type { ItemEntity, ProbeItem } from '../../oval/syschar.js';
import type { FileSystemView } from '../../targets/target.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { entityMatches, findEntity } from '../util/entity.js';
import { decodeText } from '../util/file-content.js';
import { defineProbe, itemEntity, makeItem, notCollectedOffline } from '../util/items.js';

/** ARPHRD_* link types (linux/if_arp.h) the unix schema names; others are written empty. */
const LINK_TYPES: Record<number, string> = {
  1: 'ARPHRD_ETHER',
  4: 'ARPHRD_PRONET',
  256: 'ARPHRD_SLIP',
  512: 'ARPHRD_PPP',
  772: 'ARPHRD_LOOPBACK',
  774: 'ARPHRD_FDDI',
  65535: 'ARPHRD_VOID',
};

/** IFF_* interface flags (linux/if.h) in bit order, as OpenSCAP 1.3.7 lists them. */
const FLAGS: [number, string][] = [
  [0x1, 'UP'],
  [0x2, 'BROADCAST'],
  [0x4, 'DEBUG'],
  [0x8, 'LOOPBACK'],
  [0x10, 'POINTOPOINT'],
  [0x20, 'NOTRAILERS'],
  [0x40, 'RUNNING'],
  [0x80, 'NOARP'],
  [0x100, 'PROMISC'],
  [0x200, 'ALLMULTI'],
  [0x400, 'MASTER'],
  [0x800, 'SLAVE'],
  [0x1000, 'MULTICAST'],
  [0x2000, 'PORTSEL'],
  [0x4000, 'AUTOMEDIA'],
  [0x8000, 'DYNAMIC'],
];
const IFF_UP = 0x1;
const IFF_BROADCAST = 0x2;
const IFF_RUNNING = 0x40;

async function readSysValue(fs: FileSystemView, name: string, attribute: string): Promise<string | null> {
  try {
    return decodeText(await fs.readFile(`/sys/class/net/${name}/${attribute}`, { maxBytes: 4096 })).trim();
  } catch (error) {
    // A down interface rejects reads of "carrier"; a vanished one has no directory.
    if (isScapulaError(error)) return null;
    throw error;
  }
}

/**
 * Reads the IFF flags of an interface. sysfs "flags" leaves out IFF_RUNNING, which the kernel
 * reports to SIOCGIFFLAGS when the interface is up with a carrier, so it is added from "carrier".
 */
async function readFlags(fs: FileSystemView, name: string): Promise<number> {
  const flags = Number.parseInt((await readSysValue(fs, name, 'flags')) ?? '0', 16) || 0;
  const carrier = await readSysValue(fs, name, 'carrier');
  return (flags & IFF_UP) !== 0 && carrier === '1' ? flags | IFF_RUNNING : flags;
}

/** Computes the IPv4 broadcast address: the address with every host bit set. */
export function ipv4Broadcast(address: string, netmask: string): string {
  const addressParts = address.split('.').map(Number);
  const maskParts = netmask.split('.').map(Number);
  return addressParts.map((part, index) => (part | (~maskParts[index] & 0xff)) & 0xff).join('.');
}

function addressEntities(info: NetworkInterfaceInfo, flags: number): ItemEntity[] {
  if (info.family === 'IPv4') {
    const broadcast = (flags & IFF_BROADCAST) !== 0 ? ipv4Broadcast(info.address, info.netmask) : '';
    return [
      itemEntity('inet_addr', info.address, 'ipv4_address'),
      itemEntity('broadcast_addr', broadcast, 'ipv4_address'),
      itemEntity('netmask', info.netmask, 'ipv4_address'),
    ];
  }
  // OpenSCAP 1.3.7 writes an IPv6 address with its prefix length, and no broadcast or netmask.
  return [
    itemEntity('inet_addr', info.cidr ?? info.address, 'ipv6_address'),
    itemEntity('broadcast_addr', '', 'ipv6_address'),
    itemEntity('netmask', '', 'ipv6_address'),
  ];
}

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const nameEntity = findEntity(request, 'name');
  if (nameEntity === undefined) throw new ScapulaError('OVAL_INVALID', `${request.object.id}: interface_object needs a name entity`);
  if (!context.target.live) {
    return notCollectedOffline('interface_object', 'an image or root directory has no configured network interfaces');
  }

  const fs = context.target.fs;
  const items: ProbeItem[] = [];
  for (const [name, addresses] of Object.entries(networkInterfaces()).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (addresses === undefined || !entityMatches(nameEntity, name)) continue;

    const type = Number((await readSysValue(fs, name, 'type')) ?? '-1');
    const hardwareAddress = ((await readSysValue(fs, name, 'address')) ?? addresses[0]?.mac ?? '').toUpperCase();
    const flags = await readFlags(fs, name);
    const flagEntities = FLAGS.filter(([bit]) => (flags & bit) !== 0).map(([, flagName]) => itemEntity('flag', flagName));

    for (const address of addresses) {
      items.push(
        makeItem('interface_item', 'unix', [
          itemEntity('name', name),
          itemEntity('type', LINK_TYPES[type] ?? ''),
          itemEntity('hardware_addr', hardwareAddress),
          ...addressEntities(address, flags),
          ...flagEntities,
        ]),
      );
    }
  }
  return { items };
}

export const interfaceProbe = defineProbe({
  objectType: 'interface_object',
  family: 'unix',
  description: {
    summary: 'Network interfaces: addresses, link type, hardware address and flags.',
    onImage: '"not collected": an image or root directory has no configured interfaces.',
    onHost: 'One item per interface address, with flags and type from /sys/class/net.',
  },
  collect,
});
