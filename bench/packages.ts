/**
 * Package database read speed: packages per second for each rpm storage format and for dpkg.
 *
 *   npm run build && node dist/bench/packages.js [SECONDS_PER_CASE]
 *
 * The fixtures are read from ../shared/fixtures beside the repository, or from the folder
 * named by SCAPULA_FIXTURES.
 * Each case reads one database from the shared fixtures, already in memory, and decodes every
 * package the way the probes need it (header fields, signature key id and the full file list),
 * repeating for at least SECONDS_PER_CASE (default 2) seconds. Prints one JSON line per case.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { parseDpkgStatus } from '../lib/packages/dpkg.js';
import { readBdbHeaders } from '../lib/packages/rpm/bdb.js';
import { RpmHeader } from '../lib/packages/rpm/header.js';
import { readNdbHeaders } from '../lib/packages/rpm/ndb.js';
import { packageFiles, packageFromHeader } from '../lib/packages/rpm/package.js';
import { readSqliteHeaders, type HeaderBlob } from '../lib/packages/rpm/sqlite.js';

const fixtures = process.env.SCAPULA_FIXTURES ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/fixtures');

interface Case {
  name: string;
  file: string;
  /** Reads and decodes everything; returns the number of packages. */
  run: (bytes: Uint8Array) => Promise<number>;
}

async function decodeRpm(blobs: HeaderBlob[] | Promise<HeaderBlob[]>): Promise<number> {
  let files = 0;
  const list = await blobs;
  for (const entry of list) files += packageFiles(packageFromHeader(new RpmHeader(entry.blob, 'bench'))).length;
  // The file count keeps the decoding from being optimized away.
  if (files < 0) throw new Error('unreachable');
  return list.length;
}

const cases: Case[] = [
  { name: 'rpm sqlite (rpmlab, 81 headers)', file: 'rpmlab/db/sqlite/rpmdb.sqlite', run: (bytes) => decodeRpm(readSqliteHeaders(bytes, null, 'rpmdb.sqlite')) },
  { name: 'rpm sqlite (amazonlinux2023, 103 headers)', file: 'rpmdb/sqlite/amazonlinux2023/rpmdb.sqlite', run: (bytes) => decodeRpm(readSqliteHeaders(bytes, null, 'rpmdb.sqlite')) },
  { name: 'rpm bdb (rpmlab, 81 headers)', file: 'rpmlab/db/bdb/Packages', run: (bytes) => decodeRpm(readBdbHeaders(bytes, 'Packages')) },
  { name: 'rpm ndb (sle15-bci, 36 headers)', file: 'rpmdb/ndb/sle15-bci/Packages.db', run: (bytes) => decodeRpm(readNdbHeaders(bytes, 'Packages.db')) },
  { name: 'dpkg status (ubuntu 18.04, 89 packages)', file: 'dpkg/status', run: async (bytes) => parseDpkgStatus(new TextDecoder().decode(bytes), 'status').length },
];

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? '2');
  for (const benchCase of cases) {
    const bytes = new Uint8Array(readFileSync(path.join(fixtures, benchCase.file)));
    await benchCase.run(bytes);

    let packages = 0;
    let rounds = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < seconds) {
      packages += await benchCase.run(bytes);
      rounds++;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    }
    process.stdout.write(
      `${JSON.stringify({
        case: benchCase.name,
        bytes: bytes.byteLength,
        rounds,
        packagesPerSecond: Math.round(packages / elapsed),
        millisecondsPerRead: Number(((elapsed / rounds) * 1000).toFixed(3)),
      })}\n`,
    );
  }
}

await main();
