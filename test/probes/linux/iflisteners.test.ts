import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { describe, expect, it } from 'vitest';

import type { ProbeItem } from '../../../lib/oval/syschar.js';
import { iflistenersProbe, parsePacketTable } from '../../../lib/probes/linux/iflisteners.js';
import { entityNames, makeTempRoot, request, run, value } from '../helpers.js';

const PACKET_TABLE = [
  'sk               RefCnt Type Proto  Iface R Rmem   User   Inode',
  'ffff8a3c0c2d4000 3      3    0003   2     1 0      0      23311',
  'ffff8a3c0c2d5000 3      2    0800   0     1 0      0      23312',
  'ffff8a3c0c2d6000 3      3    88cc   2     1 0      0      23313',
  'broken line',
  '',
].join('\n');

function writeFile(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

/**
 * Writes the /proc and /sys files of a host where dhclient (pid 812, euid 0) holds a packet
 * socket on eth0, another on all interfaces, and lldpd (pid 900) one of an unnamed EtherType.
 */
function fillHostFiles(root: string): void {
  writeFile(root, '/proc/net/packet', PACKET_TABLE);
  writeFile(root, '/proc/812/stat', '812 (dhclient) S 1 812 812 0 -1 4194560 1000 0 0 0 0 0 0 0 20 0 1 0 100 10000000 1000');
  writeFile(root, '/proc/812/status', 'Name:\tdhclient\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t0\t0\t0\t0\n');
  mkdirSync(join(root, '/proc/812/fd'), { recursive: true });
  symlinkSync('socket:[23311]', join(root, '/proc/812/fd/3'));
  symlinkSync('socket:[23312]', join(root, '/proc/812/fd/4'));
  writeFile(root, '/proc/900/stat', '900 (lldpd) S 1 900 900 0 -1 4194560 1000 0 0 0 0 0 0 0 20 0 1 0 100 10000000 1000');
  writeFile(root, '/proc/900/status', 'Name:\tlldpd\nUid:\t0\t107\t107\t107\n');
  mkdirSync(join(root, '/proc/900/fd'), { recursive: true });
  symlinkSync('socket:[23313]', join(root, '/proc/900/fd/5'));
  writeFile(root, '/sys/class/net/eth0/ifindex', '2\n');
  writeFile(root, '/sys/class/net/eth0/address', '52:54:00:12:34:56\n');
  writeFile(root, '/sys/class/net/lo/ifindex', '1\n');
  writeFile(root, '/sys/class/net/lo/address', '00:00:00:00:00:00\n');
}

describe('packet table parser', () => {
  it('reads protocol, interface and inode', () => {
    expect(parsePacketTable(PACKET_TABLE)).toEqual([
      { protocol: 0x0003, interfaceIndex: 2, inode: '23311' },
      { protocol: 0x0800, interfaceIndex: 0, inode: '23312' },
      { protocol: 0x88cc, interfaceIndex: 2, inode: '23313' },
    ]);
  });
});

describe('iflisteners probe', () => {
  it('reports sockets bound to one interface', async () => {
    const root = await makeTempRoot(fillHostFiles);
    try {
      const live = { ...root.target, live: true, fs: root.target.fs };
      const result = await run(iflistenersProbe, live, request('iflisteners_object', 'linux', [{ name: 'interface_name', value: 'eth0' }]));
      expect(result.items).toHaveLength(2);
      const [dhclient, lldpd] = result.items as [ProbeItem, ProbeItem];
      expect(entityNames(dhclient)).toEqual(['interface_name', 'protocol', 'hw_address', 'program_name', 'pid', 'user_id']);
      expect(value(dhclient, 'protocol')).toBe('ETH_P_ALL');
      expect(value(dhclient, 'hw_address')).toBe('52:54:00:12:34:56');
      expect(value(dhclient, 'program_name')).toBe('dhclient');
      expect(value(dhclient, 'pid')).toBe('812');
      expect(value(dhclient, 'user_id')).toBe('0');
      expect(value(lldpd, 'user_id')).toBe('107');
      expect(lldpd.entities.find((entity) => entity.name === 'protocol')?.status).toBe('error');
    } finally {
      root.remove();
    }
  });

  it('selects no socket of another interface', async () => {
    const root = await makeTempRoot(fillHostFiles);
    try {
      const live = { ...root.target, live: true, fs: root.target.fs };
      const result = await run(iflistenersProbe, live, request('iflisteners_object', 'linux', [{ name: 'interface_name', value: 'lo' }]));
      expect(result.items).toEqual([]);
      expect(result.flag).toBeUndefined();
    } finally {
      root.remove();
    }
  });

  it('is not collected on a directory root', async () => {
    const root = await makeTempRoot(fillHostFiles);
    try {
      const result = await run(iflistenersProbe, root.target, request('iflisteners_object', 'linux', [{ name: 'interface_name', value: 'eth0' }]));
      expect(result.flag).toBe('not collected');
    } finally {
      root.remove();
    }
  });
});
