/**
 * Setting extended attributes on host files for tests, through the optional @napi-rs/xattr
 * package that the directory target reads them with. Tests that need attributes skip when the
 * package is missing or the temporary folder's file system rejects the attribute.
 */
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface XattrWriter {
  setAttributeSync(path: string, name: string, value: Uint8Array | string): void;
}

function loadWriter(): XattrWriter | null {
  try {
    return createRequire(import.meta.url)('@napi-rs/xattr') as XattrWriter;
  } catch {
    return null;
  }
}

const writer = loadWriter();

/** Sets an attribute on a host file, without following a final symbolic link. */
export function setXattr(path: string, name: string, value: Uint8Array | string): void {
  if (writer === null) throw new Error('the optional package @napi-rs/xattr is not installed');
  writer.setAttributeSync(path, name, value);
}

/**
 * Returns null when an attribute of this name can be set on a file in the temporary folder,
 * else the reason why not: "security." names need CAP_SYS_ADMIN, and some file systems have no
 * "user." attributes.
 */
export function xattrUnavailableReason(name: string): string | null {
  if (writer === null) return 'the optional package @napi-rs/xattr is not installed';
  const folder = mkdtempSync(join(tmpdir(), 'scapula-xattr-probe-'));
  try {
    writeFileSync(join(folder, 'file'), '');
    writer.setAttributeSync(join(folder, 'file'), name, 'x');
    return null;
  } catch (error) {
    return `cannot set ${name} in ${tmpdir()}: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
