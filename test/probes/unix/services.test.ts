import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runlevelProbe } from '../../../lib/probes/unix/runlevel.js';
import { xinetdProbe } from '../../../lib/probes/unix/xinetd.js';
import { makeTempRoot, request, run, value, values, type TempRoot } from '../helpers.js';

let root: TempRoot;

beforeAll(async () => {
  root = await makeTempRoot((path) => {
    for (const directory of ['etc/rc2.d', 'etc/rc3.d', 'etc/init.d', 'etc/xinetd.d']) mkdirSync(join(path, directory), { recursive: true });
    writeFileSync(join(path, 'etc/init.d/ssh'), '');
    writeFileSync(join(path, 'etc/init.d/cron'), '');
    symlinkSync('../init.d/ssh', join(path, 'etc/rc2.d/S01ssh'));
    symlinkSync('../init.d/ssh', join(path, 'etc/rc3.d/K01ssh'));
    writeFileSync(join(path, 'etc/xinetd.conf'), 'defaults\n{\n  only_from = 192.168.0.0/16\n  disabled = tftp\n}\nincludedir /etc/xinetd.d\n');
    writeFileSync(
      join(path, 'etc/xinetd.d/telnet'),
      'service telnet\n{\n  disable = no\n  socket_type = stream\n  wait = no\n  user = root\n  server = /usr/sbin/in.telnetd\n  flags = REUSE IPv4\n  flags += NAMEINARGS\n  only_from = 10.0.0.0/8 127.0.0.1\n}\n',
    );
    writeFileSync(join(path, 'etc/xinetd.d/tftp'), 'service tftp\n{\n  socket_type = dgram\n  protocol = udp\n  wait = yes\n}\n');
    writeFileSync(join(path, 'etc/xinetd.d/skipped.rpmsave'), 'service skipped\n{\n}\n');
    writeFileSync(join(path, 'etc/services'), 'telnet\t\t23/tcp\ntftp\t\t69/udp\n');
    // Includes its own directory again: each file must still be read once.
    writeFileSync(join(path, 'etc/xinetd.d/loop'), 'includedir /etc/xinetd.d\nincludefile /etc/xinetd.conf\n');
  });
});

afterAll(() => root.remove());

describe('runlevel probe', () => {
  it('reads start and kill links', async () => {
    const result = await run(
      runlevelProbe,
      root.target,
      request('runlevel_object', 'unix', [{ name: 'service_name', value: 'ssh' }, { name: 'runlevel', value: '.*', operation: 'pattern match' }]),
    );
    const rows = result.items.map((item) => [value(item, 'runlevel'), value(item, 'start'), value(item, 'kill')]);
    expect(rows).toEqual([
      ['2', 'true', 'false'],
      ['3', 'false', 'true'],
    ]);
  });

  it('lists scripts without links', async () => {
    const result = await run(
      runlevelProbe,
      root.target,
      request('runlevel_object', 'unix', [{ name: 'service_name', value: 'cron' }, { name: 'runlevel', value: '2' }]),
    );
    expect(result.items).toHaveLength(1);
    expect(value(result.items[0], 'start')).toBe('false');
  });
});

describe('xinetd probe', () => {
  const everyService = [
    { name: 'protocol', value: '.*', operation: 'pattern match' as const },
    { name: 'service_name', value: '.*', operation: 'pattern match' as const },
  ];

  it('reads services from the included directory', async () => {
    const result = await run(xinetdProbe, root.target, request('xinetd_object', 'unix', everyService));
    expect(result.items.map((item) => value(item, 'service_name'))).toEqual(['telnet', 'tftp']);
  });

  it('merges flags and looks up the port', async () => {
    const result = await run(xinetdProbe, root.target, request('xinetd_object', 'unix', everyService));
    const telnet = result.items[0];
    expect(value(telnet, 'protocol')).toBe('tcp');
    expect(value(telnet, 'port')).toBe('23');
    expect(values(telnet, 'flags')).toEqual(['REUSE', 'IPv4', 'NAMEINARGS']);
    expect(values(telnet, 'only_from')).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(value(telnet, 'wait')).toBe('false');
    expect(value(telnet, 'disabled')).toBe('false');
  });

  it('applies the defaults section', async () => {
    const result = await run(xinetdProbe, root.target, request('xinetd_object', 'unix', everyService));
    const tftp = result.items[1];
    expect(values(tftp, 'only_from')).toEqual(['192.168.0.0/16']);
    expect(value(tftp, 'disabled')).toBe('true');
    expect(value(tftp, 'port')).toBe('69');
  });

  it('filters on protocol', async () => {
    const result = await run(
      xinetdProbe,
      root.target,
      request('xinetd_object', 'unix', [{ name: 'protocol', value: 'udp' }, { name: 'service_name', value: '.*', operation: 'pattern match' }]),
    );
    expect(result.items.map((item) => value(item, 'service_name'))).toEqual(['tftp']);
  });
});
