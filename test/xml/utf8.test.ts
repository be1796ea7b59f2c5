import { describe, expect, it } from 'vitest';

import { findInvalidUtf8 } from '../../lib/xml/utf8.js';

describe('findInvalidUtf8', () => {
  it('accepts well-formed sequences of every length', () => {
    const bytes = Buffer.from('a é € 𝄞 \u{10ffff} \u{d7ff} \u{e000}', 'utf8');
    expect(findInvalidUtf8(bytes)).toBe(bytes.length);
  });

  it('accepts empty input', () => {
    expect(findInvalidUtf8(new Uint8Array(0))).toBe(0);
  });

  it('finds the lead byte of each ill-formed sequence', () => {
    const cases: Array<[string, number[]]> = [
      ['lone continuation byte', [0x80]],
      ['overlong two-byte form', [0xc0, 0xaf]],
      ['C1 lead byte', [0xc1, 0xbf]],
      ['overlong three-byte form', [0xe0, 0x9f, 0xbf]],
      ['surrogate', [0xed, 0xa0, 0x80]],
      ['overlong four-byte form', [0xf0, 0x8f, 0xbf, 0xbf]],
      ['code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
      ['F5 lead byte', [0xf5, 0x80, 0x80, 0x80]],
      ['missing third byte', [0xe2, 0x82, 0x41]],
      ['missing fourth byte', [0xf0, 0x9f, 0x98, 0x41]],
      ['sequence cut off by the end', [0xe2, 0x82]],
    ];
    for (const [name, sequence] of cases) {
      const bytes = Buffer.concat([Buffer.from('ab é'), Buffer.from(sequence), Buffer.from('z')]);
      expect(findInvalidUtf8(bytes), name).toBe(5);
    }
  });

  it('agrees with TextDecoder on the valid prefix', () => {
    const bytes = Buffer.from([0x41, 0xce, 0xbb, 0xf0, 0x9f, 0x98, 0x80, 0xed, 0x9f, 0xbf, 0xed, 0xbf, 0xbf]);
    const index = findInvalidUtf8(bytes);
    expect(index).toBe(10);
    expect(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, index))).toBe('Aλ😀\u{d7ff}');
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(index))).toThrow(TypeError);
  });
});
