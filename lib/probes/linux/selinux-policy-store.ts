/**
 * The SELinux policy store of a root file system (/var/lib/selinux/<type>/active), read for
 * the boolean values the policy would load at boot: the defaults declared in the CIL of the
 * enabled modules, then the administrator's `semanage boolean` settings. Each module's CIL
 * file is bzip2-compressed by semodule and declares booleans as
 *
 *     (boolean httpd_can_network_connect false)
 *     (tunable tftp_home_dir false)
 */
import { posix } from 'node:path';

import { ScapulaError } from '../../errors.js';
import { openDecompressed } from '../../io/decompress.js';
import { bufferSource } from '../../io/source.js';
import type { FileSystemView } from '../../targets/target.js';
import { ignoreLookupErrors } from './systemd-search-path.js';

export interface SelinuxConfig {
  /** SELINUX= of /etc/selinux/config: enforcing, permissive or disabled. */
  mode: string;
  /** SELINUXTYPE= of /etc/selinux/config, such as "targeted". */
  policyType: string;
}

const MAX_CONFIG_BYTES = 1024 * 1024;
/**
 * The largest CIL text read from one module, compressed or not. A guess with a wide margin:
 * the base module of a full distribution policy is a few MiB of CIL.
 */
const DEFAULT_MAX_CIL_BYTES = 32 * 1024 * 1024;
const MAX_MODULES = 20_000;

/** Reads /etc/selinux/config, or returns null when the file is absent. */
export async function readSelinuxConfig(fs: FileSystemView): Promise<SelinuxConfig | null> {
  const bytes = await fs.readFile('/etc/selinux/config', { maxBytes: MAX_CONFIG_BYTES }).catch(ignoreLookupErrors);
  if (bytes === null) return null;

  const settings = new Map<string, string>();
  for (const line of new TextDecoder().decode(bytes).split('\n')) {
    const match = /^\s*([A-Z]+)\s*=\s*"?([^"#\s]*)"?/.exec(line);
    if (match !== null) settings.set(match[1] as string, match[2] as string);
  }
  return { mode: (settings.get('SELINUX') ?? 'disabled').toLowerCase(), policyType: settings.get('SELINUXTYPE') ?? 'targeted' };
}

/**
 * Computes the boot value of every boolean of the policy store, or returns null when the
 * target has no store for `policyType`. Later sources override earlier ones: module
 * defaults (a module at a higher priority replacing the same module at a lower one, disabled
 * modules skipped), /etc/selinux/<type>/booleans and then booleans.local of the store.
 */
export async function readPolicyBooleans(
  fs: FileSystemView,
  policyType: string,
  maxCilBytes = DEFAULT_MAX_CIL_BYTES,
): Promise<Map<string, boolean> | null> {
  if (!/^[A-Za-z0-9_.-]+$/.test(policyType)) return null;
  const store = `/var/lib/selinux/${policyType}/active`;
  const modulesDir = `${store}/modules`;
  const priorities = await fs.readdir(modulesDir).catch(ignoreLookupErrors);
  if (priorities === null) return null;

  const modules = await findModuleFiles(fs, modulesDir, priorities.map((entry) => entry.name));
  const booleans = new Map<string, boolean>();
  for (const cilPath of modules) {
    for (const [name, value] of parseCilBooleans(await readCil(fs, cilPath, maxCilBytes))) booleans.set(name, value);
  }

  const substitutions = await readSubstitutions(fs, `/etc/selinux/${policyType}/booleans.subs_dist`);
  for (const file of [`/etc/selinux/${policyType}/booleans`, `${store}/booleans.local`]) {
    for (const [name, value] of await readBooleanSettings(fs, file)) {
      const resolved = substitutions.get(name) ?? name;
      if (booleans.has(resolved)) booleans.set(resolved, value);
    }
  }
  return booleans;
}

/** Lists the CIL file of each enabled module, taking the highest priority directory per module. */
async function findModuleFiles(fs: FileSystemView, modulesDir: string, priorityNames: string[]): Promise<string[]> {
  const disabled = new Set((await fs.readdir(`${modulesDir}/disabled`).catch(ignoreLookupErrors) ?? []).map((entry) => entry.name));
  const priorities = priorityNames.filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));

  const chosen = new Map<string, string>();
  for (const priority of priorities) {
    const listing = await fs.readdir(`${modulesDir}/${priority}`).catch(ignoreLookupErrors);
    for (const entry of listing ?? []) {
      if (chosen.has(entry.name) || disabled.has(entry.name)) continue;
      if (chosen.size >= MAX_MODULES) throw new ScapulaError('LIMIT', `more than ${MAX_MODULES} SELinux policy modules in ${modulesDir}`);
      chosen.set(entry.name, posix.join(modulesDir, priority, entry.name, 'cil'));
    }
  }
  return [...chosen.keys()].sort().map((name) => chosen.get(name) as string);
}

async function readCil(fs: FileSystemView, path: string, maxBytes: number): Promise<string> {
  const bytes = await fs.readFile(path, { maxBytes }).catch(ignoreLookupErrors);
  if (bytes === null) return '';

  const { stream } = await openDecompressed(bufferSource(path, bytes));
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      stream.destroy();
      throw new ScapulaError('LIMIT', `the SELinux module ${path} decompresses to more than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Finds the top-level boolean and tunable declarations of a CIL text.
 * NOTE: a tunable is a run-time boolean only when the policy keeps tunables (semanage's
 * preserve-tunables) or its macros declare them as booleans; otherwise the kernel has no such
 * boolean, but it is reported here all the same.
 */
export function parseCilBooleans(cil: string): [string, boolean][] {
  const declarations: [string, boolean][] = [];
  for (const match of cil.matchAll(/\(\s*(?:boolean|tunable)\s+([A-Za-z0-9_.-]+)\s+(true|false)\s*\)/g)) {
    declarations.push([match[1] as string, match[2] === 'true']);
  }
  return declarations;
}

/** Reads "name=value" lines (value 0/1, true/false or on/off), as semanage writes booleans.local. */
async function readBooleanSettings(fs: FileSystemView, path: string): Promise<[string, boolean][]> {
  const bytes = await fs.readFile(path, { maxBytes: MAX_CONFIG_BYTES }).catch(ignoreLookupErrors);
  if (bytes === null) return [];
  const settings: [string, boolean][] = [];
  for (const line of new TextDecoder().decode(bytes).split('\n')) {
    const match = /^\s*([A-Za-z0-9_.-]+)\s*=\s*(\S+)\s*$/.exec(line);
    if (match === null) continue;
    const value = (match[2] as string).toLowerCase();
    if (['1', 'true', 'on'].includes(value)) settings.push([match[1] as string, true]);
    else if (['0', 'false', 'off'].includes(value)) settings.push([match[1] as string, false]);
  }
  return settings;
}

/** Reads "old_name new_name" lines, which map retired boolean names to current ones. */
async function readSubstitutions(fs: FileSystemView, path: string): Promise<Map<string, string>> {
  const bytes = await fs.readFile(path, { maxBytes: MAX_CONFIG_BYTES }).catch(ignoreLookupErrors);
  const substitutions = new Map<string, string>();
  for (const line of bytes === null ? [] : new TextDecoder().decode(bytes).split('\n')) {
    const words = line.trim().split(/\s+/);
    if (words.length === 2 && !line.trim().startsWith('#')) substitutions.set(words[0] as string, words[1] as string);
  }
  return substitutions;
}
