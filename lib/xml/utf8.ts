/**
 * Finds the first ill-formed UTF-8 sequence, to report the place of a decoding failure, because
 * TextDecoder reports only that a chunk is invalid, not where.
 */

/**
 * Returns the offset of the first byte of the first ill-formed sequence in `bytes`: a byte that
 * cannot start a sequence, an overlong form, a surrogate or a code point above U+10FFFF, the
 * same rules TextDecoder applies. A sequence cut off by the end of `bytes` counts as ill-formed.
 * Returns `bytes.length` when all of `bytes` is well-formed.
 */
export function findInvalidUtf8(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index]!;
    if (lead < 0x80) {
      index++;
      continue;
    }
    const length = sequenceLength(lead);
    if (length === 0 || index + length > bytes.length) return index;
    const second = bytes[index + 1]!;
    if (second < secondMinimum(lead) || second > secondMaximum(lead)) return index;
    for (let offset = 2; offset < length; offset++) {
      if (!isContinuation(bytes[index + offset]!)) return index;
    }
    index += length;
  }
  return bytes.length;
}

/** Returns the length of the sequence a lead byte starts, or 0 for a byte that cannot lead. */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

// The second byte carries the restrictions: E0 and F0 exclude overlong forms, ED excludes
// surrogates, F4 excludes code points above U+10FFFF.
function secondMinimum(lead: number): number {
  if (lead === 0xe0) return 0xa0;
  if (lead === 0xf0) return 0x90;
  return 0x80;
}

function secondMaximum(lead: number): number {
  if (lead === 0xed) return 0x9f;
  if (lead === 0xf4) return 0x8f;
  return 0xbf;
}

function isContinuation(byte: number): boolean {
  return byte >= 0x80 && byte <= 0xbf;
}
