/**
 * The bookworm fixture in its three forms: the docker save archive and the OCI layout merge to
 * the same tree, and that tree differs from the base rootfs only by what layer 2 changes.
 */
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { openImageTarget, type ImageTarget } from '../../../lib/targets/image/index.js';
import { missingSharedReason, skipWithoutShared } from '../../fixtures.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const bookwormDir = resolve(repoRoot, '../shared/fixtures/images/bookworm');

interface WalkedEntry {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** sha256 of a file's content, or a symlink's target. */
  content?: string;
}

/** Walks the whole tree, hashing every regular file and reading every link. */
async function walk(target: ImageTarget): Promise<Map<string, WalkedEntry>> {
  const entries = new Map<string, WalkedEntry>();
  const pending = ['/'];
  while (pending.length > 0) {
    const directory = pending.pop()!;
    for (const { name, type } of await target.fs.readdir(directory)) {
      const path = directory === '/' ? `/${name}` : `${directory}/${name}`;
      const stat = (await target.fs.lstat(path))!;
      const entry: WalkedEntry = { type: stat.type, mode: stat.mode, uid: stat.uid, gid: stat.gid, size: stat.size };
      if (type === 'directory') pending.push(path);
      if (type === 'symlink') entry.content = await target.fs.readlink(path);
      if (type === 'file') {
        const hash = createHash('sha256');
        for await (const chunk of target.fs.readChunks(path, 256 * 1024)) hash.update(chunk);
        entry.content = hash.digest('hex');
      }
      entries.set(path, entry);
    }
  }
  return entries;
}

async function md5Of(target: ImageTarget, path: string): Promise<string> {
  return createHash('md5').update(await target.fs.readFile(path)).digest('hex');
}

let dockerSave: ImageTarget;
let ociLayout: ImageTarget;
let rootfs: ImageTarget;
let dockerSaveTree: Map<string, WalkedEntry>;
let ociTree: Map<string, WalkedEntry>;
let rootfsTree: Map<string, WalkedEntry>;

beforeAll(async () => {
  if (missingSharedReason(bookwormDir) !== null) return;
  dockerSave = await openImageTarget(resolve(bookwormDir, 'bookworm-docker-save.tar'));
  ociLayout = await openImageTarget(resolve(bookwormDir, 'bookworm-oci'));
  rootfs = await openImageTarget(resolve(bookwormDir, 'bookworm-rootfs.tar.gz'));
  dockerSaveTree = await walk(dockerSave);
  ociTree = await walk(ociLayout);
  rootfsTree = await walk(rootfs);
}, 120_000);

afterAll(async () => {
  await Promise.all([dockerSave?.close(), ociLayout?.close(), rootfs?.close()]);
});

beforeEach((context) => skipWithoutShared(context, bookwormDir));

describe('bookworm merged views', () => {
  it('docker save equals the OCI layout', () => {
    expect(dockerSaveTree.size).toBe(ociTree.size);
    for (const [path, entry] of dockerSaveTree) expect(ociTree.get(path), path).toEqual(entry);
  });

  it('image removes what layer 2 whites out', () => {
    const removed = [...rootfsTree.keys()].filter((path) => !dockerSaveTree.has(path)).sort();
    expect(removed).toEqual(['/etc/issue.net', '/etc/sudoers.d/README']);
  });

  it('image adds what layer 2 adds', () => {
    const added = [...dockerSaveTree.keys()].filter((path) => !rootfsTree.has(path)).sort();
    expect(added).toEqual([
      '/etc/profile.d/scapula-env.sh',
      '/etc/sudoers.d/90-scapula',
      '/opt/orphan',
      '/opt/orphan/data.txt',
      '/root/.ssh',
      '/root/.ssh/authorized_keys',
      '/root/.ssh/id_ed25519',
      '/srv/dropbox',
      '/srv/dropbox/shadow.bak',
      '/usr/local/bin/suidhelper',
      '/var/cache/apt/archives/scapula-leftover_1.0_all.deb',
    ]);
  });

  it('image changes only the files layer 2 rewrites', () => {
    const changed = [...dockerSaveTree.keys()]
      .filter((path) => rootfsTree.has(path))
      .filter((path) => JSON.stringify(rootfsTree.get(path)) !== JSON.stringify(dockerSaveTree.get(path)))
      .sort();
    expect(changed).toEqual(['/etc/login.defs', '/etc/passwd', '/etc/shadow', '/usr/bin/ssh-copy-id', '/var/lib/dpkg/status']);
  });

  it('layer 2 modes, owners and contents win', async () => {
    expect(dockerSaveTree.get('/srv/dropbox')).toMatchObject({ type: 'directory', mode: 0o777 });
    expect(dockerSaveTree.get('/usr/local/bin/suidhelper')).toMatchObject({ type: 'file', mode: 0o4755, uid: 0, size: 35664 });
    expect(dockerSaveTree.get('/etc/profile.d/scapula-env.sh')).toMatchObject({ mode: 0o666 });
    expect(dockerSaveTree.get('/opt/orphan/data.txt')).toMatchObject({ uid: 4242, gid: 4242 });
    expect(dockerSaveTree.get('/etc/shadow')).toMatchObject({ mode: 0o640, uid: 0, gid: 42 });
    expect(await md5Of(dockerSave, '/etc/login.defs')).toBe('be9f8d5c6037b002c26587c0faf535a6');
    expect(await md5Of(dockerSave, '/usr/bin/ssh-copy-id')).toBe('ba060b54d5043f8c2b5c58fbf07c2e34');
    expect(await md5Of(rootfs, '/usr/bin/ssh-copy-id')).toBe('def23132436446aaa9dcf3d56bbf0875');
    expect(await dockerSave.fs.readdir('/etc/sudoers.d')).toEqual([{ name: '90-scapula', type: 'file' }]);
  });

  it('shadow.bak resolves inside the image', async () => {
    expect(await dockerSave.fs.readlink('/srv/dropbox/shadow.bak')).toBe('/etc/shadow');
    expect(await dockerSave.fs.realpath('/srv/dropbox/shadow.bak')).toBe('/etc/shadow');
    const shadow = Buffer.from(await dockerSave.fs.readFile('/srv/dropbox/shadow.bak')).toString('utf8');
    expect(shadow).toContain('\ntoor::20791:0:99999:7:::\n');
  });

  it('hard links in the base share an inode', async () => {
    const perl = await rootfs.fs.lstat('/usr/bin/perl');
    const versioned = await rootfs.fs.lstat('/usr/bin/perl5.36.0');
    expect(versioned?.ino).toBe(perl?.ino);
    expect(perl?.nlink).toBe(2);
  });
});

describe('bookworm metadata and facts', () => {
  it('image metadata comes from the index and config', () => {
    for (const target of [dockerSave, ociLayout]) {
      expect(target.image).toMatchObject({
        references: ['docker.io/scapula-fixtures/bookworm:test', ...(target === dockerSave ? ['scapula-fixtures/bookworm:test'] : [])],
        indexDigest: 'sha256:a77bff161f8a7f22da08b7d9ce1b54a9ff85c41109f8a640db8eb3a24e36f818',
        manifestDigest: 'sha256:89ebc5b4fc58362170cac645a6f5d2f027a94c0f5cd2ef563b998b56f12d503c',
        configDigest: 'sha256:67f48c3631f82959549d01829e83c442a97e2de0e4c28d66b5828f1574e9351e',
        layerDigests: [
          'sha256:0aa946a7a03096f8a441695449ed5bbef2bc0dc39e71c83f5785d3212b1fc95b',
          'sha256:753ab156106c58122a9ce931f8d66be5b077aa279ab098fb8edcfb80f35bda84',
        ],
        diffIds: [
          'sha256:9ac0d5eeae9985d2dc5ca79d66786ca4273b2a37c91e8293c596a39b390b8a95',
          'sha256:09db7a7feec3657658fa64217201a78eebb99af881f34d7af0beb3a4bab9d2fb',
        ],
        os: 'linux',
        architecture: 'amd64',
        created: '2026-12-04T00:00:00Z',
        env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', SCAPULA_FIXTURE: 'bookworm-2layer' },
      });
      expect(target.image.labels['org.opencontainers.image.title']).toBe('scapula-fixtures/bookworm');
      expect(target.image.user).toBeUndefined();
    }
  });

  it('facts describe the image, not the host', async () => {
    expect(await dockerSave.facts()).toEqual({
      osName: 'Debian GNU/Linux',
      osVersion: '12 (bookworm)',
      architecture: 'amd64',
      primaryHostName: 'docker.io/scapula-fixtures/bookworm:test',
      interfaces: [],
      environment: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', SCAPULA_FIXTURE: 'bookworm-2layer' },
      uname: null,
    });
    expect(dockerSave.live).toBe(false);
    expect(dockerSave.kind).toBe('image');
  });

  it('rootfs facts read the ELF architecture', async () => {
    expect(await rootfs.facts()).toMatchObject({ osName: 'Debian GNU/Linux', osVersion: '12 (bookworm)', architecture: 'x86_64', primaryHostName: 'bookworm-rootfs.tar.gz', environment: null });
  });
});
