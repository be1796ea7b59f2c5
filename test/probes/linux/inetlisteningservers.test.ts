import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ProbeItem } from '../../../lib/oval/syschar.js';
import { formatIpv6, formatKernelAddress, inetListeningServersProbe, parseSocketTable } from '../../../lib/probes/linux/inetlisteningservers.js';
import { openHostTarget } from '../../../lib/targets/host.js';
import type { Target } from '../../../lib/targets/target.js';
import { makeTempRoot, request, run, value } from '../helpers.js';

const TCP_TABLE = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 20518 1 0000000000000000 100 0 0 10 0',
  '   1: garbage',
  '',
].join('\n');

describe('socket table parser', () => {
  it('decodes a little-endian IPv4 entry', () => {
    expect(parseSocketTable(TCP_TABLE, 'tcp', true)).toEqual([
      { protocol: 'tcp', localAddress: '127.0.0.1', localPort: 631, foreignAddress: '0.0.0.0', foreignPort: 0, inode: '20518' },
    ]);
  });

  it('decodes a big-endian IPv4 address', () => {
    expect(formatKernelAddress('7F000001', false)).toBe('127.0.0.1');
  });

  it('formats IPv6 addresses as inet_ntop does', () => {
    expect(formatKernelAddress('00000000000000000000000000000000', true)).toBe('::');
    expect(formatKernelAddress('00000000000000000000000001000000', true)).toBe('::1');
    expect(formatKernelAddress('0000000000000000FFFF00000100007F', true)).toBe('::ffff:127.0.0.1');
    expect(formatIpv6([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])).toBe('fe80::1');
    expect(formatIpv6([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1])).toBe('2001:db8:0:1::1');
    expect(formatIpv6([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1])).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIpv6([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1])).toBe('::10.0.0.1');
  });
});

describe('inetlisteningservers probe', () => {
  let host: Target;
  let server: Server;
  let udp: UdpSocket;
  let tcpPort: number;
  let udpPort: number;

  beforeAll(async () => {
    host = await openHostTarget();
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    tcpPort = (server.address() as AddressInfo).port;
    udp = createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    udpPort = udp.address().port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    await host.close();
  });

  it('finds a TCP server of this process', async () => {
    const result = await run(
      inetListeningServersProbe,
      host,
      request('inetlisteningservers_object', 'linux', [
        { name: 'protocol', value: 'tcp' },
        { name: 'local_address', value: '127.0.0.1', datatype: 'ipv4_address' },
        { name: 'local_port', value: String(tcpPort), datatype: 'int' },
      ]),
    );
    expect(result.items).toHaveLength(1);
    const item = result.items[0] as ProbeItem;
    const command = /\((.*)\)/.exec(readFileSync('/proc/self/stat', 'utf8'))?.[1];
    expect(value(item, 'local_full_address')).toBe(`127.0.0.1:${tcpPort}`);
    expect(value(item, 'foreign_full_address')).toBe('0.0.0.0:0');
    expect(value(item, 'pid')).toBe(String(process.pid));
    expect(value(item, 'program_name')).toBe(command);
    expect(value(item, 'user_id')).toBe(String(process.geteuid?.()));
  });

  it('finds a UDP socket of this process', async () => {
    const result = await run(
      inetListeningServersProbe,
      host,
      request('inetlisteningservers_object', 'linux', [
        { name: 'protocol', value: 'udp' },
        { name: 'local_address', value: '127.0.0.1' },
        { name: 'local_port', value: String(udpPort), datatype: 'int' },
      ]),
    );
    expect(result.items.map((item) => value(item, 'pid'))).toEqual([String(process.pid)]);
  });

  it('skips IPv6 sockets for an ipv4_address entity', async () => {
    const result = await run(
      inetListeningServersProbe,
      host,
      request('inetlisteningservers_object', 'linux', [
        { name: 'protocol', value: 'tcp' },
        { name: 'local_address', value: '0.0.0.0/0', datatype: 'ipv4_address', operation: 'subset of' },
        { name: 'local_port', value: String(tcpPort), datatype: 'int' },
      ]),
    );
    expect(result.flag).toBeUndefined();
    expect(result.items.map((item) => value(item, 'local_address'))).toEqual(['127.0.0.1']);
  });

  it('is not collected on a directory root', async () => {
    const root = await makeTempRoot(() => {});
    try {
      const result = await run(
        inetListeningServersProbe,
        root.target,
        request('inetlisteningservers_object', 'linux', [
          { name: 'protocol', value: 'tcp' },
          { name: 'local_address', value: '0.0.0.0' },
          { name: 'local_port', value: '22', datatype: 'int' },
        ]),
      );
      expect(result.flag).toBe('not collected');
    } finally {
      root.remove();
    }
  });
});
