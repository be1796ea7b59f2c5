/**
 * The issuer key id of an OpenPGP signature packet (RFC 4880 section 5.2), as rpm's
 * `%{RSAHEADER:pgpsig}` formatter prints it: 16 lowercase hex digits.
 *
 *   v3 body: version=3, hashed-length=5, sig type, creation time (4), key id (8), pk algo, hash algo
 *   v4 body: version=4, sig type, pk algo, hash algo, hashed subpackets (2-byte length + data),
 *            unhashed subpackets (2-byte length + data), ...
 *
 * In v4 the key id is the issuer subpacket (type 16), or the last 8 bytes of a v4 issuer
 * fingerprint subpacket (type 33), searched in the hashed area first as rpm does.
 */

const SIGNATURE_PACKET = 2;
const SUBPACKET_ISSUER = 16;
const SUBPACKET_ISSUER_FINGERPRINT = 33;

export interface SignatureInfo {
  version: number;
  publicKeyAlgorithm: number;
  hashAlgorithm: number;
  /** 16 lowercase hex digits, or undefined when the packet names no issuer. */
  keyId?: string;
  /** Creation time in seconds since the epoch. */
  created?: number;
}

/** Parses one signature packet; returns null for bytes that are not a well-formed signature. */
export function parseSignaturePacket(bytes: Uint8Array): SignatureInfo | null {
  const packet = readPacket(bytes);
  if (packet === null || packet.tag !== SIGNATURE_PACKET) return null;
  const body = packet.body;
  if (body.length < 1) return null;

  if (body[0] === 3 || body[0] === 2) {
    if (body.length < 19 || body[1] !== 5) return null;
    return {
      version: body[0],
      created: readUint32(body, 3),
      keyId: hex(body.subarray(7, 15)),
      publicKeyAlgorithm: body[15],
      hashAlgorithm: body[16],
    };
  }

  if (body[0] === 4) {
    if (body.length < 6) return null;
    const info: SignatureInfo = { version: 4, publicKeyAlgorithm: body[2], hashAlgorithm: body[3] };
    const hashedLength = (body[4] << 8) | body[5];
    const hashedEnd = 6 + hashedLength;
    if (hashedEnd + 2 > body.length) return null;
    const unhashedLength = (body[hashedEnd] << 8) | body[hashedEnd + 1];
    const unhashedEnd = hashedEnd + 2 + unhashedLength;
    if (unhashedEnd > body.length) return null;
    for (const area of [body.subarray(6, hashedEnd), body.subarray(hashedEnd + 2, unhashedEnd)]) {
      if (!readSubpackets(area, info)) return null;
      if (info.keyId !== undefined) break;
    }
    return info;
  }

  return null;
}

export interface Packet {
  tag: number;
  /** Bytes of the packet header before the body. */
  headerLength: number;
  body: Uint8Array;
}

/** Reads the first packet; old-format and new-format headers, no partial lengths. */
export function readPacket(bytes: Uint8Array): Packet | null {
  if (bytes.length < 2 || (bytes[0] & 0x80) === 0) return null;
  const first = bytes[0];
  let tag: number;
  let length: number;
  let at: number;

  if (first & 0x40) {
    tag = first & 0x3f;
    const octet = bytes[1];
    if (octet < 192) {
      length = octet;
      at = 2;
    } else if (octet < 224) {
      if (bytes.length < 3) return null;
      length = ((octet - 192) << 8) + bytes[2] + 192;
      at = 3;
    } else if (octet === 255) {
      if (bytes.length < 6) return null;
      length = readUint32(bytes, 2);
      at = 6;
    } else {
      return null;
    }
  } else {
    tag = (first >> 2) & 0x0f;
    const lengthType = first & 0x03;
    if (lengthType === 3) return null;
    const size = 1 << lengthType;
    if (bytes.length < 1 + size) return null;
    length = 0;
    for (let i = 0; i < size; i++) length = length * 256 + bytes[1 + i];
    at = 1 + size;
  }

  if (at + length > bytes.length) return null;
  return { tag, headerLength: at, body: bytes.subarray(at, at + length) };
}

function readSubpackets(area: Uint8Array, info: SignatureInfo): boolean {
  let at = 0;
  while (at < area.length) {
    const octet = area[at];
    let length: number;
    if (octet < 192) {
      length = octet;
      at += 1;
    } else if (octet < 255) {
      if (at + 1 >= area.length) return false;
      length = ((octet - 192) << 8) + area[at + 1] + 192;
      at += 2;
    } else {
      if (at + 5 > area.length) return false;
      length = readUint32(area, at + 1);
      at += 5;
    }
    if (length < 1 || at + length > area.length) return false;
    const type = area[at] & 0x7f;
    const data = area.subarray(at + 1, at + length);
    if (type === SUBPACKET_ISSUER && data.length === 8 && info.keyId === undefined) {
      info.keyId = hex(data);
    } else if (type === SUBPACKET_ISSUER_FINGERPRINT && data.length === 21 && data[0] === 4 && info.keyId === undefined) {
      info.keyId = hex(data.subarray(13));
    } else if (type === 2 && data.length === 4) {
      info.created = readUint32(data, 0);
    }
    at += length;
  }
  return true;
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) >>> 0) + (bytes[at + 1] << 16) + (bytes[at + 2] << 8) + bytes[at + 3];
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
