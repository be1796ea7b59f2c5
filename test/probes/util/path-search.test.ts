import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { pathStartsWith, searchFiles } from '../../../lib/probes/util/path-search.js';
import type { Target } from '../../../lib/targets/target.js';
import { context, makeTempRoot, request, type EntitySpec, type TempRoot } from '../helpers.js';

let root: TempRoot;

beforeAll(async () => {
  root = await makeTempRoot((path) => {
    mkdirSync(join(path, 'etc/ssh'), { recursive: true });
    mkdirSync(join(path, 'usr/share/doc/a/b/c'), { recursive: true });
    mkdirSync(join(path, 'etc\n'));
    mkdirSync(join(path, 'data'));
    writeFileSync(join(path, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
    writeFileSync(join(path, 'etc/passwd\n'), '');
    writeFileSync(join(path, 'etc/ssh/sshd_config'), 'PermitRootLogin no\n');
    symlinkSync('/data', join(path, 'srv'));
    symlinkSync('/etc/ssh', join(path, 'etc/ssh-link'));
  });
});

afterAll(() => root.remove());

/** Wraps a target so that each directory listing is recorded. */
function countingTarget(target: Target): { target: Target; listed: string[] } {
  const listed: string[] = [];
  const fs = target.fs;
  const counting = Object.create(fs, {
    readdir: {
      value: (path: string) => {
        listed.push(path);
        return fs.readdir(path);
      },
    },
  });
  return { target: { ...target, fs: counting, facts: () => target.facts(), close: () => target.close() }, listed };
}

async function search(entities: EntitySpec[], behaviors: Record<string, string> = {}, allowDirectories = true) {
  const counted = countingTarget(root.target);
  const found = await searchFiles(request('file_object', 'unix', entities, behaviors), context(counted.target), allowDirectories);
  return { paths: found.map((file) => file.filepath), listed: counted.listed };
}

describe('searchFiles', () => {
  it('literal path pattern lists nothing', async () => {
    const { paths, listed } = await search([
      { name: 'path', value: '^/etc$', operation: 'pattern match' },
      { name: 'filename', nil: true },
    ]);
    expect(paths).toEqual(['/etc', '/etc\n']);
    expect(listed).toEqual([]);
  });

  it('path pattern walk skips unrelated directories', async () => {
    const { paths, listed } = await search([
      { name: 'path', value: '^/etc/(ssh|x)|^/usr/share/doc/a', operation: 'pattern match' },
      { name: 'filename', nil: true },
    ]);
    expect(paths).toEqual(['/etc/ssh', '/etc/ssh-link', '/usr/share/doc/a', '/usr/share/doc/a/b', '/usr/share/doc/a/b/c']);
    expect(listed).toContain('/usr/share/doc/a/b');
    expect(listed).not.toContain('/data');
    expect(listed).not.toContain('/srv');
    expect(listed).not.toContain('/etc\n');
  });

  it('filepath pattern walk skips unrelated directories', async () => {
    const { paths, listed } = await search([{ name: 'filepath', value: '^/(etc|data)/ssh/.*_config$|^/etc/passwd$', operation: 'pattern match' }]);
    // "$" also matches before a final line break, so "/etc/passwd\n" matches too.
    expect(paths).toEqual(['/etc/passwd', '/etc/passwd\n', '/etc/ssh/sshd_config']);
    expect(listed).not.toContain('/usr');
    expect(listed).not.toContain('/srv');
  });

  it('filename memo keeps entities apart', async () => {
    const shared = context(root.target);
    const inEtc = (pattern: string) =>
      request('file_object', 'unix', [
        { name: 'path', value: '/etc' },
        { name: 'filename', value: pattern, operation: 'pattern match' },
      ]);
    const startsWithP = await searchFiles(inEtc('^p'), shared);
    const anyName = await searchFiles(inEtc('^.*$'), shared);
    const startsWithPAgain = await searchFiles(inEtc('^p'), shared);
    expect(startsWithP.map((file) => file.filepath)).toEqual(['/etc/passwd', '/etc/passwd\n']);
    expect(anyName.map((file) => file.filepath)).toEqual(['/etc/passwd', '/etc/passwd\n', '/etc/ssh-link']);
    expect(startsWithPAgain).toEqual(startsWithP);
  });

  it('invalid filename pattern fails each time', async () => {
    const shared = context(root.target);
    const invalid = request('file_object', 'unix', [
      { name: 'path', value: '/etc' },
      { name: 'filename', value: '(', operation: 'pattern match' },
    ]);
    await expect(searchFiles(invalid, shared)).rejects.toMatchObject({ code: 'OVAL_INVALID' });
    await expect(searchFiles(invalid, shared)).rejects.toMatchObject({ code: 'OVAL_INVALID' });
  });

  it('literal path pattern with filename', async () => {
    const { paths, listed } = await search([
      { name: 'path', value: '^/etc$', operation: 'pattern match' },
      { name: 'filename', value: 'passwd' },
    ]);
    expect(paths).toEqual(['/etc/passwd']);
    expect(listed).toEqual([]);
  });

  it('literal path pattern follows a link', async () => {
    const followed = await search([
      { name: 'path', value: '^/srv$', operation: 'pattern match' },
      { name: 'filename', nil: true },
    ]);
    expect(followed.paths).toEqual(['/srv']);

    const notFollowed = await search(
      [
        { name: 'path', value: '^/srv$', operation: 'pattern match' },
        { name: 'filename', nil: true },
      ],
      { recurse: 'directories' },
    );
    expect(notFollowed.paths).toEqual([]);
  });

  it('literal root pattern', async () => {
    const { paths, listed } = await search([
      { name: 'path', value: '^/$', operation: 'pattern match' },
      { name: 'filename', nil: true },
    ]);
    expect(paths).toEqual(['/']);
    expect(listed).toEqual([]);
  });

  it('literal filepath pattern', async () => {
    const { paths, listed } = await search([{ name: 'filepath', value: '^/etc/passwd$', operation: 'pattern match' }], {}, false);
    expect(paths).toEqual(['/etc/passwd', '/etc/passwd\n']);
    expect(listed).toEqual([]);
  });

  it('literal filepath skips a directory link', async () => {
    const followed = await search([{ name: 'filepath', value: '^/etc/ssh\\-link$', operation: 'pattern match' }], {}, false);
    expect(followed.paths).toEqual([]);

    const notFollowed = await search([{ name: 'filepath', value: '^/etc/ssh\\-link$', operation: 'pattern match' }], { recurse: 'directories' }, false);
    expect(notFollowed.paths).toEqual(['/etc/ssh-link']);
  });

  it('literal filepath under a missing directory', async () => {
    const { paths } = await search([{ name: 'filepath', value: '^/nowhere/passwd$', operation: 'pattern match' }], {}, false);
    expect(paths).toEqual([]);
  });

  it('none satisfy pattern walks from the root', async () => {
    const { paths } = await search(
      [
        { name: 'path', value: '^/usr/share/doc/a', operation: 'pattern match', varCheck: 'none satisfy' },
        { name: 'filename', value: 'passwd' },
      ],
      {},
      false,
    );
    expect(paths).toEqual(['/etc/passwd']);
  });

  it('path pattern starts at its prefix', async () => {
    const { paths, listed } = await search([
      { name: 'path', value: '^/usr/share/doc/a/.*', operation: 'pattern match' },
      { name: 'filename', nil: true },
    ]);
    expect(paths).toEqual(['/usr/share/doc/a/b', '/usr/share/doc/a/b/c']);
    expect(listed[0]).toBe('/usr/share/doc/a');
    expect(listed).not.toContain('/');
  });
});

describe('searchFiles with ignored paths', () => {
  it('leaves out files below an ignored path', async () => {
    const entities = [
      { name: 'path', value: '^/etc', operation: 'pattern match' as const },
      { name: 'filename', value: '.*', operation: 'pattern match' as const },
    ];
    const found = await searchFiles(request('file_object', 'unix', entities, { recurse_direction: 'down' }), {
      ...context(root.target),
      ignoredPaths: ['/etc//ssh/'],
    });
    const paths = found.map((file) => file.filepath);
    expect(paths).toContain('/etc/passwd');
    expect(paths).not.toContain('/etc/ssh/sshd_config');
  });

  it('compares whole path components', () => {
    expect(pathStartsWith('/tmp/b/y', '/tmp/b')).toBe(true);
    expect(pathStartsWith('/tmp/b', '/tmp/b/')).toBe(true);
    expect(pathStartsWith('/tmp/bc/y', '/tmp/b')).toBe(false);
    expect(pathStartsWith('/tmp', '/tmp/b')).toBe(false);
  });
});
