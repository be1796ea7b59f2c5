/**
 * `rpm -V` for one file, read through a FileSystemView: compares what the database records
 * (digest, size, link target, owner, group, mtime, mode, device, capabilities) with the file on
 * the target. The checks and their exceptions follow rpm 4.14's rpmfilesVerify():
 *
 * - files in state "not installed" or "net shared" are not checked; "replaced" ones only for
 *   existence, and "wrong color" ones (multilib) without digest, size, mtime and device;
 * - a directory that became a symbolic link to a directory is checked through the link when
 *   the link is owned by root or by the directory's owner;
 * - symbolic links have no mode check, other files no link check, and only regular files get
 *   digest, size, mtime and capability checks;
 * - %ghost files get no digest, size, mtime or link check, and their mode check ignores the type.
 *
 * Owners are looked up in the target's /etc/passwd and /etc/group, never the host's.
 */
import { createHash } from 'node:crypto';

import { isScapulaError } from '../../errors.js';
import type { FileStat, FileSystemView, FileType } from '../../targets/target.js';
import { EMPTY_CAPABILITIES, parseCapabilityText, parseCapabilityXattr, sameCapabilities } from './capabilities.js';
import type { RpmFile } from './package.js';
import { RpmFileFlag, RpmFileState, RpmVerify } from './tags.js';

/** rpm's failure bits: the check could not be run (rpmVerifyAttrs RPMVERIFY_*FAIL). */
export const VerifyFailure = {
  READLINK: 1 << 28,
  READ: 1 << 29,
  LSTAT: 1 << 30,
} as const;

export const ANY_FAILURE = VerifyFailure.READLINK | VerifyFailure.READ | VerifyFailure.LSTAT;

export interface AccountNames {
  /** uid to user name, from the target's /etc/passwd. */
  users: Map<number, string>;
  userIds: Map<string, number>;
  groups: Map<number, string>;
  groupIds: Map<string, number>;
}

/**
 * Verifies one packaged file. Returns rpm's result bits: RpmVerify bits for attributes that
 * differ, VerifyFailure bits for checks that could not run. `omit` contains the RpmVerify bits
 * not to check.
 */
export async function verifyFile(fs: FileSystemView, file: RpmFile, digestAlgorithm: string, omit: number, accounts: AccountNames): Promise<number> {
  let flags = file.verifyFlags;
  switch (file.state) {
    case RpmFileState.NOTINSTALLED:
    case RpmFileState.NETSHARED:
      return 0;
    case RpmFileState.REPLACED:
      flags = 0;
      break;
    case RpmFileState.WRONGCOLOR:
      flags &= ~(RpmVerify.FILEDIGEST | RpmVerify.FILESIZE | RpmVerify.MTIME | RpmVerify.RDEV);
      break;
    default:
      break;
  }

  let stat = await fs.lstat(file.path).catch(() => null);
  if (stat === null) return VerifyFailure.LSTAT;

  const expectedType = fileTypeOfMode(file.mode);
  if (expectedType === 'directory' && stat.type === 'symlink') {
    const target = await fs.stat(file.path).catch(() => null);
    if (target?.type === 'directory' && (stat.uid === 0 || stat.uid === target.uid)) stat = target;
  }

  if (stat.type === 'symlink') flags &= ~RpmVerify.MODE;
  else flags &= ~RpmVerify.LINKTO;
  if (stat.type !== 'file') flags &= ~(RpmVerify.FILEDIGEST | RpmVerify.FILESIZE | RpmVerify.MTIME | RpmVerify.CAPS);
  const ghost = (file.flags & RpmFileFlag.GHOST) !== 0;
  if (ghost) flags &= ~(RpmVerify.FILEDIGEST | RpmVerify.FILESIZE | RpmVerify.MTIME | RpmVerify.LINKTO);
  flags &= ~omit;

  let result = 0;
  let size = stat.size;
  if (flags & RpmVerify.FILEDIGEST) {
    const digest = await digestOf(fs, file.path, digestAlgorithm);
    if (digest === null) result |= VerifyFailure.READ | RpmVerify.FILEDIGEST;
    else {
      size = digest.size;
      if (file.digest === '' || digest.hex !== file.digest.toLowerCase()) result |= RpmVerify.FILEDIGEST;
    }
  }

  if (flags & RpmVerify.LINKTO) {
    const link = await fs.readlink(file.path).catch(() => null);
    if (link === null) result |= VerifyFailure.READLINK | RpmVerify.LINKTO;
    else if (link !== file.linkTo) result |= RpmVerify.LINKTO;
  }

  if (flags & RpmVerify.FILESIZE && size !== file.size) result |= RpmVerify.FILESIZE;

  if (flags & RpmVerify.MODE) {
    let expected = file.mode & 0xffff;
    let actual = modeOf(stat);
    if (ghost) {
      expected &= ~0xf000;
      actual &= ~0xf000;
    }
    if (expected !== actual) result |= RpmVerify.MODE;
  }

  if (flags & RpmVerify.RDEV && deviceDiffers(file, stat)) result |= RpmVerify.RDEV;

  if (flags & RpmVerify.CAPS && !(await capabilitiesMatch(fs, file))) result |= RpmVerify.CAPS;

  if (flags & RpmVerify.MTIME && stat.mtime !== file.mtime) result |= RpmVerify.MTIME;

  if (flags & RpmVerify.USER && !ownerMatches(file.user, stat.uid, accounts.users, accounts.userIds)) result |= RpmVerify.USER;

  if (flags & RpmVerify.GROUP && !ownerMatches(file.group, stat.gid, accounts.groups, accounts.groupIds)) result |= RpmVerify.GROUP;

  return result;
}

/** rpm accepts an owner when the file's id maps to the recorded name, or the name to the id. */
function ownerMatches(expected: string, id: number, names: Map<number, string>, ids: Map<string, number>): boolean {
  if (expected === '') return false;
  if (names.get(id) === expected) return true;
  // rpm's rpmugUid/rpmugGid map "root" to 0 without looking it up.
  const expectedId = expected === 'root' ? 0 : ids.get(expected);
  return expectedId === id;
}

function deviceDiffers(file: RpmFile, stat: FileStat): boolean {
  const expectedType = fileTypeOfMode(file.mode);
  const isCharacter = (type: FileType | null) => type === 'character';
  const isBlock = (type: FileType | null) => type === 'block';
  if (isCharacter(expectedType) !== isCharacter(stat.type) || isBlock(expectedType) !== isBlock(stat.type)) return true;
  if (!isCharacter(expectedType) && !isBlock(expectedType)) return false;
  // rpm compares the low 16 bits of the device number: minor in bits 0-7, major in bits 8-15.
  const major = stat.rdevMajor ?? 0;
  const minor = stat.rdevMinor ?? 0;
  const actual = (minor & 0xff) | ((major & 0xff) << 8);
  return actual !== (file.rdev & 0xffff);
}

async function capabilitiesMatch(fs: FileSystemView, file: RpmFile): Promise<boolean> {
  const expected = file.capabilities === '' ? EMPTY_CAPABILITIES : parseCapabilityText(file.capabilities);
  const xattrs = await fs.xattrs(file.path).catch(() => new Map<string, Uint8Array>());
  const raw = xattrs.get('security.capability');
  const actual = raw === undefined ? EMPTY_CAPABILITIES : parseCapabilityXattr(raw);
  return expected !== null && actual !== null && sameCapabilities(expected, actual);
}

async function digestOf(fs: FileSystemView, path: string, algorithm: string): Promise<{ hex: string; size: number } | null> {
  let hash;
  try {
    hash = createHash(algorithm);
  } catch {
    return null;
  }
  let size = 0;
  try {
    for await (const chunk of fs.readChunks(path)) {
      hash.update(chunk);
      size += chunk.byteLength;
    }
  } catch (error) {
    if (isScapulaError(error)) return null;
    throw error;
  }
  return { hex: hash.digest('hex'), size };
}

const TYPE_BITS: Record<FileType, number> = {
  fifo: 0o010000,
  character: 0o020000,
  directory: 0o040000,
  block: 0o060000,
  file: 0o100000,
  symlink: 0o120000,
  socket: 0o140000,
};

/** st_mode of a FileStat: type bits and the 12 permission bits. */
export function modeOf(stat: FileStat): number {
  return TYPE_BITS[stat.type] | (stat.mode & 0o7777);
}

export function fileTypeOfMode(mode: number): FileType | null {
  const bits = mode & 0o170000;
  for (const [type, value] of Object.entries(TYPE_BITS)) if (value === bits) return type as FileType;
  return null;
}

/** Reads the target's users and groups for owner checks; missing files give empty maps. */
export async function readAccountNames(fs: FileSystemView): Promise<AccountNames> {
  const users = await readIdFile(fs, '/etc/passwd');
  const groups = await readIdFile(fs, '/etc/group');
  return { users: users.byId, userIds: users.byName, groups: groups.byId, groupIds: groups.byName };
}

async function readIdFile(fs: FileSystemView, path: string): Promise<{ byId: Map<number, string>; byName: Map<string, number> }> {
  const byId = new Map<number, string>();
  const byName = new Map<string, number>();
  let text: string;
  try {
    text = new TextDecoder().decode(await fs.readFile(path));
  } catch (error) {
    if (isScapulaError(error)) return { byId, byName };
    throw error;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 3 || fields[0] === '' || line.startsWith('#')) continue;
    const id = Number(fields[2]);
    if (!Number.isInteger(id) || id < 0) continue;
    // getpwuid returns the first entry for an id, getpwnam the first for a name.
    if (!byId.has(id)) byId.set(id, fields[0]);
    if (!byName.has(fields[0])) byName.set(fields[0], id);
  }
  return { byId, byName };
}
