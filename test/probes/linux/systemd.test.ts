import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { systemdUnitDependencyProbe, listDependencies } from '../../../lib/probes/linux/systemdunitdependency.js';
import { systemdUnitPropertyProbe } from '../../../lib/probes/linux/systemdunitproperty.js';
import { loadSystemdUnits } from '../../../lib/probes/linux/systemd-units.js';
import type { ProbeItem } from '../../../lib/oval/syschar.js';
import { makeTempRoot, request, run, value, values, type TempRoot } from '../helpers.js';

const VENDOR = '/usr/lib/systemd/system';
const ADMIN = '/etc/systemd/system';

function writeFile(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

function link(root: string, path: string, target: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  symlinkSync(target, join(root, path));
}

/**
 * Writes a small Fedora-like unit tree. default.target links to multi-user.target, which
 * requires basic.target and wants sshd (enabled by the administrator), cups (masked by the
 * administrator), getty.target and its getty@tty1 instance.
 */
function fillUnitTree(root: string): void {
  link(root, `${VENDOR}/default.target`, 'multi-user.target');
  writeFile(root, `${VENDOR}/multi-user.target`, '[Unit]\nDescription=Multi-User System\nRequires=basic.target\nAllowIsolate=yes\n');
  writeFile(root, `${VENDOR}/basic.target`, '[Unit]\nDescription=Basic System\nRequires=sysinit.target\nWants=sockets.target\n');
  writeFile(root, `${VENDOR}/sysinit.target`, '[Unit]\nDescription=System Initialization\nDefaultDependencies=no\n');
  writeFile(root, `${VENDOR}/sockets.target`, '[Unit]\nDescription=Sockets\n');
  writeFile(root, `${VENDOR}/shutdown.target`, '[Unit]\nDescription=System Shutdown\nDefaultDependencies=no\n');
  writeFile(root, `${VENDOR}/getty.target`, '[Unit]\nDescription=Login Prompts\n');
  writeFile(root, `${VENDOR}/system.slice`, '[Unit]\nDescription=System Slice\nDefaultDependencies=no\n');
  writeFile(root, `${VENDOR}/-.slice`, '[Unit]\nDescription=Root Slice\nDefaultDependencies=no\n');
  writeFile(
    root,
    `${VENDOR}/sshd.service`,
    [
      '[Unit]',
      'Description=OpenSSH server daemon',
      '# the order is split over two lines',
      'After=network.target \\',
      '# a comment inside a continuation is dropped',
      '      sshd-keygen.target',
      'Documentation=man:sshd(8)',
      '[Service]',
      'ExecStart=/usr/sbin/sshd -D $OPTIONS',
      'ExecReload=/bin/kill -HUP $MAINPID',
      '[Install]',
      'WantedBy=multi-user.target',
      'Alias=openssh.service',
      '',
    ].join('\n'),
  );
  writeFile(root, `${VENDOR}/cups.service`, '[Unit]\nDescription=CUPS Scheduler\n[Install]\nWantedBy=multi-user.target\n');
  writeFile(root, `${VENDOR}/auditd.service`, '[Unit]\nDescription=Security Auditing Service\n[Install]\nWantedBy=multi-user.target\n');
  writeFile(root, `${VENDOR}/getty@.service`, '[Unit]\nDescription=Getty on %I\n[Install]\nWantedBy=getty.target\n');
  writeFile(root, `${VENDOR}/systemd-journald.service`, '[Unit]\nDescription=Journal Service\nDefaultDependencies=no\n[Service]\nStandardOutput=null\nStandardError=inherit\n');

  link(root, `${VENDOR}/multi-user.target.wants/getty.target`, '../getty.target');
  link(root, `${VENDOR}/multi-user.target.wants/cups.service`, '../cups.service');
  link(root, `${VENDOR}/sockets.target.wants/systemd-journald.service`, '../systemd-journald.service');
  link(root, `${ADMIN}/multi-user.target.wants/sshd.service`, `${VENDOR}/sshd.service`);
  link(root, `${ADMIN}/getty.target.wants/getty@tty1.service`, `${VENDOR}/getty@.service`);
  link(root, `${ADMIN}/openssh.service`, `${VENDOR}/sshd.service`);
  link(root, `${ADMIN}/cups.service`, '/dev/null');

  writeFile(root, `${ADMIN}/sshd.service.d/10-description.conf`, '[Unit]\nDescription=Hardened OpenSSH server\n[Install]\nAlias=ignored.service\n');
  writeFile(root, `${VENDOR}/sshd.service.d/05-vendor.conf`, '[Unit]\nWants=sshd-keygen.target\n');
  link(root, `${ADMIN}/sshd.service.d/20-masked.conf`, '/dev/null');
  writeFile(root, `${VENDOR}/sshd.service.d/20-masked.conf`, '[Unit]\nDescription=never applied\n');

  writeFile(root, '/usr/lib/systemd/system-preset/90-default.preset', 'enable sshd.service\nenable getty@.service\ndisable *\n');
}

function propertyItems(items: ProbeItem[], unit: string, property: string): ProbeItem[] {
  return items.filter((item) => value(item, 'unit') === unit && value(item, 'property') === property);
}

describe('systemd unit model', () => {
  let root: TempRoot;

  beforeAll(async () => {
    root = await makeTempRoot(fillUnitTree);
  });
  afterAll(() => root.remove());

  it('loads the units reachable from default.target', async () => {
    const model = await loadSystemdUnits(root.target.fs);
    const ids = model.sortedUnits().map((unit) => unit.id);
    expect(ids).toContain('multi-user.target');
    expect(ids).toContain('sshd.service');
    expect(ids).toContain('getty@tty1.service');
    expect(ids).toContain('network.target');
    expect(ids).toContain('systemd-journald.service');
    expect(ids).not.toContain('auditd.service');
    expect(ids).not.toContain('default.target');
    expect(ids).not.toContain('openssh.service');
  });

  it('loads nothing where unit files come without systemd', async () => {
    const slim = await makeTempRoot((path) => {
      writeFile(path, `${VENDOR}/fstrim.service`, '[Unit]\nDescription=Discard unused blocks\n');
      link(path, `${ADMIN}/timers.target.wants/fstrim.timer`, '/lib/systemd/system/fstrim.timer');
    });
    try {
      const model = await loadSystemdUnits(slim.target.fs);
      expect(model.hasSystemd).toBe(false);
      expect(model.units.size).toBe(0);
    } finally {
      slim.remove();
    }
  });

  it('reports a target without systemd as having no units', async () => {
    const empty = await makeTempRoot((path) => writeFile(path, '/etc/os-release', 'ID=alpine\n'));
    try {
      const model = await loadSystemdUnits(empty.target.fs);
      expect(model.hasSystemd).toBe(false);
      expect(model.units.size).toBe(0);
    } finally {
      empty.remove();
    }
  });
});

describe('systemdunitproperty probe', () => {
  let root: TempRoot;
  let all: ProbeItem[];

  beforeAll(async () => {
    root = await makeTempRoot(fillUnitTree);
    const result = await run(systemdUnitPropertyProbe, root.target, request('systemdunitproperty_object', 'linux', [{ name: 'unit', value: 'sshd.service' }, { name: 'property', value: 'Id', operation: 'not equal' }]));
    all = result.items;
  });
  afterAll(() => root.remove());

  it('reads the description from the last drop-in', () => {
    expect(values(propertyItems(all, 'sshd.service', 'Description')[0] as ProbeItem, 'value')).toEqual(['Hardened OpenSSH server']);
  });

  it('lists drop-ins in name order, masked ones left out', () => {
    expect(values(propertyItems(all, 'sshd.service', 'DropInPaths')[0] as ProbeItem, 'value')).toEqual([
      `${VENDOR}/sshd.service.d/05-vendor.conf`,
      `${ADMIN}/sshd.service.d/10-description.conf`,
    ]);
  });

  it('reports the unit as loaded, enabled and not running', () => {
    const single = (property: string) => values(propertyItems(all, 'sshd.service', property)[0] as ProbeItem, 'value');
    expect(single('LoadState')).toEqual(['loaded']);
    expect(single('UnitFileState')).toEqual(['enabled']);
    expect(single('UnitFilePreset')).toEqual(['enabled']);
    expect(single('ActiveState')).toEqual(['inactive']);
    expect(single('SubState')).toEqual(['dead']);
    expect(single('FragmentPath')).toEqual([`${VENDOR}/sshd.service`]);
    expect(single('CanReload')).toEqual(['true']);
    expect(single('Names')).toEqual(['sshd.service', 'openssh.service']);
    expect(single('Documentation')).toEqual(['man:sshd(8)']);
  });

  it('adds the default dependencies of a service', () => {
    const requires = values(propertyItems(all, 'sshd.service', 'Requires')[0] as ProbeItem, 'value');
    expect(requires).toEqual(['sysinit.target', 'system.slice']);
    const after = values(propertyItems(all, 'sshd.service', 'After')[0] as ProbeItem, 'value');
    expect(after).toEqual(['basic.target', 'network.target', 'sshd-keygen.target', 'sysinit.target', 'system.slice', 'systemd-journald.socket']);
    const conflicts = values(propertyItems(all, 'sshd.service', 'Conflicts')[0] as ProbeItem, 'value');
    expect(conflicts).toEqual(['shutdown.target']);
  });

  it('fills inverse dependencies from other units', () => {
    expect(values(propertyItems(all, 'sshd.service', 'WantedBy')[0] as ProbeItem, 'value')).toEqual(['multi-user.target']);
    expect(values(propertyItems(all, 'sshd.service', 'Before')[0] as ProbeItem, 'value')).toEqual(['multi-user.target', 'shutdown.target']);
  });

  it('gives no item for an empty array property', () => {
    expect(propertyItems(all, 'sshd.service', 'RequiredBy')).toEqual([]);
    expect(propertyItems(all, 'sshd.service', 'Wants')).toHaveLength(1);
  });

  it('ignores [Install] in drop-ins', async () => {
    const model = await loadSystemdUnits(root.target.fs);
    expect(model.find('sshd.service')?.install.alias).toEqual(['openssh.service']);
  });

  it('reports a masked unit', async () => {
    const result = await run(systemdUnitPropertyProbe, root.target, request('systemdunitproperty_object', 'linux', [{ name: 'unit', value: 'cups.service' }, { name: 'property', values: ['LoadState', 'UnitFileState', 'FragmentPath', 'Description'], varCheck: 'at least one' }]));
    const byProperty = Object.fromEntries(result.items.map((item) => [value(item, 'property'), value(item, 'value')]));
    expect(byProperty).toEqual({ LoadState: 'masked', UnitFileState: 'masked', FragmentPath: '/dev/null', Description: 'cups.service' });
  });

  it('reports a referenced unit without a file as not-found', async () => {
    const result = await run(systemdUnitPropertyProbe, root.target, request('systemdunitproperty_object', 'linux', [{ name: 'unit', value: 'network.target' }, { name: 'property', values: ['LoadState', 'UnitFileState', 'FragmentPath', 'CanStart'], varCheck: 'at least one' }]));
    const byProperty = Object.fromEntries(result.items.map((item) => [value(item, 'property'), value(item, 'value')]));
    expect(byProperty).toEqual({ LoadState: 'not-found', UnitFileState: '', FragmentPath: '', CanStart: 'false' });
  });

  it('expands the instance specifier of a template', async () => {
    const result = await run(systemdUnitPropertyProbe, root.target, request('systemdunitproperty_object', 'linux', [{ name: 'unit', value: 'getty@tty1.service' }, { name: 'property', values: ['Description', 'UnitFileState', 'Requires'], varCheck: 'at least one' }]));
    const byProperty = Object.fromEntries(result.items.map((item) => [value(item, 'property'), values(item, 'value')]));
    expect(byProperty).toEqual({ Description: ['Getty on tty1'], UnitFileState: ['enabled'], Requires: ['sysinit.target', 'system-getty.slice'] });
  });

  it('orders a silent service only after its defaults', async () => {
    const result = await run(systemdUnitPropertyProbe, root.target, request('systemdunitproperty_object', 'linux', [{ name: 'unit', value: 'systemd-journald.service' }, { name: 'property', value: 'After' }]));
    expect(values(result.items[0] as ProbeItem, 'value')).toEqual(['system.slice']);
  });

  it('describes a slice without a unit file', async () => {
    const result = await run(systemdUnitPropertyProbe, root.target, request('systemdunitproperty_object', 'linux', [{ name: 'unit', value: 'system-getty.slice' }, { name: 'property', values: ['Description', 'LoadState', 'Requires'], varCheck: 'at least one' }]));
    const byProperty = Object.fromEntries(result.items.map((item) => [value(item, 'property'), values(item, 'value')]));
    expect(byProperty).toEqual({ Description: ['Slice /system/getty'], LoadState: ['loaded'], Requires: ['system.slice'] });
  });

  it('reports disabled and static units', async () => {
    const result = await run(systemdUnitPropertyProbe, root.target, request('systemdunitproperty_object', 'linux', [{ name: 'unit', values: ['systemd-journald.service', 'multi-user.target'], varCheck: 'at least one' }, { name: 'property', value: 'UnitFileState' }]));
    const byUnit = Object.fromEntries(result.items.map((item) => [value(item, 'unit'), value(item, 'value')]));
    expect(byUnit).toEqual({ 'multi-user.target': 'static', 'systemd-journald.service': 'static' });
  });

  it('gives no item for a unit systemd would not load', async () => {
    const result = await run(systemdUnitPropertyProbe, root.target, request('systemdunitproperty_object', 'linux', [{ name: 'unit', value: 'auditd.service' }, { name: 'property', value: 'LoadState' }]));
    expect(result.items).toEqual([]);
    expect(result.flag).toBeUndefined();
  });

  it('gives no item for an unknown property', async () => {
    const result = await run(systemdUnitPropertyProbe, root.target, request('systemdunitproperty_object', 'linux', [{ name: 'unit', value: 'sshd.service' }, { name: 'property', value: 'OscapTestingProperty' }]));
    expect(result.items).toEqual([]);
  });

  it('does not report service properties such as ExecStart', async () => {
    const result = await run(systemdUnitPropertyProbe, root.target, request('systemdunitproperty_object', 'linux', [{ name: 'unit', value: 'sshd.service' }, { name: 'property', value: 'ExecStart' }]));
    expect(result.items).toEqual([]);
  });

  it('selects units by pattern', async () => {
    const result = await run(systemdUnitPropertyProbe, root.target, request('systemdunitproperty_object', 'linux', [{ name: 'unit', value: '^(sshd|cups)\\.(service|socket)$', operation: 'pattern match' }, { name: 'property', value: 'LoadState' }]));
    expect(result.items.map((item) => `${value(item, 'unit')}=${value(item, 'value')}`)).toEqual(['cups.service=masked', 'sshd.service=loaded']);
  });

  it('reports an error flag for an invalid pattern', async () => {
    const result = await run(systemdUnitPropertyProbe, root.target, request('systemdunitproperty_object', 'linux', [{ name: 'unit', value: '(unclosed', operation: 'pattern match' }, { name: 'property', value: 'LoadState' }]));
    expect(result.flag).toBe('error');
    expect(result.items).toEqual([]);
  });

  it('says so when the target has no systemd', async () => {
    const empty = await makeTempRoot((path) => writeFile(path, '/etc/os-release', 'ID=alpine\n'));
    try {
      const result = await run(systemdUnitPropertyProbe, empty.target, request('systemdunitproperty_object', 'linux', [{ name: 'unit', value: 'sshd.service' }, { name: 'property', value: 'LoadState' }]));
      expect(result.items).toEqual([]);
      expect(result.flag).toBeUndefined();
      expect(result.messages?.[0]?.text).toMatch(/systemd is not installed/);
    } finally {
      empty.remove();
    }
  });
});

describe('systemdunitdependency probe', () => {
  let root: TempRoot;

  beforeAll(async () => {
    root = await makeTempRoot(fillUnitTree);
  });
  afterAll(() => root.remove());

  it('lists requirements then wants, recursing into targets', async () => {
    const result = await run(systemdUnitDependencyProbe, root.target, request('systemdunitdependency_object', 'linux', [{ name: 'unit', value: 'multi-user.target' }]));
    expect(result.items).toHaveLength(1);
    expect(values(result.items[0] as ProbeItem, 'dependency')).toEqual([
      'basic.target',
      'sysinit.target',
      'sockets.target',
      'systemd-journald.service',
      'cups.service',
      'getty.target',
      'getty@tty1.service',
      'sshd.service',
    ]);
  });

  it('gives a service an item without dependencies', async () => {
    const result = await run(systemdUnitDependencyProbe, root.target, request('systemdunitdependency_object', 'linux', [{ name: 'unit', value: 'sshd.service' }]));
    expect(result.items).toHaveLength(1);
    expect(values(result.items[0] as ProbeItem, 'dependency')).toEqual([]);
    expect(value(result.items[0] as ProbeItem, 'unit')).toBe('sshd.service');
  });

  it('ends a cycle of targets, listing the start unit once', async () => {
    const cycle = await makeTempRoot((path) => {
      link(path, `${VENDOR}/default.target`, 'a.target');
      writeFile(path, `${VENDOR}/a.target`, '[Unit]\nWants=b.target\n');
      writeFile(path, `${VENDOR}/b.target`, '[Unit]\nRequires=a.target\n');
    });
    try {
      const model = await loadSystemdUnits(cycle.target.fs);
      expect(listDependencies(model, 'a.target')).toEqual(['b.target', 'a.target']);
    } finally {
      cycle.remove();
    }
  });
});

describe('systemd unit model on hostile trees', () => {
  it('survives alias loops, oversized files and bad names', async () => {
    const hostile = await makeTempRoot((path) => {
      link(path, `${VENDOR}/default.target`, 'multi-user.target');
      writeFile(
        path,
        `${VENDOR}/multi-user.target`,
        '[Unit]\nWants=loop-a.service huge.service bad%Hname.service ../escape.service multi-user.target\nno equals sign here\n',
      );
      link(path, `${VENDOR}/loop-a.service`, 'loop-b.service');
      link(path, `${VENDOR}/loop-b.service`, 'loop-a.service');
      writeFile(path, `${VENDOR}/huge.service`, `[Unit]\nDescription=${'x'.repeat(1024 * 1024 + 10)}\n`);
    });
    try {
      const model = await loadSystemdUnits(hostile.target.fs);
      const target = model.find('multi-user.target');
      expect([...(target?.dependencies.get('Wants') ?? [])].sort()).toEqual(['huge.service', 'loop-a.service']);
      expect(target?.problems.map((problem) => problem.line)).toEqual([3, 2, 2]);
      expect(model.find('huge.service')?.loadState).toBe('error');
      expect(model.find('loop-a.service')?.loadState).toBe('not-found');
    } finally {
      hostile.remove();
    }
  });

  it('stops with a LIMIT error past the unit budget', async () => {
    const wide = await makeTempRoot((path) => {
      link(path, `${VENDOR}/default.target`, 'multi-user.target');
      const names = Array.from({ length: 50 }, (_, index) => `unit${index}.service`);
      writeFile(path, `${VENDOR}/multi-user.target`, `[Unit]\nWants=${names.join(' ')}\n`);
    });
    try {
      await expect(loadSystemdUnits(wide.target.fs, { maxUnits: 20 })).rejects.toMatchObject({ code: 'LIMIT' });
    } finally {
      wide.remove();
    }
  });
});

describe('systemd probes with a logger and a signal', () => {
  it('logs the unit count and file problems', async () => {
    const root = await makeTempRoot((path) => {
      link(path, `${VENDOR}/default.target`, 'multi-user.target');
      writeFile(path, `${VENDOR}/multi-user.target`, '[Unit]\nWants=missing.service\nthis line has no equals sign\n');
    });
    try {
      const lines: string[] = [];
      const logger = { debug: (line: string) => lines.push(line), info: () => {}, warn: () => {} };
      const objectRequest = request('systemdunitproperty_object', 'linux', [{ name: 'unit', value: 'missing.service' }, { name: 'property', value: 'LoadState' }]);
      const result = await systemdUnitPropertyProbe.collect(objectRequest, { target: root.target, cache: new Map(), logger });
      expect(result.items.map((item) => value(item, 'value'))).toEqual(['not-found']);
      expect(lines[0]).toBe('systemd units: loaded 3 units reachable from default.target, 2 of them without a unit file');
      expect(lines[1]).toBe(`systemd units: ${VENDOR}/multi-user.target:3: missing "=" in "this line has no equals sign", ignored`);
    } finally {
      root.remove();
    }
  });

  it('stops with INTERRUPTED when aborted', async () => {
    const root = await makeTempRoot(fillUnitTree);
    try {
      const controller = new AbortController();
      controller.abort();
      const objectRequest = request('systemdunitproperty_object', 'linux', [{ name: 'unit', value: 'sshd.service' }, { name: 'property', value: 'LoadState' }]);
      await expect(systemdUnitPropertyProbe.collect(objectRequest, { target: root.target, cache: new Map(), signal: controller.signal })).rejects.toMatchObject({ code: 'INTERRUPTED' });
    } finally {
      root.remove();
    }
  });
});

describe('systemd target ordering', () => {
  it('orders a target after what it wants unless ordered the other way', async () => {
    const root = await makeTempRoot((path) => {
      link(path, `${VENDOR}/default.target`, 'multi-user.target');
      writeFile(path, `${VENDOR}/multi-user.target`, '[Unit]\nWants=early.service late.service quiet.service\n');
      writeFile(path, `${VENDOR}/early.service`, '[Unit]\nDescription=early\n');
      writeFile(path, `${VENDOR}/late.service`, '[Unit]\nAfter=multi-user.target\n');
      writeFile(path, `${VENDOR}/quiet.service`, '[Unit]\nDefaultDependencies=no\n');
    });
    try {
      const model = await loadSystemdUnits(root.target.fs);
      const after = [...(model.find('multi-user.target')?.dependencies.get('After') ?? [])].sort();
      expect(after).toEqual(['early.service']);
      expect([...(model.find('late.service')?.dependencies.get('After') ?? [])]).toContain('multi-user.target');
    } finally {
      root.remove();
    }
  });
});

describe('systemd drop-ins', () => {
  it('applies type and prefix drop-ins to every matching unit', async () => {
    const root = await makeTempRoot((path) => {
      link(path, `${VENDOR}/default.target`, 'multi-user.target');
      writeFile(path, `${VENDOR}/multi-user.target`, '[Unit]\nWants=foo-bar.service foo-baz.service\n');
      writeFile(path, `${VENDOR}/foo-bar.service`, '[Unit]\nDescription=bar\n');
      writeFile(path, `${VENDOR}/foo-baz.service`, '[Unit]\nDescription=baz\n');
      writeFile(path, `${ADMIN}/service.d/50-all.conf`, '[Unit]\nDocumentation=https://example.org/all\n');
      writeFile(path, `${ADMIN}/foo-.service.d/60-foo.conf`, '[Unit]\nDocumentation=https://example.org/foo\n');
    });
    try {
      const model = await loadSystemdUnits(root.target.fs);
      for (const id of ['foo-bar.service', 'foo-baz.service']) {
        const unit = model.find(id);
        expect(unit?.dropInPaths).toEqual([`${ADMIN}/service.d/50-all.conf`, `${ADMIN}/foo-.service.d/60-foo.conf`]);
        expect(unit?.documentation).toEqual(['https://example.org/all', 'https://example.org/foo']);
      }
    } finally {
      root.remove();
    }
  });

  it('skips a drop-in that is a directory', async () => {
    const root = await makeTempRoot((path) => {
      link(path, `${VENDOR}/default.target`, 'multi-user.target');
      writeFile(path, `${VENDOR}/multi-user.target`, '[Unit]\nWants=plain.service\n');
      writeFile(path, `${VENDOR}/plain.service`, '[Unit]\nDescription=plain\n');
      mkdirSync(join(path, `${ADMIN}/plain.service.d/odd.conf`), { recursive: true });
    });
    try {
      const model = await loadSystemdUnits(root.target.fs);
      expect(model.find('plain.service')?.loadState).toBe('loaded');
      expect(model.find('plain.service')?.dropInPaths).toEqual([]);
    } finally {
      root.remove();
    }
  });

  it('fails a unit with more than 1000 drop-ins', async () => {
    const root = await makeTempRoot((path) => {
      link(path, `${VENDOR}/default.target`, 'multi-user.target');
      writeFile(path, `${VENDOR}/multi-user.target`, '[Unit]\nWants=crowded.service\n');
      writeFile(path, `${VENDOR}/crowded.service`, '[Unit]\nDescription=crowded\n');
      for (let index = 0; index <= 1000; index++) writeFile(path, `${ADMIN}/crowded.service.d/${index}.conf`, '[Unit]\n');
    });
    try {
      const model = await loadSystemdUnits(root.target.fs);
      expect(model.find('crowded.service')?.loadState).toBe('error');
      expect(model.find('crowded.service')?.problems[0]?.message).toBe('more than 1000 drop-in files apply to the unit');
    } finally {
      root.remove();
    }
  });
});
