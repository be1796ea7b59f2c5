/**
 * Extended attributes of host files, read through the optional package @napi-rs/xattr. Node.js
 * has no API for them. The package calls llistxattr(2) and lgetxattr(2), so a final symbolic
 * link is never followed: callers pass a host path whose other components are not links.
 */
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';

import { ScapulaError } from '../errors.js';

/** The part of @napi-rs/xattr 1.0 that is used. */
interface XattrBinding {
  listAttributesSync(path: string): string[];
  /** Returns null on every failure, ENODATA and EACCES alike. */
  getAttributeSync(path: string, name: string): Uint8Array | null;
}

/** Reads every extended attribute of a host file, by name. */
export type HostXattrReader = (path: string, hostPath: string) => Map<string, Uint8Array>;

export type HostXattrSupport = { available: true; read: HostXattrReader } | { available: false; reason: string };

const PACKAGE_NAME = '@napi-rs/xattr';

let support: HostXattrSupport | undefined;

/**
 * Loads the package on first use and returns the reader, or the reason why extended attributes
 * cannot be read (the package is missing or has no build for this platform).
 */
export function hostXattrSupport(): HostXattrSupport {
  support ??= loadSupport();
  return support;
}

function loadSupport(): HostXattrSupport {
  let binding: XattrBinding;
  try {
    binding = createRequire(import.meta.url)(PACKAGE_NAME) as XattrBinding;
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return {
      available: false,
      reason: `the optional package ${PACKAGE_NAME}, which reads them, could not be loaded (${detail}). Install it with npm to read extended attributes of host files`,
    };
  }
  return { available: true, read: (path, hostPath) => readXattrs(binding, path, hostPath) };
}

/**
 * Lists the names with llistxattr and reads each value with lgetxattr. The calls are
 * synchronous because the file probe reads the attributes of every file it reports, and an
 * asynchronous call costs a thread-pool round trip for each.
 */
function readXattrs(binding: XattrBinding, path: string, hostPath: string): Map<string, Uint8Array> {
  let names: string[];
  try {
    names = binding.listAttributesSync(hostPath);
  } catch (error) {
    // A file system without extended attributes (EOPNOTSUPP) has none to report for any file.
    if (osErrorNumber(error) === osConstants.errno.ENOTSUP) return new Map();
    throw xattrError(path, error);
  }

  const attributes = new Map<string, Uint8Array>();
  for (const name of names) {
    const value = binding.getAttributeSync(hostPath, name);
    if (value !== null) {
      attributes.set(name, value);
      continue;
    }

    // null stands for any failure: an attribute removed since the listing has gone, but one
    // still listed could not be read, which must not look like a missing attribute.
    if (listedNames(binding, hostPath).includes(name)) {
      throw new ScapulaError('IO', `cannot read the extended attribute ${name} of ${path}`);
    }
  }
  return attributes;
}

function listedNames(binding: XattrBinding, hostPath: string): string[] {
  try {
    return binding.listAttributesSync(hostPath);
  } catch {
    return [];
  }
}

/** The errno of a failure that the package reports as text ending in "(os error N)". */
function osErrorNumber(error: unknown): number | undefined {
  const match = error instanceof Error ? /\(os error (\d+)\)/.exec(error.message) : null;
  return match === null ? undefined : Number(match[1]);
}

function xattrError(path: string, error: unknown): ScapulaError {
  const errno = osErrorNumber(error);
  if (errno === osConstants.errno.ENOENT) {
    return new ScapulaError('NOT_FOUND', `${path} does not exist in the target`, {}, { cause: error });
  }
  if (errno === osConstants.errno.ENOTDIR) {
    return new ScapulaError('NOT_A_DIRECTORY', `${path}: a path component is not a directory`, {}, { cause: error });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new ScapulaError('IO', `cannot read the extended attributes of ${path}: ${reason}`, {}, { cause: error });
}
