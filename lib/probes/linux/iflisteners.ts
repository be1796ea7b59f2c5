/**
 * iflisteners_object (OVAL 5.11 linux schema): the packet (AF_PACKET) sockets of a running
 * system, which let a program capture or send raw frames on an interface, with the interface
 * and the process that owns each socket. As in OpenSCAP 1.3.7, a socket is reported only when
 * its owner is found and it is bound to one interface (not to all, ifindex 0).
 *
 *     sk               RefCnt Type Proto  Iface R Rmem   User   Inode
 *     ffff8a3c0c2d4000 3      3    0003   2     1 0      0      23311
 */
import type { ProbeItem } from '../../oval/syschar.js';
import type { FileSystemView } from '../../targets/target.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { entityMatches, findEntity } from '../util/entity.js';
import { defineProbe, errorEntity, itemEntity, makeItem, notCollectedOffline, throwIfAborted } from '../util/items.js';
import { findSocketOwners } from './inetlisteningservers.js';
import { ignoreLookupErrors } from './systemd-search-path.js';

export interface PacketSocket {
  /** The EtherType the socket receives, such as 0x0003 (ETH_P_ALL). */
  protocol: number;
  interfaceIndex: number;
  inode: string;
}

interface NetworkInterface {
  name: string;
  hwAddress: string;
}

/** EtherType names of linux/if_ether.h, the values of the schema's EntityItemProtocolType. */
const ETHER_TYPES = new Map<number, string>([
  [0x0001, 'ETH_P_802_3'], [0x0002, 'ETH_P_AX25'], [0x0003, 'ETH_P_ALL'], [0x0004, 'ETH_P_802_2'],
  [0x0005, 'ETH_P_SNAP'], [0x0006, 'ETH_P_DDCMP'], [0x0007, 'ETH_P_WAN_PPP'], [0x0008, 'ETH_P_PPP_MP'],
  [0x0009, 'ETH_P_LOCALTALK'], [0x000c, 'ETH_P_CAN'], [0x0010, 'ETH_P_PPPTALK'], [0x0011, 'ETH_P_TR_802_2'],
  [0x0015, 'ETH_P_MOBITEX'], [0x0016, 'ETH_P_CONTROL'], [0x0017, 'ETH_P_IRDA'], [0x0018, 'ETH_P_ECONET'],
  [0x0019, 'ETH_P_HDLC'], [0x001a, 'ETH_P_ARCNET'], [0x001b, 'ETH_P_DSA'], [0x001c, 'ETH_P_TRAILER'],
  [0x0060, 'ETH_P_LOOP'], [0x00f5, 'ETH_P_PHONET'], [0x00f6, 'ETH_P_IEEE802154'], [0x00f7, 'ETH_P_CAIF'],
  [0x0200, 'ETH_P_PUP'], [0x0201, 'ETH_P_PUPAT'], [0x0800, 'ETH_P_IP'], [0x0805, 'ETH_P_X25'],
  [0x0806, 'ETH_P_ARP'], [0x08ff, 'ETH_P_BPQ'], [0x0a00, 'ETH_P_IEEEPUP'], [0x0a01, 'ETH_P_IEEEPUPAT'],
  [0x6000, 'ETH_P_DEC'], [0x6001, 'ETH_P_DNA_DL'], [0x6002, 'ETH_P_DNA_RC'], [0x6003, 'ETH_P_DNA_RT'],
  [0x6004, 'ETH_P_LAT'], [0x6005, 'ETH_P_DIAG'], [0x6006, 'ETH_P_CUST'], [0x6007, 'ETH_P_SCA'],
  [0x6558, 'ETH_P_TEB'], [0x8035, 'ETH_P_RARP'], [0x809b, 'ETH_P_ATALK'], [0x80f3, 'ETH_P_AARP'],
  [0x8100, 'ETH_P_8021Q'], [0x8137, 'ETH_P_IPX'], [0x86dd, 'ETH_P_IPV6'], [0x8808, 'ETH_P_PAUSE'],
  [0x8809, 'ETH_P_SLOW'], [0x883e, 'ETH_P_WCCP'], [0x8847, 'ETH_P_MPLS_UC'], [0x8848, 'ETH_P_MPLS_MC'],
  [0x884c, 'ETH_P_ATMMPOA'], [0x8863, 'ETH_P_PPP_DISC'], [0x8864, 'ETH_P_PPP_SES'], [0x886c, 'ETH_P_LINK_CTL'],
  [0x8884, 'ETH_P_ATMFATE'], [0x888e, 'ETH_P_PAE'], [0x88a2, 'ETH_P_AOE'], [0x88ca, 'ETH_P_TIPC'],
  [0x88f7, 'ETH_P_1588'], [0x8906, 'ETH_P_FCOE'], [0x8914, 'ETH_P_FIP'], [0xdada, 'ETH_P_EDSA'],
]);

const MAX_TABLE_BYTES = 64 * 1024 * 1024;

export const iflistenersProbe = defineProbe({
  objectType: 'iflisteners_object',
  family: 'linux',
  description: {
    summary: 'Packet sockets bound to a network interface, with the owning process.',
    onImage: 'Not collected: an image runs no process and has no sockets.',
    onHost: 'Reads /proc/net/packet, /sys/class/net and the owners of socket inodes through /proc/<pid>/fd.',
  },
  collect: collectInterfaceListeners,
});

async function collectInterfaceListeners(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  if (!context.target.live) {
    return notCollectedOffline('iflisteners_object', 'packet sockets (/proc/net/packet) exist only on a running system');
  }
  const interfaceEntity = findEntity(request, 'interface_name');
  const fs = context.target.fs;

  const table = await fs.readFile('/proc/net/packet', { maxBytes: MAX_TABLE_BYTES }).catch(ignoreLookupErrors);
  const sockets = table === null ? [] : parsePacketTable(new TextDecoder().decode(table));
  if (sockets.length === 0) return { items: [] };

  const interfaces = await readInterfaces(fs);
  const owners = await findSocketOwners(fs, context);
  const items: ProbeItem[] = [];
  for (const socket of sockets) {
    throwIfAborted(context);
    const owner = owners.get(socket.inode);
    const networkInterface = interfaces.get(socket.interfaceIndex);
    if (owner === undefined || networkInterface === undefined) continue;
    if (interfaceEntity !== undefined && !entityMatches(interfaceEntity, networkInterface.name)) continue;

    const protocol = ETHER_TYPES.get(socket.protocol);
    items.push(
      makeItem('iflisteners_item', 'linux', [
        itemEntity('interface_name', networkInterface.name),
        protocol === undefined ? errorEntity('protocol') : itemEntity('protocol', protocol),
        itemEntity('hw_address', networkInterface.hwAddress),
        itemEntity('program_name', owner.programName),
        itemEntity('pid', String(owner.pid), 'int'),
        itemEntity('user_id', String(owner.userId), 'int'),
      ]),
    );
  }
  return { items };
}

/** Parses /proc/net/packet; the header line and malformed lines are skipped. */
export function parsePacketTable(text: string): PacketSocket[] {
  const sockets: PacketSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [protocol, interfaceIndex, inode] = [fields[3], fields[4], fields[8]];
    if (protocol === undefined || !/^[0-9a-fA-F]{1,4}$/.test(protocol)) continue;
    if (interfaceIndex === undefined || !/^\d+$/.test(interfaceIndex) || inode === undefined || !/^\d+$/.test(inode)) continue;
    sockets.push({ protocol: Number.parseInt(protocol, 16), interfaceIndex: Number(interfaceIndex), inode });
  }
  return sockets;
}

/** Maps interface indexes to names and hardware addresses, from /sys/class/net. */
async function readInterfaces(fs: FileSystemView): Promise<Map<number, NetworkInterface>> {
  const interfaces = new Map<number, NetworkInterface>();
  const listing = await fs.readdir('/sys/class/net').catch(ignoreLookupErrors);
  for (const entry of listing ?? []) {
    const index = await fs.readFile(`/sys/class/net/${entry.name}/ifindex`, { maxBytes: 64 }).catch(() => null);
    const address = await fs.readFile(`/sys/class/net/${entry.name}/address`, { maxBytes: 256 }).catch(() => null);
    const indexText = index === null ? '' : new TextDecoder().decode(index).trim();
    if (!/^\d+$/.test(indexText)) continue;
    interfaces.set(Number(indexText), { name: entry.name, hwAddress: address === null ? '' : new TextDecoder().decode(address).trim() });
  }
  return interfaces;
}
