import { describe, expect, it } from 'vitest';

import { ParseContext } from '../../../lib/oval/parse/context.js';

describe('ParseContext', () => {
  const texts = [
    'oval:com.redhat.rhsa:tst:20190013005',
    'golang-lolve5 is earlier than 0:10.8.8-4.el8',
    'Überprüfung der Paketversion für café — 検査 😀 done',
    'short',
    '',
  ];

  it('intern returns equal text', () => {
    const context = new ParseContext('test.xml', false);
    for (const text of texts) expect(context.intern(text)).toBe(text);
  });

  it('intern shares one copy of repeated text', () => {
    const context = new ParseContext('test.xml', false);
    const source = 'xx oval:com.redhat.rhsa:tst:20190013005 xx';
    const first = context.intern(source.slice(3, -3));
    const second = context.intern(source.slice(3, -3));
    expect(first).toBe('oval:com.redhat.rhsa:tst:20190013005');
    expect(Object.is(first, second)).toBe(true);
  });

  it('copy returns equal text', () => {
    const context = new ParseContext('test.xml', false);
    for (const text of texts) expect(context.copy(text)).toBe(text);
  });

  it('copy keeps text longer than its scratch buffer', () => {
    const context = new ParseContext('test.xml', false);
    const ascii = 'a'.repeat(200_000);
    const wide = '検'.repeat(30_000);
    const fitting = '検'.repeat(21_845);
    expect(context.copy(fitting)).toBe(fitting);
    expect(context.copy(ascii)).toBe(ascii);
    expect(context.copy(wide)).toBe(wide);
    expect(context.copy(`${ascii}😀`)).toBe(`${ascii}😀`);
  });
});
