/**
 * Reader for rpm's NDB database (`Packages.db`, SUSE since SLE 15 SP3 / openSUSE). All integers
 * are little-endian and space is counted in 16-byte blocks.
 *
 *   file header (32 bytes):  "RpmP", version (0), generation, slot page count, 4 reserved words
 *   slot pages (4096 bytes each, the header takes the first two 16-byte slots of page 0):
 *     slot: "Slot", package index (0 = free), first block, block count
 *   block run of a package: "BlbS", package index, generation, blob length, the header blob,
 *     zero padding, then a 12-byte tail: Adler-32 of everything before the tail, blob length, "BlbE"
 */
import { ScapulaError } from '../../errors.js';
import type { HeaderBlob } from './sqlite.js';

const BLOCK_SIZE = 16;
const SLOT_PAGE_SIZE = 4096;
const SLOTS_PER_PAGE = SLOT_PAGE_SIZE / BLOCK_SIZE;
const BLOB_HEADER_SIZE = 16;
const BLOB_TAIL_SIZE = 12;
/** rpm's own bound on slot pages; it keeps a hostile count from driving a huge allocation. */
const MAX_SLOT_PAGES = 2048;

const magic = (text: string): number => text.charCodeAt(0) | (text.charCodeAt(1) << 8) | (text.charCodeAt(2) << 16) | ((text.charCodeAt(3) << 24) >>> 0);
const HEADER_MAGIC = magic('RpmP') >>> 0;
const SLOT_MAGIC = magic('Slot') >>> 0;
const BLOB_MAGIC = magic('BlbS') >>> 0;
const BLOB_TAIL_MAGIC = magic('BlbE') >>> 0;

/** Reads every header blob of an NDB `Packages.db` file, checking each blob's checksum. */
export function readNdbHeaders(bytes: Uint8Array, file: string): HeaderBlob[] {
  const fail = (message: string): never => {
    throw new ScapulaError('PACKAGE_DB_CORRUPT', `NDB: ${message}`, { file });
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 32) fail(`file is ${bytes.byteLength} bytes, too short for the NDB header`);
  if (view.getUint32(0, true) !== HEADER_MAGIC) fail('not an NDB database (magic is not "RpmP")');
  const version = view.getUint32(4, true);
  if (version !== 0) fail(`unsupported NDB version ${version}`);
  const slotPages = view.getUint32(12, true);
  if (slotPages === 0 || slotPages > MAX_SLOT_PAGES) fail(`invalid slot page count ${slotPages}`);
  if (slotPages * SLOT_PAGE_SIZE > bytes.byteLength) fail(`header names ${slotPages} slot pages but the file is ${bytes.byteLength} bytes (truncated?)`);

  const headers: HeaderBlob[] = [];
  for (let slot = 2; slot < slotPages * SLOTS_PER_PAGE; slot++) {
    const at = slot * BLOCK_SIZE;
    if (view.getUint32(at, true) !== SLOT_MAGIC) fail(`slot ${slot} has a bad magic number`);
    const packageIndex = view.getUint32(at + 4, true);
    if (packageIndex === 0) continue;
    const firstBlock = view.getUint32(at + 8, true);
    const blockCount = view.getUint32(at + 12, true);

    const start = firstBlock * BLOCK_SIZE;
    const end = start + blockCount * BLOCK_SIZE;
    if (firstBlock < slotPages * SLOTS_PER_PAGE || end > bytes.byteLength || blockCount * BLOCK_SIZE < BLOB_HEADER_SIZE + BLOB_TAIL_SIZE) {
      fail(`package ${packageIndex} points to blocks ${firstBlock}+${blockCount}, outside the file`);
    }
    if (view.getUint32(start, true) !== BLOB_MAGIC || view.getUint32(start + 4, true) !== packageIndex) {
      fail(`package ${packageIndex}: no blob header at block ${firstBlock}`);
    }
    const blobLength = view.getUint32(start + 12, true);
    const tail = end - BLOB_TAIL_SIZE;
    if (start + BLOB_HEADER_SIZE + blobLength > tail) fail(`package ${packageIndex}: blob of ${blobLength} bytes does not fit its ${blockCount} blocks`);
    if (view.getUint32(tail + 8, true) !== BLOB_TAIL_MAGIC || view.getUint32(tail + 4, true) !== blobLength) {
      fail(`package ${packageIndex}: bad blob tail`);
    }
    if (adler32(bytes.subarray(start, tail)) !== view.getUint32(tail, true)) fail(`package ${packageIndex}: blob checksum mismatch`);
    headers.push({ instance: packageIndex, blob: bytes.subarray(start + BLOB_HEADER_SIZE, start + BLOB_HEADER_SIZE + blobLength) });
  }
  return headers.sort((a, b) => a.instance - b.instance);
}

/** Adler-32 (RFC 1950). */
export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  const chunk = 5552; // the largest run before the sums can exceed 2^32
  for (let i = 0; i < bytes.length; ) {
    const end = Math.min(i + chunk, bytes.length);
    for (; i < end; i++) {
      a += bytes[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}
