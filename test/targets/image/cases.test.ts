/** Every layer-rule archive of the shared image fixtures gives the conclusion its README states. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ScapulaError } from '../../../lib/errors.js';
import { openImageTarget, type ImageTarget, type ImageTargetOptions } from '../../../lib/targets/image/index.js';
import { skipWithoutShared } from '../../fixtures.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const casesDir = resolve(repoRoot, '../shared/fixtures/images/cases');
const MARKER = 'IMAGE-PASSWD-MARKER';

const opened: ImageTarget[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((target) => target.close()));
});

beforeEach((context) => skipWithoutShared(context, casesDir));

async function openCase(name: string, options: ImageTargetOptions = {}): Promise<ImageTarget> {
  const target = await openImageTarget(resolve(casesDir, name), options);
  opened.push(target);
  return target;
}

async function readText(target: ImageTarget, path: string): Promise<string> {
  return Buffer.from(await target.fs.readFile(path)).toString('utf8');
}

async function names(target: ImageTarget, path: string): Promise<string[]> {
  return (await target.fs.readdir(path)).map((entry) => entry.name);
}

async function openError(name: string, options: ImageTargetOptions = {}): Promise<ScapulaError> {
  try {
    const target = await openCase(name, options);
    throw new Error(`${name} opened, with / holding ${(await names(target, '/')).join(', ')}`);
  } catch (error) {
    if (!(error instanceof ScapulaError)) throw error;
    return error;
  }
}

async function resolveError(target: ImageTarget, path: string): Promise<string | undefined> {
  try {
    await target.fs.stat(path);
    return undefined;
  } catch (error) {
    return (error as ScapulaError).code;
  }
}

describe('whiteouts and opaque directories', () => {
  it('whiteout file removes the lower file only', async () => {
    const target = await openCase('whiteout-file.tar');
    expect(await target.fs.lstat('/a/gone.txt')).toBeNull();
    expect(await target.fs.lstat('/a/.wh.gone.txt')).toBeNull();
    expect(await names(target, '/a')).toEqual(['keep.txt']);
  });

  it('whiteout directory removes the whole tree', async () => {
    const target = await openCase('whiteout-dir.tar');
    expect(await target.fs.lstat('/d')).toBeNull();
    expect(await target.fs.lstat('/d/sub/y')).toBeNull();
    expect((await target.fs.lstat('/e/stays'))?.type).toBe('file');
    expect(await names(target, '/')).toEqual(['e', 'etc']);
  });

  it('opaque directory hides lower entries', async () => {
    const target = await openCase('opaque-dir.tar');
    expect(await names(target, '/o')).toEqual(['new']);
    expect(await target.fs.lstat('/o/oldsub/old2')).toBeNull();
  });

  it('opaque marker after siblings keeps them', async () => {
    const target = await openCase('opaque-dir-marker-last.tar');
    expect(await names(target, '/o')).toEqual(['new']);
  });
});

describe('type changes between layers', () => {
  it('directory replaced by a symlink', async () => {
    const target = await openCase('dir-to-symlink.tar');
    expect((await target.fs.lstat('/data'))?.type).toBe('symlink');
    expect(await target.fs.readlink('/data')).toBe('other');
    expect(await target.fs.stat('/data/file')).toBeNull();
    expect(await readText(target, '/data/f2')).toBe('in other\n');
    expect(await target.fs.realpath('/data/f2')).toBe('/other/f2');
  });

  it('symlink replaced by a directory is not written through', async () => {
    const target = await openCase('symlink-to-dir.tar');
    expect((await target.fs.lstat('/link'))?.type).toBe('directory');
    expect(await names(target, '/link')).toEqual(['inside']);
    expect(await names(target, '/target')).toEqual(['t']);
  });
});

describe('hard links', () => {
  it('same-layer link shares the inode', async () => {
    const target = await openCase('hardlink-same-layer.tar');
    const original = await target.fs.lstat('/h/orig');
    const link = await target.fs.lstat('/h/link');
    expect(await readText(target, '/h/link')).toBe('hello hardlink\n');
    expect(link?.ino).toBe(original?.ino);
    expect(link?.nlink).toBe(2);
    expect(original?.nlink).toBe(2);
  });

  it('cross-layer link finds the lower file', async () => {
    const target = await openCase('hardlink-cross-layer.tar');
    expect(await readText(target, '/h/link')).toBe('from layer 1\n');
    expect((await target.fs.lstat('/h/link'))?.ino).toBe((await target.fs.lstat('/h/orig'))?.ino);
  });

  it('escaping link targets are clamped inside the image', async () => {
    const target = await openCase('hardlink-escape.tar');
    expect(await readText(target, '/h/evil')).toContain(MARKER);
    expect((await target.fs.lstat('/h/evil'))?.ino).toBe((await target.fs.lstat('/etc/passwd'))?.ino);
    expect(await target.fs.lstat('/h/evil-abs')).toBeNull();
    expect((await target.fs.lstat('/h/ok'))?.type).toBe('file');
    expect(target.warnings).toHaveLength(1);
    expect(target.warnings[0]).toContain('h/evil-abs → /etc/shadow was skipped');
  });
});

describe('hostile entry names', () => {
  it('dot-dot names are clamped at the root', async () => {
    const target = await openCase('path-dotdot.tar');
    expect(await names(target, '/')).toEqual(['a', 'escape.txt', 'escape2.txt', 'etc']);
    expect(await names(target, '/a')).toEqual(['ok.txt']);
  });

  it('absolute names are relative to the root', async () => {
    const target = await openCase('path-absolute.tar');
    expect((await target.fs.lstat('/abs/file.txt'))?.type).toBe('file');
    expect((await target.fs.lstat('/etc/abs-marker'))?.type).toBe('file');
    expect(await readText(target, '/etc/passwd')).toContain(MARKER);
  });
});

describe('symbolic links', () => {
  it('loops end with PATH_LOOP', async () => {
    const target = await openCase('symlink-loops.tar');
    expect(await names(target, '/loop')).toEqual(['a', 'abs', 'b', 'deep', 'dirloop', 'self', 'up']);
    for (const name of ['a', 'abs', 'b', 'deep', 'dirloop', 'self', 'up']) {
      expect((await target.fs.lstat(`/loop/${name}`))?.type).toBe('symlink');
    }
    for (const name of ['a', 'b', 'self', 'abs', 'dirloop', 'deep']) {
      expect(await resolveError(target, `/loop/${name}`)).toBe('PATH_LOOP');
    }
    await expect(target.fs.readFile('/loop/deep')).rejects.toMatchObject({ code: 'PATH_LOOP' });
  });

  it('link to "." resolves to its directory', async () => {
    const target = await openCase('symlink-loops.tar');
    // Linux resolves loop/up → "." to /loop itself, which is no loop.
    expect(await target.fs.realpath('/loop/up')).toBe('/loop');
  });

  it('escaping links resolve inside the image', async () => {
    const target = await openCase('symlink-escape.tar');
    for (const path of ['/s/escape', '/s/abs', '/s/chain']) {
      expect(await readText(target, path)).toContain(MARKER);
      expect(await target.fs.realpath(path)).toBe('/etc/passwd');
    }
    expect(await target.fs.realpath('/s/dirup')).toBe('/');
  });
});

describe('special files', () => {
  it('devices and FIFOs report type, mode and numbers', async () => {
    const target = await openCase('special-files.tar');
    expect(await target.fs.lstat('/dev/null')).toMatchObject({ type: 'character', mode: 0o666, rdevMajor: 1, rdevMinor: 3 });
    expect(await target.fs.lstat('/dev/odd')).toMatchObject({ type: 'character', mode: 0o600, rdevMajor: 240, rdevMinor: 7 });
    expect(await target.fs.lstat('/run/fifo')).toMatchObject({ type: 'fifo', mode: 0o600 });
    expect(await readText(target, '/run/regular')).toHaveLength(8);
  });

  it('devices and FIFOs are never read', async () => {
    const target = await openCase('special-files.tar');
    for (const path of ['/dev/null', '/dev/odd', '/run/fifo']) {
      await expect(target.fs.readFile(path)).rejects.toMatchObject({ code: 'SPECIAL_FILE' });
      await expect(target.fs.readRange(path, 0, 1)).rejects.toMatchObject({ code: 'SPECIAL_FILE' });
    }
  });
});

describe('verification', () => {
  it('blob digest mismatch is rejected', async () => {
    const error = await openError('digest-mismatch.tar');
    expect(error.code).toBe('DIGEST_MISMATCH');
    expect(error.message).toContain('sha256:23890ec8b3e3e12d970dc3327342214aca8c679372ece901b797856d65be0ecc');
  });

  it('diff_id mismatch is rejected', async () => {
    const error = await openError('diffid-mismatch.tar');
    expect(error.code).toBe('DIGEST_MISMATCH');
    expect(error.message).toContain('diff_id');
    expect(error.message).toContain('expected sha256:1d2e77e8ea4ca0ad2f090615ece8f7b8c7608b8fd941c6868b2a8a4ed53ea3ef');
  });

  it('truncated gzip layer is an error', async () => {
    const error = await openError('truncated-gzip.tar');
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.message).toContain('unexpected end of file');
  });

  it('truncated gzip fails without verification too', async () => {
    expect((await openError('truncated-gzip.tar', { verify: false })).code).toBe('IMAGE_INVALID');
  });
});

describe('layouts and compression', () => {
  it('multi-platform index selects amd64', async () => {
    const target = await openCase('multiplatform-index.tar', { platform: 'linux/amd64' });
    expect(await readText(target, '/etc/arch')).toMatch(/^amd64\s*$/);
    expect(target.image.architecture).toBe('amd64');
    expect(target.image.references).toEqual(['docker.io/scapula-cases/multiarch:test']);
  });

  it('multi-platform index selects arm64', async () => {
    for (const platform of ['linux/arm64', 'linux/arm64/v8']) {
      const target = await openCase('multiplatform-index.tar', { platform });
      expect(await readText(target, '/etc/arch')).toMatch(/^arm64\s*$/);
      expect(target.image.variant).toBe('v8');
    }
  });

  it('missing platform lists the available ones', async () => {
    const error = await openError('multiplatform-index.tar', { platform: 'linux/s390x' });
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.message).toContain('no image for platform linux/s390x');
    expect(error.message).toContain('available: linux/amd64, linux/arm64/v8');
  });

  it('zstd layer is decompressed', async () => {
    const target = await openCase('zstd-layer.tar');
    expect(await target.fs.readdir('/')).toEqual([
      { name: 'etc', type: 'directory' },
      { name: 'zstd.txt', type: 'file' },
    ]);
    expect((await readText(target, '/zstd.txt')).length).toBeGreaterThan(0);
  });

  it('Docker 25 save with uncompressed layers', async () => {
    const target = await openCase('docker-save-v25-uncompressed.tar');
    expect(await names(target, '/a')).toEqual(['three', 'two']);
    expect(target.image.layerDigests).toEqual(target.image.diffIds);
  });

  it('classic docker save through manifest.json', async () => {
    const target = await openCase('docker-save-classic.tar');
    expect(await names(target, '/a')).toEqual(['three', 'two']);
    expect(target.image.references).toEqual(['scapula-cases/classic:test']);
    expect(target.image.configDigest).toBe('sha256:debd240defac446164807d57c0807a4f1412fb9b530b1687d59f11873a8640f8');
    expect((await target.facts()).primaryHostName).toBe('scapula-cases/classic:test');
  });

  it('plain rootfs tar is one layer', async () => {
    const target = await openCase('rootfs-plain.tar');
    expect(await names(target, '/')).toEqual(['bin', 'etc', 'usr', 'var']);
    expect(await target.fs.realpath('/bin/hello')).toBe('/usr/bin/hello');
    expect((await target.fs.stat('/bin/hello'))?.mode).toBe(0o755);
    expect(await readText(target, '/var/lib/dpkg/status')).toContain('Package: hello-fixture\n');
    expect(target.image.references).toEqual([]);
    expect((await target.facts()).environment).toBeNull();
  });
});

describe('scale', () => {
  it('2,000 nested directories', async () => {
    const target = await openCase('deep-nesting.tar');
    let path = '';
    let depth = 0;
    while (true) {
      const entries = await target.fs.readdir(path === '' ? '/' : path);
      const child = entries.find((entry) => entry.type === 'directory');
      if (child === undefined) {
        expect(entries).toEqual([{ name: 'leaf.txt', type: 'file' }]);
        break;
      }
      path += `/${child.name}`;
      depth++;
    }
    expect(depth).toBe(2000);
    expect((await target.fs.stat(`${path}/leaf.txt`))?.type).toBe('file');
  });

  it('100,000 files', async () => {
    const target = await openCase('many-files.tar');
    const directories = await names(target, '/many');
    expect(directories).toHaveLength(100);
    let files = 0;
    for (const directory of directories) files += (await target.fs.readdir(`/many/${directory}`)).length;
    expect(files).toBe(100_000);
    expect((await target.fs.lstat('/many/099/f99999'))?.type).toBe('file');
  }, 60_000);
});
