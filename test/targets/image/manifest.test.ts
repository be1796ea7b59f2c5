/** Tests that repeated descriptors and entries in image manifests and indexes are read once. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ScapulaError } from '../../../lib/errors.js';
import { openImageTarget } from '../../../lib/targets/image/index.js';
import { BASE_ENTRIES, blobPath, buildImage, buildTar, packLayout, sha256 } from './build.js';

let workDir: string;
let counter = 0;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'scapula-image-manifest-'));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

function writeArchive(bytes: Buffer): string {
  const path = join(workDir, `archive-${counter++}.tar`);
  writeFileSync(path, bytes);
  return path;
}

describe('repeated descriptors', () => {
  it('nested index listed many times is walked once', async () => {
    const built = await buildImage({ layers: [{ entries: BASE_ENTRIES }] });
    const top = JSON.parse(built.files.get('index.json')!.toString());
    const manifestDescriptor = top.manifests[0];

    // Three levels of indexes without media types, each listing the level below 100 times:
    // walking every listing would visit the manifest a million times.
    let descriptor = manifestDescriptor;
    for (let level = 0; level < 3; level++) {
      const index = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: Array.from({ length: 100 }, () => ({ digest: descriptor.digest, size: descriptor.size })) }));
      built.files.set(blobPath(sha256(index)), index);
      descriptor = { digest: sha256(index), size: index.byteLength };
    }
    built.files.set('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [descriptor] })));

    const started = Date.now();
    const target = await openImageTarget(writeArchive(await packLayout(built.files)), { tempDir: workDir });
    expect(target.image.manifestDigest).toBe(built.manifestDigest);
    expect(Date.now() - started).toBeLessThan(5000);
    await target.close();
  });

  it('config shared by many entries is read once', async () => {
    const layer = await buildTar(BASE_ENTRIES);
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { padding: 'x'.repeat(3_000_000) } }, rootfs: { type: 'layers', diff_ids: [sha256(layer)] } });
    const entries = Array.from({ length: 20_000 }, (_, position) => ({ Config: 'config.json', RepoTags: [`tag:${position}`], Layers: ['abc/layer.tar'] }));
    const archive = await buildTar([
      { name: 'manifest.json', content: JSON.stringify(entries) },
      { name: 'config.json', content: config },
      { name: 'abc/layer.tar', content: layer },
    ]);

    const started = Date.now();
    let error: unknown;
    try {
      await openImageTarget(writeArchive(archive), { tempDir: workDir, platform: 'linux/amd64' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ScapulaError);
    expect((error as ScapulaError).code).toBe('IMAGE_INVALID');
    expect((error as ScapulaError).message).toContain('the archive contains 20000 images for platform linux/amd64');
    expect((error as ScapulaError).message).toContain('; and 19990 more); save one image per archive');
    expect((error as ScapulaError).message.length).toBeLessThan(2000);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
