/**
 * Reader for rpm's Berkeley DB `Packages` file (rpm up to 4.15, RHEL 7 and 8): a Berkeley DB
 * hash database whose keys are header instance numbers and whose values are header blobs.
 * Only the `Packages` file is needed; the index databases beside it are not read.
 *
 *   page 0, hash metadata:   lsn(8) pgno(4) magic=0x061561(4) version(4) pagesize(4)
 *                            encrypt_alg(1) type=8(1) metaflags(1) unused(1) free(4) last_pgno(4) ...
 *   every page's header:     lsn(8) pgno(4) prev_pgno(4) next_pgno(4) entries(2) hf_offset(2)
 *                            level(1) type(1), then `entries` uint16 item offsets
 *   hash page (type 13 or 2): items in key/data pairs. An item is a type byte, then either the
 *                            bytes themselves (H_KEYDATA) or an off-page reference (H_OFFPAGE:
 *                            3 unused bytes, first overflow page, total length)
 *   overflow page (type 7):  hf_offset is the number of data bytes on the page
 *
 * Integers are in the byte order of the machine that wrote the file, which the magic number
 * reveals. The header blobs themselves are always big-endian.
 */
import { ScapulaError } from '../../errors.js';
import type { HeaderBlob } from './sqlite.js';

const HASH_MAGIC = 0x061561;
const PAGE_HEADER_SIZE = 26;

const PageType = {
  HASH_UNSORTED: 2,
  OVERFLOW: 7,
  HASH_META: 8,
  HASH: 13,
} as const;

const ItemType = {
  KEYDATA: 1,
  DUPLICATE: 2,
  OFFPAGE: 3,
  OFFDUP: 4,
} as const;

/** Reads every live header blob of a Berkeley DB hash `Packages` file. */
export function readBdbHeaders(bytes: Uint8Array, file: string): HeaderBlob[] {
  const db = new BdbFile(bytes, file);
  const headers: HeaderBlob[] = [];
  // NOTE: pages are walked in file order, not through the hash buckets, so a hash page that no
  // bucket links to would still be read. Berkeley DB marks the pages it frees P_INVALID (0).
  for (let pageNumber = 1; pageNumber <= db.lastPage; pageNumber++) {
    const type = db.pageType(pageNumber);
    if (type !== PageType.HASH && type !== PageType.HASH_UNSORTED) continue;
    headers.push(...db.readHashPage(pageNumber));
  }
  return headers.sort((a, b) => a.instance - b.instance);
}

class BdbFile {
  readonly pageSize: number;
  readonly lastPage: number;
  private readonly view: DataView;
  private readonly littleEndian: boolean;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength < 512) this.fail(`file is ${bytes.byteLength} bytes, too short for Berkeley DB metadata`);

    const magicLittle = this.view.getUint32(12, true);
    const magicBig = this.view.getUint32(12, false);
    if (magicLittle === HASH_MAGIC) this.littleEndian = true;
    else if (magicBig === HASH_MAGIC) this.littleEndian = false;
    else this.fail(`not a Berkeley DB hash database (magic 0x${magicBig.toString(16)}, expected 0x061561)`);

    this.pageSize = this.u32(20);
    if (this.pageSize < 512 || this.pageSize > 65536 || (this.pageSize & (this.pageSize - 1)) !== 0) {
      this.fail(`invalid page size ${this.pageSize}`);
    }
    if (this.bytes[24] !== 0) this.fail('the database is encrypted');
    if (this.bytes[25] !== PageType.HASH_META) this.fail(`metadata page has type ${this.bytes[25]}, expected hash metadata (8)`);
    // DBMETA_CHKSUM (0x01) moves page contents behind a checksum. rpm never enables it.
    if (this.bytes[26] & 0x01) this.fail('pages carry checksums, which this reader does not support');

    const lastPage = this.u32(32);
    const pagesInFile = Math.floor(bytes.byteLength / this.pageSize);
    if (lastPage >= pagesInFile) {
      this.fail(`metadata names last page ${lastPage} but the file holds ${pagesInFile} pages (truncated?)`);
    }
    this.lastPage = lastPage;
  }

  pageType(pageNumber: number): number {
    return this.bytes[pageNumber * this.pageSize + 25];
  }

  readHashPage(pageNumber: number): HeaderBlob[] {
    const page = pageNumber * this.pageSize;
    const entries = this.u16(page + 20);
    if (PAGE_HEADER_SIZE + entries * 2 > this.pageSize) this.fail(`hash page ${pageNumber} claims ${entries} entries`);

    const headers: HeaderBlob[] = [];
    for (let i = 0; i + 1 < entries; i += 2) {
      const key = this.readItem(pageNumber, i);
      const data = this.readItem(pageNumber, i + 1);
      if (key.type !== ItemType.KEYDATA || key.bytes === undefined || key.bytes.byteLength !== 4) {
        this.fail(`hash page ${pageNumber} item ${i} is not a 4-byte header instance key`);
      }
      const instance = new DataView(key.bytes.buffer, key.bytes.byteOffset, 4).getUint32(0, this.littleEndian);
      // Key 0 stores rpm's last-used instance number, not a header.
      if (instance === 0) continue;

      let blob: Uint8Array;
      if (data.type === ItemType.KEYDATA && data.bytes !== undefined) blob = data.bytes;
      else if (data.type === ItemType.OFFPAGE && data.overflowPage !== undefined) blob = this.readOverflow(data.overflowPage, data.totalLength!);
      else this.fail(`hash page ${pageNumber} item ${i + 1} has unsupported type ${data.type}`);
      headers.push({ instance, blob });
    }
    return headers;
  }

  private readItem(pageNumber: number, index: number): { type: number; bytes?: Uint8Array; overflowPage?: number; totalLength?: number } {
    const page = pageNumber * this.pageSize;
    const offset = this.u16(page + PAGE_HEADER_SIZE + index * 2);
    // Items are packed from the end of the page down, in index order.
    const end = index === 0 ? this.pageSize : this.u16(page + PAGE_HEADER_SIZE + (index - 1) * 2);
    const entriesEnd = PAGE_HEADER_SIZE + this.u16(page + 20) * 2;
    if (offset < entriesEnd || offset >= end || end > this.pageSize) {
      this.fail(`hash page ${pageNumber} item ${index} has invalid offset ${offset}`);
    }
    const type = this.bytes[page + offset];
    if (type === ItemType.OFFPAGE) {
      if (end - offset < 12) this.fail(`hash page ${pageNumber} item ${index} is too short for an off-page reference`);
      return { type, overflowPage: this.u32(page + offset + 4), totalLength: this.u32(page + offset + 8) };
    }
    return { type, bytes: this.bytes.subarray(page + offset + 1, page + end) };
  }

  /** Follows an overflow chain and concatenates its data, giving up after as many pages as the file has. */
  private readOverflow(firstPage: number, totalLength: number): Uint8Array {
    if (totalLength > this.bytes.byteLength) this.fail(`overflow item claims ${totalLength} bytes, more than the file`);
    const result = new Uint8Array(totalLength);
    let filled = 0;
    let pageNumber = firstPage;
    let steps = 0;
    while (filled < totalLength) {
      if (pageNumber === 0 || pageNumber > this.lastPage) this.fail(`overflow chain points to page ${pageNumber}, outside the file`);
      if (++steps > this.lastPage) this.fail(`overflow chain starting at page ${firstPage} loops`);
      const page = pageNumber * this.pageSize;
      if (this.bytes[page + 25] !== PageType.OVERFLOW) this.fail(`page ${pageNumber} in an overflow chain has type ${this.bytes[page + 25]}`);
      const length = this.u16(page + 22);
      if (length > this.pageSize - PAGE_HEADER_SIZE || filled + length > totalLength) {
        this.fail(`overflow page ${pageNumber} holds ${length} bytes, more than fits`);
      }
      result.set(this.bytes.subarray(page + PAGE_HEADER_SIZE, page + PAGE_HEADER_SIZE + length), filled);
      filled += length;
      pageNumber = this.u32(page + 16);
      if (length === 0 && filled < totalLength) this.fail(`overflow page ${pageNumber} is empty before the item ends`);
    }
    return result;
  }

  private u32(at: number): number {
    return this.view.getUint32(at, this.littleEndian);
  }

  private u16(at: number): number {
    return this.view.getUint16(at, this.littleEndian);
  }

  private fail(message: string): never {
    throw new ScapulaError('PACKAGE_DB_CORRUPT', `Berkeley DB: ${message}`, { file: this.file });
  }
}
