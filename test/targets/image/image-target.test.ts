/** Tests how openImageTarget distinguishes image archives from rootfs tars, and its layer limits. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { ScapulaError } from '../../../lib/errors.js';
import { openImageTarget, type ImageTarget } from '../../../lib/targets/image/index.js';
import { BASE_ENTRIES, buildImage, buildTar, packLayout, sha256, type EntrySpec } from './build.js';

/** The algorithms passed to createHash, so a test can count how many digests were computed. */
const hashes = vi.hoisted(() => [] as string[]);

vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  return {
    ...crypto,
    createHash: (algorithm: string) => {
      hashes.push(algorithm);
      return crypto.createHash(algorithm);
    },
  };
});

let workDir: string;
let counter = 0;
const opened: ImageTarget[] = [];

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'scapula-image-target-'));
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((target) => target.close()));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

async function open(bytes: Buffer): Promise<ImageTarget> {
  const path = join(workDir, `archive-${counter++}.tar`);
  writeFileSync(path, bytes);
  const target = await openImageTarget(path, { tempDir: workDir });
  opened.push(target);
  return target;
}

async function failure(bytes: Buffer): Promise<ScapulaError> {
  try {
    await open(bytes);
  } catch (error) {
    if (error instanceof ScapulaError) return error;
    throw error;
  }
  throw new Error('expected the archive to be rejected');
}

/** Builds a docker save-like tar: the given manifest.json text beside one classic layer of zero bytes. */
function archiveWithManifest(manifest: string): Promise<Buffer> {
  return buildTar([
    { name: 'manifest.json', content: manifest },
    { name: 'abc/', type: 'directory' },
    { name: 'abc/layer.tar', content: new Uint8Array(1024) },
  ]);
}

describe('image metadata members make an image, never a rootfs', () => {
  const shapes: [string, string, string][] = [
    ['null', 'null', 'expected an array of image entries, found null'],
    ['an empty array', '[]', 'it lists no image'],
    ['null Layers', '[{"Config":"x","Layers":null}]', 'entry 1 "Layers" is null, expected an array of file names'],
    ['a numeric Config', '[{"Config":7,"Layers":{"a":1}}]', 'entry 1 "Config" is the number 7, expected a file name'],
    ['no Config', '[{"Layers":["abc/layer.tar"]}]', 'entry 1 "Config" is missing, expected a file name'],
    ['a numeric layer name', '[{"Config":"x","Layers":["abc/layer.tar",5]}]', 'entry 1 "Layers" item 2 is the number 5, expected a file name'],
    ['100,000 nested arrays', '['.repeat(100_000) + ']'.repeat(100_000), 'entry 1 is an array, expected an object'],
  ];
  for (const [label, manifest, reason] of shapes) {
    it(`manifest.json with ${label} is IMAGE_INVALID`, async () => {
      const error = await failure(await archiveWithManifest(manifest));
      expect(error.code).toBe('IMAGE_INVALID');
      expect(error.file).toBe(join(workDir, `archive-${counter - 1}.tar`));
      expect(error.message).toContain(`manifest.json is not a docker save manifest: ${reason}`);
    });
  }

  it('index.json without oci-layout is IMAGE_INVALID', async () => {
    const { files } = await buildImage({ layers: [{ entries: BASE_ENTRIES }] });
    files.delete('oci-layout');
    const error = await failure(await packLayout(files));
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.message).toContain('the archive has index.json but no oci-layout, so it is an incomplete OCI image layout');
  });

  it('oci-layout without index.json is IMAGE_INVALID', async () => {
    const error = await failure(await buildTar([{ name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' }, ...BASE_ENTRIES]));
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.message).toContain('the archive has oci-layout but no index.json, so it is an incomplete OCI image layout');
  });

  it('oci-layout with another version is IMAGE_INVALID', async () => {
    const { files } = await buildImage({ layers: [{ entries: BASE_ENTRIES }] });
    files.set('oci-layout', Buffer.from('{"imageLayoutVersion":"2.0.0"}'));
    const error = await failure(await packLayout(files));
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.message).toContain('oci-layout is not an OCI image layout file: expected {"imageLayoutVersion": "1.0.0"}, found "imageLayoutVersion" the string "2.0.0"');
  });

  it('invalid manifest.json beside OCI layout', async () => {
    const { files } = await buildImage({ layers: [{ entries: BASE_ENTRIES }] });
    files.set('manifest.json', Buffer.from('{}'));
    const error = await failure(await packLayout(files));
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.message).toContain('manifest.json is not a docker save manifest: expected an array of image entries, found an object');
  });

  it('repositories without manifest.json is IMAGE_INVALID', async () => {
    const error = await failure(await buildTar([{ name: 'repositories', content: '{"debian":{"12":"abc"}}' }, ...BASE_ENTRIES]));
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.message).toContain('a docker save from Docker before 1.10');
  });

  it('nested metadata names keep a rootfs', async () => {
    const entries: EntrySpec[] = [...BASE_ENTRIES, { name: 'srv/', type: 'directory' }, { name: 'srv/manifest.json', content: 'null' }, { name: 'srv/index.json', content: '[]' }];
    const target = await open(await buildTar(entries));
    expect(target.image.layerDigests).toEqual([]);
    expect((await target.fs.readFile('/srv/manifest.json')).toString()).toBe('null');
    expect((await target.facts()).osName).toBe('Test Linux');
  });
});

describe('layer count and repeated layers', () => {
  const extra: EntrySpec[] = [{ name: 'opt/', type: 'directory' }, { name: 'opt/tool', content: 'tool' }];

  it('more than 127 layers is IMAGE_INVALID', async () => {
    const { files, manifestDigest } = await buildImage({ layers: Array.from({ length: 128 }, () => ({ entries: BASE_ENTRIES })) });
    files.delete('manifest.json');
    const error = await failure(await packLayout(files));
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.message).toContain(`image manifest ${manifestDigest} lists 128 layers, more than the 127 that Docker allows in an image`);
  });

  it('classic manifest with 2,000 layers is IMAGE_INVALID', async () => {
    const layer = await buildTar(BASE_ENTRIES);
    const manifest = JSON.stringify([{ Config: 'config.json', Layers: Array.from({ length: 2000 }, () => 'abc/layer.tar') }]);
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: Array.from({ length: 2000 }, () => sha256(layer)) } });
    const archive = await buildTar([
      { name: 'manifest.json', content: manifest },
      { name: 'config.json', content: config },
      { name: 'abc/layer.tar', content: layer },
    ]);
    const error = await failure(archive);
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.message).toContain('manifest.json entry config.json lists 2000 layers, more than the 127 that Docker allows in an image');
  });

  it('127 layers open', async () => {
    const target = await open(await packLayout((await buildImage({ layers: Array.from({ length: 127 }, () => ({ entries: BASE_ENTRIES })) })).files));
    expect(target.image.layerDigests).toHaveLength(127);
    expect((await target.fs.readFile('/etc/passwd')).toString()).toContain('IMAGE-PASSWD-MARKER');
  });

  it('repeated layer is hashed once', async () => {
    const once = await packLayout((await buildImage({ layers: [{ entries: BASE_ENTRIES }] })).files);
    const thrice = await packLayout((await buildImage({ layers: [{ entries: BASE_ENTRIES }, { entries: BASE_ENTRIES }, { entries: BASE_ENTRIES }] })).files);

    hashes.length = 0;
    await open(once);
    const hashesForOne = hashes.length;
    hashes.length = 0;
    await open(thrice);
    expect(hashesForOne).toBeGreaterThan(2);
    expect(hashes.length).toBe(hashesForOne);
  });

  it('repeated empty layer keeps its place', async () => {
    const empty: EntrySpec[] = [];
    const removeTool: EntrySpec[] = [{ name: 'opt/', type: 'directory' }, { name: 'opt/.wh.tool', content: '' }];
    const built = await buildImage({ layers: [{ entries: BASE_ENTRIES }, { entries: empty }, { entries: extra }, { entries: empty }, { entries: removeTool }, { entries: empty }] });
    const target = await open(await packLayout(built.files));
    expect(target.image.layerDigests).toHaveLength(6);
    expect(target.image.layerDigests[1]).toBe(target.image.layerDigests[3]);
    expect((await target.fs.readdir('/opt')).map((entry) => entry.name)).toEqual([]);
    expect((await target.fs.readFile('/etc/os-release')).toString()).toContain('Test Linux');
  });

  for (const gzip of [true, false]) {
    it(`repeated ${gzip ? 'gzip' : 'plain'} layer is applied again`, async () => {
      const first: EntrySpec[] = [{ name: 'opt/', type: 'directory' }, { name: 'opt/tool', content: 'first' }, { name: 'opt/link', type: 'link', linkname: 'opt/tool' }];
      const second: EntrySpec[] = [{ name: 'opt/', type: 'directory' }, { name: 'opt/tool', content: 'second' }, { name: 'opt/.wh.link', content: '' }];
      const built = await buildImage({ layers: [{ entries: BASE_ENTRIES, gzip }, { entries: first, gzip }, { entries: second, gzip }, { entries: first, gzip }] });
      const target = await open(await packLayout(built.files));
      expect(target.image.layerDigests[1]).toBe(target.image.layerDigests[3]);
      expect((await target.fs.readFile('/opt/tool')).toString()).toBe('first');
      expect((await target.fs.readFile('/opt/link')).toString()).toBe('first');
      expect((await target.fs.lstat('/opt/link'))?.nlink).toBe(2);
    });
  }

  it('second blob with a repeated diff_id is verified', async () => {
    const first = await buildTar(BASE_ENTRIES);
    const second = await buildTar([...BASE_ENTRIES, ...extra]);
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(first), sha256(first)] } });
    const archive = await buildTar([
      { name: 'manifest.json', content: JSON.stringify([{ Config: 'config.json', Layers: ['a/layer.tar', 'b/layer.tar'] }]) },
      { name: 'config.json', content: config },
      { name: 'a/layer.tar', content: first },
      { name: 'b/layer.tar', content: second },
    ]);
    const error = await failure(archive);
    expect(error.code).toBe('DIGEST_MISMATCH');
    expect(error.message).toContain(`layer 2 (b/layer.tar) uncompressed tar (diff_id) does not match its digest: expected ${sha256(first)}, found ${sha256(second)}`);
  });
});
