/**
 * Reader for rpm's SQLite database (`rpmdb.sqlite`, rpm 4.16 and later): the table
 * `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)` stores one header blob per package.
 *
 * The file is loaded into an in-memory SQLite (sql.js), so nothing is ever written beside the
 * database, which rpm leaves in WAL mode. Frames of a `-wal` file that belong to committed
 * transactions are applied to the in-memory copy first, as SQLite would on open.
 */
import type initSqlJs from 'sql.js';

import { ScapulaError } from '../../errors.js';

export interface HeaderBlob {
  /** The header instance number (rpm's hnum / record number). */
  instance: number;
  blob: Uint8Array;
}

type SqlJs = Awaited<ReturnType<typeof initSqlJs>>;
let sqlJs: Promise<SqlJs> | undefined;

/** Loads sql.js on the first rpm database in SQLite form, so that other evaluations skip its load. */
function loadSqlJs(): Promise<SqlJs> {
  sqlJs ??= import('sql.js').then((module) => module.default());
  return sqlJs;
}

const SQLITE_MAGIC = 'SQLite format 3\0';

/** Reads every header blob from the bytes of `rpmdb.sqlite` and, when present, its `-wal` file. */
export async function readSqliteHeaders(database: Uint8Array, wal: Uint8Array | null, file: string): Promise<HeaderBlob[]> {
  if (database.byteLength < 100 || new TextDecoder().decode(database.subarray(0, 16)) !== SQLITE_MAGIC) {
    throw new ScapulaError('PACKAGE_DB_CORRUPT', 'not an SQLite 3 database (bad header)', { file });
  }
  checkDatabaseSize(database, file);
  const bytes = wal === null ? new Uint8Array(database) : applyWal(database, wal, file);

  // Bytes 18 and 19 are the write and read format versions: 2 means WAL, 1 legacy.
  // sql.js keeps the database in memory and has no shared memory for WAL, so use legacy.
  bytes[18] = 1;
  bytes[19] = 1;

  const SQL = await loadSqlJs();
  let db;
  try {
    db = new SQL.Database(bytes);
  } catch (error) {
    throw new ScapulaError('PACKAGE_DB_CORRUPT', `cannot open SQLite database: ${(error as Error).message}`, { file }, { cause: error });
  }
  try {
    const statement = db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum');
    const headers: HeaderBlob[] = [];
    while (statement.step()) {
      const [instance, blob] = statement.get();
      if (typeof instance !== 'number' || !(blob instanceof Uint8Array)) {
        throw new ScapulaError('PACKAGE_DB_CORRUPT', `Packages row ${String(instance)} has no header blob`, { file });
      }
      headers.push({ instance, blob });
    }
    statement.free();
    return headers;
  } catch (error) {
    if (error instanceof ScapulaError) throw error;
    throw new ScapulaError('PACKAGE_DB_CORRUPT', `cannot read the Packages table: ${(error as Error).message}`, { file }, { cause: error });
  } finally {
    db.close();
  }
}

const WAL_HEADER_SIZE = 32;
const WAL_FRAME_HEADER_SIZE = 24;

/**
 * Returns a copy of `database` with the committed frames of `wal` written over its pages.
 * Frames after the last valid commit frame (a torn or uncommitted write) are ignored, as SQLite
 * ignores them. A WAL whose header checksum is invalid is ignored as a whole.
 *
 *   WAL header: magic (0x377f0682: little-endian checksums, 0x377f0683: big-endian),
 *               version, page size, checkpoint sequence, salt-1, salt-2, checksum-1, checksum-2
 *   frame:      page number, database size in pages after a commit (0 otherwise),
 *               salt-1, salt-2, checksum-1, checksum-2, then one page of data
 */
export function applyWal(database: Uint8Array, wal: Uint8Array, file: string): Uint8Array {
  if (wal.byteLength < WAL_HEADER_SIZE) return new Uint8Array(database);
  const view = new DataView(wal.buffer, wal.byteOffset, wal.byteLength);
  const magic = view.getUint32(0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683) return new Uint8Array(database);
  const bigEndian = magic === 0x377f0683;
  const pageSize = view.getUint32(8);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return new Uint8Array(database);
  const salt1 = view.getUint32(16);
  const salt2 = view.getUint32(20);

  let checksum = walChecksum(wal.subarray(0, 24), [0, 0], bigEndian);
  if (checksum[0] !== view.getUint32(24) || checksum[1] !== view.getUint32(28)) return new Uint8Array(database);

  const frames: { page: number; data: Uint8Array }[] = [];
  let committed = 0;
  let committedSize = 0;
  const frameSize = WAL_FRAME_HEADER_SIZE + pageSize;
  for (let at = WAL_HEADER_SIZE; at + frameSize <= wal.byteLength; at += frameSize) {
    const page = view.getUint32(at);
    const sizeAfterCommit = view.getUint32(at + 4);
    if (page === 0 || view.getUint32(at + 8) !== salt1 || view.getUint32(at + 12) !== salt2) break;
    checksum = walChecksum(wal.subarray(at, at + 8), checksum, bigEndian);
    checksum = walChecksum(wal.subarray(at + WAL_FRAME_HEADER_SIZE, at + frameSize), checksum, bigEndian);
    if (checksum[0] !== view.getUint32(at + 16) || checksum[1] !== view.getUint32(at + 20)) break;
    frames.push({ page, data: wal.subarray(at + WAL_FRAME_HEADER_SIZE, at + frameSize) });
    if (sizeAfterCommit !== 0) {
      committed = frames.length;
      committedSize = sizeAfterCommit;
    }
  }
  if (committed === 0) return new Uint8Array(database);

  const databasePageSize = readDatabasePageSize(database);
  if (databasePageSize !== pageSize) {
    throw new ScapulaError('PACKAGE_DB_CORRUPT', `WAL page size ${pageSize} differs from the database page size ${databasePageSize}`, { file: `${file}-wal` });
  }
  const result = new Uint8Array(committedSize * pageSize);
  result.set(database.subarray(0, Math.min(database.byteLength, result.byteLength)));
  for (const frame of frames.slice(0, committed)) {
    if (frame.page <= committedSize) result.set(frame.data, (frame.page - 1) * pageSize);
  }
  return result;
}

/**
 * Rejects a truncated file. The header's page count (bytes 28-31) is trusted only when its
 * "version valid for" number (bytes 92-95) equals the change counter (bytes 24-27), as in SQLite.
 */
function checkDatabaseSize(database: Uint8Array, file: string): void {
  const view = new DataView(database.buffer, database.byteOffset, database.byteLength);
  if (view.getUint32(92) !== view.getUint32(24)) return;
  const expected = view.getUint32(28) * readDatabasePageSize(database);
  if (database.byteLength < expected) {
    throw new ScapulaError('PACKAGE_DB_CORRUPT', `SQLite database is ${database.byteLength} bytes but its header records ${expected} (truncated?)`, { file });
  }
}

function readDatabasePageSize(database: Uint8Array): number {
  const raw = (database[16] << 8) | database[17];
  return raw === 1 ? 65536 : raw;
}

/** SQLite's WAL checksum: a running pair of sums over 32-bit words in the WAL's byte order. */
function walChecksum(bytes: Uint8Array, start: [number, number], bigEndian: boolean): [number, number] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let s0 = start[0];
  let s1 = start[1];
  for (let at = 0; at + 8 <= bytes.byteLength; at += 8) {
    s0 = (s0 + view.getUint32(at, !bigEndian) + s1) >>> 0;
    s1 = (s1 + view.getUint32(at + 4, !bigEndian) + s0) >>> 0;
  }
  return [s0, s1];
}
