/** Randomly corrupted archives end in a ScapulaError or a readable image, never a crash or hang. */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { ScapulaError } from '../../../lib/errors.js';
import { bufferSource } from '../../../lib/io/source.js';
import { openImageTarget, type ImageTarget } from '../../../lib/targets/image/index.js';
import { describeWithShared } from '../../fixtures.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const casesDir = resolve(repoRoot, '../shared/fixtures/images/cases');
const CASES = ['whiteout-file.tar', 'docker-save-classic.tar', 'hardlink-cross-layer.tar', 'multiplatform-index.tar', 'zstd-layer.tar', 'rootfs-plain.tar', 'symlink-loops.tar'];
const ITERATIONS = 210;

let tempParent: string;

beforeAll(() => {
  tempParent = mkdtempSync(join(tmpdir(), 'scapula-image-corrupt-'));
});

afterAll(() => {
  rmSync(tempParent, { recursive: true, force: true });
});

/** A small linear congruential generator, so every run corrupts the same bytes. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

/** Walks the whole tree and reads every file, accepting only ScapulaErrors from reads. */
async function readEverything(target: ImageTarget): Promise<void> {
  const pending = ['/'];
  while (pending.length > 0) {
    const directory = pending.pop()!;
    for (const { name, type } of await target.fs.readdir(directory)) {
      const path = directory === '/' ? `/${name}` : `${directory}/${name}`;
      if (type === 'directory') pending.push(path);
      try {
        await target.fs.readFile(path);
      } catch (error) {
        if (!(error instanceof ScapulaError)) throw error;
      }
    }
  }
}

describeWithShared('corrupted archives', [casesDir], () => {
  it('fail only with ScapulaError', async () => {
    const random = seededRandom(12345);
    const outcomes = new Map<string, number>();

    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      const name = CASES[iteration % CASES.length];
      const bytes = readFileSync(resolve(casesDir, name));
      const flips = 1 + Math.floor(random() * 4);
      for (let flip = 0; flip < flips; flip++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);

      let outcome: string;
      try {
        const target = await openImageTarget(bufferSource(name, bytes), { verify: random() < 0.5, tempDir: tempParent, platform: name.startsWith('multi') ? 'linux/amd64' : undefined });
        await readEverything(target);
        await target.close();
        outcome = 'opened';
      } catch (error) {
        if (!(error instanceof ScapulaError)) throw new Error(`${name}, iteration ${iteration}: ${String(error)}`, { cause: error });
        outcome = error.code;
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }

    expect([...outcomes.values()].reduce((sum, count) => sum + count, 0)).toBe(ITERATIONS);
    expect(outcomes.get('IMAGE_INVALID')).toBeGreaterThan(0);
    expect(readdirSync(tempParent)).toEqual([]);
  }, 120_000);
});
