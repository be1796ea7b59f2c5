/**
 * Facts a target derives from its own files: the os-release file, the host name and the
 * machine architecture read from an ELF header. Shared by the directory and host targets.
 */
import { isScapulaError } from '../errors.js';
import type { FileSystemView } from './target.js';

/** The os-release locations in the order systemd's os-release(5) gives. */
const OS_RELEASE_PATHS = ['/etc/os-release', '/usr/lib/os-release'];

/** os-release files are a few hundred bytes; anything much larger is not one. */
const OS_RELEASE_MAX_BYTES = 64 * 1024;

/**
 * Parses an os-release file: one `KEY=value` per line, the value optionally quoted with
 * shell-style escapes, as in
 *
 *     PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
 *     VERSION_ID="12"
 *     ID=debian
 */
export function parseOsRelease(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;

    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match === null) continue;

    fields.set(match[1], unquoteShellValue(match[2]));
  }
  return fields;
}

function unquoteShellValue(raw: string): string {
  const quote = raw[0];
  if (quote !== '"' && quote !== "'") return raw;

  let value = '';
  for (let i = 1; i < raw.length; i++) {
    const char = raw[i];
    if (char === quote) break;
    if (char === '\\' && quote === '"' && i + 1 < raw.length) {
      i++;
      value += raw[i];
      continue;
    }
    value += char;
  }
  return value;
}

/** Reads the target's os-release fields, or an empty map when neither file exists. */
export async function readOsRelease(fs: FileSystemView): Promise<Map<string, string>> {
  for (const path of OS_RELEASE_PATHS) {
    const text = await readOptionalText(fs, path, OS_RELEASE_MAX_BYTES);
    if (text !== null) return parseOsRelease(text);
  }
  return new Map();
}

/**
 * Returns the OS name and version the results' system_info reports: NAME and VERSION of
 * os-release ("12 (bookworm)"), as OpenSCAP 1.3.7 writes them, falling back to ID and
 * VERSION_ID, then to "unknown".
 */
export function osNameAndVersion(fields: Map<string, string>): { osName: string; osVersion: string } {
  return {
    osName: fields.get('NAME') ?? fields.get('ID') ?? 'unknown',
    osVersion: fields.get('VERSION') ?? fields.get('VERSION_ID') ?? 'unknown',
  };
}

/** Reads the first non-empty line of etc/hostname, or null when there is none. */
export async function readHostName(fs: FileSystemView): Promise<string | null> {
  const text = await readOptionalText(fs, '/etc/hostname', 4096);
  if (text === null) return null;

  const line = text
    .split('\n')
    .map((candidate) => candidate.trim())
    .find((candidate) => candidate !== '' && !candidate.startsWith('#'));
  return line ?? null;
}

/**
 * ELF e_machine values mapped to the machine names `uname -m` prints on Linux. The 32-bit
 * and 64-bit variants of one e_machine value differ in the ELF class byte.
 */
const ELF_MACHINES: Record<number, { elf32: string; elf64: string }> = {
  0x03: { elf32: 'i686', elf64: 'i686' },
  0x08: { elf32: 'mips', elf64: 'mips64' },
  0x14: { elf32: 'ppc', elf64: 'ppc' },
  0x15: { elf32: 'ppc64', elf64: 'ppc64' },
  0x16: { elf32: 's390', elf64: 's390x' },
  0x28: { elf32: 'armv7l', elf64: 'armv7l' },
  0x2a: { elf32: 'sh', elf64: 'sh' },
  0x32: { elf32: 'ia64', elf64: 'ia64' },
  0x3e: { elf32: 'x86_64', elf64: 'x86_64' },
  0xb7: { elf32: 'aarch64', elf64: 'aarch64' },
  0xf3: { elf32: 'riscv32', elf64: 'riscv64' },
  0x102: { elf32: 'loongarch32', elf64: 'loongarch64' },
};

/** The binaries whose ELF header names the root's architecture, in the order tried. */
const ARCHITECTURE_PROBE_PATHS = ['/bin/sh', '/usr/bin/env', '/bin/busybox'];

/**
 * Returns the machine architecture of a root file system, read from the ELF header of
 * /bin/sh (then /usr/bin/env, /bin/busybox), as `uname -m` would print it on that machine,
 * or null when no such binary exists. A little-endian 64-bit ppc64 binary is "ppc64le".
 */
export async function readElfArchitecture(fs: FileSystemView): Promise<string | null> {
  for (const path of ARCHITECTURE_PROBE_PATHS) {
    let header: Uint8Array;
    try {
      header = await fs.readRange(path, 0, 20);
    } catch (error) {
      if (isScapulaError(error)) continue;
      throw error;
    }

    const machine = decodeElfMachine(header);
    if (machine !== null) return machine;
  }
  return null;
}

/**
 * Decodes the machine name from the first 20 bytes of an ELF file:
 * `7f 45 4c 46 | class | data | version | ... | e_type (2) | e_machine (2)` at offset 18.
 */
export function decodeElfMachine(header: Uint8Array): string | null {
  if (header.length < 20) return null;
  if (header[0] !== 0x7f || header[1] !== 0x45 || header[2] !== 0x4c || header[3] !== 0x46) return null;

  const is64Bit = header[4] === 2;
  const isLittleEndian = header[5] === 1;
  const machineCode = isLittleEndian ? header[18] | (header[19] << 8) : (header[18] << 8) | header[19];

  const names = ELF_MACHINES[machineCode];
  if (names === undefined) return null;
  if (machineCode === 0x15 && isLittleEndian) return 'ppc64le';
  if (machineCode === 0x28 && !isLittleEndian) return 'armv7b';
  return is64Bit ? names.elf64 : names.elf32;
}

async function readOptionalText(fs: FileSystemView, path: string, maxBytes: number): Promise<string | null> {
  try {
    const bytes = await fs.readFile(path, { maxBytes });
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  } catch (error) {
    if (isScapulaError(error)) return null;
    throw error;
  }
}
