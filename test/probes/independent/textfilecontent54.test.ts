import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { textfilecontent54Probe } from '../../../lib/probes/independent/textfilecontent54.js';
import { entityNames, makeTempRoot, request, run, value, values, type TempRoot } from '../helpers.js';

let root: TempRoot;

beforeAll(async () => {
  root = await makeTempRoot((path) => {
    mkdirSync(join(path, 'etc/conf.d'), { recursive: true });
    mkdirSync(join(path, 'etc/lnk'), { recursive: true });
    writeFileSync(join(path, 'etc/ssh.conf'), 'PermitRootLogin no\n#PermitRootLogin yes\nMaxAuthTries 4\n');
    writeFileSync(join(path, 'etc/conf.d/x.conf'), 'a=1\nb=2\n');
    writeFileSync(join(path, 'etc/conf.d/y.conf'), 'c=3\n');
    writeFileSync(join(path, 'etc/latin1.txt'), Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3d, 0xe9, 0x0a]));
    symlinkSync('../conf.d', join(path, 'etc/lnk/back'));
    symlinkSync('/etc', join(path, 'etc/lnk/loop'));
  });
});

afterAll(() => root.remove());

const instanceAtLeastOne = { name: 'instance', value: '1', datatype: 'int' as const, operation: 'greater than or equal' as const };

describe('textfilecontent54 probe', () => {
  // Expected items were collected with oscap-chroot 1.3.7 on the same tree.
  it('collects a match with its subexpressions', async () => {
    const result = await run(
      textfilecontent54Probe,
      root.target,
      request('textfilecontent54_object', 'independent', [
        { name: 'filepath', value: '/etc/ssh.conf' },
        { name: 'pattern', value: '^(\\w+)Root(\\w+) (\\w+)$', operation: 'pattern match' },
        instanceAtLeastOne,
      ]),
    );
    expect(result.items).toHaveLength(1);
    const item = result.items[0];
    expect(item.type).toBe('textfilecontent_item');
    expect(entityNames(item)).toEqual([
      'filepath', 'path', 'filename', 'pattern', 'instance', 'line', 'text',
      'subexpression', 'subexpression', 'subexpression',
    ]);
    expect(value(item, 'path')).toBe('/etc');
    expect(value(item, 'filename')).toBe('ssh.conf');
    expect(value(item, 'text')).toBe('PermitRootLogin no');
    expect(values(item, 'subexpression')).toEqual(['Permit', 'Login', 'no']);
  });

  it('makes no item for a link to a directory', async () => {
    // oscap 1.3.7 reports the object of upstream test_symlinks.sh (filename sl3, a link to its
    // own folder) as "does not exist".
    const result = await run(
      textfilecontent54Probe,
      root.target,
      request('textfilecontent54_object', 'independent', [
        { name: 'path', value: '/etc/lnk' },
        { name: 'filename', value: 'back' },
        { name: 'pattern', value: '.*', operation: 'pattern match' },
        instanceAtLeastOne,
      ]),
    );
    expect(result.items).toEqual([]);
  });

  it('recurses down through a directory link', async () => {
    const result = await run(
      textfilecontent54Probe,
      root.target,
      request(
        'textfilecontent54_object',
        'independent',
        [
          { name: 'path', value: '/etc' },
          { name: 'filename', value: '\\.conf$', operation: 'pattern match' },
          { name: 'pattern', value: '^\\w=(\\d)', operation: 'pattern match' },
          { name: 'instance', value: '1', datatype: 'int' },
        ],
        { recurse_direction: 'down', max_depth: '2' },
      ),
    );
    const found = result.items.map((item) => `${value(item, 'filepath')}:${value(item, 'text')}`).sort();
    expect(found).toEqual([
      '/etc/conf.d/x.conf:a=1',
      '/etc/conf.d/y.conf:c=3',
      '/etc/lnk/back/x.conf:a=1',
      '/etc/lnk/back/y.conf:c=3',
    ]);
  });

  it('numbers every match as an instance', async () => {
    const result = await run(
      textfilecontent54Probe,
      root.target,
      request('textfilecontent54_object', 'independent', [
        { name: 'filepath', value: '/etc/conf.d/x.conf' },
        { name: 'pattern', value: '^(\\w)=', operation: 'pattern match' },
        instanceAtLeastOne,
      ]),
    );
    expect(result.items.map((item) => value(item, 'instance'))).toEqual(['1', '2']);
    expect(result.items.map((item) => value(item, 'subexpression'))).toEqual(['a', 'b']);
  });

  // oscap 1.3.7 writes two subexpressions here, leaving out the group that did not match.
  it('omits groups that did not match', async () => {
    const result = await run(
      textfilecontent54Probe,
      root.target,
      request('textfilecontent54_object', 'independent', [
        { name: 'filepath', value: '/etc/ssh.conf' },
        { name: 'pattern', value: '^(Max)(Foo)?(\\w+)', operation: 'pattern match' },
        instanceAtLeastOne,
      ]),
    );
    expect(values(result.items[0], 'subexpression')).toEqual(['Max', 'AuthTries']);
  });

  it('multiline off anchors at the file start', async () => {
    const objectEntities = [
      { name: 'filepath', value: '/etc/conf.d/x.conf' },
      { name: 'pattern', value: '^b=', operation: 'pattern match' as const },
      instanceAtLeastOne,
    ];
    const multiline = await run(textfilecontent54Probe, root.target, request('textfilecontent54_object', 'independent', objectEntities));
    expect(multiline.items).toHaveLength(1);
    const single = await run(textfilecontent54Probe, root.target, request('textfilecontent54_object', 'independent', objectEntities, { multiline: 'false' }));
    expect(single.items).toHaveLength(0);
  });

  it('ignore_case and singleline behaviors', async () => {
    const result = await run(
      textfilecontent54Probe,
      root.target,
      request(
        'textfilecontent54_object',
        'independent',
        [
          { name: 'filepath', value: '/etc/conf.d/x.conf' },
          { name: 'pattern', value: 'A=1.B', operation: 'pattern match' },
          instanceAtLeastOne,
        ],
        { ignore_case: 'true', singleline: 'true' },
      ),
    );
    expect(result.items.map((item) => value(item, 'text'))).toEqual(['a=1\nb']);
  });

  it('reads a Latin-1 file byte for byte', async () => {
    const result = await run(
      textfilecontent54Probe,
      root.target,
      request('textfilecontent54_object', 'independent', [
        { name: 'filepath', value: '/etc/latin1.txt' },
        { name: 'pattern', value: 'name=(.)', operation: 'pattern match' },
        instanceAtLeastOne,
      ]),
    );
    expect(value(result.items[0], 'subexpression')).toBe('\u00e9');
  });

  it('flags an invalid pattern as error', async () => {
    const result = await run(
      textfilecontent54Probe,
      root.target,
      request('textfilecontent54_object', 'independent', [
        { name: 'filepath', value: '/etc/ssh.conf' },
        { name: 'pattern', value: 'Permit(Root', operation: 'pattern match' },
        instanceAtLeastOne,
      ]),
    );
    expect(result.flag).toBe('error');
    expect(result.items).toHaveLength(0);
    expect(result.messages?.[0].text).toContain('Permit(Root');
  });

  it('flags nested groups on a long line as error', async () => {
    const longLine = await makeTempRoot((path) => writeFileSync(join(path, 'long.txt'), 'a'.repeat(100_000)));
    try {
      const pattern = '('.repeat(300) + 'a' + ')'.repeat(300);
      const started = Date.now();
      const result = await run(
        textfilecontent54Probe,
        longLine.target,
        request('textfilecontent54_object', 'independent', [
          { name: 'filepath', value: '/long.txt' },
          { name: 'pattern', value: pattern, operation: 'pattern match' },
          instanceAtLeastOne,
        ]),
      );
      expect(result.flag).toBe('error');
      expect(result.items).toHaveLength(0);
      expect(result.messages?.[0].text).toMatch(/timed out after 2000 ms and \d+ matches on a subject of 100000 characters|matches more than 6644 times/);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      longLine.remove();
    }
  });

  it('collects 200,000 matches in one file', async () => {
    const manyLines = await makeTempRoot((path) => writeFileSync(join(path, 'many.txt'), 'x\n'.repeat(200_000)));
    try {
      const result = await run(
        textfilecontent54Probe,
        manyLines.target,
        request('textfilecontent54_object', 'independent', [
          { name: 'filepath', value: '/many.txt' },
          { name: 'pattern', value: '^x$', operation: 'pattern match' },
          instanceAtLeastOne,
        ]),
      );
      expect(result.flag ?? 'complete').toBe('complete');
      expect(result.items).toHaveLength(200_000);
      expect(value(result.items[199_999], 'instance')).toBe('200000');
    } finally {
      manyLines.remove();
    }
  });

  it('finds files by a filepath pattern', async () => {
    const result = await run(
      textfilecontent54Probe,
      root.target,
      request('textfilecontent54_object', 'independent', [
        { name: 'filepath', value: '^/etc/conf\\.d/.*\\.conf$', operation: 'pattern match' },
        { name: 'pattern', value: '=(\\d)', operation: 'pattern match' },
        { name: 'instance', value: '1', datatype: 'int' },
      ]),
    );
    expect(result.items.map((item) => value(item, 'filepath'))).toEqual(['/etc/conf.d/x.conf', '/etc/conf.d/y.conf']);
  });

  it('returns no items for a missing file', async () => {
    const result = await run(
      textfilecontent54Probe,
      root.target,
      request('textfilecontent54_object', 'independent', [
        { name: 'filepath', value: '/etc/missing' },
        { name: 'pattern', value: '.', operation: 'pattern match' },
        instanceAtLeastOne,
      ]),
    );
    expect(result.items).toHaveLength(0);
    expect(result.flag).toBeUndefined();
  });
});
