/**
 * Reads what an image is made of: the OCI index (nested indexes too) or docker save's
 * manifest.json, the selected image manifest, its config and the ordered layers. Every
 * digest is checked for its form before it names a file, so a manifest cannot point
 * outside the blob store.
 */
import { createHash } from 'node:crypto';

import { ScapulaError } from '../../errors.js';
import type { ImageMetadata } from '../target.js';
import { readJsonRegion, type FileRegion, type ImageFiles } from './files.js';

/** The maximum depth of nested image indexes. Real images nest one or two levels. */
const MAX_INDEX_DEPTH = 8;

/**
 * The maximum number of layers in an image: 127, the most lower directories that Docker's
 * graph drivers stack. moby's layer store allows 125, keeping two for a container's own layers.
 */
export const MAX_LAYERS = 127;

const DIGEST_PATTERN = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** One layer to apply, bottom first. */
export interface LayerPlan {
  region: FileRegion;
  /** The compressed blob's digest from the manifest, when the layout names one. */
  digest?: string;
  /** The uncompressed tar's digest from the config's rootfs.diff_ids. */
  diffId?: string;
  mediaType?: string;
}

export interface ImagePlan {
  layers: LayerPlan[];
  metadata: ImageMetadata;
}

export interface SelectOptions {
  /** The requested platform, or undefined to take the machine's when there is a choice. */
  platform?: Platform;
  defaultPlatform: Platform;
  verify: boolean;
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations: Record<string, string>;
}

interface ImageConfig {
  os: string;
  architecture: string;
  variant?: string;
  created?: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  user?: string;
  diffIds: string[];
}

/** A manifest found while walking the index, with what leads to it. */
interface ManifestCandidate {
  descriptor: Descriptor;
  /** The platform from the descriptor, or from the config when the descriptor has none. */
  platform?: Platform;
  references: string[];
  present: boolean;
}

const INDEX_MEDIA_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

/** Parses "os/arch[/variant]" as `--platform` takes it. */
export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((part) => part === '')) {
    throw new ScapulaError('USAGE', `invalid platform "${text}": expected os/architecture[/variant], e.g. linux/arm64/v8`);
  }
  return { os: parts[0], architecture: parts[1], variant: parts[2] };
}

export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter((part) => part !== undefined && part !== '').join('/');
}

/** Returns the OCI platform of the running machine: process.arch mapped to OCI's GOARCH names, os linux. */
export function machinePlatform(): Platform {
  const architectures: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ia32: '386',
    ppc64: process.platform === 'linux' && isLittleEndian() ? 'ppc64le' : 'ppc64',
    s390x: 's390x',
    riscv64: 'riscv64',
    loong64: 'loong64',
    mips: 'mips',
    mipsel: 'mipsle',
  };
  return { os: 'linux', architecture: architectures[process.arch] ?? process.arch };
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

/** Plans an OCI image layout (a directory, an OCI archive or a Docker 25+ docker save). */
export async function planOciLayout(files: ImageFiles, options: SelectOptions, referencesByConfig: Map<string, string[]>): Promise<ImagePlan> {
  const layoutRegion = await requireFile(files, 'oci-layout', 'the OCI layout file');
  checkOciLayoutFile((await readJsonRegion(layoutRegion, 'OCI layout file')).value, files.name);
  const indexRegion = await requireFile(files, 'index.json', 'the image index');
  const { value: index, bytes: indexBytes } = await readJsonRegion(indexRegion, 'image index');

  const candidates: ManifestCandidate[] = [];
  await collectManifests(files, index, 'index.json', [], 0, candidates, new Set(), options.verify);
  await fillPlatformsFromConfigs(files, candidates);

  const chosen = selectCandidate(candidates, options, files.name);
  const manifestRegion = (await files.find(blobName(chosen.descriptor.digest)))!;
  const { value: manifest } = await readJsonBlob(manifestRegion, chosen.descriptor, 'image manifest', options.verify);
  const plan = await planFromManifest(files, manifest, chosen.descriptor.digest, options.verify);

  plan.metadata.indexDigest = sha256Of(indexBytes);
  const configReferences = referencesByConfig.get(plan.metadata.configDigest!) ?? [];
  plan.metadata.references = uniqueReferences([...chosen.references, ...configReferences]);
  return plan;
}

/** Plans a docker save archive through its manifest.json (the layout before Docker 25). */
export async function planDockerSave(files: ImageFiles, manifestEntries: DockerManifestEntry[], repositories: string[], options: SelectOptions): Promise<ImagePlan> {
  // Entries that share a config (two tags of one image) read it once.
  const configs = new Map<string, { config: ImageConfig; configBytes: Uint8Array }>();
  const candidates: { entry: DockerManifestEntry; config: ImageConfig; configBytes: Uint8Array }[] = [];
  for (const entry of manifestEntries) {
    let known = configs.get(entry.config);
    if (known === undefined) {
      const configRegion = await requireFile(files, entry.config, 'the image config');
      const { value, bytes } = await readJsonRegion(configRegion, 'image config');
      known = { config: parseConfig(value, entry.config), configBytes: bytes };
      configs.set(entry.config, known);
    }
    candidates.push({ entry, ...known });
  }

  const chosen = choosePlatform(
    candidates,
    (candidate) => candidate.config,
    (candidate) => `${formatPlatform(candidate.config)} (${candidate.entry.repoTags.join(', ') || candidate.entry.config})`,
    options,
    files.name,
  );
  const { entry, config, configBytes } = chosen;

  checkLayerCount(entry.layers.length, `manifest.json entry ${entry.config}`, files.name);
  const configDigest = configDigestFromName(entry.config);
  if (options.verify && configDigest !== undefined) verifyDigest(configBytes, configDigest, entry.config, files.name);

  if (entry.layers.length !== config.diffIds.length) {
    throw new ScapulaError('IMAGE_INVALID', `manifest.json lists ${entry.layers.length} layers but the config has ${config.diffIds.length} diff_ids`, { file: files.name });
  }
  const layers: LayerPlan[] = [];
  for (const [position, name] of entry.layers.entries()) {
    const region = await requireFile(files, name, `layer ${position + 1}`);
    layers.push({ region, digest: blobDigestFromName(name), diffId: config.diffIds[position] });
  }

  return {
    layers,
    metadata: metadataOf(config, {
      references: uniqueReferences([...entry.repoTags, ...repositories]),
      configDigest: configDigest ?? sha256Of(configBytes),
      layerDigests: layers.map((layer) => layer.digest ?? ''),
    }),
  };
}

export interface DockerManifestEntry {
  config: string;
  layers: string[];
  repoTags: string[];
}

/**
 * Parses docker save's manifest.json, an array with one entry per image:
 *
 *   [{"Config": "<hex>.json", "RepoTags": ["debian:12"], "Layers": ["<id>/layer.tar", ...]}]
 *
 * Throws IMAGE_INVALID, naming the entry and field, for any other shape.
 */
export function parseDockerManifest(value: unknown, archive: string): DockerManifestEntry[] {
  const invalid = (reason: string) => new ScapulaError('IMAGE_INVALID', `manifest.json is not a docker save manifest: ${reason}`, { file: archive });
  if (!Array.isArray(value)) throw invalid(`expected an array of image entries, found ${describeJson(value)}`);
  if (value.length === 0) throw invalid('it lists no image');

  const entries: DockerManifestEntry[] = [];
  for (const [position, item] of value.entries()) {
    const where = `entry ${position + 1}`;
    if (!isRecord(item)) throw invalid(`${where} is ${describeJson(item)}, expected an object`);
    if (typeof item.Config !== 'string') throw invalid(`${where} "Config" is ${describeJson(item.Config)}, expected a file name`);
    if (!Array.isArray(item.Layers)) throw invalid(`${where} "Layers" is ${describeJson(item.Layers)}, expected an array of file names`);
    const badLayer = item.Layers.findIndex((layer: unknown) => typeof layer !== 'string');
    if (badLayer >= 0) throw invalid(`${where} "Layers" item ${badLayer + 1} is ${describeJson(item.Layers[badLayer])}, expected a file name`);
    const repoTags = Array.isArray(item.RepoTags) ? item.RepoTags.filter((tag: unknown): tag is string => typeof tag === 'string') : [];
    entries.push({ config: item.Config, layers: item.Layers as string[], repoTags });
  }
  return entries;
}

/**
 * Checks the oci-layout file, {"imageLayoutVersion": "1.0.0"}. The OCI image layout
 * specification has only version 1.0.0; a later 1.x is read the same way.
 */
export function checkOciLayoutFile(value: unknown, archive: string): void {
  const version = isRecord(value) ? value.imageLayoutVersion : undefined;
  if (typeof version !== 'string' || !/^1\.\d+\.\d+$/.test(version)) {
    const found = isRecord(value) ? `"imageLayoutVersion" ${describeJson(version)}` : describeJson(value);
    throw new ScapulaError('IMAGE_INVALID', `oci-layout is not an OCI image layout file: expected {"imageLayoutVersion": "1.0.0"}, found ${found}`, { file: archive });
  }
}

/** Describes a JSON value for a message by its type, quoting it only when it is short. */
function describeJson(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length <= 40 ? `the ${typeof value} ${text}` : `a ${typeof value}`;
}

/** Reads the `repositories` file of docker save ({"name": {"tag": "id"}}) as "name:tag" references. */
export function parseRepositories(value: unknown): string[] {
  if (!isRecord(value)) return [];
  const references: string[] = [];
  for (const [name, tags] of Object.entries(value)) {
    if (!isRecord(tags)) continue;
    for (const tag of Object.keys(tags)) references.push(`${name}:${tag}`);
  }
  return references;
}

/** Maps a config digest to the RepoTags that manifest.json gives the image with that config. */
export function repoTagsByConfigDigest(entries: DockerManifestEntry[]): Map<string, string[]> {
  const tags = new Map<string, string[]>();
  for (const entry of entries) {
    const digest = configDigestFromName(entry.config);
    if (digest !== undefined) tags.set(digest, [...(tags.get(digest) ?? []), ...entry.repoTags]);
  }
  return tags;
}

/**
 * Walks an index and its nested indexes, collecting every image manifest it names. A nested
 * index listed again is walked only once (`walked` contains the digests of those already walked),
 * so repeated descriptors cannot multiply the work.
 */
async function collectManifests(
  files: ImageFiles,
  index: unknown,
  where: string,
  references: string[],
  depth: number,
  candidates: ManifestCandidate[],
  walked: Set<string>,
  verify: boolean,
): Promise<void> {
  if (depth > MAX_INDEX_DEPTH) {
    throw new ScapulaError('IMAGE_INVALID', `image indexes nest more than ${MAX_INDEX_DEPTH} levels deep at ${where}`, { file: files.name });
  }
  if (!isRecord(index) || !Array.isArray(index.manifests)) {
    throw new ScapulaError('IMAGE_INVALID', `${where} is not an image index: it has no "manifests" array`, { file: files.name });
  }

  for (const [position, raw] of index.manifests.entries()) {
    const descriptor = parseDescriptor(raw, `${where} manifests[${position}]`, files.name);
    const descriptorReferences = [...references, ...referencesOf(descriptor.annotations)];
    if (isAttestation(descriptor)) continue;
    if (walked.has(descriptor.digest)) continue;

    // Two tags of one image (docker save a:1 a:2) list the same manifest twice.
    const known = candidates.find((candidate) => candidate.descriptor.digest === descriptor.digest);
    if (known !== undefined) {
      known.references.push(...descriptorReferences);
      continue;
    }

    const region = await files.find(blobName(descriptor.digest));
    if (region !== null && (await isIndex(region, descriptor))) {
      walked.add(descriptor.digest);
      const { value } = await readJsonBlob(region, descriptor, 'image index', verify);
      await collectManifests(files, value, descriptor.digest, descriptorReferences, depth + 1, candidates, walked, verify);
      continue;
    }
    candidates.push({ descriptor, platform: descriptor.platform, references: descriptorReferences, present: region !== null });
  }
}

/**
 * Tests whether a descriptor names an image index: by its media type, or, when the descriptor
 * has none (it is optional), by a "manifests" array in the document.
 */
async function isIndex(region: FileRegion, descriptor: Descriptor): Promise<boolean> {
  if (descriptor.mediaType !== undefined) return INDEX_MEDIA_TYPES.has(descriptor.mediaType);
  const { value } = await readJsonRegion(region, 'image manifest or index');
  return isRecord(value) && Array.isArray(value.manifests);
}

/** Reads the config of each candidate without a platform in its descriptor, to learn its platform. */
async function fillPlatformsFromConfigs(files: ImageFiles, candidates: ManifestCandidate[]): Promise<void> {
  for (const candidate of candidates) {
    if (candidate.platform !== undefined || !candidate.present) continue;
    const manifestRegion = (await files.find(blobName(candidate.descriptor.digest)))!;
    const { value: manifest } = await readJsonRegion(manifestRegion, 'image manifest');
    if (!isRecord(manifest) || !isRecord(manifest.config) || typeof manifest.config.digest !== 'string' || !DIGEST_PATTERN.test(manifest.config.digest)) continue;
    const configRegion = await files.find(blobName(manifest.config.digest));
    if (configRegion === null) continue;
    const { value } = await readJsonRegion(configRegion, 'image config');
    const config = parseConfig(value, manifest.config.digest);
    candidate.platform = { os: config.os, architecture: config.architecture, variant: config.variant };
  }
}

function selectCandidate(candidates: ManifestCandidate[], options: SelectOptions, archive: string): ManifestCandidate {
  const present = candidates.filter((candidate) => candidate.present);
  if (present.length === 0) {
    const listed = candidates.map((candidate) => `${describePlatform(candidate.platform)} (not in the archive)`).join(', ') || 'none';
    throw new ScapulaError('IMAGE_INVALID', `the image index names no image manifest that is present in the archive; listed: ${listed}`, { file: archive });
  }
  const absent = candidates.filter((candidate) => !candidate.present).map((candidate) => `${describePlatform(candidate.platform)} (not in the archive)`);
  return choosePlatform(present, (candidate) => candidate.platform, (candidate) => describePlatform(candidate.platform), options, archive, absent, (candidate) =>
    [candidate.descriptor.digest, ...candidate.references].join(' '),
  );
}

/**
 * Picks one image: a single image whatever its platform unless a platform was requested,
 * else the one image of the requested (or the machine's) platform. Several images of that
 * platform are rejected, because nothing shows which one the caller means.
 */
function choosePlatform<T>(
  candidates: T[],
  platformOf: (candidate: T) => Platform | undefined,
  describe: (candidate: T) => string,
  options: SelectOptions,
  archive: string,
  absent: string[] = [],
  identify: (candidate: T) => string = describe,
): T {
  if (candidates.length === 1 && options.platform === undefined) return candidates[0];

  const requested = options.platform ?? options.defaultPlatform;
  const matching = candidates.filter((candidate) => {
    const platform = platformOf(candidate);
    return platform !== undefined && platformMatches(platform, requested);
  });
  const available = listSome([...candidates.map(describe), ...absent], ', ');
  if (matching.length === 0) {
    throw new ScapulaError('IMAGE_INVALID', `no image for platform ${formatPlatform(requested)} in the archive; available: ${available}`, { file: archive });
  }
  if (matching.length > 1) {
    throw new ScapulaError('IMAGE_INVALID', `the archive contains ${matching.length} images for platform ${formatPlatform(requested)} (${listSome(matching.map(identify), '; ')}); save one image per archive`, { file: archive });
  }
  return matching[0];
}

/** Joins at most the first 10 items for a message and adds how many more there are. */
function listSome(items: string[], separator: string): string {
  const shown = items.slice(0, 10).join(separator);
  return items.length > 10 ? `${shown}${separator}and ${items.length - 10} more` : shown;
}

function describePlatform(platform: Platform | undefined): string {
  return platform === undefined ? 'unknown platform' : formatPlatform(platform);
}

/** Tests whether os and architecture are equal and the requested variant, if any, is equal too. */
function platformMatches(candidate: Platform, requested: Platform): boolean {
  if (candidate.os !== requested.os || candidate.architecture !== requested.architecture) return false;
  return requested.variant === undefined || (candidate.variant ?? defaultVariant(candidate.architecture)) === requested.variant;
}

function defaultVariant(architecture: string): string | undefined {
  return architecture === 'arm64' ? 'v8' : undefined;
}

/** Reads the manifest's config and lists its layers. */
async function planFromManifest(files: ImageFiles, manifest: unknown, manifestDigest: string, verify: boolean): Promise<ImagePlan> {
  if (isRecord(manifest) && manifest.schemaVersion === 1) {
    throw new ScapulaError('UNSUPPORTED', `image manifest ${manifestDigest} is a Docker schema 1 manifest, which scapula does not read; convert the image with a current docker or skopeo`, { file: files.name });
  }
  if (!isRecord(manifest) || !Array.isArray(manifest.layers)) {
    throw new ScapulaError('IMAGE_INVALID', `image manifest ${manifestDigest} has no "layers" array`, { file: files.name });
  }
  checkLayerCount(manifest.layers.length, `image manifest ${manifestDigest}`, files.name);
  const configDescriptor = parseDescriptor(manifest.config, `manifest ${manifestDigest} config`, files.name);
  const configRegion = await requireFile(files, blobName(configDescriptor.digest), 'the image config');
  const { value: configValue } = await readJsonBlob(configRegion, configDescriptor, 'image config', verify);
  const config = parseConfig(configValue, configDescriptor.digest);

  if (manifest.layers.length !== config.diffIds.length) {
    throw new ScapulaError('IMAGE_INVALID', `image manifest ${manifestDigest} lists ${manifest.layers.length} layers but the config has ${config.diffIds.length} diff_ids`, { file: files.name });
  }
  const layers: LayerPlan[] = [];
  for (const [position, raw] of manifest.layers.entries()) {
    const descriptor = parseDescriptor(raw, `manifest ${manifestDigest} layers[${position}]`, files.name);
    if (descriptor.mediaType?.includes('encrypted')) {
      throw new ScapulaError('UNSUPPORTED', `layer ${descriptor.digest} is encrypted (${descriptor.mediaType})`, { file: files.name });
    }
    const region = await requireFile(files, blobName(descriptor.digest), `layer ${position + 1}`);
    if (verify && region.size !== descriptor.size) {
      throw new ScapulaError('DIGEST_MISMATCH', `layer blob ${descriptor.digest} is ${region.size} bytes, but the manifest gives its size as ${descriptor.size}`, { file: files.name });
    }
    layers.push({ region, digest: descriptor.digest, diffId: config.diffIds[position], mediaType: descriptor.mediaType });
  }

  return {
    layers,
    metadata: metadataOf(config, {
      references: [],
      manifestDigest,
      configDigest: configDescriptor.digest,
      layerDigests: layers.map((layer) => layer.digest!),
    }),
  };
}

/** Rejects an image with more layers than Docker can stack, before any layer is read. */
function checkLayerCount(count: number, where: string, archive: string): void {
  if (count > MAX_LAYERS) {
    throw new ScapulaError('IMAGE_INVALID', `${where} lists ${count} layers, more than the ${MAX_LAYERS} that Docker allows in an image`, { file: archive });
  }
}

function metadataOf(config: ImageConfig, known: Pick<ImageMetadata, 'references' | 'layerDigests'> & Partial<ImageMetadata>): ImageMetadata {
  const metadata: ImageMetadata = {
    ...known,
    diffIds: config.diffIds,
    os: config.os,
    architecture: config.architecture,
    labels: config.labels,
    env: config.env,
  };
  if (config.variant !== undefined) metadata.variant = config.variant;
  if (config.created !== undefined) metadata.created = config.created;
  if (config.user !== undefined) metadata.user = config.user;
  return metadata;
}

async function readJsonBlob(region: FileRegion, descriptor: Descriptor, description: string, verify: boolean): Promise<{ value: unknown }> {
  if (verify && region.size !== descriptor.size) {
    throw new ScapulaError('DIGEST_MISMATCH', `${description} ${descriptor.digest} is ${region.size} bytes, but its descriptor gives its size as ${descriptor.size}`, { file: region.store.name });
  }
  const { value, bytes } = await readJsonRegion(region, description);
  if (verify) verifyDigest(bytes, descriptor.digest, region.name, region.store.name);
  return { value };
}

/** Rejects `bytes` with DIGEST_MISMATCH unless they hash to `digest`. */
export function verifyDigest(bytes: Uint8Array, digest: string, name: string, archive: string): void {
  const [algorithm, expected] = digest.split(':');
  const actual = createHash(algorithm).update(bytes).digest('hex');
  if (actual !== expected) {
    throw new ScapulaError('DIGEST_MISMATCH', `${name} does not match its digest: expected ${digest}, found ${algorithm}:${actual}`, { file: archive });
  }
}

function parseConfig(value: unknown, name: string): ImageConfig {
  if (!isRecord(value)) throw new ScapulaError('IMAGE_INVALID', `image config ${name} is not a JSON object`);
  const rootfs = isRecord(value.rootfs) ? value.rootfs : {};
  const diffIds = Array.isArray(rootfs.diff_ids) ? rootfs.diff_ids : [];
  for (const diffId of diffIds) {
    if (typeof diffId !== 'string' || !DIGEST_PATTERN.test(diffId)) {
      throw new ScapulaError('IMAGE_INVALID', `image config ${name} has an invalid diff_id ${JSON.stringify(diffId)}`);
    }
  }

  const runtime = isRecord(value.config) ? value.config : {};
  const config: ImageConfig = {
    os: typeof value.os === 'string' ? value.os : 'unknown',
    architecture: typeof value.architecture === 'string' ? value.architecture : 'unknown',
    env: parseEnv(runtime.Env),
    labels: stringRecord(runtime.Labels),
    diffIds: diffIds as string[],
  };
  if (typeof value.variant === 'string') config.variant = value.variant;
  if (typeof value.created === 'string') config.created = value.created;
  if (typeof runtime.User === 'string' && runtime.User !== '') config.user = runtime.User;
  return config;
}

/** Parses the config's Env, a list of "NAME=value" strings. A later duplicate wins, as in a runtime. */
function parseEnv(value: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  if (!Array.isArray(value)) return env;
  for (const item of value) {
    if (typeof item !== 'string') continue;
    const equals = item.indexOf('=');
    if (equals <= 0) continue;
    env[item.slice(0, equals)] = item.slice(equals + 1);
  }
  return env;
}

function parseDescriptor(value: unknown, where: string, archive: string): Descriptor {
  if (!isRecord(value) || typeof value.digest !== 'string' || typeof value.size !== 'number') {
    throw new ScapulaError('IMAGE_INVALID', `${where} is not a descriptor with a digest and a size`, { file: archive });
  }
  if (!DIGEST_PATTERN.test(value.digest)) {
    throw new ScapulaError('IMAGE_INVALID', `${where} has an invalid or unsupported digest ${JSON.stringify(value.digest)}: expected sha256:<64 hex> or sha512:<128 hex>`, { file: archive });
  }
  const descriptor: Descriptor = { digest: value.digest, size: value.size, annotations: stringRecord(value.annotations) };
  if (typeof value.mediaType === 'string') descriptor.mediaType = value.mediaType;
  if (isRecord(value.platform) && typeof value.platform.os === 'string' && typeof value.platform.architecture === 'string') {
    descriptor.platform = { os: value.platform.os, architecture: value.platform.architecture };
    if (typeof value.platform.variant === 'string') descriptor.platform.variant = value.platform.variant;
  }
  return descriptor;
}

/** Attestation manifests (BuildKit's provenance and SBOM) carry no file system to scan. */
function isAttestation(descriptor: Descriptor): boolean {
  return descriptor.annotations['vnd.docker.reference.type'] === 'attestation-manifest' || descriptor.platform?.os === 'unknown';
}

/** Returns the references in an index descriptor's annotations: containerd's full name first, then OCI's ref.name. */
function referencesOf(annotations: Record<string, string>): string[] {
  const references: string[] = [];
  const containerdName = annotations['io.containerd.image.name'];
  if (containerdName !== undefined) references.push(containerdName);
  const refName = annotations['org.opencontainers.image.ref.name'];
  if (refName !== undefined) references.push(refName);
  return references;
}

/**
 * Removes duplicates and OCI ref.name values that are only a tag ("test") when a full
 * reference exists, because a bare tag names no image by itself.
 */
function uniqueReferences(references: string[]): string[] {
  const unique = [...new Set(references)];
  const full = unique.filter((reference) => reference.includes('/') || reference.includes(':') || reference.includes('@'));
  return full.length > 0 ? full : unique;
}

async function requireFile(files: ImageFiles, name: string, description: string): Promise<FileRegion> {
  const region = await files.find(name);
  if (region === null) throw new ScapulaError('IMAGE_INVALID', `${description} ${name} is missing from the image`, { file: files.name });
  return region;
}

export function blobName(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return `blobs/${algorithm}/${hex}`;
}

/** Returns the digest that a "blobs/sha256/<hex>" name is for, or undefined for other names. */
function blobDigestFromName(name: string): string | undefined {
  const match = /^(?:\.\/)?blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(name);
  if (match === null) return undefined;
  const digest = `${match[1]}:${match[2]}`;
  return DIGEST_PATTERN.test(digest) ? digest : undefined;
}

/** Returns the config digest that a docker save name is for: "blobs/sha256/<hex>" or classic "<hex>.json". */
function configDigestFromName(name: string): string | undefined {
  const classic = /^([a-f0-9]{64})\.json$/.exec(name);
  return classic !== null ? `sha256:${classic[1]}` : blobDigestFromName(name);
}

function sha256Of(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function stringRecord(value: unknown): Record<string, string> {
  const record: Record<string, string> = {};
  if (!isRecord(value)) return record;
  for (const [key, item] of Object.entries(value)) if (typeof item === 'string') record[key] = item;
  return record;
}

function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
