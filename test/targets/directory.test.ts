import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isScapulaError } from '../../lib/errors.js';
import { openDirectoryTarget } from '../../lib/targets/directory.js';
import { decodeElfMachine, parseOsRelease } from '../../lib/targets/os-release.js';
import type { Target } from '../../lib/targets/target.js';

let workDir: string;
let root: string;
let target: Target;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'scapula-directory-'));
  root = join(workDir, 'root');
  mkdirSync(join(root, 'etc/sub'), { recursive: true });
  mkdirSync(join(root, 'usr/lib'), { recursive: true });
  writeFileSync(join(workDir, 'secret'), 'outside the root\n');
  writeFileSync(join(root, 'etc/hostname'), '\nbuild-host\n');
  writeFileSync(join(root, 'usr/lib/os-release'), 'NAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n');
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  writeFileSync(join(root, 'etc/sub/file'), '0123456789');

  // Escapes that must resolve inside the root.
  symlinkSync('/../../../secret', join(root, 'etc/absolute-escape'));
  symlinkSync('../../../../secret', join(root, 'etc/relative-escape'));
  symlinkSync('/etc/passwd', join(root, 'etc/passwd-link'));
  symlinkSync('sub', join(root, 'etc/sub-link'));
  symlinkSync('/', join(root, 'etc/root-link'));
  symlinkSync(workDir, join(root, 'etc/host-dir-link'));

  // Loops.
  symlinkSync('loop-b', join(root, 'etc/loop-a'));
  symlinkSync('loop-a', join(root, 'etc/loop-b'));
  symlinkSync('self', join(root, 'etc/self'));

  execFileSync('mkfifo', [join(root, 'etc/fifo')]);
  utimesSync(join(root, 'etc/sub/file'), 1_600_000_000, 1_700_000_000);

  target = await openDirectoryTarget(root);
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isScapulaError(error)) return error.code;
    throw error;
  }
  return 'no error';
}

describe('directory target paths', () => {
  it('names a missing root directory', async () => {
    const missing = join(root, 'no-such-root');
    const error = await openDirectoryTarget(missing).catch((caught: unknown) => caught);
    expect(isScapulaError(error, 'NOT_FOUND')).toBe(true);
    expect((error as Error).message).toBe(`${missing}: the root directory does not exist`);
  });

  it('reads a plain file', async () => {
    const bytes = await target.fs.readFile('/etc/passwd');
    expect(Buffer.from(bytes).toString()).toBe('root:x:0:0:root:/root:/bin/bash\n');
  });

  it('keeps an absolute link escape inside the root', async () => {
    expect(await target.fs.stat('/etc/absolute-escape')).toBeNull();
    expect(await errorCode(target.fs.readFile('/etc/absolute-escape'))).toBe('NOT_FOUND');
  });

  it('keeps a relative link escape inside the root', async () => {
    expect(await target.fs.stat('/etc/relative-escape')).toBeNull();
  });

  it('keeps dot-dot at the root', async () => {
    const bytes = await target.fs.readFile('/../../etc/../../etc/passwd');
    expect(Buffer.from(bytes).toString()).toContain('root:x:0:0');
  });

  it('resolves an absolute link against the root', async () => {
    expect(await target.fs.realpath('/etc/passwd-link')).toBe('/etc/passwd');
    const bytes = await target.fs.readFile('/etc/passwd-link');
    expect(Buffer.from(bytes).toString()).toContain('root:x:0:0');
  });

  it('resolves a host path link inside the root', async () => {
    // The link names the host directory that contains the root, which does not exist inside the root.
    expect(await target.fs.stat('/etc/host-dir-link/secret')).toBeNull();
    expect(await target.fs.stat('/etc/host-dir-link/root/etc/passwd')).toBeNull();
  });

  it('follows links in the middle of a path', async () => {
    expect(await target.fs.realpath('/etc/sub-link/file')).toBe('/etc/sub/file');
    expect(await target.fs.realpath('/etc/root-link/etc/root-link/etc/passwd')).toBe('/etc/passwd');
  });

  it('lstat does not follow a final link', async () => {
    const linkStat = await target.fs.lstat('/etc/passwd-link');
    expect(linkStat?.type).toBe('symlink');
    const fileStat = await target.fs.stat('/etc/passwd-link');
    expect(fileStat?.type).toBe('file');
    expect(await target.fs.readlink('/etc/passwd-link')).toBe('/etc/passwd');
  });

  it('stops a two-link loop with PATH_LOOP', async () => {
    expect(await errorCode(target.fs.stat('/etc/loop-a'))).toBe('PATH_LOOP');
    expect(await errorCode(target.fs.readFile('/etc/self'))).toBe('PATH_LOOP');
  });

  it('lstat of a loop link returns the link', async () => {
    expect((await target.fs.lstat('/etc/loop-a'))?.type).toBe('symlink');
  });

  it('never opens a FIFO', async () => {
    expect((await target.fs.stat('/etc/fifo'))?.type).toBe('fifo');
    // Opening a FIFO for reading without a writer would block; SPECIAL_FILE must come first.
    expect(await errorCode(target.fs.readFile('/etc/fifo'))).toBe('SPECIAL_FILE');
    expect(await errorCode(target.fs.readRange('/etc/fifo', 0, 10))).toBe('SPECIAL_FILE');
  });

  it('reports a file used as a directory', async () => {
    expect(await errorCode(target.fs.stat('/etc/passwd/x'))).toBe('NOT_A_DIRECTORY');
    expect(await errorCode(target.fs.readdir('/etc/passwd'))).toBe('NOT_A_DIRECTORY');
  });

  it('returns null for a missing path', async () => {
    expect(await target.fs.lstat('/no/such/path')).toBeNull();
    expect(await errorCode(target.fs.readFile('/no/such/path'))).toBe('NOT_FOUND');
  });

  it('reads ranges and chunks', async () => {
    expect(Buffer.from(await target.fs.readRange('/etc/sub/file', 3, 4)).toString()).toBe('3456');
    expect(Buffer.from(await target.fs.readRange('/etc/sub/file', 8, 10)).toString()).toBe('89');
    const chunks: string[] = [];
    for await (const chunk of target.fs.readChunks('/etc/sub/file', 4)) chunks.push(Buffer.from(chunk).toString());
    expect(chunks).toEqual(['0123', '4567', '89']);
  });

  it('reads a file larger than one buffer', async () => {
    const bytes = Buffer.alloc(300_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) % 251;
    writeFileSync(join(root, 'etc/large'), bytes);
    expect(Buffer.from(await target.fs.readFile('/etc/large')).equals(bytes)).toBe(true);
    expect(await errorCode(target.fs.readFile('/etc/large', { maxBytes: 299_999 }))).toBe('LIMIT');
    expect((await target.fs.readFile('/etc/large', { maxBytes: 300_000 })).byteLength).toBe(300_000);
  });

  it('rejects a file over maxBytes', async () => {
    expect(await errorCode(target.fs.readFile('/etc/sub/file', { maxBytes: 9 }))).toBe('LIMIT');
    expect((await target.fs.readFile('/etc/sub/file', { maxBytes: 10 })).byteLength).toBe(10);
  });

  it('lists a directory sorted with types', async () => {
    const entries = await target.fs.readdir('/etc/sub-link');
    expect(entries).toEqual([{ name: 'file', type: 'file' }]);
    const names = (await target.fs.readdir('/etc')).map((entry) => entry.name);
    expect(names).toEqual([...names].sort());
    expect(names).toContain('fifo');
  });

  it('stat reports mode, size and times', async () => {
    const fileStat = await target.fs.stat('/etc/sub/file');
    const hostStat = statSync(join(root, 'etc/sub/file'));
    expect(fileStat?.size).toBe(10);
    expect(fileStat?.mtime).toBe(1_700_000_000);
    expect(fileStat?.atime).toBe(1_600_000_000);
    expect(fileStat?.mode).toBe(hostStat.mode & 0o7777);
    expect(fileStat?.ino).toBe(hostStat.ino);
  });

  it('reading leaves the access time alone', async () => {
    await target.fs.readFile('/etc/sub/file');
    expect(statSync(join(root, 'etc/sub/file')).atimeMs).toBe(1_600_000_000_000);
  });
});

describe('directory target facts', () => {
  it('reads os-release, hostname and no environment', async () => {
    const facts = await target.facts();
    expect(facts.osName).toBe('Debian GNU/Linux');
    expect(facts.osVersion).toBe('12');
    expect(facts.primaryHostName).toBe('build-host');
    expect(facts.environment).toBeNull();
    expect(facts.uname).toBeNull();
    expect(facts.architecture).toBe('unknown');
    expect(target.live).toBe(false);
  });

  it('rejects a root that is a file', async () => {
    expect(await errorCode(openDirectoryTarget(join(root, 'etc/passwd')))).toBe('NOT_A_DIRECTORY');
    expect(await errorCode(openDirectoryTarget(join(workDir, 'missing')))).toBe('NOT_FOUND');
  });
});

describe('os-release parsing', () => {
  it('unquotes values and skips comments', () => {
    const fields = parseOsRelease('# comment\nNAME="Debian \\"GNU\\"/Linux"\nID=debian\nVERSION=\'12 (bookworm)\'\nbad line\n');
    expect(fields.get('NAME')).toBe('Debian "GNU"/Linux');
    expect(fields.get('ID')).toBe('debian');
    expect(fields.get('VERSION')).toBe('12 (bookworm)');
    expect(fields.size).toBe(3);
  });
});

describe('ELF architecture', () => {
  function elfHeader(is64Bit: boolean, littleEndian: boolean, machine: number): Uint8Array {
    const header = new Uint8Array(20);
    header.set([0x7f, 0x45, 0x4c, 0x46, is64Bit ? 2 : 1, littleEndian ? 1 : 2, 1]);
    if (littleEndian) header.set([machine & 0xff, machine >> 8], 18);
    else header.set([machine >> 8, machine & 0xff], 18);
    return header;
  }

  it('names common machines as uname -m does', () => {
    expect(decodeElfMachine(elfHeader(true, true, 0x3e))).toBe('x86_64');
    expect(decodeElfMachine(elfHeader(true, true, 0xb7))).toBe('aarch64');
    expect(decodeElfMachine(elfHeader(true, false, 0x16))).toBe('s390x');
    expect(decodeElfMachine(elfHeader(true, true, 0x15))).toBe('ppc64le');
    expect(decodeElfMachine(elfHeader(false, true, 0x03))).toBe('i686');
  });

  it('rejects a header that is not ELF', () => {
    expect(decodeElfMachine(new Uint8Array(20))).toBeNull();
    expect(decodeElfMachine(new Uint8Array([0x7f, 0x45]))).toBeNull();
  });

  it('reads the machine of a real /bin/sh', async () => {
    const hostRoot = await openDirectoryTarget('/');
    const architecture = (await hostRoot.facts()).architecture;
    expect(architecture).toBe(execFileSync('uname', ['-m']).toString().trim());
  });
});

describe('directory target caches', () => {
  let cacheRoot: string;
  let cached: Target;

  beforeAll(async () => {
    cacheRoot = mkdtempSync(join(tmpdir(), 'scapula-directory-cache-'));
    mkdirSync(join(cacheRoot, 'dir'));
    writeFileSync(join(cacheRoot, 'dir/file'), 'x');
    writeFileSync(join(cacheRoot, 'plain'), 'y');
    symlinkSync('file', join(cacheRoot, 'dir/final-link'));
    symlinkSync('/dir', join(cacheRoot, 'short'));
    // link1 -> link2 -> ... -> link40 -> dir: resolving /link1 follows exactly 40 links.
    for (let i = 1; i <= 40; i++) symlinkSync(i === 40 ? 'dir' : `link${i + 1}`, join(cacheRoot, `link${i}`));
    cached = await openDirectoryTarget(cacheRoot);
  });

  afterAll(() => rmSync(cacheRoot, { recursive: true, force: true }));

  it('counts links followed in a cached parent', async () => {
    expect((await cached.fs.stat('/link1'))?.type).toBe('directory');
    expect((await cached.fs.stat('/link1/file'))?.type).toBe('file');
    // The parent took 40 links, so following one more at the end exceeds the limit.
    expect(await errorCode(cached.fs.stat('/link1/final-link'))).toBe('PATH_LOOP');
    expect((await cached.fs.lstat('/link1/final-link'))?.type).toBe('symlink');
  });

  it('names the component that is not a directory', async () => {
    await cached.fs.lstat('/plain');
    await expect(cached.fs.lstat('/plain/x/y')).rejects.toThrow('/plain/x/y: /plain is not a directory');
    await expect(cached.fs.lstat('/plain/x/y')).rejects.toThrow('/plain/x/y: /plain is not a directory');
  });

  it('resolves dot-dot after a cached directory', async () => {
    await cached.fs.stat('/short/file');
    expect(await cached.fs.realpath('/short/../plain')).toBe('/plain');
    expect(await cached.fs.realpath('/short/final-link')).toBe('/dir/file');
  });

  it('returns missing paths under a missing parent', async () => {
    expect(await cached.fs.lstat('/missing/child')).toBeNull();
    expect(await cached.fs.lstat('/missing/child/grandchild')).toBeNull();
  });

  it('reads a resolved small file to its end', async () => {
    writeFileSync(join(cacheRoot, 'growing'), 'start');
    expect(Buffer.from(await cached.fs.readFile('/growing')).toString()).toBe('start');
    // The cached lstat still records 5 bytes, so the read must go by the open file instead.
    writeFileSync(join(cacheRoot, 'growing'), 'start and more');
    expect(Buffer.from(await cached.fs.readFile('/growing')).toString()).toBe('start and more');
    expect(await errorCode(cached.fs.readFile('/growing', { maxBytes: 13 }))).toBe('LIMIT');
  });

  it('rejects a small file swapped after resolving', async () => {
    writeFileSync(join(cacheRoot, 'swapped'), 'first');
    expect(Buffer.from(await cached.fs.readFile('/swapped')).toString()).toBe('first');
    writeFileSync(join(cacheRoot, 'swapped.new'), 'second');
    renameSync(join(cacheRoot, 'swapped.new'), join(cacheRoot, 'swapped'));
    await expect(cached.fs.readFile('/swapped')).rejects.toThrow('/swapped changed while it was being opened');
  });

  it('hands out a fresh listing each time', async () => {
    const first = await cached.fs.readdir('/dir');
    first[0].name = 'changed';
    first.pop();
    expect(await cached.fs.readdir('/dir')).toEqual([
      { name: 'file', type: 'file' },
      { name: 'final-link', type: 'symlink' },
    ]);
  });
});
