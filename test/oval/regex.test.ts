import { describe, expect, it } from 'vitest';
import { compilePattern, escapeRegex, maxMatchesFor } from '../../lib/oval/regex.js';
import { isScapulaError } from '../../lib/errors.js';

function matches(pattern: string, subject: string): boolean {
  return compilePattern(pattern).test(subject);
}

describe('compilePattern translation', () => {
  it('keeps Perl end-of-line rules', () => {
    expect(matches('^foo$', 'foo\n')).toBe(true);
    expect(matches('^foo$', 'foo\n\n')).toBe(false);
    expect(matches('^foo\\z', 'foo\n')).toBe(false);
    expect(matches('foo\\Z', 'foo\n')).toBe(true);
    expect(matches('\\Afoo', 'xfoo')).toBe(false);
  });

  it('dot excludes newline unless singleline', () => {
    expect(matches('a.b', 'a\nb')).toBe(false);
    expect(matches('(?s)a.b', 'a\nb')).toBe(true);
    expect(compilePattern('a.b', { singleline: true }).test('a\nb')).toBe(true);
  });

  it('multiline anchors match at lines', () => {
    expect(matches('^b$', 'a\nb\nc')).toBe(false);
    expect(matches('(?m)^b$', 'a\nb\nc')).toBe(true);
    expect(compilePattern('^b$', { multiline: true }).test('a\nb\nc')).toBe(true);
  });

  it('multiline caret skips the final line break', () => {
    // Offsets and lengths as perl -e 'while (/PATTERN/mg) ...' prints them for "Hello\nHello\n".
    const spans = (pattern: string) =>
      compilePattern(pattern, { multiline: true })
        .execAll('Hello\nHello\n')
        .map((match) => [match.index, match.end - match.index]);
    expect(compilePattern('^.*$', { multiline: true }).engine).toBe('re2');
    expect(spans('^.*$')).toEqual([[0, 5], [6, 5]]);
    expect(spans('.*')).toEqual([[0, 5], [5, 0], [6, 5], [11, 0], [12, 0]]);
    expect(spans('^')).toEqual([[0, 0], [6, 0]]);
    expect(compilePattern('^(H)\\1?.*$', { multiline: true }).engine).toBe('backtracking');
    expect(spans('^(H)\\1?.*$')).toEqual([[0, 5], [6, 5]]);
    expect(spans('x*|^')).toEqual([[0, 0], [1, 0], [2, 0], [3, 0], [4, 0], [5, 0], [6, 0], [7, 0], [8, 0], [9, 0], [10, 0], [11, 0], [12, 0]]);
  });

  it('POSIX classes and Perl escapes', () => {
    expect(matches('^[[:alpha:]]+[[:digit:]]$', 'abc1')).toBe(true);
    expect(matches('^[[:^digit:]]$', '5')).toBe(false);
    expect(matches('^[[:space:]]$', '\v')).toBe(true);
    expect(matches('^\\s$', '\v')).toBe(true);
    expect(matches('^\\h$', '\t')).toBe(true);
    expect(matches('^\\h$', '\n')).toBe(false);
    expect(matches('^\\d+\\w\\W$', '12a-')).toBe(true);
    expect(matches('\\Qa.b*\\E$', 'xa.b*')).toBe(true);
    expect(matches('\\Qa.b*\\E$', 'xaxbb')).toBe(false);
    expect(matches('^\\x41\\x{42}\\103$', 'ABC')).toBe(true);
  });

  it('brackets with a leading ]', () => {
    expect(matches('^[]a]+$', ']a]')).toBe(true);
    expect(matches('^[^]a]$', 'b')).toBe(true);
    expect(matches('^[^]a]$', ']')).toBe(false);
  });

  it('inline flags are scoped to their group', () => {
    expect(matches('^(?i:ab)c$', 'ABc')).toBe(true);
    expect(matches('^(?i:ab)c$', 'ABC')).toBe(false);
    expect(matches('^a(?i)b$', 'aB')).toBe(true);
    expect(matches('^(a(?i)b)c$', 'aBC')).toBe(false);
  });

  it('extended mode drops blanks and comments', () => {
    expect(matches('(?x) ^ a b # a comment\n c $', 'abc')).toBe(true);
  });

  it('a lone brace is a literal', () => {
    expect(matches('^a{,3}$', 'a{,3}')).toBe(true);
    expect(matches('^a{2}$', 'aa')).toBe(true);
  });

  it('comments are dropped', () => {
    expect(matches('^a(?#note)b$', 'ab')).toBe(true);
  });
});

describe('compilePattern engines', () => {
  it('uses RE2 for regular patterns', () => {
    expect(compilePattern('^(a+)+b$').engine).toBe('re2');
    expect(compilePattern('^(a+)+b$').test('a'.repeat(100_000))).toBe(false);
  });

  it('runs back references with backtracking', () => {
    const pattern = compilePattern('^(\\w+) \\1$');
    expect(pattern.engine).toBe('backtracking');
    expect(pattern.test('abc abc')).toBe(true);
    expect(pattern.test('abc abd')).toBe(false);
  });

  it('runs lookaround with backtracking', () => {
    expect(matches('foo(?=bar)', 'foobar')).toBe(true);
    expect(matches('foo(?!bar)', 'foobar')).toBe(false);
    expect(matches('(?<=x)y', 'xy')).toBe(true);
    expect(matches('(?<!x)y', 'xy')).toBe(false);
  });

  it('atomic groups and possessive quantifiers do not give back', () => {
    expect(matches('^a*+a$', 'aaa')).toBe(false);
    expect(matches('^a*+b$', 'aaab')).toBe(true);
    expect(matches('^(?>a+)a$', 'aaa')).toBe(false);
    expect(matches('^(?>a+)b$', 'aab')).toBe(true);
  });

  it('numbers captures as Perl does', () => {
    const match = compilePattern('^(?>(x))(y)(?=(z))\\2').exec('xyzy');
    expect(match).toBeNull();
    const second = compilePattern('^(a)(?>(b))(c)\\3$').exec('abcc');
    expect(second?.captures).toEqual(['a', 'b', 'c']);
  });

  it('named groups and references', () => {
    const match = compilePattern('^(?<word>\\w+)-\\k<word>$').exec('ab-ab');
    expect(match?.captures).toEqual(['ab']);
    expect(matches('^(?P<w>\\w)(?P=w)$', 'zz')).toBe(true);
  });

  it('scopes case flags without inline flag support', () => {
    const ciphers = compilePattern('^[\\s]*(?i)Ciphers(?-i)[\\s]+(?=[\\w]+)(aes256-ctr(?=[\\w,]+|$),?)?(aes128-ctr)?[\\s]*$');
    expect(ciphers.engine).toBe('backtracking');
    expect(ciphers.test('CIPHERS aes256-ctr,aes128-ctr')).toBe(true);
    expect(ciphers.test('ciphers AES128-CTR')).toBe(false);
    expect(matches('(?i)[a-c]+(?=x)', 'ABCx')).toBe(true);
    expect(matches('^(?i)[^a](?=x)', 'Ax')).toBe(false);
    expect(matches('^(?i:[[:upper:]])(?=1)', 'q1')).toBe(true);
    expect(compilePattern('a(?=b)', { caseInsensitive: true }).test('AB')).toBe(true);
  });

  it('rejects a case-insensitive back reference', () => {
    expect(() => compilePattern('(?i)(a)\\1')).toThrow(/back reference that ignores case/);
  });

  it('a runaway pattern times out', () => {
    const pattern = compilePattern('^(a+)+\\1b$', { timeoutMs: 200 });
    const started = Date.now();
    let caught: unknown;
    try {
      pattern.test('a'.repeat(50_000));
    } catch (error) {
      caught = error;
    }
    expect(isScapulaError(caught, 'REGEX')).toBe(true);
    expect((caught as Error).message).toMatch(/timed out after 200 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('compilePattern exec', () => {
  it('returns captures and positions', () => {
    const match = compilePattern('(\\w+)=(\\d+)?').exec('x key= y');
    expect(match).toEqual({ index: 2, end: 6, text: 'key=', captures: ['key', undefined] });
  });

  it('execAll walks every match', () => {
    const all = compilePattern('(\\d)').execAll('a1b2c3');
    expect(all.map((match) => match.captures[0])).toEqual(['1', '2', '3']);
  });

  it('execAll advances past empty matches', () => {
    expect(compilePattern('x*').execAll('ab').length).toBe(3);
    expect(compilePattern('(?=x)').execAll('xx').map((match) => match.index)).toEqual([0, 1]);
  });

  it('execAll with backtracking finds every match', () => {
    const pattern = compilePattern('(\\w)(?=\\d)');
    expect(pattern.engine).toBe('backtracking');
    expect(pattern.execAll('a1b2c3').map((match) => match.captures[0])).toEqual(['a', 'b', 'c']);
    expect(pattern.execAll('a1b2c3').map((match) => match.index)).toEqual([0, 2, 4]);
  });
});

describe('compilePattern execAll limits', () => {
  const nested = (depth: number): string => '('.repeat(depth) + 'a' + ')'.repeat(depth);

  function execAllError(pattern: ReturnType<typeof compilePattern>, subject: string): unknown {
    try {
      pattern.execAll(subject);
    } catch (error) {
      return error;
    }
    return undefined;
  }

  it('maxMatchesFor divides by group count', () => {
    expect(maxMatchesFor(0)).toBe(1_000_000);
    expect(maxMatchesFor(1)).toBe(1_000_000);
    expect(maxMatchesFor(3)).toBe(500_000);
    expect(maxMatchesFor(300)).toBe(6_644);
  });

  it('nested groups stop at the match limit', () => {
    const pattern = compilePattern(nested(100), { multiline: true, timeoutMs: 60_000 });
    expect(pattern.engine).toBe('re2');
    expect(pattern.groupCount).toBe(100);
    expect(maxMatchesFor(100)).toBe(19_801);
    expect(pattern.execAll('a'.repeat(19_801)).length).toBe(19_801);

    const caught = execAllError(pattern, 'a'.repeat(100_000));
    expect(isScapulaError(caught, 'REGEX')).toBe(true);
    expect((caught as Error).message).toMatch(/ with 100 capture groups matches more than 19801 times in one subject$/);
    expect((caught as Error).message).toMatch(/\.\.\. \(201 characters\) with/);
  });

  it('deeply nested groups stop in time', () => {
    // Each match of 300 nested groups costs RE2 about a millisecond, so the time limit ends
    // the search before the match limit of 6,644 is reached.
    const pattern = compilePattern(nested(300), { multiline: true });
    const started = Date.now();
    const caught = execAllError(pattern, 'a'.repeat(100_000));
    expect(isScapulaError(caught, 'REGEX')).toBe(true);
    expect((caught as Error).message).toMatch(/ (timed out after 2000 ms and \d+ matches on a subject of 100000 characters|matches more than 6644 times in one subject)$/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('backtracking execAll keeps the match limit', () => {
    const pattern = compilePattern(`${nested(300)}(?=a)`, { timeoutMs: 60_000 });
    expect(pattern.engine).toBe('backtracking');
    const caught = execAllError(pattern, 'a'.repeat(10_000));
    expect(isScapulaError(caught, 'REGEX')).toBe(true);
    expect((caught as Error).message).toMatch(/matches more than 6644 times in one subject$/);
  });

  it('re2 execAll times out over the whole subject', () => {
    const pattern = compilePattern('a', { timeoutMs: 1 });
    expect(pattern.engine).toBe('re2');
    const caught = execAllError(pattern, 'a'.repeat(500_000));
    expect(isScapulaError(caught, 'REGEX')).toBe(true);
    expect((caught as Error).message).toMatch(/^the regular expression "a" timed out after 1 ms and \d+ matches on a subject of 500000 characters$/);
  });

  it('execAll within the limits returns every match', () => {
    const pattern = compilePattern('(a)', { timeoutMs: 60_000 });
    const all = pattern.execAll('ab'.repeat(100_000));
    expect(all.length).toBe(100_000);
    expect(all[99_999]).toEqual({ index: 199_998, end: 199_999, text: 'a', captures: ['a'] });
  });
});

describe('compilePattern errors', () => {
  const invalid = ['(', 'a)', '[a', '*a', 'a{3,2}', '(?R)', '(?(1)a|b)', '\\K', '(*SKIP)', '\\1(a)'];
  it.each(invalid)('rejects %s', (pattern) => {
    let caught: unknown;
    try {
      compilePattern(pattern);
    } catch (error) {
      caught = error;
    }
    expect(isScapulaError(caught, 'REGEX')).toBe(true);
  });

  it('caches errors too', () => {
    expect(() => compilePattern('(')).toThrow(/not closed/);
    expect(() => compilePattern('(')).toThrow(/not closed/);
  });
});

describe('escapeRegex', () => {
  it('quotes every special character', () => {
    const text = 'a.b*c+d?(e)[f]{g}^h$i|j\\k';
    expect(compilePattern(`^${escapeRegex(text)}$`).test(text)).toBe(true);
    expect(escapeRegex('1.2')).toBe('1\\.2');
  });
});
