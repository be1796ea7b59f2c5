/**
 * Builds small image archives for tests: layer tars with tar-stream, optionally gzip, wrapped
 * as a Docker 25+ docker save / OCI layout tar, an OCI layout directory, or left as a rootfs tar.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';

export interface EntrySpec {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'character-device' | 'block-device';
  content?: string | Uint8Array;
  mode?: number;
  uid?: number;
  gid?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  pax?: Record<string, string>;
}

const FIXED_MTIME = new Date('2026-12-04T00:00:00Z');

/** Packs entries into an uncompressed tar, in the given order. */
export async function buildTar(entries: EntrySpec[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (chunk: Buffer) => chunks.push(chunk));
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });

  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const content = type === 'file' ? Buffer.from(entry.content ?? '') : undefined;
    const header = {
      name: entry.name,
      type,
      mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644),
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      mtime: FIXED_MTIME,
      linkname: entry.linkname,
      devmajor: entry.devmajor,
      devminor: entry.devminor,
      pax: entry.pax,
      size: content?.byteLength ?? 0,
    };
    await new Promise<void>((resolve, reject) => {
      const sink = content === undefined ? pack.entry(header, (error) => (error ? reject(error) : resolve())) : pack.entry(header, content, (error) => (error ? reject(error) : resolve()));
      if (content === undefined) sink.end();
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export interface LayerSpec {
  entries: EntrySpec[];
  /** Compress the layer blob with gzip (default true). */
  gzip?: boolean;
}

export interface ImageSpec {
  layers: LayerSpec[];
  architecture?: string;
  os?: string;
  variant?: string;
  env?: string[];
  labels?: Record<string, string>;
  user?: string;
  reference?: string;
  /** Changes a built blob before it is written, to test verification. */
  tamper?: { layerBlob?: (blob: Buffer, layer: number) => Buffer; diffIds?: (diffIds: string[]) => string[] };
}

export interface BuiltImage {
  /** Relative name → bytes of every file of the layout (oci-layout, index.json, blobs, manifest.json). */
  files: Map<string, Buffer>;
  manifestDigest: string;
  configDigest: string;
  layerDigests: string[];
  diffIds: string[];
}

/** Builds the blobs and JSON files of a one-platform OCI image, with docker save's manifest.json too. */
export async function buildImage(spec: ImageSpec): Promise<BuiltImage> {
  const files = new Map<string, Buffer>();
  const layerDescriptors = [];
  const layerDigests: string[] = [];
  let diffIds: string[] = [];

  for (const [position, layer] of spec.layers.entries()) {
    const plain = await buildTar(layer.entries);
    diffIds.push(sha256(plain));
    const gzip = layer.gzip ?? true;
    const blob = gzip ? gzipSync(plain) : plain;
    const digest = sha256(blob);
    files.set(blobPath(digest), spec.tamper?.layerBlob?.(blob, position) ?? blob);
    layerDigests.push(digest);
    layerDescriptors.push({
      mediaType: gzip ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.oci.image.layer.v1.tar',
      digest,
      size: blob.byteLength,
    });
  }
  if (spec.tamper?.diffIds !== undefined) diffIds = spec.tamper.diffIds(diffIds);

  const config = Buffer.from(
    JSON.stringify({
      architecture: spec.architecture ?? 'amd64',
      os: spec.os ?? 'linux',
      ...(spec.variant === undefined ? {} : { variant: spec.variant }),
      created: '2026-12-04T00:00:00Z',
      config: { Env: spec.env ?? ['PATH=/usr/bin:/bin'], Labels: spec.labels ?? {}, ...(spec.user === undefined ? {} : { User: spec.user }) },
      rootfs: { type: 'layers', diff_ids: diffIds },
    }),
  );
  const configDigest = sha256(config);
  files.set(blobPath(configDigest), config);

  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.byteLength },
      layers: layerDescriptors,
    }),
  );
  const manifestDigest = sha256(manifest);
  files.set(blobPath(manifestDigest), manifest);

  const reference = spec.reference ?? 'scapula-tests/image:test';
  files.set('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
  files.set(
    'index.json',
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: manifestDigest,
            size: manifest.byteLength,
            annotations: { 'io.containerd.image.name': `docker.io/${reference}`, 'org.opencontainers.image.ref.name': reference.split(':')[1] },
          },
        ],
      }),
    ),
  );
  files.set('manifest.json', Buffer.from(JSON.stringify([{ Config: blobPath(configDigest), RepoTags: [reference], Layers: layerDigests.map(blobPath) }])));
  return { files, manifestDigest, configDigest, layerDigests, diffIds };
}

/** Packs a layout's files into one tar, as docker save (Docker 25+) or an OCI archive. */
export async function packLayout(files: Map<string, Buffer>): Promise<Buffer> {
  const names = [...files.keys()].sort();
  return buildTar(names.map((name) => ({ name, content: files.get(name)! })));
}

/** Writes a layout's files into `directory`, as an OCI image layout directory. */
export function writeLayout(files: Map<string, Buffer>, directory: string): void {
  for (const [name, bytes] of files) {
    if (name === 'manifest.json') continue;
    mkdirSync(join(directory, name, '..'), { recursive: true });
    writeFileSync(join(directory, name), bytes);
  }
}

export function blobPath(digest: string): string {
  return `blobs/${digest.replace(':', '/')}`;
}

/** The base layer most tests build on: an os-release and a passwd file with a marker. */
export const BASE_ENTRIES: EntrySpec[] = [
  { name: 'etc/', type: 'directory' },
  { name: 'etc/os-release', content: 'NAME="Test Linux"\nVERSION_ID="1.2"\nID=test\n' },
  { name: 'etc/passwd', content: 'root:x:0:0:IMAGE-PASSWD-MARKER:/root:/bin/sh\n' },
];
