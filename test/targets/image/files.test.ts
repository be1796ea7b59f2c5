/** Tests how image files are found in a layout directory or a tar, and what is rejected. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ScapulaError } from '../../../lib/errors.js';
import { openImageTarget } from '../../../lib/targets/image/index.js';
import { BASE_ENTRIES, blobPath, buildImage, buildTar, packLayout, writeLayout, type EntrySpec } from './build.js';

let workDir: string;
let counter = 0;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'scapula-image-files-'));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

async function failure(input: string): Promise<ScapulaError> {
  try {
    const target = await openImageTarget(input, { tempDir: workDir });
    await target.close();
  } catch (error) {
    if (error instanceof ScapulaError) return error;
    throw error;
  }
  throw new Error('expected the image to be rejected');
}

/** Writes a one-layer layout directory and returns it with the layer blob's relative name. */
async function layoutDirectory(): Promise<{ directory: string; layer: string }> {
  const built = await buildImage({ layers: [{ entries: BASE_ENTRIES }] });
  const directory = join(workDir, `layout-${counter++}`);
  writeLayout(built.files, directory);
  return { directory, layer: blobPath(built.layerDigests[0]) };
}

describe('layout directory blobs', () => {
  it('FIFO blob is not a regular file', async () => {
    const { directory, layer } = await layoutDirectory();
    rmSync(join(directory, layer));
    execFileSync('mkfifo', [join(directory, layer)]);
    const error = await failure(directory);
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.file).toBe(directory);
    expect(error.message).toContain(`${layer} is not a regular file (it is a FIFO)`);
  });

  it('directory blob is not a regular file', async () => {
    const { directory, layer } = await layoutDirectory();
    rmSync(join(directory, layer));
    mkdirSync(join(directory, layer));
    const error = await failure(directory);
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.message).toContain(`${layer} is not a regular file (it is a directory)`);
  });

  it('blob linked outside points outside', async () => {
    const { directory, layer } = await layoutDirectory();
    const outside = join(workDir, `outside-${counter++}`);
    renameSync(join(directory, layer), outside);
    symlinkSync(outside, join(directory, layer));
    const error = await failure(directory);
    expect(error.code).toBe('IMAGE_INVALID');
    expect(error.message).toContain(`${layer} points outside the layout, so it is not read`);
  });

  it('dangling and looping links are named', async () => {
    const { directory, layer } = await layoutDirectory();
    rmSync(join(directory, layer));
    symlinkSync('missing-blob', join(directory, layer));
    expect((await failure(directory)).message).toContain(`${layer} is a symbolic link to a missing file`);

    rmSync(join(directory, layer));
    symlinkSync(layer.split('/').pop()!, join(directory, layer));
    expect((await failure(directory)).message).toContain(`${layer} is a symbolic link loop`);
  });

  it('missing blob is still missing', async () => {
    const { directory, layer } = await layoutDirectory();
    rmSync(join(directory, layer));
    expect((await failure(directory)).message).toContain(`layer 1 ${layer} is missing from the image`);
  });
});

describe('tar archive members', () => {
  async function archiveWithLayer(member: EntrySpec): Promise<{ path: string; layer: string }> {
    const built = await buildImage({ layers: [{ entries: BASE_ENTRIES }] });
    const layer = blobPath(built.layerDigests[0]);
    built.files.delete(layer);
    const names = [...built.files.keys()].sort();
    const bytes = await buildTar([...names.map((name) => ({ name, content: built.files.get(name)! })), { ...member, name: layer }]);
    const path = join(workDir, `archive-${counter++}.tar`);
    writeFileSync(path, bytes);
    return { path, layer };
  }

  const members: [string, EntrySpec, string][] = [
    ['symbolic link', { name: '', type: 'symlink', linkname: '/etc/passwd' }, 'a symbolic link'],
    ['FIFO', { name: '', type: 'fifo' }, 'a FIFO'],
    ['directory', { name: '', type: 'directory' }, 'a directory'],
  ];
  for (const [label, member, described] of members) {
    it(`${label} member is not a regular file`, async () => {
      const { path, layer } = await archiveWithLayer(member);
      const error = await failure(path);
      expect(error.code).toBe('IMAGE_INVALID');
      expect(error.file).toBe(path);
      expect(error.message).toContain(`${layer} is not a regular file (it is ${described})`);
    });
  }

  it('directory named index.json makes an image', async () => {
    const path = join(workDir, `archive-${counter++}.tar`);
    writeFileSync(path, await buildTar([{ name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' }, { name: 'index.json/', type: 'directory' }, ...BASE_ENTRIES]));
    expect((await failure(path)).message).toContain('index.json is not a regular file (it is a directory)');
  });

  it('packed layout still opens', async () => {
    const path = join(workDir, `archive-${counter++}.tar`);
    writeFileSync(path, await packLayout((await buildImage({ layers: [{ entries: BASE_ENTRIES }] })).files));
    const target = await openImageTarget(path, { tempDir: workDir });
    expect((await target.facts()).osName).toBe('Test Linux');
    await target.close();
  });
});
