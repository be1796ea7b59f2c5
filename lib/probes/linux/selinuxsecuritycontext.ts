/**
 * selinuxsecuritycontext_object (OVAL 5.11 linux schema): the SELinux context of files, read
 * from their security.selinux extended attribute, or of running processes, read from
 * /proc/<pid>/attr/current. A context reads "user:role:type[:range]", and a range reads
 * "low[-high]" where each level is "sensitivity[:categories]":
 *
 *     system_u:object_r:shadow_t:s0
 *     unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023
 */
import { isScapulaError } from '../../errors.js';
import type { ItemEntity, ProbeItem } from '../../oval/syschar.js';
import type { FileSystemView } from '../../targets/target.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { entityMatches, findEntity } from '../util/entity.js';
import { defineProbe, itemEntity, makeItem, notCollectedOffline, throwIfAborted } from '../util/items.js';
import { searchFiles, type FoundFile } from '../util/path-search.js';

export interface SecurityContext {
  user: string;
  role: string;
  type: string;
  lowSensitivity?: string;
  lowCategory?: string;
  highSensitivity?: string;
  highCategory?: string;
}

const SELINUX_XATTR = 'security.selinux';
const MAX_ATTR_BYTES = 4096;

export const selinuxSecurityContextProbe = defineProbe({
  objectType: 'selinuxsecuritycontext_object',
  family: 'linux',
  description: {
    summary: 'SELinux contexts of files (security.selinux) and of processes.',
    onImage: 'Reads the security.selinux attribute that the image layers carry, or of a directory root\'s files as on the host; process objects are not collected.',
    onHost: 'Reads /proc/<pid>/attr/current for processes, and the security.selinux attribute of files through the optional @napi-rs/xattr package (without it, file objects are not collected).',
  },
  collect: collectSecurityContexts,
});

async function collectSecurityContexts(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  if (findEntity(request, 'pid') !== undefined) return collectProcessContexts(request, context);
  return collectFileContexts(request, context);
}

async function collectFileContexts(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const fs = context.target.fs;
  const files = await searchFiles(request, context, true);

  const items: ProbeItem[] = [];
  for (const file of files) {
    throwIfAborted(context);
    const attribute = await readFileContext(fs, file);
    if (attribute === 'unsupported') {
      return notCollectedOffline('selinuxsecuritycontext_object', `the ${context.target.kind} target cannot read extended attributes of files`);
    }
    if (attribute === 'missing') continue;

    const location = fileEntities(file);
    if (attribute === null) {
      items.push(makeItem('selinuxsecuritycontext_item', 'linux', location, 'error', [{ level: 'error', text: `${file.filepath} has no SELinux context (no ${SELINUX_XATTR} attribute)` }]));
      continue;
    }
    const parsed = parseSecurityContext(attribute);
    if (parsed === null) {
      items.push(makeItem('selinuxsecuritycontext_item', 'linux', location, 'error', [{ level: 'error', text: `${file.filepath} has an invalid SELinux context "${attribute}"` }]));
      continue;
    }
    items.push(makeItem('selinuxsecuritycontext_item', 'linux', [...location, ...contextEntities(parsed, true)]));
  }
  return { items };
}

async function collectProcessContexts(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  if (!context.target.live) {
    return notCollectedOffline('selinuxsecuritycontext_object', 'process contexts exist only on a running system');
  }
  const pidEntity = findEntity(request, 'pid');
  const fs = context.target.fs;

  const items: ProbeItem[] = [];
  const processes = (await fs.readdir('/proc')).filter((entry) => /^\d+$/.test(entry.name));
  for (const entry of processes) {
    throwIfAborted(context);
    if (pidEntity !== undefined && !entityMatches(pidEntity, entry.name)) continue;

    // Like getpidcon(3), a process that ended or has no readable context is skipped.
    const bytes = await fs.readFile(`/proc/${entry.name}/attr/current`, { maxBytes: MAX_ATTR_BYTES }).catch(() => null);
    const parsed = bytes === null ? null : parseSecurityContext(decodeAttribute(bytes));
    if (parsed === null) continue;
    items.push(makeItem('selinuxsecuritycontext_item', 'linux', [itemEntity('pid', entry.name, 'int'), ...contextEntities(parsed, false)]));
  }
  return { items };
}

/**
 * Reads a file's context, following a final symbolic link as getfilecon(3) does. Returns null
 * when the file has no context, 'missing' when the file vanished, and 'unsupported' when the
 * target cannot read extended attributes at all.
 */
async function readFileContext(fs: FileSystemView, file: FoundFile): Promise<string | null | 'missing' | 'unsupported'> {
  try {
    const real = await fs.realpath(file.filepath);
    const attributes = await fs.xattrs(real);
    const value = attributes.get(SELINUX_XATTR);
    return value === undefined ? null : decodeAttribute(value);
  } catch (error) {
    if (isScapulaError(error, 'UNSUPPORTED')) return 'unsupported';
    if (isScapulaError(error, 'NOT_FOUND') || isScapulaError(error, 'PATH_LOOP') || isScapulaError(error, 'NOT_A_DIRECTORY')) return 'missing';
    throw error;
  }
}

function decodeAttribute(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes);
  const nul = text.indexOf('\0');
  return (nul === -1 ? text : text.slice(0, nul)).trim();
}

/** Splits a context into its parts, or returns null when it lacks a user, role or type. */
export function parseSecurityContext(text: string): SecurityContext | null {
  const parts = text.split(':');
  if (parts.length < 3 || parts.slice(0, 3).some((part) => part === '')) return null;
  const [user, role, type] = parts as [string, string, string];
  const range = parts.length > 3 ? parts.slice(3).join(':') : null;
  if (range === null) return { user, role, type };

  const dash = range.indexOf('-');
  const [lowSensitivity, lowCategory] = splitLevel(dash === -1 ? range : range.slice(0, dash));
  const context: SecurityContext = { user, role, type, lowSensitivity, lowCategory };
  if (dash !== -1) [context.highSensitivity, context.highCategory] = splitLevel(range.slice(dash + 1));
  return context;
}

function splitLevel(level: string): [string, string | undefined] {
  const colon = level.indexOf(':');
  return colon === -1 ? [level, undefined] : [level.slice(0, colon), level.slice(colon + 1)];
}

function fileEntities(file: FoundFile): ItemEntity[] {
  return [
    itemEntity('filepath', file.filepath),
    itemEntity('path', file.path),
    file.filename === null ? { name: 'filename', datatype: 'string' } : itemEntity('filename', file.filename),
  ];
}

/** Builds the context entities in schema order, with raw* copies for files as OpenSCAP writes them. */
function contextEntities(context: SecurityContext, withRaw: boolean): ItemEntity[] {
  const entities = [itemEntity('user', context.user), itemEntity('role', context.role), itemEntity('type', context.type)];
  const levels: [string, string | undefined][] = [
    ['low_sensitivity', context.lowSensitivity],
    ['low_category', context.lowCategory],
    ['high_sensitivity', context.highSensitivity],
    ['high_category', context.highCategory],
  ];
  for (const [name, value] of levels) if (value !== undefined) entities.push(itemEntity(name, value));
  if (withRaw) {
    // Without mcstrans, the translated and raw levels are the same text.
    for (const [name, value] of levels) if (value !== undefined) entities.push(itemEntity(`raw${name}`, value));
  }
  return entities;
}
