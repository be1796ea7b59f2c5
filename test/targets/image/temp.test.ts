/** The image target writes only into its own temporary folder and removes it in every case. */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openImageTarget } from '../../../lib/targets/image/index.js';
import { BASE_ENTRIES, buildImage, packLayout, writeLayout } from './build.js';
import { skipWithoutShared } from '../../fixtures.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

let workDir: string;
let tempParent: string;
let gzipLayerArchive: string;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'scapula-image-temp-'));
  tempParent = join(workDir, 'temp');
  mkdirSync(tempParent);
  const built = await buildImage({ layers: [{ entries: [...BASE_ENTRIES, { name: 'data', content: 'spooled' }] }] });
  gzipLayerArchive = join(workDir, 'gzip-layer.tar');
  writeFileSync(gzipLayerArchive, await packLayout(built.files));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

/** Lists every entry below `root` with its type, size, mode and mtime. */
function snapshot(root: string): string[] {
  const lines: string[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const directory = pending.pop()!;
    for (const name of readdirSync(directory)) {
      const path = join(directory, name);
      const stats = lstatSync(path);
      lines.push(`${path} ${stats.mode} ${stats.size} ${stats.mtimeMs}`);
      if (stats.isDirectory()) pending.push(path);
    }
  }
  return lines.sort();
}

describe('temporary folder', () => {
  it('holds spooled layers and is removed on close', async () => {
    const target = await openImageTarget(gzipLayerArchive, { tempDir: tempParent });
    const folders = readdirSync(tempParent);
    expect(folders).toHaveLength(1);
    expect(folders[0]).toMatch(/^scapula-image-/);
    expect(readdirSync(join(tempParent, folders[0]))).toEqual(['layer-1.data']);

    await target.close();
    expect(readdirSync(tempParent)).toEqual([]);
    await target.close();
    await expect(target.fs.readFile('/data')).rejects.toMatchObject({ code: 'IO' });
  });

  it('uncompressed image needs no folder', async () => {
    const built = await buildImage({ layers: [{ entries: BASE_ENTRIES, gzip: false }] });
    const archive = join(workDir, 'plain-layer.tar');
    writeFileSync(archive, await packLayout(built.files));
    const target = await openImageTarget(archive, { tempDir: tempParent });
    expect(readdirSync(tempParent)).toEqual([]);
    expect(Buffer.from(await target.fs.readFile('/etc/passwd')).toString('utf8')).toContain('IMAGE-PASSWD-MARKER');
    await target.close();
  });

  it('is removed after an error', async () => {
    const built = await buildImage({ layers: [{ entries: BASE_ENTRIES }], tamper: { diffIds: (ids) => ids.map(() => `sha256:${'0'.repeat(64)}`) } });
    const archive = join(workDir, 'bad-diff-id.tar.gz');
    writeFileSync(archive, gzipSync(await packLayout(built.files)));
    await expect(openImageTarget(archive, { tempDir: tempParent })).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect(readdirSync(tempParent)).toEqual([]);
  });

  it('is removed on SIGTERM in process', async () => {
    const target = await openImageTarget(gzipLayerArchive, { tempDir: tempParent });
    expect(readdirSync(tempParent)).toHaveLength(1);

    // With another listener present, the handler cleans up without re-raising the signal.
    const keepAlive = (): void => {};
    process.on('SIGTERM', keepAlive);
    try {
      process.emit('SIGTERM', 'SIGTERM');
    } finally {
      process.off('SIGTERM', keepAlive);
    }
    expect(readdirSync(tempParent)).toEqual([]);
    await target.close();
  });

  it('SIGTERM removes it and still ends the process', async () => {
    const moduleDir = join(workDir, 'child');
    mkdirSync(join(moduleDir, 'targets/image'), { recursive: true });
    transpileTo(resolve(repoRoot, 'lib/errors.ts'), join(moduleDir, 'errors.js'));
    transpileTo(resolve(repoRoot, 'lib/targets/image/temp.ts'), join(moduleDir, 'targets/image/temp.js'));
    const script = join(moduleDir, 'child.mjs');
    writeFileSync(
      script,
      `import { writeFileSync } from 'node:fs';
import { TempFolder } from './targets/image/temp.js';
const folder = await TempFolder.create(process.argv[2]);
writeFileSync(folder.file('spool'), 'x');
console.log(folder.path);
setInterval(() => {}, 1000);
`,
    );
    writeFileSync(join(moduleDir, 'package.json'), '{"type":"module"}');

    const child = spawn(process.execPath, [script, tempParent], { stdio: ['ignore', 'pipe', 'inherit'] });
    const folder = await new Promise<string>((resolveLine) => child.stdout.once('data', (chunk: Buffer) => resolveLine(chunk.toString('utf8').trim())));
    expect(existsSync(join(folder, 'spool'))).toBe(true);

    const exited = new Promise<NodeJS.Signals | null>((resolveExit) => child.once('exit', (_code, signal) => resolveExit(signal)));
    child.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
    expect(existsSync(folder)).toBe(false);
  });
});

describe('cancellation', () => {
  it('abort while opening removes the folder', async (context) => {
    const bookworm = resolve(repoRoot, '../shared/fixtures/images/bookworm/bookworm-docker-save.tar');
    skipWithoutShared(context, bookworm);
    const controller = new AbortController();
    const opening = openImageTarget(bookworm, { tempDir: tempParent, signal: controller.signal });
    // Abort once spooling has begun, so that the folder exists and contains a partial spool file.
    const poll = setInterval(() => {
      if (readdirSync(tempParent).length > 0) {
        clearInterval(poll);
        controller.abort();
      }
    }, 5);
    await expect(opening).rejects.toMatchObject({ code: 'INTERRUPTED' });
    clearInterval(poll);
    expect(controller.signal.aborted).toBe(true);
    expect(readdirSync(tempParent)).toEqual([]);
  });
});

describe('scanned input', () => {
  it('layout directory is left unchanged', async () => {
    const built = await buildImage({ layers: [{ entries: [...BASE_ENTRIES, { name: 'a', content: 'one' }] }, { entries: [{ name: '.wh.a' }, { name: 'b', content: 'two' }] }] });
    const layout = join(workDir, 'layout');
    writeLayout(built.files, layout);
    const before = snapshot(layout);

    const target = await openImageTarget(layout, { tempDir: tempParent });
    expect(await target.fs.lstat('/a')).toBeNull();
    expect(Buffer.from(await target.fs.readFile('/b')).toString('utf8')).toBe('two');
    await target.close();

    expect(snapshot(layout)).toEqual(before);
    expect(readdirSync(tempParent)).toEqual([]);
  });

  it('archive bytes are left unchanged', async () => {
    const before = readFileSync(gzipLayerArchive);
    const target = await openImageTarget(gzipLayerArchive, { tempDir: tempParent });
    await target.fs.readFile('/data');
    await target.close();
    expect(readFileSync(gzipLayerArchive).equals(before)).toBe(true);
  });
});

function transpileTo(source: string, output: string): void {
  const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
  });
  writeFileSync(output, outputText);
}
