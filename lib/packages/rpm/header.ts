/**
 * Decoder for rpm header blobs as the package database stores them (no lead, no header magic):
 *
 *   il: uint32 BE        number of index entries
 *   dl: uint32 BE        length of the data store
 *   il × { tag, type, offset, count }   four uint32 BE each (16 bytes)
 *   dl bytes of data     strings NUL-terminated, integers big-endian and aligned
 *
 * The first entry of an installed header is normally a region tag (HEADERIMMUTABLE): its data
 * is a 16-byte trailer entry whose offset is minus the size of the region's index, so the
 * region covers the first `-offset / 16` entries. Entries after the region are "dribble"
 * entries that rpm added after install. Where one repeats a region tag, rpm uses the dribble
 * entry, and so does this decoder.
 *
 * Every offset and count is checked against the blob before it is read, so a hostile blob ends
 * in a PACKAGE_DB_CORRUPT error, never in an out-of-range read or a huge allocation.
 */
import { ScapulaError } from '../../errors.js';
import { RpmTag, RpmType } from './tags.js';

/** rpm's own limits (hdrchkTags, hdrchkData in rpm's header.c). */
const MAX_INDEX_ENTRIES = 0xffff;
const MAX_DATA_LENGTH = 0x0fffffff;

const ENTRY_SIZE = 16;

export interface HeaderEntry {
  tag: number;
  type: number;
  /** Offset into the data store. */
  offset: number;
  count: number;
}

export type HeaderValue = string | string[] | number[] | bigint[] | Uint8Array;

export class RpmHeader {
  /** The whole blob from the il word on, kept for the header digest and signature checks. */
  readonly blob: Uint8Array;
  /** The immutable region: how many index entries and data bytes it covers, or null without a region tag. */
  readonly region: { entries: number; dataLength: number } | null;
  private readonly entries = new Map<number, HeaderEntry>();
  private readonly data: DataView;
  /** Offset of the data store in `blob`. */
  readonly dataStart: number;
  private readonly dataLength: number;
  private readonly where: string;

  constructor(blob: Uint8Array, where: string) {
    this.blob = blob;
    this.where = where;

    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    if (blob.byteLength < 8) this.fail(`header is ${blob.byteLength} bytes, shorter than its 8-byte preamble`);
    const indexCount = view.getUint32(0);
    const dataLength = view.getUint32(4);
    if (indexCount < 1 || indexCount > MAX_INDEX_ENTRIES) this.fail(`header has ${indexCount} index entries (expected 1 to ${MAX_INDEX_ENTRIES})`);
    if (dataLength > MAX_DATA_LENGTH) this.fail(`header data store is ${dataLength} bytes (maximum ${MAX_DATA_LENGTH})`);
    const dataStart = 8 + indexCount * ENTRY_SIZE;
    if (dataStart + dataLength > blob.byteLength) {
      this.fail(`header needs ${dataStart + dataLength} bytes but the blob has ${blob.byteLength}`);
    }
    this.data = view;
    this.dataStart = dataStart;
    this.dataLength = dataLength;

    const entries: HeaderEntry[] = [];
    for (let i = 0; i < indexCount; i++) {
      const at = 8 + i * ENTRY_SIZE;
      const entry = {
        tag: view.getUint32(at),
        type: view.getUint32(at + 4),
        offset: view.getInt32(at + 8),
        count: view.getUint32(at + 12),
      };
      this.checkEntry(entry, i);
      entries.push(entry);
    }

    this.region = this.readRegion(entries[0], indexCount);
    // Later entries replace earlier ones, so dribble entries win over region entries.
    for (const entry of entries) this.entries.set(entry.tag, entry);
  }

  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  tags(): number[] {
    return [...this.entries.keys()];
  }

  /** Returns the first value of a STRING, I18NSTRING or STRING_ARRAY tag, or undefined. */
  string(tag: number): string | undefined {
    const value = this.get(tag);
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
    return undefined;
  }

  /** Returns a string array tag, and a single STRING as a one-element array. */
  strings(tag: number): string[] | undefined {
    const value = this.get(tag);
    if (typeof value === 'string') return [value];
    if (Array.isArray(value) && (value.length === 0 || typeof value[0] === 'string')) return value as string[];
    return undefined;
  }

  /** Returns an integer array tag of type CHAR, INT8, INT16 or INT32, or INT64 converted to numbers. */
  numbers(tag: number): number[] | undefined {
    const value = this.get(tag);
    if (!Array.isArray(value) || value.length === 0) return Array.isArray(value) ? [] : undefined;
    if (typeof value[0] === 'number') return value as number[];
    if (typeof value[0] === 'bigint') return (value as bigint[]).map((n) => Number(n));
    return undefined;
  }

  number(tag: number): number | undefined {
    return this.numbers(tag)?.[0];
  }

  binary(tag: number): Uint8Array | undefined {
    const value = this.get(tag);
    return value instanceof Uint8Array ? value : undefined;
  }

  /** Decodes one tag's value by its type, or returns undefined for a missing tag. */
  get(tag: number): HeaderValue | undefined {
    const entry = this.entries.get(tag);
    if (entry === undefined) return undefined;
    const start = this.dataStart + entry.offset;
    switch (entry.type) {
      case RpmType.NULL:
        return [];
      case RpmType.CHAR:
      case RpmType.INT8:
        return Array.from(this.blob.subarray(start, start + entry.count));
      case RpmType.INT16:
        return this.readIntegers(start, entry.count, 2);
      case RpmType.INT32:
        return this.readIntegers(start, entry.count, 4);
      case RpmType.INT64: {
        const values: bigint[] = [];
        for (let i = 0; i < entry.count; i++) values.push(this.data.getBigUint64(start + i * 8));
        return values;
      }
      case RpmType.STRING:
        return this.readStrings(start, 1, entry)[0];
      case RpmType.STRING_ARRAY:
      case RpmType.I18NSTRING:
        return entry.type === RpmType.I18NSTRING ? this.readStrings(start, entry.count, entry)[0] : this.readStrings(start, entry.count, entry);
      case RpmType.BIN:
        return this.blob.subarray(start, start + entry.count);
      default:
        return undefined;
    }
  }

  private readIntegers(start: number, count: number, width: 2 | 4): number[] {
    const values = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      values[i] = width === 2 ? this.data.getUint16(start + i * 2) : this.data.getUint32(start + i * 4);
    }
    return values;
  }

  private readStrings(start: number, count: number, entry: HeaderEntry): string[] {
    const end = this.dataStart + this.dataLength;
    const values: string[] = [];
    let at = start;
    for (let i = 0; i < count; i++) {
      const nul = this.blob.indexOf(0, at);
      if (nul < 0 || nul >= end) this.fail(`string of tag ${entry.tag} runs past the end of the data store`);
      values.push(textDecoder.decode(this.blob.subarray(at, nul)));
      at = nul + 1;
    }
    return values;
  }

  private checkEntry(entry: HeaderEntry, index: number): void {
    if (entry.type > RpmType.I18NSTRING) this.fail(`index entry ${index} (tag ${entry.tag}) has unknown type ${entry.type}`);
    if (entry.offset < 0 || entry.offset > this.dataLength) {
      // A region tag's trailer carries a negative offset, but the entry itself points into the data.
      this.fail(`index entry ${index} (tag ${entry.tag}) has offset ${entry.offset} outside the ${this.dataLength}-byte data store`);
    }
    if (entry.count < 1 && entry.type !== RpmType.NULL) this.fail(`index entry ${index} (tag ${entry.tag}) has count 0`);
    const width = FIXED_WIDTH[entry.type];
    if (width !== undefined) {
      if (width > 1 && entry.offset % width !== 0) {
        this.fail(`index entry ${index} (tag ${entry.tag}) is not aligned to ${width} bytes`);
      }
      if (entry.offset + entry.count * width > this.dataLength) {
        this.fail(`index entry ${index} (tag ${entry.tag}) holds ${entry.count} values past the end of the data store`);
      }
    } else if (entry.count > this.dataLength - entry.offset) {
      // Each string takes at least its NUL byte.
      this.fail(`index entry ${index} (tag ${entry.tag}) has ${entry.count} strings but only ${this.dataLength - entry.offset} bytes remain`);
    }
  }

  /**
   * Checks the region trailer of a header whose first entry is a region tag, and returns how
   * many index entries and data bytes (up to the end of the trailer) the region covers.
   */
  private readRegion(first: HeaderEntry, indexCount: number): { entries: number; dataLength: number } | null {
    if (first.tag !== RpmTag.HEADERIMMUTABLE && first.tag !== RpmTag.HEADERSIGNATURES && first.tag !== RpmTag.HEADERREGIONS) {
      return null;
    }
    if (first.type !== RpmType.BIN || first.count !== ENTRY_SIZE) this.fail(`region tag ${first.tag} is not a 16-byte BIN entry`);
    const at = this.dataStart + first.offset;
    const trailerTag = this.data.getUint32(at);
    const trailerOffset = this.data.getInt32(at + 8);
    const regionEntries = -trailerOffset / ENTRY_SIZE;
    if (trailerTag !== first.tag || !Number.isInteger(regionEntries) || regionEntries < 1 || regionEntries > indexCount) {
      this.fail(`region trailer of tag ${first.tag} is invalid (tag ${trailerTag}, offset ${trailerOffset})`);
    }
    return { entries: regionEntries, dataLength: first.offset + ENTRY_SIZE };
  }

  private fail(message: string): never {
    throw new ScapulaError('PACKAGE_DB_CORRUPT', `${this.where}: ${message}`);
  }
}

const FIXED_WIDTH: Record<number, number> = {
  [RpmType.NULL]: 0,
  [RpmType.CHAR]: 1,
  [RpmType.INT8]: 1,
  [RpmType.INT16]: 2,
  [RpmType.INT32]: 4,
  [RpmType.INT64]: 8,
  [RpmType.BIN]: 1,
};

const textDecoder = new TextDecoder('utf-8');
