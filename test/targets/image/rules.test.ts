/** Layer rules and hostile inputs, on archives the tests build themselves. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { ScapulaError } from '../../../lib/errors.js';
import { bufferSource } from '../../../lib/io/source.js';
import { openImageTarget, type ImageTarget, type ImageTargetOptions } from '../../../lib/targets/image/index.js';
import { BASE_ENTRIES, blobPath, buildImage, buildTar, packLayout, sha256, writeLayout, type EntrySpec, type ImageSpec } from './build.js';

const MARKER = 'IMAGE-PASSWD-MARKER';

let workDir: string;
let tempParent: string;
let counter = 0;
const opened: ImageTarget[] = [];

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'scapula-image-rules-'));
  tempParent = join(workDir, 'temp');
  execFileSync('mkdir', [tempParent]);
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((target) => target.close()));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

function writeArchive(bytes: Buffer, suffix = '.tar'): string {
  const path = join(workDir, `archive-${counter++}${suffix}`);
  writeFileSync(path, bytes);
  return path;
}

async function openBytes(bytes: Buffer, options: ImageTargetOptions = {}): Promise<ImageTarget> {
  const target = await openImageTarget(writeArchive(bytes), { tempDir: tempParent, ...options });
  opened.push(target);
  return target;
}

async function openImage(spec: ImageSpec, options: ImageTargetOptions = {}): Promise<ImageTarget> {
  return openBytes(await packLayout((await buildImage(spec)).files), options);
}

async function failure(promise: Promise<unknown>): Promise<ScapulaError> {
  try {
    const target = (await promise) as ImageTarget;
    opened.push(target);
  } catch (error) {
    if (error instanceof ScapulaError) return error;
    throw error;
  }
  throw new Error('expected the image to be rejected');
}

async function readText(target: ImageTarget, path: string): Promise<string> {
  return Buffer.from(await target.fs.readFile(path)).toString('utf8');
}

async function names(target: ImageTarget, path: string): Promise<string[]> {
  return (await target.fs.readdir(path)).map((entry) => entry.name);
}

function oneLayer(entries: EntrySpec[], gzip = true): ImageSpec {
  return { layers: [{ entries: [...BASE_ENTRIES, ...entries], gzip }] };
}

describe('symbolic links stay inside the image', () => {
  it('escaping link targets resolve inside', async () => {
    const target = await openImage(
      oneLayer([
        { name: 'x/', type: 'directory' },
        { name: 'x/relative', type: 'symlink', linkname: '../../../../../../etc/passwd' },
        { name: 'x/absolute', type: 'symlink', linkname: '/../../etc/passwd' },
        { name: 'x/host-path', type: 'symlink', linkname: workDir },
        { name: 'x/root', type: 'symlink', linkname: '/' },
      ]),
    );
    expect(await readText(target, '/x/relative')).toContain(MARKER);
    expect(await readText(target, '/x/absolute')).toContain(MARKER);
    expect(await target.fs.stat('/x/host-path')).toBeNull();
    await expect(target.fs.readFile('/x/host-path')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await names(target, '/x/root')).toEqual(['etc', 'x']);
  });

  it('40 links resolve and 41 loop', async () => {
    const chain = (prefix: string, length: number): EntrySpec[] =>
      Array.from({ length }, (_, i) => ({ name: `c/${prefix}${i}`, type: 'symlink' as const, linkname: i === length - 1 ? '/etc/passwd' : `${prefix}${i + 1}` }));
    const target = await openImage(oneLayer([{ name: 'c/', type: 'directory' }, ...chain('ok', 40), ...chain('long', 41)]));
    expect(await readText(target, '/c/ok0')).toContain(MARKER);
    await expect(target.fs.stat('/c/long0')).rejects.toMatchObject({ code: 'PATH_LOOP' });
    await expect(target.fs.realpath('/c/long0')).rejects.toMatchObject({ code: 'PATH_LOOP' });
  });

  it('file used as a directory is NOT_A_DIRECTORY', async () => {
    const target = await openImage(oneLayer([]));
    await expect(target.fs.stat('/etc/passwd/x')).rejects.toMatchObject({ code: 'NOT_A_DIRECTORY' });
    await expect(target.fs.readdir('/etc/passwd')).rejects.toMatchObject({ code: 'NOT_A_DIRECTORY' });
  });
});

describe('entry names and hard links', () => {
  it('hostile names are clamped, never written to the host', async () => {
    const escapeName = `escape-${process.pid}-${Date.now()}`;
    const target = await openImage(
      oneLayer([
        { name: `../../../../../../../../tmp/${escapeName}`, content: 'dotdot' },
        { name: `/${escapeName}-abs`, content: 'absolute' },
        { name: './a/./b/../c', content: 'clean' },
      ]),
    );
    expect(existsSync(join('/tmp', escapeName))).toBe(false);
    expect(existsSync(join('/', `${escapeName}-abs`))).toBe(false);
    expect(await readText(target, `/tmp/${escapeName}`)).toBe('dotdot');
    expect(await readText(target, `/${escapeName}-abs`)).toBe('absolute');
    expect(await readText(target, '/a/c')).toBe('clean');
  });

  it('root entry leaves the root as it is', async () => {
    const target = await openImage(oneLayer([{ name: './', type: 'directory', mode: 0o777, uid: 1000 }]));
    expect(await target.fs.lstat('/')).toMatchObject({ type: 'directory', mode: 0o755, uid: 0, gid: 0 });
    expect(target.warnings).toEqual([]);
  });

  it('hard link outside the root is clamped', async () => {
    const target = await openImage(oneLayer([{ name: 'h/evil', type: 'link', linkname: '../../../etc/passwd' }]));
    expect(await readText(target, '/h/evil')).toContain(MARKER);
    expect((await target.fs.lstat('/etc/passwd'))?.nlink).toBe(2);
  });

  it('hard link to a missing or directory target is skipped', async () => {
    const target = await openImage(
      oneLayer([
        { name: 'h/missing', type: 'link', linkname: 'nowhere/file' },
        { name: 'h/dir', type: 'link', linkname: 'etc' },
      ]),
    );
    expect(await target.fs.lstat('/h/missing')).toBeNull();
    expect(await target.fs.lstat('/h/dir')).toBeNull();
    expect(target.warnings).toHaveLength(2);
  });

  it('hard link keeps content after its target is whited out', async () => {
    const target = await openImage({
      layers: [
        { entries: [...BASE_ENTRIES, { name: 'h/orig', content: 'shared bytes' }, { name: 'h/link', type: 'link', linkname: 'h/orig' }] },
        { entries: [{ name: 'h/.wh.orig' }] },
      ],
    });
    expect(await target.fs.lstat('/h/orig')).toBeNull();
    expect(await readText(target, '/h/link')).toBe('shared bytes');
    expect((await target.fs.lstat('/h/link'))?.nlink).toBe(1);
  });

  it('entry below a looping link is rejected', async () => {
    const error = await failure(
      openImage({
        layers: [
          { entries: [...BASE_ENTRIES, { name: 'loop', type: 'symlink', linkname: 'loop' }] },
          { entries: [{ name: 'loop/inner', content: 'x' }] },
        ],
      }),
    );
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.message).toContain('entry loop/inner lies below /loop, a symbolic link that leads to no directory');
  });

  it('entry below a link to a directory is written there', async () => {
    const target = await openImage({
      layers: [
        { entries: [...BASE_ENTRIES, { name: 'real/', type: 'directory' }, { name: 'alias', type: 'symlink', linkname: 'real' }] },
        { entries: [{ name: 'alias/inner', content: 'through the link' }] },
      ],
    });
    expect((await target.fs.lstat('/alias'))?.type).toBe('symlink');
    expect(await readText(target, '/real/inner')).toBe('through the link');
  });

  it('entry below a regular file is rejected', async () => {
    const error = await failure(openImage(oneLayer([{ name: 'etc/passwd/inner', content: 'x' }])));
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.message).toContain('entry etc/passwd/inner lies below /etc/passwd, which is a file');
  });
});

describe('whiteouts and opaque directories', () => {
  it('opaque directory keeps this layer subdirectories only', async () => {
    const target = await openImage({
      layers: [
        { entries: [...BASE_ENTRIES, { name: 'o/sub/old', content: 'old' }, { name: 'o/keep-not', content: 'old' }] },
        { entries: [{ name: 'o/sub/new', content: 'new' }, { name: 'o/.wh..wh..opq' }] },
      ],
    });
    expect(await names(target, '/o')).toEqual(['sub']);
    expect(await names(target, '/o/sub')).toEqual(['new']);
  });

  it('whiteout leaves its own layer alone', async () => {
    const target = await openImage({
      layers: [
        { entries: [...BASE_ENTRIES, { name: 'w/lower', content: 'lower' }] },
        { entries: [{ name: 'w/same', content: 'same layer' }, { name: 'w/.wh.same' }, { name: 'w/.wh.lower' }] },
      ],
    });
    expect(await names(target, '/w')).toEqual(['same']);
  });

  it('type changes hide the lower entry', async () => {
    const target = await openImage({
      layers: [
        { entries: [...BASE_ENTRIES, { name: 'was-file', content: 'file' }, { name: 'was-dir/child', content: 'child' }] },
        { entries: [{ name: 'was-file/', type: 'directory' }, { name: 'was-file/y', content: 'y' }, { name: 'was-dir', content: 'now a file' }] },
      ],
    });
    expect(await names(target, '/was-file')).toEqual(['y']);
    expect((await target.fs.lstat('/was-dir'))?.type).toBe('file');
    expect(await readText(target, '/was-dir')).toBe('now a file');
    await expect(target.fs.lstat('/was-dir/child')).rejects.toMatchObject({ code: 'NOT_A_DIRECTORY' });
  });

  // Each compressed layer is read once, so its files are spooled before upper layers are known.
  it('replaced files are spooled once', async () => {
    const big = 'x'.repeat(200_000);
    const target = await openImage({
      layers: [{ entries: [...BASE_ENTRIES, { name: 'big', content: big }] }, { entries: [{ name: 'big', content: 'small' }] }],
    });
    expect(await readText(target, '/big')).toBe('small');
    const [folder] = readdirSync(tempParent);
    const spooled = readdirSync(join(tempParent, folder)).map((name) => statSync(join(tempParent, folder, name)).size);
    // Layer 1 spools the os-release and passwd files and the replaced "big", and layer 2 spools "small".
    const baseBytes = Buffer.byteLength(BASE_ENTRIES[1].content as string) + Buffer.byteLength(BASE_ENTRIES[2].content as string);
    expect(spooled.sort((a, b) => a - b)).toEqual([5, baseBytes + big.length]);
  });
});

describe('verification', () => {
  it('tampered layer blob is DIGEST_MISMATCH', async () => {
    const flipByte = (blob: Buffer): Buffer => {
      const copy = Buffer.from(blob);
      copy[copy.byteLength >> 1] ^= 0xff;
      return copy;
    };
    const flipped = await failure(openImage({ ...oneLayer([{ name: 'payload.txt', content: 'real' }]), tamper: { layerBlob: flipByte } }));
    expect(flipped.code).toBe('DIGEST_MISMATCH');
    expect(flipped.message).toContain('blob does not match its digest');

    const resized = await failure(openImage({ ...oneLayer([]), tamper: { layerBlob: (blob) => Buffer.concat([blob, Buffer.alloc(1)]) } }));
    expect(resized.code).toBe('DIGEST_MISMATCH');
    expect(resized.message).toContain('but the manifest gives its size as');
  });

  it('tampered diff_id is DIGEST_MISMATCH unless verify is off', async () => {
    const spec: ImageSpec = { ...oneLayer([{ name: 'payload.txt', content: 'real' }]), tamper: { diffIds: () => [sha256(Buffer.from('other'))] } };
    const error = await failure(openImage(spec));
    expect(error.code).toBe('DIGEST_MISMATCH');
    expect(error.message).toContain('diff_id');
    const unverified = await openImage(spec, { verify: false });
    expect(await readText(unverified, '/payload.txt')).toBe('real');
  });

  it('tampered config is DIGEST_MISMATCH', async () => {
    const built = await buildImage(oneLayer([]));
    const configPath = blobPath(built.configDigest);
    const config = built.files.get(configPath)!;
    built.files.set(configPath, Buffer.from(config.toString('utf8').replace('"amd64"', '"arm64"')));
    const error = await failure(openBytes(await packLayout(built.files)));
    expect(error.code).toBe('DIGEST_MISMATCH');
    expect(error.message).toContain(built.configDigest);
  });

  it('tampered manifest is DIGEST_MISMATCH', async () => {
    const built = await buildImage(oneLayer([]));
    const manifestPath = blobPath(built.manifestDigest);
    const manifest = built.files.get(manifestPath)!;
    built.files.set(manifestPath, Buffer.from(manifest.toString('utf8').replace('"schemaVersion":2', '"schemaVersion":3')));
    expect((await failure(openBytes(await packLayout(built.files)))).code).toBe('DIGEST_MISMATCH');
  });

  it('sha512 layer digests are verified', async () => {
    const built = await buildImage(oneLayer([{ name: 'f', content: 'sha512 layer' }]));
    const [layerDigest] = built.layerDigests;
    const blob = built.files.get(blobPath(layerDigest))!;
    const sha512 = `sha512:${(await import('node:crypto')).createHash('sha512').update(blob).digest('hex')}`;
    built.files.delete(blobPath(layerDigest));
    built.files.set(blobPath(sha512), blob);

    const manifestPath = blobPath(built.manifestDigest);
    const manifest = Buffer.from(built.files.get(manifestPath)!.toString('utf8').replace(layerDigest, sha512));
    built.files.delete(manifestPath);
    const manifestDigest = sha256(manifest);
    built.files.set(blobPath(manifestDigest), manifest);
    built.files.set('index.json', Buffer.from(built.files.get('index.json')!.toString('utf8').replace(built.manifestDigest, manifestDigest).replace(/"size":\d+/, `"size":${manifest.byteLength}`)));

    const target = await openBytes(await packLayout(built.files));
    expect(target.image.layerDigests).toEqual([sha512]);
    expect(await readText(target, '/f')).toBe('sha512 layer');

    built.files.set(blobPath(sha512), Buffer.alloc(blob.byteLength, 1));
    expect((await failure(openBytes(await packLayout(built.files)))).code).toBe('DIGEST_MISMATCH');
  });

  it('digest with a path is rejected', async () => {
    const built = await buildImage(oneLayer([]));
    built.files.set('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:../../../etc/passwd', size: 10 }] })));
    const error = await failure(openBytes(await packLayout(built.files)));
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.message).toContain('invalid or unsupported digest');
  });
});

describe('truncated layers', () => {
  async function imageWithLayerBlob(blob: Buffer): Promise<Buffer> {
    const built = await buildImage(oneLayer([{ name: 'f', content: 'y'.repeat(5000) }], false));
    // Replace the layer by `blob` and make every digest match it, so only the content is wrong.
    const [layerDigest] = built.layerDigests;
    const digest = sha256(blob);
    built.files.delete(blobPath(layerDigest));
    built.files.set(blobPath(digest), blob);
    const configPath = blobPath(built.configDigest);
    const config = Buffer.from(built.files.get(configPath)!.toString('utf8').replace(built.diffIds[0], digest));
    built.files.delete(configPath);
    built.files.set(blobPath(sha256(config)), config);
    const manifestPath = blobPath(built.manifestDigest);
    const manifest = Buffer.from(
      built.files
        .get(manifestPath)!
        .toString('utf8')
        .replace(layerDigest, digest)
        .replace(built.configDigest, sha256(config))
        .replace(/("size":)\d+(\}\]\})$/, `$1${blob.byteLength}$2`)
        .replace(/("config":\{[^}]*"size":)\d+/, `$1${config.byteLength}`),
    );
    built.files.delete(manifestPath);
    built.files.set(blobPath(sha256(manifest)), manifest);
    built.files.set('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.byteLength }] })));
    built.files.delete('manifest.json');
    return packLayout(built.files);
  }

  it('tar cut at an entry boundary is rejected', async () => {
    const layer = await buildTar([...BASE_ENTRIES, { name: 'f', content: 'y'.repeat(5000) }]);
    // tar-stream ends an archive with exactly two zero blocks.
    expect(layer.subarray(layer.byteLength - 1024).every((byte) => byte === 0)).toBe(true);
    const error = await failure(openBytes(await imageWithLayerBlob(layer.subarray(0, layer.byteLength - 1024))));
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.message).toContain('ends without the tar end-of-archive blocks');
  });

  it('tar cut inside an entry is rejected', async () => {
    const layer = await buildTar([...BASE_ENTRIES, { name: 'f', content: 'y'.repeat(5000) }]);
    const error = await failure(openBytes(await imageWithLayerBlob(layer.subarray(0, 2500))));
    expect(error.code).toBe('IMAGE_INVALID');
  });

  it('truncated gzip rootfs is rejected', async () => {
    const rootfs = gzipSync(await buildTar([...BASE_ENTRIES, { name: 'f', content: 'z'.repeat(100_000) }]));
    const error = await failure(openBytes(rootfs.subarray(0, rootfs.byteLength >> 1)));
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.message).toContain('unexpected end of file');
  });
});

describe('inputs and contents', () => {
  it('gzip and zstd compressed archives', async () => {
    const archive = await packLayout((await buildImage(oneLayer([{ name: 'inner', content: 'compressed outer' }]))).files);
    const gzipped = await openBytes(gzipSync(archive));
    expect(await readText(gzipped, '/inner')).toBe('compressed outer');

    const plainPath = writeArchive(archive);
    execFileSync('zstd', ['-q', '-f', plainPath, '-o', `${plainPath}.zst`]);
    const zstd = await openImageTarget(`${plainPath}.zst`, { tempDir: tempParent });
    opened.push(zstd);
    expect(await readText(zstd, '/inner')).toBe('compressed outer');
  });

  it('OCI layout directory', async () => {
    const built = await buildImage(oneLayer([{ name: 'from-dir', content: 'layout directory' }]));
    const directory = join(workDir, `layout-${counter++}`);
    writeLayout(built.files, directory);
    const target = await openImageTarget(directory, { tempDir: tempParent });
    opened.push(target);
    expect(await readText(target, '/from-dir')).toBe('layout directory');
    expect(target.image.manifestDigest).toBe(built.manifestDigest);
  });

  it('layout blob linked outside is not read', async () => {
    const built = await buildImage(oneLayer([{ name: 'f', content: 'inside' }]));
    const directory = join(workDir, `layout-${counter++}`);
    writeLayout(built.files, directory);
    const layerPath = join(directory, blobPath(built.layerDigests[0]));
    const outside = join(workDir, `outside-${counter++}`);
    renameSync(layerPath, outside);
    symlinkSync(outside, layerPath);
    const error = await failure(openImageTarget(directory, { tempDir: tempParent }));
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.message).toContain('points outside the layout');

    // A link that stays inside the layout is followed.
    renameSync(outside, join(directory, 'blobs', 'shared-layer'));
    rmSync(layerPath);
    symlinkSync('../shared-layer', layerPath);
    const target = await openImageTarget(directory, { tempDir: tempParent });
    opened.push(target);
    expect(await readText(target, '/f')).toBe('inside');
  });

  it('directory without a layout is rejected', async () => {
    const error = await failure(openImageTarget(workDir, { tempDir: tempParent }));
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.message).toContain('not an OCI image layout');
  });

  it('byte source input', async () => {
    const archive = await packLayout((await buildImage(oneLayer([{ name: 'inner', content: 'from a buffer' }], false))).files);
    const target = await openImageTarget(bufferSource('in-memory.tar', archive), { tempDir: tempParent });
    opened.push(target);
    expect(await readText(target, '/inner')).toBe('from a buffer');
    expect(target.source).toBe('in-memory.tar');
  });

  it('non-tar input is IMAGE_INVALID', async () => {
    const error = await failure(openBytes(Buffer.from('this is not a tar archive at all, just some text\n'.repeat(20))));
    expect(error.code).toBe('IMAGE_INVALID');
  });

  it('large file read in bounded chunks', async () => {
    const content = Buffer.alloc(3 * 1024 * 1024 + 5);
    for (let i = 0; i < content.byteLength; i++) content[i] = (i * 7) & 0xff;
    for (const gzip of [true, false]) {
      const target = await openImage(oneLayer([{ name: 'big.bin', content }], gzip));
      const chunks: number[] = [];
      for await (const chunk of target.fs.readChunks('/big.bin', 1024 * 1024)) chunks.push(chunk.byteLength);
      expect(chunks).toEqual([1048576, 1048576, 1048576, 5]);
      expect(Buffer.from(await target.fs.readRange('/big.bin', 2_000_000, 10))).toEqual(content.subarray(2_000_000, 2_000_010));
      expect((await target.fs.readRange('/big.bin', content.byteLength - 2, 100)).byteLength).toBe(2);
      await expect(target.fs.readFile('/big.bin', { maxBytes: 1024 })).rejects.toMatchObject({ code: 'LIMIT' });
    }
  });

  it('PAX xattrs and owners', async () => {
    const target = await openImage(
      oneLayer([{ name: 'bin/ping', content: 'elf', mode: 0o755, pax: { 'SCHILY.xattr.user.comment': 'hello', uid: '3000000', gid: '3000001' } }]),
    );
    const xattrs = await target.fs.xattrs('/bin/ping');
    expect(Buffer.from(xattrs.get('user.comment')!).toString('utf8')).toBe('hello');
    expect(await target.fs.lstat('/bin/ping')).toMatchObject({ uid: 3_000_000, gid: 3_000_001, mode: 0o755 });
    expect((await target.fs.xattrs('/etc/passwd')).size).toBe(0);
  });

  it('libarchive xattrs decode exactly', async () => {
    const capability = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0xff, 0xfe]);
    const target = await openImage(oneLayer([{ name: 'bin/ping', content: 'elf', pax: { 'LIBARCHIVE.xattr.security.capability': capability.toString('base64') } }]));
    expect(Buffer.from((await target.fs.xattrs('/bin/ping')).get('security.capability')!)).toEqual(capability);
    expect(target.warnings).toEqual([]);
  });

  it('binary SCHILY xattr gives a warning', async () => {
    const layer = await buildTar([...BASE_ENTRIES, { name: 'bin/ping', content: 'elf', pax: { 'SCHILY.xattr.security.capability': 'QQ' } }]);
    // Put two bytes that are not UTF-8 in place of "QQ", which keeps the record length right.
    const at = layer.indexOf('security.capability=QQ') + 'security.capability='.length;
    layer[at] = 0xff;
    layer[at + 1] = 0xfe;
    const target = await openBytes(layer);
    expect((await target.fs.xattrs('/bin/ping')).has('security.capability')).toBe(true);
    expect(target.warnings).toEqual(['layer 1 (rootfs): extended attribute security.capability of bin/ping is binary and was not decoded exactly']);
  });

  it('GNU sparse file is UNSUPPORTED', async () => {
    const error = await failure(openImage(oneLayer([{ name: 'sparse', content: 'x', pax: { 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0' } }])));
    expect(error.code).toBe('UNSUPPORTED');
    expect(error.message).toContain('entry sparse is a GNU sparse file');
  });

  it('FIFO in a built layer is not read', async () => {
    const target = await openImage(oneLayer([{ name: 'run/pipe', type: 'fifo', mode: 0o600 }]));
    expect(await target.fs.lstat('/run/pipe')).toMatchObject({ type: 'fifo', mode: 0o600, size: 0 });
    const read = async (): Promise<void> => {
      for await (const _ of target.fs.readChunks('/run/pipe'));
    };
    await expect(read()).rejects.toMatchObject({ code: 'SPECIAL_FILE' });
  });

  it('single image is taken whatever its platform', async () => {
    const spec: ImageSpec = { ...oneLayer([]), architecture: 'riscv64' };
    const target = await openImage(spec);
    expect(target.image.architecture).toBe('riscv64');
    const error = await failure(openImage(spec, { platform: 'linux/amd64' }));
    expect(error.message).toContain('available: linux/riscv64');
  });

  it('two tags of one image open once', async () => {
    const built = await buildImage(oneLayer([]));
    const index = JSON.parse(built.files.get('index.json')!.toString('utf8'));
    index.manifests.push({ ...index.manifests[0], annotations: { 'io.containerd.image.name': 'docker.io/scapula-tests/image:other' } });
    built.files.set('index.json', Buffer.from(JSON.stringify(index)));
    const target = await openBytes(await packLayout(built.files));
    expect(target.image.references).toEqual(['docker.io/scapula-tests/image:test', 'docker.io/scapula-tests/image:other', 'scapula-tests/image:test']);
  });

  it('two images of one platform are rejected', async () => {
    const first = await buildImage({ ...oneLayer([{ name: 'one', content: '1' }]), reference: 'scapula-tests/one:1' });
    const second = await buildImage({ ...oneLayer([{ name: 'two', content: '2' }]), reference: 'scapula-tests/two:2' });
    const files = new Map([...first.files, ...second.files]);
    const index = JSON.parse(first.files.get('index.json')!.toString('utf8'));
    index.manifests.push(...JSON.parse(second.files.get('index.json')!.toString('utf8')).manifests);
    files.set('index.json', Buffer.from(JSON.stringify(index)));
    files.delete('manifest.json');
    const error = await failure(openBytes(await packLayout(files), { platform: 'linux/amd64' }));
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.message).toContain('the archive contains 2 images for platform linux/amd64');
    expect(error.message).toContain('docker.io/scapula-tests/two:2');
  });

  it('index entries missing from the archive are skipped', async () => {
    const built = await buildImage({ ...oneLayer([]), architecture: 'arm64' });
    const index = JSON.parse(built.files.get('index.json')!.toString('utf8'));
    index.manifests[0].platform = { os: 'linux', architecture: 'arm64' };
    index.manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 500, platform: { os: 'linux', architecture: 'amd64' } });
    built.files.set('index.json', Buffer.from(JSON.stringify(index)));
    const target = await openBytes(await packLayout(built.files));
    expect(target.image.architecture).toBe('arm64');
    const error = await failure(openBytes(await packLayout(built.files), { platform: 'linux/amd64' }));
    expect(error.message).toContain('available: linux/arm64, linux/amd64 (not in the archive)');
  });

  it('nested index without media type', async () => {
    const built = await buildImage(oneLayer([{ name: 'nested', content: 'found' }]));
    const topIndex = JSON.parse(built.files.get('index.json')!.toString('utf8'));
    const innerIndex = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ ...topIndex.manifests[0], platform: { os: 'linux', architecture: 'amd64' } }] }));
    built.files.set(blobPath(sha256(innerIndex)), innerIndex);
    built.files.set('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ digest: sha256(innerIndex), size: innerIndex.byteLength }] })));
    built.files.delete('manifest.json');
    const target = await openBytes(await packLayout(built.files));
    expect(await readText(target, '/nested')).toBe('found');
  });

  it('invalid platform text is USAGE', async () => {
    expect((await failure(openImage(oneLayer([]), { platform: 'amd64' }))).code).toBe('USAGE');
  });

  it('aborted signal is INTERRUPTED', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await failure(openImage(oneLayer([]), { signal: controller.signal }));
    expect(error.code).toBe('INTERRUPTED');
    expect(readdirSync(tempParent)).toEqual([]);
  });

  it('entry limit is LIMIT', async () => {
    const error = await failure(openImage(oneLayer([{ name: 'a' }, { name: 'b' }]), { maxEntries: 3 }));
    expect(error.code).toBe('LIMIT');
  });

  it('uncompressed byte limit is LIMIT', async () => {
    const spec = oneLayer([{ name: 'zeros', content: Buffer.alloc(1024 * 1024) }]);
    const layerError = await failure(openImage(spec, { maxUncompressedBytes: 512 * 1024 }));
    expect(layerError.code).toBe('LIMIT');
    expect(layerError.message).toContain('more than 524288 bytes uncompressed');

    const plainLayer = oneLayer([{ name: 'zeros', content: Buffer.alloc(1024 * 1024) }], false);
    const archive = gzipSync(await packLayout((await buildImage(plainLayer)).files));
    const archiveError = await failure(openBytes(archive, { maxUncompressedBytes: 512 * 1024 }));
    expect(archiveError.code).toBe('LIMIT');
    expect(archiveError.message).toContain('the archive decompresses to more than 524288 bytes');
    expect(readdirSync(tempParent)).toEqual([]);
  });

  it('classic manifest naming a path outside the archive', async () => {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(Buffer.from('x'))] } }));
    const configName = `${sha256(config).slice(7)}.json`;
    const archive = await buildTar([
      { name: configName, content: config },
      { name: 'manifest.json', content: JSON.stringify([{ Config: configName, RepoTags: ['evil:latest'], Layers: ['../../../../etc/passwd'] }]) },
    ]);
    const error = await failure(openBytes(archive));
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.message).toContain('layer 1 ../../../../etc/passwd is missing from the image');
  });
});
