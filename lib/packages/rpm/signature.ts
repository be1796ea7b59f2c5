/**
 * Header digest and header signature checks of installed packages, as rpm runs them on every
 * header it loads from the database. The digests are SHA256HEADER and SHA1HEADER. The
 * signature is the RSAHEADER or DSAHEADER OpenPGP packet, checked with the keys imported into
 * the database (the PUBKEYS tag of the `gpg-pubkey` headers). Both cover the header's
 * immutable region, serialized as
 *
 *   8e ad e8 01 00 00 00 00, region entry count (BE32), region data length (BE32),
 *   the region's index entries, the region's data
 *
 * Signatures made with RSA and EdDSA (Ed25519) keys are checked; DSA and ECDSA report
 * "unsupported".
 */
import { createHash, createPublicKey, verify, constants, type KeyObject } from 'node:crypto';

import type { RpmHeader } from './header.js';
import type { RpmPackage } from './package.js';
import { hex, readPacket } from './pgp.js';
import { RpmTag } from './tags.js';

const HEADER_MAGIC = [0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0];

/** OpenPGP hash algorithm ids (RFC 4880 section 9.4) to Node.js digest names. */
const HASHES: Record<number, string> = { 1: 'md5', 2: 'sha1', 8: 'sha256', 9: 'sha384', 10: 'sha512', 11: 'sha224' };

const PublicKeyAlgorithm = { RSA: 1, RSA_SIGN: 3, EDDSA: 22 } as const;

/** Serializes the immutable region that header digests and signatures cover, or returns null without one. */
export function regionBytes(header: RpmHeader): Uint8Array | null {
  const region = header.region;
  if (region === null) return null;
  const preamble = Buffer.alloc(16);
  preamble.set(HEADER_MAGIC);
  preamble.writeUInt32BE(region.entries, 8);
  preamble.writeUInt32BE(region.dataLength, 12);
  const entries = header.blob.subarray(8, 8 + region.entries * 16);
  const data = header.blob.subarray(header.dataStart, header.dataStart + region.dataLength);
  return Buffer.concat([preamble, entries, data]);
}

export type CheckOutcome = 'ok' | 'bad' | 'nokey' | 'unsupported' | 'absent';

/** Checks SHA256HEADER and SHA1HEADER; "bad" when any present digest differs. */
export function checkHeaderDigests(header: RpmHeader): CheckOutcome {
  const expected: [string, string | undefined][] = [
    ['sha256', header.string(RpmTag.SHA256HEADER)],
    ['sha1', header.string(RpmTag.SHA1HEADER)],
  ];
  const present = expected.filter((entry): entry is [string, string] => entry[1] !== undefined);
  if (present.length === 0) return 'absent';
  const region = regionBytes(header);
  if (region === null) return 'bad';
  for (const [algorithm, digest] of present) {
    if (createHash(algorithm).update(region).digest('hex') !== digest.toLowerCase()) return 'bad';
  }
  return 'ok';
}

/** Public keys by 16-hex-digit key id, from the PUBKEYS tags of the database's gpg-pubkey headers. */
export function importedKeys(packages: RpmPackage[]): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const pkg of packages) {
    if (pkg.name !== 'gpg-pubkey') continue;
    for (const armored of pkg.header.strings(RpmTag.PUBKEYS) ?? []) {
      for (const [keyId, key] of parseKeyPackets(Buffer.from(armored, 'base64'))) keys.set(keyId, key);
    }
  }
  return keys;
}

/** Reads the primary key and subkey packets (tags 6 and 14) of a v4 transferable public key. */
function parseKeyPackets(bytes: Uint8Array): [string, KeyObject][] {
  const keys: [string, KeyObject][] = [];
  let at = 0;
  while (at < bytes.length) {
    const packet = readPacket(bytes.subarray(at));
    if (packet === null) break;
    if ((packet.tag === 6 || packet.tag === 14) && packet.body[0] === 4) {
      const key = publicKeyFromBody(packet.body);
      if (key !== null) {
        const prefix = Buffer.from([0x99, packet.body.length >> 8, packet.body.length & 0xff]);
        const fingerprint = createHash('sha1').update(prefix).update(packet.body).digest();
        keys.push([hex(fingerprint.subarray(12)), key]);
      }
    }
    at += packet.headerLength + packet.body.length;
  }
  return keys;
}

function publicKeyFromBody(body: Uint8Array): KeyObject | null {
  const algorithm = body[5];
  try {
    if (algorithm === PublicKeyAlgorithm.RSA || algorithm === PublicKeyAlgorithm.RSA_SIGN) {
      const n = readMpi(body, 6);
      const e = n === null ? null : readMpi(body, n.end);
      if (n === null || e === null) return null;
      return createPublicKey({ key: { kty: 'RSA', n: base64url(n.value), e: base64url(e.value) }, format: 'jwk' });
    }
    if (algorithm === PublicKeyAlgorithm.EDDSA) {
      const oidLength = body[6];
      const point = readMpi(body, 7 + oidLength);
      // The point is 0x40 followed by the 32-byte Ed25519 public key.
      if (point === null || point.value.length !== 33 || point.value[0] !== 0x40) return null;
      return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64url(point.value.subarray(1)) }, format: 'jwk' });
    }
  } catch {
    return null;
  }
  return null;
}

/**
 * Verifies the header-only signature (RSAHEADER, else DSAHEADER) with the imported keys.
 * Returns "absent" for an unsigned header and "nokey" when its key was never imported.
 */
export function checkHeaderSignature(header: RpmHeader, keys: Map<string, KeyObject>): CheckOutcome {
  const packetBytes = header.binary(RpmTag.RSAHEADER) ?? header.binary(RpmTag.DSAHEADER);
  if (packetBytes === undefined) return 'absent';
  const signature = parseSignatureForVerify(packetBytes);
  if (signature === null) return 'bad';
  const hashName = HASHES[signature.hashAlgorithm];
  if (hashName === undefined) return 'unsupported';
  const key = signature.keyId === undefined ? undefined : keys.get(signature.keyId);
  if (key === undefined) return 'nokey';
  const region = regionBytes(header);
  if (region === null) return 'bad';

  const signed = Buffer.concat([region, signature.hashedTrailer]);
  if (signature.publicKeyAlgorithm === PublicKeyAlgorithm.RSA || signature.publicKeyAlgorithm === PublicKeyAlgorithm.RSA_SIGN) {
    if (key.asymmetricKeyType !== 'rsa') return 'bad';
    const modulusBytes = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
    const value = leftPad(signature.mpis[0] ?? new Uint8Array(0), modulusBytes);
    return verify(hashName, signed, { key, padding: constants.RSA_PKCS1_PADDING }, value) ? 'ok' : 'bad';
  }
  if (signature.publicKeyAlgorithm === PublicKeyAlgorithm.EDDSA) {
    if (key.asymmetricKeyType !== 'ed25519' || signature.mpis.length < 2) return 'bad';
    const digest = createHash(hashName).update(signed).digest();
    const value = Buffer.concat([leftPad(signature.mpis[0], 32), leftPad(signature.mpis[1], 32)]);
    return verify(null, digest, key, value) ? 'ok' : 'bad';
  }
  return 'unsupported';
}

interface VerifiableSignature {
  publicKeyAlgorithm: number;
  hashAlgorithm: number;
  keyId?: string;
  /** Bytes hashed after the data: the v3 signature type and time, or the v4 hashed part and its trailer. */
  hashedTrailer: Uint8Array;
  mpis: Uint8Array[];
}

function parseSignatureForVerify(bytes: Uint8Array): VerifiableSignature | null {
  const packet = readPacket(bytes);
  if (packet === null || packet.tag !== 2) return null;
  const body = packet.body;

  if (body[0] === 3 && body.length >= 19 && body[1] === 5) {
    return {
      publicKeyAlgorithm: body[15],
      hashAlgorithm: body[16],
      keyId: hex(body.subarray(7, 15)),
      hashedTrailer: body.subarray(2, 7),
      mpis: readMpis(body, 19),
    };
  }

  if (body[0] === 4 && body.length >= 6) {
    const hashedEnd = 6 + ((body[4] << 8) | body[5]);
    if (hashedEnd + 2 > body.length) return null;
    const unhashedEnd = hashedEnd + 2 + ((body[hashedEnd] << 8) | body[hashedEnd + 1]);
    if (unhashedEnd + 2 > body.length) return null;
    const trailer = Buffer.alloc(6);
    trailer[0] = 4;
    trailer[1] = 0xff;
    trailer.writeUInt32BE(hashedEnd, 2);
    return {
      publicKeyAlgorithm: body[2],
      hashAlgorithm: body[3],
      keyId: issuerKeyId(body.subarray(6, hashedEnd)) ?? issuerKeyId(body.subarray(hashedEnd + 2, unhashedEnd)),
      hashedTrailer: Buffer.concat([body.subarray(0, hashedEnd), trailer]),
      mpis: readMpis(body, unhashedEnd + 2),
    };
  }
  return null;
}

function issuerKeyId(area: Uint8Array): string | undefined {
  let at = 0;
  while (at < area.length) {
    let length = area[at];
    let header = 1;
    if (length >= 192 && length < 255) {
      length = ((length - 192) << 8) + area[at + 1] + 192;
      header = 2;
    } else if (length === 255) {
      length = ((area[at + 1] << 24) >>> 0) + (area[at + 2] << 16) + (area[at + 3] << 8) + area[at + 4];
      header = 5;
    }
    const start = at + header;
    if (length < 1 || start + length > area.length) return undefined;
    const type = area[start] & 0x7f;
    if (type === 16 && length === 9) return hex(area.subarray(start + 1, start + 9));
    if (type === 33 && length === 22 && area[start + 1] === 4) return hex(area.subarray(start + 14, start + 22));
    at = start + length;
  }
  return undefined;
}

function readMpis(body: Uint8Array, start: number): Uint8Array[] {
  const mpis: Uint8Array[] = [];
  let at = start;
  while (at < body.length) {
    const mpi = readMpi(body, at);
    if (mpi === null) break;
    mpis.push(mpi.value);
    at = mpi.end;
  }
  return mpis;
}

/** Reads an OpenPGP multiprecision integer: a 2-byte bit count, then the bytes. */
function readMpi(bytes: Uint8Array, at: number): { value: Uint8Array; end: number } | null {
  if (at + 2 > bytes.length) return null;
  const bits = (bytes[at] << 8) | bytes[at + 1];
  const length = Math.ceil(bits / 8);
  if (at + 2 + length > bytes.length) return null;
  return { value: bytes.subarray(at + 2, at + 2 + length), end: at + 2 + length };
}

function leftPad(bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.length >= length) return bytes;
  const padded = new Uint8Array(length);
  padded.set(bytes, length - bytes.length);
  return padded;
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}
