/**
 * Reading file content for the content probes (textfilecontent54, xmlfilecontent, ...):
 * bytes decoded as UTF-8 when they are valid UTF-8, else byte for byte as Latin-1, so that
 * patterns still see every byte of a file in another encoding.
 */
import { isScapulaError, type ErrorCode } from '../../errors.js';
import type { FileSystemView } from '../../targets/target.js';

/** The largest file a content probe reads (64 MiB, the FileSystemView default). */
export const MAX_CONTENT_BYTES = 64 * 1024 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

export function decodeText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return latin1.decode(bytes);
  }
}

export type ContentReadResult = { ok: true; text: string } | { ok: false; skipped: boolean; message: string };

/**
 * Reads a found file as text. A file that vanished, is a FIFO, socket or device, or is a
 * symbolic link to a directory, is `skipped`, so it makes no item, as when it does not exist
 * (oscap 1.3.7 reports such an object as "does not exist"). Any other failure is an error.
 */
export async function readTextContent(fs: FileSystemView, path: string): Promise<ContentReadResult> {
  try {
    return { ok: true, text: decodeText(await fs.readFile(path, { maxBytes: MAX_CONTENT_BYTES })) };
  } catch (error) {
    if (!isScapulaError(error)) throw error;
    const skipped = isSkippedFileError(error) || (await isDirectory(fs, path));
    return { ok: false, skipped, message: error.message };
  }
}

async function isDirectory(fs: FileSystemView, path: string): Promise<boolean> {
  try {
    return (await fs.stat(path))?.type === 'directory';
  } catch (error) {
    if (isScapulaError(error)) return false;
    throw error;
  }
}

const SKIPPED_CODES: readonly ErrorCode[] = ['NOT_FOUND', 'SPECIAL_FILE', 'PATH_LOOP', 'NOT_A_DIRECTORY'];

/**
 * Tells whether a read failure means there is no file to report (it vanished, or it is a
 * FIFO, socket or device), so the probe makes no item, as for a missing file.
 */
export function isSkippedFileError(error: unknown): boolean {
  return isScapulaError(error) && SKIPPED_CODES.includes(error.code);
}
