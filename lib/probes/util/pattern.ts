/**
 * Pattern helpers for probes: the evaluator's Perl-compatible patterns with the options
 * probes name, and the literal directory prefix of an anchored path pattern, where a file
 * search can start instead of the root.
 */
import { compilePattern } from '../../oval/regex.js';

export interface PatternOptions {
  /** `^` and `$` match at line breaks (Perl's /m). */
  multiline?: boolean;
  /** `.` also matches a line break (Perl's /s). */
  singleline?: boolean;
  ignoreCase?: boolean;
}

export interface ProbeMatch {
  /** The text of the whole match. */
  text: string;
  /** The capturing groups in order; undefined for a group that did not take part. */
  groups: (string | undefined)[];
}

export interface ProbePattern {
  readonly source: string;
  /** Returns every non-overlapping match, left to right, as Perl's `m//g` finds them. */
  matchAll(text: string): ProbeMatch[];
}

/** Compiles a pattern, raising a REGEX ScapulaError when it is invalid or cannot be run safely. */
export function compileProbePattern(pattern: string, options: PatternOptions = {}): ProbePattern {
  const compiled = compilePattern(pattern, {
    caseInsensitive: options.ignoreCase,
    multiline: options.multiline,
    singleline: options.singleline,
  });
  return {
    source: pattern,
    matchAll(text) {
      return compiled.execAll(text).map((match) => ({ text: match.text, groups: match.captures }));
    },
  };
}

/**
 * Returns the literal directory that every string matching `pattern` starts with, for
 * patterns anchored with `^/`: "^/etc/ssh/.*\.conf$" gives "/etc/ssh". Returns "/" when the
 * pattern is not anchored or starts with a special character, so the search starts at the root.
 */
export function literalDirectoryPrefix(pattern: string): string {
  if (!pattern.startsWith('^/') || hasTopLevelAlternation(pattern)) return '/';

  let literal = '';
  for (let i = 1; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\') {
      const next = pattern[i + 1];
      // Escaped punctuation is literal; an escaped letter or digit is a class (\d, \w, \s).
      if (next === undefined || /[A-Za-z0-9]/.test(next)) break;
      literal += next;
      i++;
      continue;
    }
    if ('.[]()*+?{}|^$'.includes(char)) {
      // A quantifier applies to the character before it, which is therefore not fixed.
      if ('*+?{'.includes(char)) literal = literal.slice(0, -1);
      break;
    }
    literal += char;
  }

  const lastSlash = literal.lastIndexOf('/');
  return lastSlash <= 0 ? '/' : literal.slice(0, lastSlash);
}

/**
 * Returns the path that an anchored pattern of literal characters spells, for patterns of the
 * form "^/literal/path$": "^/etc$" gives "/etc" and "^/etc/os\-release$" gives "/etc/os-release".
 * Returns null for every other pattern, and for a literal that a directory walk never produces
 * (a trailing "/", an empty, "." or ".." component).
 * Such a pattern matches exactly two strings: the path, and the path followed by one "\n",
 * because "$" without /m also matches before a final line break.
 */
export function literalPatternPath(pattern: string): string | null {
  if (!pattern.startsWith('^/') || !pattern.endsWith('$')) return null;

  let literal = '';
  const end = pattern.length - 1;
  for (let i = 1; i < end; i++) {
    const char = pattern[i];
    if (char === '\\') {
      const next = pattern[i + 1];
      // i + 1 === end means the final "$" is escaped, so the pattern has no end anchor.
      if (next === undefined || i + 1 === end || /[A-Za-z0-9]/.test(next)) return null;
      literal += next;
      i++;
      continue;
    }
    if ('.[]()*+?{}|^$'.includes(char)) return null;
    literal += char;
  }

  if (literal === '/') return literal;
  const components = literal.slice(1).split('/');
  if (components.some((component) => component === '' || component === '.' || component === '..')) return null;
  return literal;
}

/** Tells whether `pattern` has a `|` outside every group and character class. */
function hasTopLevelAlternation(pattern: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\') {
      i++;
    } else if (inClass) {
      if (char === ']') inClass = false;
    } else if (char === '[') {
      inClass = true;
    } else if (char === '(') {
      depth++;
    } else if (char === ')') {
      depth = Math.max(0, depth - 1);
    } else if (char === '|' && depth === 0) {
      return true;
    }
  }
  return false;
}
