import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fileextendedattributeProbe } from '../../../lib/probes/unix/fileextendedattribute.js';
import { setXattr, xattrUnavailableReason } from '../../host-xattrs.js';
import { makeTempRoot, request, run, value, type TempRoot } from '../helpers.js';

const userReason = xattrUnavailableReason('user.scapula');
const labelReason = xattrUnavailableReason('security.selinux');
if (userReason !== null) console.warn(`fileextendedattribute directory root tests skipped: ${userReason}`);

let root: TempRoot;

beforeAll(async () => {
  if (userReason !== null) return;
  root = await makeTempRoot((path) => {
    const folder = join(path, 'tmp/t');
    mkdirSync(join(folder, 'dir'), { recursive: true });
    for (const name of ['a', 'bin', 'latin', 'trail', 'none']) writeFileSync(join(folder, name), '');
    symlinkSync('a', join(folder, 'link'));
    setXattr(join(folder, 'a'), 'user.alpha', 'one');
    setXattr(join(folder, 'a'), 'user.beta', '');
    setXattr(join(folder, 'bin'), 'user.bin', new Uint8Array([0x66, 0, 0x67]));
    setXattr(join(folder, 'latin'), 'user.latin', new Uint8Array([0x63, 0x61, 0x66, 0xe9]));
    setXattr(join(folder, 'trail'), 'user.trail', 'text\0');
    setXattr(join(folder, 'dir'), 'user.d', 'x');
    if (labelReason === null) setXattr(join(folder, 'link'), 'security.selinux', 'system_u:object_r:etc_t:s0\0');
  });
});

afterAll(() => root?.remove());

function everyAttributeRequest() {
  return request(
    'fileextendedattribute_object',
    'unix',
    [
      { name: 'path', value: '/tmp/t' },
      { name: 'filename', value: '.*', operation: 'pattern match' },
      { name: 'attribute_name', value: '.*', operation: 'pattern match' },
    ],
    { recurse_direction: 'down', max_depth: '-1', recurse: 'directories' },
  );
}

describe.skipIf(userReason !== null)('fileextendedattribute probe on a directory root', () => {
  // oscap-chroot 1.3.7 gave these items for the same object on a copy of the same tree: it
  // cuts a value at its first NUL, decodes Latin-1 bytes and reads a link's own attributes.
  it('items equal oscap-chroot items', async () => {
    const result = await run(fileextendedattributeProbe, root.target, everyAttributeRequest());
    const rows = result.items.map((item) => [value(item, 'filepath'), value(item, 'path'), value(item, 'filename'), value(item, 'attribute_name'), value(item, 'value')]);
    const expected = [
      ['/tmp/t/a', '/tmp/t', 'a', 'user.alpha', 'one'],
      ['/tmp/t/a', '/tmp/t', 'a', 'user.beta', ''],
      ['/tmp/t/bin', '/tmp/t', 'bin', 'user.bin', 'f'],
      ['/tmp/t/latin', '/tmp/t', 'latin', 'user.latin', 'café'],
      ['/tmp/t/trail', '/tmp/t', 'trail', 'user.trail', 'text'],
    ];
    if (labelReason === null) expected.push(['/tmp/t/link', '/tmp/t', 'link', 'security.selinux', 'system_u:object_r:etc_t:s0']);
    expect(result.flag).toBeUndefined();
    expect(rows.sort()).toEqual(expected.sort());
  });

  it('filters by attribute name', async () => {
    const result = await run(
      fileextendedattributeProbe,
      root.target,
      request('fileextendedattribute_object', 'unix', [
        { name: 'filepath', value: '/tmp/t/a' },
        { name: 'attribute_name', value: 'user.beta' },
      ]),
    );
    expect(result.items.map((item) => value(item, 'attribute_name'))).toEqual(['user.beta']);
  });

  it('gives no item for a file without attributes', async () => {
    const result = await run(
      fileextendedattributeProbe,
      root.target,
      request('fileextendedattribute_object', 'unix', [
        { name: 'filepath', value: '/tmp/t/none' },
        { name: 'attribute_name', value: '.*', operation: 'pattern match' },
      ]),
    );
    expect(result.flag).toBeUndefined();
    expect(result.items).toEqual([]);
  });
});
