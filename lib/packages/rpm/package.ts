/**
 * An installed rpm package as the probes need it, decoded from its database header.
 */
import { ScapulaError } from '../../errors.js';
import { RpmHeader } from './header.js';
import { parseSignaturePacket } from './pgp.js';
import { DigestAlgorithm, RpmTag } from './tags.js';

export interface RpmFile {
  /** Absolute path as the package installs it. */
  path: string;
  /** st_mode as the package records it: file type bits and permission bits. */
  mode: number;
  size: number;
  /** Lowercase hex digest, or '' for files without one (directories, symbolic links, %ghost). */
  digest: string;
  /** Symbolic link target, or ''. */
  linkTo: string;
  /** FILEFLAGS bits (RpmFileFlag). */
  flags: number;
  /** FILEVERIFYFLAGS bits (RpmVerify); all bits when the header has no such tag. */
  verifyFlags: number;
  /** FILESTATES value (RpmFileState); NORMAL when the header has no such tag. */
  state: number;
  user: string;
  group: string;
  /** Seconds since the epoch. */
  mtime: number;
  rdev: number;
  /** File capabilities in text form ("cap_net_raw=ep"), or ''. */
  capabilities: string;
}

export interface RpmPackage {
  name: string;
  /** The EPOCH tag, or null when the header carries none (rpm prints "(none)"). */
  epoch: number | null;
  version: string;
  release: string;
  /** ARCH, or null for headers without one (gpg-pubkey). */
  arch: string | null;
  sourceRpm: string | null;
  /** 16 lowercase hex digits of the signing key's id, or null for an unsigned header. */
  signatureKeyId: string | null;
  modularityLabel: string | null;
  vendor: string | null;
  license: string | null;
  summary: string | null;
  size: number | null;
  /** SIGMD5 as lowercase hex, or null. */
  sigmd5: string | null;
  /** The digest algorithm of the file digests ("md5", "sha256", ...). */
  fileDigestAlgorithm: string;
  header: RpmHeader;
}

export function packageFromHeader(header: RpmHeader): RpmPackage {
  const algorithmId = header.number(RpmTag.FILEDIGESTALGO) ?? 1;
  const sigmd5 = header.binary(RpmTag.SIGMD5);
  return {
    name: header.string(RpmTag.NAME) ?? '',
    epoch: header.number(RpmTag.EPOCH) ?? null,
    version: header.string(RpmTag.VERSION) ?? '',
    release: header.string(RpmTag.RELEASE) ?? '',
    arch: header.string(RpmTag.ARCH) ?? null,
    sourceRpm: header.string(RpmTag.SOURCERPM) ?? null,
    signatureKeyId: signatureKeyId(header),
    modularityLabel: header.string(RpmTag.MODULARITYLABEL) ?? null,
    vendor: header.string(RpmTag.VENDOR) ?? null,
    license: header.string(RpmTag.LICENSE) ?? null,
    summary: header.string(RpmTag.SUMMARY) ?? null,
    size: header.number(RpmTag.LONGSIZE) ?? header.number(RpmTag.SIZE) ?? null,
    sigmd5: sigmd5 ? Buffer.from(sigmd5).toString('hex') : null,
    fileDigestAlgorithm: DigestAlgorithm[algorithmId] ?? `unknown-${algorithmId}`,
    header,
  };
}

/**
 * Returns the key id of the package's signature. The header-only signatures come first
 * (DSAHEADER, RSAHEADER), then the header+payload ones (SIGGPG, SIGPGP) that OpenSCAP 1.3.7's
 * rpminfo probe reads. In packages signed by rpmsign they all name the same key.
 */
export function signatureKeyId(header: RpmHeader): string | null {
  for (const tag of [RpmTag.DSAHEADER, RpmTag.RSAHEADER, RpmTag.SIGGPG, RpmTag.SIGPGP]) {
    const packet = header.binary(tag);
    if (packet === undefined) continue;
    const keyId = parseSignaturePacket(packet)?.keyId;
    if (keyId !== undefined) return keyId;
  }
  return null;
}

/** Formats the epoch as rpm's `%{EPOCH}` prints it: the number, or "(none)". */
export function epochText(pkg: RpmPackage): string {
  return pkg.epoch === null ? '(none)' : String(pkg.epoch);
}

/** `epoch:version-release` with a missing epoch written as 0, as OpenSCAP's rpminfo evr. */
export function evrText(pkg: RpmPackage): string {
  return `${pkg.epoch ?? 0}:${pkg.version}-${pkg.release}`;
}

/** `name-epoch:version-release.arch`, a missing epoch as 0 and a missing arch as "(none)". */
export function extendedName(pkg: RpmPackage): string {
  return `${pkg.name}-${evrText(pkg)}.${pkg.arch ?? '(none)'}`;
}

/** Decodes the package's files in header order (none for a package without files). */
export function packageFiles(pkg: RpmPackage): RpmFile[] {
  const header = pkg.header;
  const paths = filePaths(header);
  const count = paths.length;
  if (count === 0) return [];

  const modes = header.numbers(RpmTag.FILEMODES) ?? [];
  const sizes = header.numbers(RpmTag.LONGFILESIZES) ?? header.numbers(RpmTag.FILESIZES) ?? [];
  const digests = header.strings(RpmTag.FILEDIGESTS) ?? [];
  const links = header.strings(RpmTag.FILELINKTOS) ?? [];
  const flags = header.numbers(RpmTag.FILEFLAGS) ?? [];
  const verifyFlags = header.numbers(RpmTag.FILEVERIFYFLAGS);
  const states = header.numbers(RpmTag.FILESTATES);
  const users = header.strings(RpmTag.FILEUSERNAME) ?? [];
  const groups = header.strings(RpmTag.FILEGROUPNAME) ?? [];
  const mtimes = header.numbers(RpmTag.FILEMTIMES) ?? [];
  const rdevs = header.numbers(RpmTag.FILERDEVS) ?? [];
  const caps = header.strings(RpmTag.FILECAPS) ?? [];
  const perFile: [string, unknown[] | undefined][] = [
    ['FILEMODES', modes], ['FILESIZES', sizes], ['FILEDIGESTS', digests], ['FILELINKTOS', links], ['FILEFLAGS', flags],
    ['FILEVERIFYFLAGS', verifyFlags], ['FILESTATES', states], ['FILEUSERNAME', users], ['FILEGROUPNAME', groups],
    ['FILEMTIMES', mtimes], ['FILERDEVS', rdevs], ['FILECAPS', caps],
  ];
  for (const [name, values] of perFile) {
    // An absent tag decodes as an empty list; a present one must describe every file.
    if (values !== undefined && values.length !== 0 && values.length !== count) {
      throw new ScapulaError('PACKAGE_DB_CORRUPT', `${headerLabel(pkg)}: ${name} has ${values.length} values for ${count} files`);
    }
  }

  const files: RpmFile[] = [];
  for (let i = 0; i < count; i++) {
    files.push({
      path: paths[i],
      mode: modes[i] ?? 0,
      size: sizes[i] ?? 0,
      digest: digests[i] ?? '',
      linkTo: links[i] ?? '',
      flags: flags[i] ?? 0,
      verifyFlags: verifyFlags?.[i] ?? 0xffffffff,
      state: signedChar(states?.[i] ?? 0),
      user: users[i] ?? '',
      group: groups[i] ?? '',
      mtime: mtimes[i] ?? 0,
      rdev: rdevs[i] ?? 0,
      capabilities: caps[i] ?? '',
    });
  }
  return files;
}

/** File paths from BASENAMES + DIRINDEXES + DIRNAMES, or from OLDFILENAMES in old headers. */
export function filePaths(header: RpmHeader): string[] {
  const basenames = header.strings(RpmTag.BASENAMES);
  if (basenames === undefined) return header.strings(RpmTag.OLDFILENAMES) ?? [];
  const dirIndexes = header.numbers(RpmTag.DIRINDEXES) ?? [];
  const dirNames = header.strings(RpmTag.DIRNAMES) ?? [];
  return basenames.map((base, i) => {
    const directory = dirNames[dirIndexes[i]];
    if (directory === undefined) {
      throw new ScapulaError('PACKAGE_DB_CORRUPT', `header of ${header.string(RpmTag.NAME) ?? 'a package'}: file ${i} (${base}) has no directory (DIRINDEXES ${dirIndexes[i]} of ${dirNames.length})`);
    }
    return directory + base;
  });
}

function headerLabel(pkg: RpmPackage): string {
  return `header of ${pkg.name}-${pkg.version}-${pkg.release}`;
}

/** FILESTATES is a CHAR array; rpm reads -1 (255) as RPMFILE_STATE_MISSING. */
function signedChar(value: number): number {
  return value > 127 ? value - 256 : value;
}
