import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { interfaceProbe, ipv4Broadcast } from '../../../lib/probes/unix/interface.js';
import { openHostTarget } from '../../../lib/targets/host.js';
import type { Target } from '../../../lib/targets/target.js';
import { entityNames, makeTempRoot, request, run, value, values, type TempRoot } from '../helpers.js';

let root: TempRoot;
let host: Target;

beforeAll(async () => {
  root = await makeTempRoot(() => {});
  host = await openHostTarget();
});

afterAll(() => root.remove());

describe('interface probe', () => {
  // oscap 1.3.7 wrote this item for lo on the same host.
  it('reports the IPv4 loopback address', async () => {
    const result = await run(interfaceProbe, host, request('interface_object', 'unix', [{ name: 'name', value: 'lo' }]));
    const item = result.items.find((candidate) => value(candidate, 'inet_addr') === '127.0.0.1');
    expect(item).toBeDefined();
    expect(entityNames(item!).slice(0, 6)).toEqual(['name', 'type', 'hardware_addr', 'inet_addr', 'broadcast_addr', 'netmask']);
    expect(value(item!, 'type')).toBe('ARPHRD_LOOPBACK');
    expect(value(item!, 'hardware_addr')).toBe('00:00:00:00:00:00');
    expect(value(item!, 'netmask')).toBe('255.0.0.0');
    expect(value(item!, 'broadcast_addr')).toBe('');
    expect(values(item!, 'flag')).toEqual(['UP', 'LOOPBACK', 'RUNNING']);
    expect(item!.entities.find((entity) => entity.name === 'inet_addr')?.datatype).toBe('ipv4_address');
  });

  it('is not collected offline', async () => {
    const result = await run(interfaceProbe, root.target, request('interface_object', 'unix', [{ name: 'name', value: 'lo' }]));
    expect(result.flag).toBe('not collected');
  });

  it('computes broadcast addresses', () => {
    expect(ipv4Broadcast('192.0.2.2', '255.255.255.0')).toBe('192.0.2.255');
    expect(ipv4Broadcast('10.1.2.3', '255.255.240.0')).toBe('10.1.15.255');
  });
});
