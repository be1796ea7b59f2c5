/** openTarget picks the image, directory or host target from its options. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openTarget } from '../../../lib/targets/open.js';
import { BASE_ENTRIES, buildTar } from './build.js';

let workDir: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'scapula-open-target-'));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

describe('openTarget', () => {
  it('image option opens an image target', async () => {
    const archive = join(workDir, 'rootfs.tar');
    writeFileSync(archive, await buildTar(BASE_ENTRIES));
    const target = await openTarget({ image: archive });
    expect(target.kind).toBe('image');
    expect(target.live).toBe(false);
    expect((await target.facts()).osName).toBe('Test Linux');
    await target.close();
  });

  it('root directory opens a directory target', async () => {
    const target = await openTarget({ root: workDir });
    expect(target.kind).toBe('directory');
    await target.close();
  });

  it('root "/" and no option open the host', async () => {
    for (const options of [{ root: '/' }, { root: '/./' }, {}]) {
      const target = await openTarget(options);
      expect(target.kind).toBe('host');
      expect(target.live).toBe(true);
      await target.close();
    }
  });

  it('image and root together is USAGE', async () => {
    await expect(openTarget({ image: 'a.tar', root: workDir })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('platform without an image is USAGE', async () => {
    await expect(openTarget({ root: workDir, platform: 'linux/amd64' })).rejects.toMatchObject({ code: 'USAGE' });
  });
});
