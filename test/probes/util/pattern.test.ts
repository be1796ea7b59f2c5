import { describe, expect, it } from 'vitest';

import { literalDirectoryPrefix, literalPatternPath } from '../../../lib/probes/util/pattern.js';

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
