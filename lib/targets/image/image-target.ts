/**
 * The image target: a container image read in place from a `docker save` archive (classic or
 * Docker 25+), an OCI image layout (a directory or a tar) or a plain rootfs tar, each plain,
 * gzip or zstd. Layers are merged into an in-memory index. File contents stay in the archive
 * when their layer is uncompressed, and are copied to the target's own temporary folder when
 * it is compressed.
 */
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';

import { ScapulaError } from '../../errors.js';
import { decompressStream, detectCompression } from '../../io/decompress.js';
import type { ByteSource } from '../../io/source.js';
import { osNameAndVersion, readElfArchitecture, readOsRelease } from '../os-release.js';
import type { ImageMetadata, Target, TargetFacts } from '../target.js';
import { FileStore, SourceStore, type RandomAccessStore } from '../tree/content.js';
import { FileTree } from '../tree/tree.js';
import { TreeFileSystemView } from '../tree/view.js';
import { LayoutDirectoryFiles, indexTarArchive, readJsonRegion, type ImageFiles, type TarArchiveFiles } from './files.js';
import { applyLayer, hashingTransform, replayLayer, type LayerReadOptions, type RecordedEntry } from './layer.js';
import {
  machinePlatform,
  parseDockerManifest,
  parsePlatform,
  parseRepositories,
  planDockerSave,
  planOciLayout,
  repoTagsByConfigDigest,
  type DockerManifestEntry,
  type ImagePlan,
  type LayerPlan,
  type SelectOptions,
} from './manifest.js';
import { TempFolder } from './temp.js';

/**
 * The default entry limit. At about 250 bytes of heap per entry (measured with short names),
 * an index of this size takes about 500 MB.
 */
const DEFAULT_MAX_ENTRIES = 2_000_000;

/**
 * The default limit on uncompressed bytes, over all layers (and a compressed archive): 64 GiB,
 * many times the largest common images, so that a decompression bomb ends instead of filling
 * the disk with spooled contents.
 */
const DEFAULT_MAX_UNCOMPRESSED_BYTES = 64 * 1024 ** 3;

export interface ImageTargetOptions {
  /** The platform, "os/arch[/variant]", to pick from a multi-platform index. The default is the machine's, e.g. linux/amd64. */
  platform?: string;
  /** Check blob digests, sizes and diff_ids against the manifest and config (default true). */
  verify?: boolean;
  /** The folder in which the target makes its temporary folder (default: the OS temporary directory). */
  tempDir?: string;
  signal?: AbortSignal;
  /** The maximum number of tar entries, over all layers, that the target indexes (default 2,000,000). */
  maxEntries?: number;
  /** The maximum number of uncompressed bytes, over all layers, that the target reads (default 64 GiB). */
  maxUncompressedBytes?: number;
}

/** An image target, with the messages about entries that were skipped while merging layers. */
export interface ImageTarget extends Target {
  readonly kind: 'image';
  readonly image: ImageMetadata;
  /** Entries skipped while merging, such as a hard link to a missing file; empty for a clean image. */
  readonly warnings: readonly string[];
}

/**
 * Opens a container image archive or layout as a read-only target. Throws IMAGE_INVALID for
 * an input that cannot be read as an image or a rootfs tar, DIGEST_MISMATCH for a blob that
 * differs from its digest, and INTERRUPTED when `signal` aborts.
 */
export async function openImageTarget(input: string | ByteSource, options: ImageTargetOptions = {}): Promise<ImageTarget> {
  const source = typeof input === 'string' ? input : input.name;
  const resources = new OpenResources(options.tempDir);
  const warnings: string[] = [];

  try {
    const plan = await planImage(input, options, resources);

    const tree = new FileTree();
    await mergeLayers(tree, plan, options, resources, warnings);

    return new ImageTargetImpl(source, tree, plan, resources, warnings);
  } catch (error) {
    await resources.release();
    if (options.signal?.aborted && !(error instanceof ScapulaError && error.code === 'INTERRUPTED')) {
      throw new ScapulaError('INTERRUPTED', 'opening the image was cancelled', { file: source }, { cause: error });
    }
    throw error;
  }
}

/** The resources an open image target uses: content stores and, when needed, its temporary folder. */
class OpenResources {
  private readonly tempParent?: string;
  private temp: Promise<TempFolder> | null = null;
  readonly stores: { close(): Promise<void> }[] = [];

  constructor(tempParent?: string) {
    this.tempParent = tempParent;
  }

  /** Returns the temporary folder, made on first use. */
  tempFolder(): Promise<TempFolder> {
    this.temp ??= TempFolder.create(this.tempParent);
    return this.temp;
  }

  track<T extends { close(): Promise<void> }>(store: T): T {
    this.stores.push(store);
    return store;
  }

  async release(): Promise<void> {
    await Promise.all(this.stores.splice(0).map((store) => store.close().catch(() => {})));
    const temp = this.temp;
    this.temp = null;
    if (temp !== null) await (await temp.catch(() => null))?.remove();
  }
}

/** Recognises the input from its content and plans which layers to apply. */
async function planImage(input: string | ByteSource, options: ImageTargetOptions, resources: OpenResources): Promise<ImagePlan> {
  const select: SelectOptions = {
    platform: options.platform === undefined ? undefined : parsePlatform(options.platform),
    defaultPlatform: machinePlatform(),
    verify: options.verify ?? true,
  };

  if (typeof input === 'string' && (await isDirectory(input))) {
    const layout = resources.track(new LayoutDirectoryFiles(input));
    if ((await layout.find('index.json')) === null || (await layout.find('oci-layout')) === null) {
      throw new ScapulaError('IMAGE_INVALID', 'the directory is not an OCI image layout (it has no index.json and oci-layout); open an unpacked root file system as a directory target instead', { file: input });
    }
    return planOciLayout(layout, select, new Map());
  }

  const maxBytes = options.maxUncompressedBytes ?? DEFAULT_MAX_UNCOMPRESSED_BYTES;
  const { store, size } = await openArchive(input, resources, maxBytes, options.signal);
  const archive = await indexTarArchive(store, size, options.signal);

  // An archive with any image metadata member is an image, never a root file system: a
  // damaged or unexpected manifest is an error, not a reason to scan the archive's members.
  if (archive.has('oci-layout') !== archive.has('index.json')) {
    const [present, missing] = archive.has('oci-layout') ? ['oci-layout', 'index.json'] : ['index.json', 'oci-layout'];
    throw new ScapulaError('IMAGE_INVALID', `the archive has ${present} but no ${missing}, so it is an incomplete OCI image layout; if it is a root file system tar, unpack it and scan the folder as a directory target`, { file: archive.name });
  }
  if (archive.has('oci-layout')) {
    const dockerManifest = archive.has('manifest.json') ? await readDockerManifest(archive) : [];
    return planOciLayout(archive, select, repoTagsByConfigDigest(dockerManifest));
  }
  if (archive.has('manifest.json')) {
    const dockerManifest = await readDockerManifest(archive);
    const repositories = dockerManifest.length === 1 ? await readRepositories(archive) : [];
    return planDockerSave(archive, dockerManifest, repositories, select);
  }
  if (archive.has('repositories')) {
    throw new ScapulaError('IMAGE_INVALID', 'the archive has a repositories file but no manifest.json: it is a docker save from Docker before 1.10, which scapula does not read; save the image again with a current docker or podman', { file: archive.name });
  }
  return planRootfs(store, size);
}

/**
 * Opens the archive for random access. A compressed archive is decompressed once into the
 * temporary folder, because a tar inside gzip or zstd cannot be read at an offset.
 */
async function openArchive(input: string | ByteSource, resources: OpenResources, maxBytes: number, signal?: AbortSignal): Promise<{ store: RandomAccessStore; size: number }> {
  let store: RandomAccessStore;
  let size: number;
  if (typeof input === 'string') {
    store = resources.track(new FileStore(input));
    size = await fileSize(input);
  } else {
    store = new SourceStore(input);
    size = await input.size();
  }

  const compression = detectCompression(await store.read(0, Math.min(8, size)));
  if (compression === 'none') return { store, size };

  const temp = await resources.tempFolder();
  const decompressedPath = temp.file('archive.tar');
  const limit = hashingTransform(null, { value: 0 }, countUpTo(maxBytes, store.name));
  try {
    await pipeline(decompressStream(store.stream(0, size), compression, store.name), limit, createWriteStream(decompressedPath, { flags: 'wx', mode: 0o600 }), { signal });
  } catch (error) {
    if (signal?.aborted) throw new ScapulaError('INTERRUPTED', 'opening the image was cancelled', { file: store.name }, { cause: error });
    if (error instanceof ScapulaError && error.code === 'LIMIT') throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ScapulaError('IMAGE_INVALID', `cannot decompress the ${compression} archive: ${reason}`, { file: store.name }, { cause: error });
  }
  const decompressed = resources.track(new FileStore(decompressedPath, `${store.name} (decompressed)`));
  return { store: decompressed, size: await fileSize(decompressedPath) };
}

/** Returns a byte counter that raises LIMIT once more than `maxBytes` have passed. */
function countUpTo(maxBytes: number, name: string): (count: number) => void {
  let total = 0;
  return (count) => {
    total += count;
    if (total > maxBytes) {
      throw new ScapulaError('LIMIT', `the archive decompresses to more than ${maxBytes} bytes (the maxUncompressedBytes option)`, { file: name });
    }
  };
}

async function readDockerManifest(archive: TarArchiveFiles): Promise<DockerManifestEntry[]> {
  const region = (await archive.find('manifest.json'))!;
  const { value } = await readJsonRegion(region, 'docker save manifest');
  return parseDockerManifest(value, archive.name);
}

async function readRepositories(archive: ImageFiles): Promise<string[]> {
  const region = await archive.find('repositories');
  if (region === null) return [];
  return parseRepositories((await readJsonRegion(region, 'docker save repositories file')).value);
}

/** Plans a tar with no image manifest as a root file system: one layer with no digests to check. */
function planRootfs(store: RandomAccessStore, size: number): ImagePlan {
  return {
    layers: [{ region: { name: 'rootfs', store, offset: 0, size } }],
    metadata: { references: [], layerDigests: [], diffIds: [], os: 'linux', architecture: 'unknown', labels: {}, env: {} },
  };
}

/** Applies every layer bottom first, copying the file contents of compressed layers to spool files. */
async function mergeLayers(tree: FileTree, plan: ImagePlan, options: ImageTargetOptions, resources: OpenResources, warnings: string[]): Promise<void> {
  const readOptions: LayerReadOptions = {
    verify: options.verify ?? true,
    signal: options.signal,
    warnings,
    entryCount: { value: 0, maxEntries: options.maxEntries ?? DEFAULT_MAX_ENTRIES },
    uncompressedBytes: { value: 0, maxBytes: options.maxUncompressedBytes ?? DEFAULT_MAX_UNCOMPRESSED_BYTES },
  };

  // A layer listed twice (the empty layer of several build steps) is applied each time in its
  // place, but read, decompressed and verified only the first time.
  const listings = new Map<string, number>();
  for (const layerPlan of plan.layers) listings.set(blobKey(layerPlan), (listings.get(blobKey(layerPlan)) ?? 0) + 1);
  const recorded = new Map<string, RecordedEntry[]>();

  for (const [layer, layerPlan] of plan.layers.entries()) {
    const key = blobKey(layerPlan);
    const entries = recorded.get(key);
    if (entries !== undefined) {
      replayLayer(tree, layer, layerPlan, entries, readOptions);
      continue;
    }

    const record = listings.get(key)! > 1 ? [] : undefined;
    const spoolPath = async () => (await resources.tempFolder()).file(`layer-${layer + 1}.data`);
    const spool = await applyLayer(tree, layer, layerPlan, readOptions, spoolPath, record);
    if (spool !== null) resources.track(spool);
    if (record !== undefined) recorded.set(key, record);
  }
}

/** Returns a key that is equal for two layers exactly when they name the same bytes with the same digests. */
function blobKey(layer: LayerPlan): string {
  return `${layer.region.offset}:${layer.region.size}:${layer.digest}:${layer.diffId}`;
}

class ImageTargetImpl implements ImageTarget {
  readonly kind = 'image' as const;
  readonly live = false;
  readonly source: string;
  readonly fs: TreeFileSystemView;
  readonly image: ImageMetadata;
  readonly warnings: readonly string[];
  private readonly isRootfs: boolean;
  private readonly resources: OpenResources;
  private factsPromise?: Promise<TargetFacts>;

  constructor(source: string, tree: FileTree, plan: ImagePlan, resources: OpenResources, warnings: string[]) {
    this.source = source;
    this.fs = new TreeFileSystemView(tree);
    this.image = plan.metadata;
    this.isRootfs = plan.layers.length === 1 && plan.layers[0].diffId === undefined && plan.layers[0].digest === undefined;
    this.resources = resources;
    this.warnings = warnings;
  }

  facts(): Promise<TargetFacts> {
    this.factsPromise ??= this.readFacts();
    return this.factsPromise;
  }

  close(): Promise<void> {
    return this.resources.release();
  }

  /**
   * Describes the image, not the scanning host: OS from the image's os-release, architecture
   * and environment from its config, and the image reference as the host name. A rootfs tar
   * has no config, so its architecture comes from the ELF header of /bin/sh and its
   * environment is unknown (null).
   */
  private async readFacts(): Promise<TargetFacts> {
    const { osName, osVersion } = osNameAndVersion(await readOsRelease(this.fs));
    const architecture = this.isRootfs ? ((await readElfArchitecture(this.fs)) ?? 'unknown') : this.image.architecture;
    const primaryHostName = this.image.references[0] ?? this.image.manifestDigest ?? basename(this.source);

    return {
      osName,
      osVersion,
      architecture,
      primaryHostName,
      interfaces: [],
      environment: this.isRootfs ? null : { ...this.image.env },
      uname: null,
    };
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    const reason = missing ? 'no such file or directory' : (error as Error).message;
    throw new ScapulaError('IO', `cannot open the image: ${reason}`, { file: path }, { cause: error });
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    throw new ScapulaError('IO', `cannot read: ${(error as Error).message}`, { file: path }, { cause: error });
  }
}
