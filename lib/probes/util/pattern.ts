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

/** The maximum number of prefixes that literalMatchPrefixes expands groups into. */
const MAX_MATCH_PREFIXES = 64;

/**
 * Returns literal strings such that every match of `pattern` starts with one of them, for
 * patterns whose top-level alternatives are all anchored with `^/`. Groups of literal
 * alternatives are expanded: "^\/(|s)bin|^\/usr\/libexec" gives "/bin", "/sbin" and
 * "/usr/libexec". Returns null for any other pattern, and when the pattern contains a nested
 * character class, which the scan for top-level `|` does not parse.
 * A file search uses the prefixes to skip directories that no match can lie below.
 */
export function literalMatchPrefixes(pattern: string): string[] | null {
  const alternatives = splitTopLevelAlternatives(pattern);
  if (alternatives === null) return null;

  const prefixes: string[] = [];
  for (const alternative of alternatives) {
    if (!alternative.startsWith('^')) return null;
    const expanded = literalPrefixesOf(alternative, 1);
    if (expanded.some((prefix) => !prefix.startsWith('/'))) return null;
    prefixes.push(...expanded);
  }
  return prefixes;
}

/**
 * Expands the literal text at the start of `pattern` (from `start`) into every string that it
 * can spell. The expansion stops before the first element that is neither a literal character
 * nor a group of literal alternatives, and before any element that a quantifier applies to.
 */
function literalPrefixesOf(pattern: string, start: number): string[] {
  let prefixes = [''];
  let i = start;
  while (i < pattern.length) {
    const char = pattern[i];
    let choices: string[];
    let next: number;
    if (char === '\\') {
      const escaped = pattern[i + 1];
      // An escaped letter or digit is a class or an anchor (\d, \w, \b, \Q), not a literal.
      if (escaped === undefined || /[A-Za-z0-9]/.test(escaped)) break;
      choices = [escaped];
      next = i + 2;
    } else if (char === '(') {
      const group = literalGroupAlternatives(pattern, i);
      if (group === null) break;
      choices = group.alternatives;
      next = group.end;
    } else if ('.[]{}()*+?|^$'.includes(char)) {
      break;
    } else {
      choices = [char];
      next = i + 1;
    }

    // A quantifier makes the element optional or repeated, so it is no longer a fixed prefix.
    if (next < pattern.length && '*+?{'.includes(pattern[next])) break;
    if (prefixes.length * choices.length > MAX_MATCH_PREFIXES) break;
    prefixes = prefixes.flatMap((prefix) => choices.map((choice) => prefix + choice));
    i = next;
  }
  return prefixes;
}

/**
 * Reads a group such as "(|local\/)" at `open`, whose alternatives are plain literals, and
 * returns them with the index after the ")". Returns null for any other group: one with
 * "(?", a nested group, a class or any special character.
 */
function literalGroupAlternatives(pattern: string, open: number): { alternatives: string[]; end: number } | null {
  const alternatives: string[] = [''];
  for (let i = open + 1; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === ')') return { alternatives, end: i + 1 };
    if (char === '|') {
      alternatives.push('');
    } else if (char === '\\') {
      const escaped = pattern[i + 1];
      if (escaped === undefined || /[A-Za-z0-9]/.test(escaped)) return null;
      alternatives[alternatives.length - 1] += escaped;
      i++;
    } else if ('.[]{}()*+?^$'.includes(char)) {
      return null;
    } else {
      alternatives[alternatives.length - 1] += char;
    }
  }
  return null;
}

/**
 * Splits `pattern` at each `|` outside every group and character class. Returns null when a
 * character class contains "[" (a POSIX class such as [[:alpha:]]), which this scan does not
 * parse, or when the groups do not balance.
 */
function splitTopLevelAlternatives(pattern: string): string[] | null {
  const alternatives: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\') {
      i++;
    } else if (char === '[') {
      // In Perl, a "]" right after "[" or "[^" is a literal member of the class.
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      for (; j < pattern.length && pattern[j] !== ']'; j++) {
        if (pattern[j] === '[') return null;
        if (pattern[j] === '\\') j++;
      }
      if (j >= pattern.length) return null;
      i = j;
    } else if (char === '(') {
      depth++;
    } else if (char === ')') {
      if (depth === 0) return null;
      depth--;
    } else if (char === '|' && depth === 0) {
      alternatives.push(pattern.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) return null;
  alternatives.push(pattern.slice(start));
  return alternatives;
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
