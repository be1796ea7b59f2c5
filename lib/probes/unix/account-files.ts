/**
 * Readers of the colon-separated account files, etc/passwd and etc/shadow, shared by the
 * password and shadow probes. Lines that do not have the expected field count are skipped,
 * as getpwent(3) skips them.
 */
import type { FileSystemView } from '../../targets/target.js';
import { decodeText } from '../util/file-content.js';

/** Account files are small; a larger one is not an account file. */
const ACCOUNT_FILE_MAX_BYTES = 16 * 1024 * 1024;

/** Reads `path` and returns the fields of each entry that has exactly `fieldCount` fields. */
export async function readColonFile(fs: FileSystemView, path: string, fieldCount: number): Promise<string[][]> {
  const text = decodeText(await fs.readFile(path, { maxBytes: ACCOUNT_FILE_MAX_BYTES }));
  const entries: string[][] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    // NIS compat entries ("+", "-user") name no local account.
    if (line.startsWith('+') || line.startsWith('-')) continue;
    const fields = line.split(':');
    if (fields.length === fieldCount) entries.push(fields);
  }
  return entries;
}
