/**
 * Perl-compatible regular expressions for probes, run on RE2 so that no pattern from OVAL
 * content can make matching take exponential time. RE2 rejects back-references and
 * look-around, which then raise a REGEX error instead of running unsafely.
 */
import RE2 from 're2';

import { ScapulaError } from '../../errors.js';

export interface PatternOptions {
  /** `^` and `$` match at line breaks (Perl's /m). */
  multiline?: boolean;
  /** `.` also matches a line break (Perl's /s). */
  singleline?: boolean;
  ignoreCase?: boolean;
}

export interface PatternMatch {
  /** The text of the whole match. */
  text: string;
  /** Offset of the match in the searched string, in UTF-16 code units. */
  index: number;
  /** The capturing groups in order; an empty string for a group that did not take part. */
  groups: string[];
}

export interface CompiledPattern {
  readonly source: string;
  test(text: string): boolean;
  /** Returns every non-overlapping match, left to right, as Perl's `m//g` finds them. */
  matchAll(text: string): PatternMatch[];
}

const cache = new Map<string, CompiledPattern>();
const CACHE_LIMIT = 512;

/** Compiles a pattern, raising a REGEX error that names it when RE2 cannot run it. */
export function compileProbePattern(pattern: string, options: PatternOptions = {}): CompiledPattern {
  const flags = `u${options.multiline ? 'm' : ''}${options.singleline ? 's' : ''}${options.ignoreCase ? 'i' : ''}`;
  const key = `${flags}/${pattern}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;

  let expression: RE2;
  try {
    expression = new RE2(pattern, flags + 'g');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ScapulaError('REGEX', `cannot use pattern "${pattern}": ${reason}`);
  }

  const compiled: CompiledPattern = {
    source: pattern,
    test(text) {
      expression.lastIndex = 0;
      return expression.test(text);
    },
    matchAll(text) {
      return collectMatches(expression, text);
    },
  };

  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, compiled);
  return compiled;
}

function collectMatches(expression: RE2, text: string): PatternMatch[] {
  const matches: PatternMatch[] = [];
  expression.lastIndex = 0;

  while (true) {
    const match = expression.exec(text);
    if (match === null) break;

    matches.push({
      text: match[0],
      index: match.index,
      groups: match.slice(1).map((group) => group ?? ''),
    });

    // An empty match would be found again at the same place, so step past it.
    if (match[0] === '') expression.lastIndex = match.index + 1;
  }
  return matches;
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
