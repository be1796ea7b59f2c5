import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { environmentvariableProbe } from '../../../lib/probes/independent/environmentvariable.js';
import { environmentvariable58Probe, parseEnviron } from '../../../lib/probes/independent/environmentvariable58.js';
import { familyProbe } from '../../../lib/probes/independent/family.js';
import { variableProbe } from '../../../lib/probes/independent/variable.js';
import type { Target, TargetFacts } from '../../../lib/targets/target.js';
import { openHostTarget } from '../../../lib/targets/host.js';
import { context, makeTempRoot, request, run, value, values, type TempRoot } from '../helpers.js';

let root: TempRoot;
let host: Target;

/** Wraps a directory target so it reports an environment, as an image target does from its config. */
function withEnvironment(target: Target, environment: Record<string, string>): Target {
  return {
    kind: 'image',
    source: target.source,
    fs: target.fs,
    live: false,
    close: () => target.close(),
    facts: async (): Promise<TargetFacts> => ({ ...(await target.facts()), environment }),
  };
}

beforeAll(async () => {
  root = await makeTempRoot(() => {});
  host = await openHostTarget();
});

afterAll(() => root.remove());

describe('environmentvariable58 probe', () => {
  it('reads an image environment with this pid', async () => {
    const image = withEnvironment(root.target, { PATH: '/usr/bin', LANG: 'C.UTF-8' });
    const result = await run(
      environmentvariable58Probe,
      image,
      request('environmentvariable58_object', 'independent', [{ name: 'pid', nil: true }, { name: 'name', value: '.*', operation: 'pattern match' }]),
    );
    expect(result.items.map((item) => value(item, 'name'))).toEqual(['LANG', 'PATH']);
    expect(values(result.items[1], 'pid')).toEqual([String(process.pid)]);
    expect(value(result.items[1], 'value')).toBe('/usr/bin');
  });

  it('is not collected on a plain directory', async () => {
    const result = await run(
      environmentvariable58Probe,
      root.target,
      request('environmentvariable58_object', 'independent', [{ name: 'pid', nil: true }, { name: 'name', value: 'PATH' }]),
    );
    expect(result.flag).toBe('not collected');
    expect(result.items).toHaveLength(0);
  });

  it('reads this process on the host', async () => {
    const result = await run(
      environmentvariable58Probe,
      host,
      request('environmentvariable58_object', 'independent', [{ name: 'pid', nil: true }, { name: 'name', value: 'PATH' }]),
    );
    expect(value(result.items[0], 'pid')).toBe(String(process.pid));
    expect(value(result.items[0], 'value')).toBe(process.env.PATH);
  });

  it('reads another process from /proc', async () => {
    const result = await run(
      environmentvariable58Probe,
      host,
      request('environmentvariable58_object', 'independent', [{ name: 'pid', value: String(process.pid), datatype: 'int' }, { name: 'name', value: 'PATH' }]),
    );
    expect(value(result.items[0], 'value')).toBe(process.env.PATH);
  });

  it('parses NUL-separated pairs', () => {
    expect(parseEnviron('A=1\0B=x=y\0\0')).toEqual({ A: '1', B: 'x=y' });
  });
});

describe('environmentvariable probe', () => {
  it('reads the image environment', async () => {
    const image = withEnvironment(root.target, { HOME: '/root' });
    const result = await run(environmentvariableProbe, image, request('environmentvariable_object', 'independent', [{ name: 'name', value: 'HOME' }]));
    expect(result.items.map((item) => item.entities.map((entity) => entity.value))).toEqual([['HOME', '/root']]);
  });
});

describe('family probe', () => {
  it('reports unix', async () => {
    const result = await run(familyProbe, root.target, request('family_object', 'independent', []));
    expect(value(result.items[0], 'family')).toBe('unix');
  });
});

describe('variable probe', () => {
  it('reports the values the collector supplies', async () => {
    const probeContext = { ...context(root.target), variableValues: (id: string) => (id === 'oval:x:var:1' ? ['a', 'b'] : undefined) };
    const result = await variableProbe.collect(request('variable_object', 'independent', [{ name: 'var_ref', value: 'oval:x:var:1' }]), probeContext);
    expect(values(result.items[0], 'value')).toEqual(['a', 'b']);
    expect(value(result.items[0], 'var_ref')).toBe('oval:x:var:1');
  });

  it('writes var_ref alone for no values', async () => {
    const probeContext = { ...context(root.target), variableValues: () => [] };
    const result = await variableProbe.collect(request('variable_object', 'independent', [{ name: 'var_ref', value: 'oval:x:var:2' }]), probeContext);
    expect(result.items).toHaveLength(1);
    expect(result.items[0].entities).toEqual([{ name: 'var_ref', value: 'oval:x:var:2', datatype: 'string' }]);
  });

  it('gives no item for a variable that does not exist', async () => {
    const probeContext = { ...context(root.target), variableValues: () => undefined };
    const result = await variableProbe.collect(request('variable_object', 'independent', [{ name: 'var_ref', value: 'oval:x:var:3' }]), probeContext);
    expect(result.items).toHaveLength(0);
    expect(result.messages).toEqual([{ level: 'warning', text: 'Referenced variable has no values (oval:x:var:3).' }]);
  });

  it('is not collected without values', async () => {
    const result = await run(variableProbe, root.target, request('variable_object', 'independent', [{ name: 'var_ref', value: 'oval:x:var:1' }]));
    expect(result.flag).toBe('not collected');
  });
});
