/**
 * OVAL regular expressions. OVAL patterns use Perl (PCRE) syntax. This module translates
 * them and runs them with RE2, which matches in linear time, so no pattern can stall an
 * evaluation. Patterns that need backtracking (backreferences, lookaround, atomic groups,
 * possessive quantifiers) run with JavaScript's RegExp inside node:vm under a time limit:
 * a run that exceeds it raises a REGEX error for that one comparison. A search for every match
 * in one subject (execAll) has the same time limit with either engine, and a maximum number of
 * matched and captured strings, so a pattern with many groups cannot exhaust memory.
 *
 * Perl semantics kept by the translation:
 * - `.` excludes only "\n" unless (?s) or the singleline option is on.
 * - `$` and `\Z` match at the end or before a final "\n"; with (?m), before any "\n".
 * - `\s` is [\t\n\v\f\r ], `\h` and `\v` are Perl's horizontal and vertical spaces.
 * - POSIX classes ([[:alpha:]], [[:^digit:]]), \Q…\E, (?#…) comments and (?x) whitespace.
 * - Inline flags i, m, s and x, scoped to their group as in Perl.
 *
 * Known differences: with RE2, `$` and `\Z` before a final "\n" include that "\n" in the
 * matched text, because RE2 has no lookahead. Subroutine calls, recursion, conditionals,
 * branch reset, \G past the start, \K and backtracking verbs are rejected as untranslatable.
 */
import vm from 'node:vm';
import RE2 from 're2';
import { ScapulaError } from '../errors.js';
import { regexError, translatePattern, type Translation } from './regex-translate.js';

export { translatePattern, type Translation } from './regex-translate.js';

export interface PatternOptions {
  caseInsensitive?: boolean;
  /** `^` and `$` match at every line (Perl's /m). */
  multiline?: boolean;
  /** `.` matches "\n" too (Perl's /s). */
  singleline?: boolean;
  /**
   * Time limit in milliseconds for one execAll over a whole subject, and for one test or exec of
   * a backtracking pattern (default 2000). RE2's single test and exec run in linear time.
   */
  timeoutMs?: number;
}

export interface PatternMatch {
  /** UTF-16 offset of the match in the subject. */
  index: number;
  /** UTF-16 offset just past the match. */
  end: number;
  text: string;
  /** Capture groups 1…n in Perl numbering; undefined for a group that did not take part. */
  captures: (string | undefined)[];
}

export interface CompiledPattern {
  readonly pattern: string;
  /** 're2' for linear-time matching, 'backtracking' for the time-limited fallback. */
  readonly engine: 're2' | 'backtracking';
  readonly groupCount: number;
  /** Searches `subject` for a match anywhere. Throws a REGEX ScapulaError on a timeout. */
  test(subject: string): boolean;
  /** The first match at or after UTF-16 offset `start`, or null. Throws like `test`. */
  exec(subject: string, start?: number): PatternMatch | null;
  /** Every non-overlapping match, left to right. Throws like `test`. */
  execAll(subject: string): PatternMatch[];
}

const DEFAULT_TIMEOUT_MS = 2000;
const CACHE_LIMIT = 10_000;
const cache = new Map<string, CompiledPattern | ScapulaError>();

/**
 * Compiles an OVAL (Perl-compatible) pattern, from a cache when it was compiled before.
 * Throws a ScapulaError with code REGEX when the pattern is invalid or cannot be translated.
 */
export function compilePattern(pattern: string, options: PatternOptions = {}): CompiledPattern {
  const key = `${options.caseInsensitive ? 'i' : ''}${options.multiline ? 'm' : ''}${options.singleline ? 's' : ''}:${options.timeoutMs ?? ''}:${pattern}`;
  const cached = cache.get(key);
  if (cached instanceof ScapulaError) throw cached;
  if (cached !== undefined) return cached;

  let entry: CompiledPattern | ScapulaError;
  try {
    entry = buildPattern(pattern, options);
  } catch (error) {
    if (!(error instanceof ScapulaError)) throw error;
    entry = error;
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, entry);
  if (entry instanceof ScapulaError) throw entry;
  return entry;
}

/**
 * Escapes every character that has a meaning in a Perl pattern, so the result matches
 * `text` literally (the OVAL escape_regex function).
 */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

function buildPattern(pattern: string, options: PatternOptions): CompiledPattern {
  const translation = translatePattern(pattern, options);
  if (!translation.needsBacktracking) {
    try {
      return new Re2Pattern(pattern, translation, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    } catch (error) {
      // RE2 rejects some valid Perl patterns (a repeat count over 1000); the backtracking
      // engine still runs them, under its time limit.
      if (translation.jsProblem !== undefined) {
        throw regexError(pattern, `RE2 rejected it (${errorText(error)})`);
      }
    }
  }
  if (translation.jsProblem !== undefined) throw regexError(pattern, translation.jsProblem);
  return new BacktrackingPattern(pattern, translation, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class Re2Pattern implements CompiledPattern {
  readonly engine = 're2' as const;
  readonly groupCount: number;
  private readonly regex: RE2;
  /** The JavaScript translation, sticky, to check a match at the end of a subject that ends in "\n". */
  private readonly endCheck: RegExp | undefined;
  private readonly timeoutMs: number;

  constructor(
    readonly pattern: string,
    translation: Translation,
    timeoutMs: number,
  ) {
    this.regex = new RE2(translation.re2, 'gu');
    this.timeoutMs = timeoutMs;
    this.groupCount = translation.groupCount;
    if (translation.multilineCaret && translation.jsProblem === undefined) this.endCheck = new RegExp(translation.js, 'uy');
  }

  test(subject: string): boolean {
    this.regex.lastIndex = 0;
    return this.regex.test(subject);
  }

  exec(subject: string, start = 0): PatternMatch | null {
    this.regex.lastIndex = start;
    const match = this.regex.exec(subject);
    if (match === null) return null;
    if (this.endCheck !== undefined && match.index === subject.length && subject.endsWith('\n')) {
      // Only an empty match fits here. Perl's multiline `^` does not match after the final
      // line break, so "^.*$" finds no empty last line; the exact translation decides.
      this.endCheck.lastIndex = match.index;
      if (!this.endCheck.test(subject)) return null;
    }
    const captures: (string | undefined)[] = [];
    for (let k = 1; k <= this.groupCount; k++) captures.push(match[k]);
    return { index: match.index, end: match.index + match[0].length, text: match[0], captures };
  }

  execAll(subject: string): PatternMatch[] {
    return collectAll(this, subject, this.timeoutMs);
  }
}

/** One vm context for every backtracking pattern; only the regex and the subject pass into it. */
let sandbox: vm.Context | undefined;
const runScript = new vm.Script('__regex.lastIndex = __start; __result = __regex.exec(__subject);');

// Finds every match in one run, so the time limit covers the whole search and the context is
// entered once. An empty match moves on by one code point, as collectAll does.
const runAllScript = new vm.Script(`
  __regex.lastIndex = 0;
  __result = [];
  for (;;) {
    const match = __regex.exec(__subject);
    if (match === null) break;
    __result.push(match);
    if (__result.length > __maxMatches) break;
    if (match[0].length === 0) {
      const end = match.index;
      __regex.lastIndex = end + ((__subject.codePointAt(end) ?? 0) > 0xffff ? 2 : 1);
      if (__regex.lastIndex > __subject.length) break;
    }
  }
`);

/** The most matches execAll returns; a subject with more is an error, not an unbounded list. */
export const MAX_MATCHES = 1_000_000;

/**
 * The maximum number of strings execAll returns for one subject, counting each match's text and
 * each of its capture groups. A pattern with 300 groups can thus match at most 6,644 times in one subject.
 */
export const MAX_CAPTURED_STRINGS = 2_000_000;

/** Returns how many matches execAll may return for a pattern with `groupCount` capture groups. */
export function maxMatchesFor(groupCount: number): number {
  return Math.min(MAX_MATCHES, Math.floor(MAX_CAPTURED_STRINGS / (groupCount + 1)));
}

class BacktrackingPattern implements CompiledPattern {
  readonly engine = 'backtracking' as const;
  readonly groupCount: number;
  private readonly regex: RegExp;

  constructor(
    readonly pattern: string,
    translation: Translation,
    private readonly timeoutMs: number,
  ) {
    try {
      this.regex = new RegExp(translation.js, 'gu');
    } catch (error) {
      throw regexError(pattern, errorText(error));
    }
    this.groupCount = translation.groupCount;
  }

  test(subject: string): boolean {
    return this.exec(subject) !== null;
  }

  exec(subject: string, start = 0): PatternMatch | null {
    const match = this.run(runScript, subject, start) as RegExpExecArray | null;
    return match === null ? null : this.toMatch(match);
  }

  execAll(subject: string): PatternMatch[] {
    const matches = this.run(runAllScript, subject, 0) as RegExpExecArray[];
    if (matches.length > maxMatchesFor(this.groupCount)) throw tooManyMatches(this);
    return matches.map((match) => this.toMatch(match));
  }

  /** Runs a search script in the sandbox under the time limit and returns its result. */
  private run(script: vm.Script, subject: string, start: number): unknown {
    sandbox ??= vm.createContext({});
    sandbox.__regex = this.regex;
    sandbox.__subject = subject;
    sandbox.__start = start;
    sandbox.__maxMatches = maxMatchesFor(this.groupCount);
    try {
      script.runInContext(sandbox, { timeout: this.timeoutMs });
      return sandbox.__result;
    } catch (error) {
      throw new ScapulaError(
        'REGEX',
        `the regular expression ${JSON.stringify(this.pattern)} timed out after ${this.timeoutMs} ms on a subject of ${subject.length} characters`,
        {},
        { cause: error },
      );
    } finally {
      sandbox.__subject = undefined;
      sandbox.__result = undefined;
    }
  }

  private toMatch(match: RegExpExecArray): PatternMatch {
    const captures: (string | undefined)[] = [];
    for (let k = 1; k <= this.groupCount; k++) captures.push(match.groups?.[`g${k}`]);
    return { index: match.index, end: match.index + match[0].length, text: match[0], captures };
  }
}

/** Quotes a pattern for a message, shortened to its first 200 characters. */
function quotePattern(pattern: string): string {
  if (pattern.length <= 200) return JSON.stringify(pattern);
  return `${JSON.stringify(pattern.slice(0, 200))}... (${pattern.length} characters)`;
}

function tooManyMatches(pattern: CompiledPattern): ScapulaError {
  const limit = maxMatchesFor(pattern.groupCount);
  const groups = pattern.groupCount === 1 ? '1 capture group' : `${pattern.groupCount} capture groups`;
  return new ScapulaError(
    'REGEX',
    `the regular expression ${quotePattern(pattern.pattern)} with ${groups} matches more than ${limit} times in one subject`,
  );
}

function collectAll(pattern: CompiledPattern, subject: string, timeoutMs: number): PatternMatch[] {
  const limit = maxMatchesFor(pattern.groupCount);
  const deadline = performance.now() + timeoutMs;
  const matches: PatternMatch[] = [];
  let start = 0;
  while (start <= subject.length) {
    const match = pattern.exec(subject, start);
    if (match === null) break;
    matches.push(match);
    if (matches.length > limit) throw tooManyMatches(pattern);
    // One exec of a pattern with a thousand groups can take milliseconds, so the clock is read
    // after every match.
    if (performance.now() > deadline) {
      throw new ScapulaError(
        'REGEX',
        `the regular expression ${quotePattern(pattern.pattern)} timed out after ${timeoutMs} ms and ${matches.length} matches on a subject of ${subject.length} characters`,
      );
    }
    // An empty match moves on by one code point so the loop always advances.
    if (match.end > match.index) start = match.end;
    else start = match.end + ((subject.codePointAt(match.end) ?? 0) > 0xffff ? 2 : 1);
  }
  return matches;
}
