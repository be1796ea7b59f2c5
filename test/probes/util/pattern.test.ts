import { describe, expect, it } from 'vitest';

import { literalDirectoryPrefix, literalMatchPrefixes, literalPatternPath } from '../../../lib/probes/util/pattern.js';

describe('literalDirectoryPrefix', () => {
  it('stops at the last slash', () => {
    expect(literalDirectoryPrefix('^/etc/ssh/.*\\.conf$')).toBe('/etc/ssh');
  });

  it('drops a character under a quantifier', () => {
    expect(literalDirectoryPrefix('^/etc/sshd?/x')).toBe('/etc');
  });

  it('returns the root for an unanchored pattern', () => {
    expect(literalDirectoryPrefix('/etc/ssh/.*')).toBe('/');
  });

  it('returns the root for top-level alternation', () => {
    expect(literalDirectoryPrefix('^/etc/a|^/var/b')).toBe('/');
  });

  // "^/etc$" also matches "/etc\n", a sibling of /etc, so only the root contains both matches.
  it('returns the parent of a whole literal', () => {
    expect(literalDirectoryPrefix('^/etc$')).toBe('/');
    expect(literalDirectoryPrefix('^/etc/passwd$')).toBe('/etc');
  });
});

describe('literalPatternPath', () => {
  it('returns the path of an anchored literal', () => {
    expect(literalPatternPath('^/etc$')).toBe('/etc');
    expect(literalPatternPath('^/etc/ssh/sshd_config$')).toBe('/etc/ssh/sshd_config');
  });

  it('unescapes escaped punctuation', () => {
    expect(literalPatternPath('^/etc/os\\-release\\.d$')).toBe('/etc/os-release.d');
  });

  it('accepts the root alone', () => {
    expect(literalPatternPath('^/$')).toBe('/');
  });

  it('rejects patterns with special characters', () => {
    expect(literalPatternPath('^/etc/.*$')).toBeNull();
    expect(literalPatternPath('^/etc/ssh?$')).toBeNull();
    expect(literalPatternPath('^/etc/(a|b)$')).toBeNull();
    expect(literalPatternPath('^/etc/\\d$')).toBeNull();
  });

  it('rejects a missing anchor', () => {
    expect(literalPatternPath('/etc$')).toBeNull();
    expect(literalPatternPath('^/etc')).toBeNull();
    expect(literalPatternPath('^/etc\\$')).toBeNull();
  });

  it('rejects paths a walk never produces', () => {
    expect(literalPatternPath('^/etc/$')).toBeNull();
    expect(literalPatternPath('^/etc//ssh$')).toBeNull();
    expect(literalPatternPath('^/etc/\\.\\./root$')).toBeNull();
    expect(literalPatternPath('^/etc/\\.$')).toBeNull();
  });
});

describe('literalMatchPrefixes', () => {
  it('expands groups of literal alternatives', () => {
    expect(literalMatchPrefixes('^\\/(|s)bin|^\\/usr\\/(|local\\/)(|s)bin|^\\/usr\\/libexec')).toEqual([
      '/bin',
      '/sbin',
      '/usr/bin',
      '/usr/sbin',
      '/usr/local/bin',
      '/usr/local/sbin',
      '/usr/libexec',
    ]);
  });

  it('stops before a quantified element', () => {
    expect(literalMatchPrefixes('^/etc/sshd?/x')).toEqual(['/etc/ssh']);
    expect(literalMatchPrefixes('^/etc/(a|b)?/x')).toEqual(['/etc/']);
    expect(literalMatchPrefixes('^/etc/(a|b){2}')).toEqual(['/etc/']);
  });

  it('stops at a class, escape class or special group', () => {
    expect(literalMatchPrefixes('^/etc/[a-z]+')).toEqual(['/etc/']);
    expect(literalMatchPrefixes('^/etc/\\d')).toEqual(['/etc/']);
    expect(literalMatchPrefixes('^/etc/(?i)ssh')).toEqual(['/etc/']);
    expect(literalMatchPrefixes('^/etc/(a|[bc])')).toEqual(['/etc/']);
    expect(literalMatchPrefixes('^/etc/(a|(b))')).toEqual(['/etc/']);
  });

  it('keeps the literal before an end anchor', () => {
    expect(literalMatchPrefixes('^/etc$')).toEqual(['/etc']);
  });

  it('splits only at top-level bars', () => {
    expect(literalMatchPrefixes('^/a[|]b|^/c\\|d')).toEqual(['/a', '/c|d']);
  });

  it('rejects an alternative without an anchor', () => {
    expect(literalMatchPrefixes('^/etc|/var')).toBeNull();
    expect(literalMatchPrefixes('/etc')).toBeNull();
    expect(literalMatchPrefixes('^(/etc|/var)')).toEqual(['/etc', '/var']);
    expect(literalMatchPrefixes('^etc')).toBeNull();
    expect(literalMatchPrefixes('^.*')).toBeNull();
  });

  it('rejects a nested class and unbalanced groups', () => {
    expect(literalMatchPrefixes('^/a[[:alpha:]|^/b]')).toBeNull();
    expect(literalMatchPrefixes('^/a(b')).toBeNull();
    expect(literalMatchPrefixes('^/a)b')).toBeNull();
  });

  it('stops expanding past 64 prefixes', () => {
    const prefixes = literalMatchPrefixes('^/(a|b)(c|d)(e|f)(g|h)(i|j)(k|l)(m|n)');
    expect(prefixes).toHaveLength(64);
    expect(prefixes?.[0]).toBe('/acegik');
  });
});
