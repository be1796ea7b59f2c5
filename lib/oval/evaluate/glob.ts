/**
 * The OVAL glob_to_regex function: a shell glob (as in POSIX fnmatch with FNM_PATHNAME and
 * FNM_PERIOD) turned into an anchored Perl pattern. Output follows OpenSCAP 1.3.7:
 * "*.txt" becomes "^(?=[^.])[^/]*\.txt$" because a wildcard at the start of a path component
 * does not match a leading dot.
 */

const REGEX_SPECIAL = new Set(['.', '^', '$', '+', '(', ')', '{', '}', '|', '\\']);

/**
 * Converts `glob` to a pattern. With `noEscape`, a backslash is an ordinary character;
 * otherwise it quotes the next character. A "[" with no closing "]" matches itself, as in fnmatch.
 */
export function globToRegex(glob: string, noEscape: boolean): string {
  let out = '^';
  let k = 0;
  while (k < glob.length) {
    const c = glob[k]!;
    const componentStart = k === 0 || glob[k - 1] === '/';

    if (c === '\\' && !noEscape) {
      const next = glob[k + 1];
      if (next === undefined) {
        out += '\\\\';
        k++;
        continue;
      }
      out += /[A-Za-z0-9]/.test(next) ? next : `\\${next}`;
      k += 2;
      continue;
    }
    if (c === '*') {
      out += componentStart ? '(?=[^.])[^/]*' : '[^/]*';
      k++;
      continue;
    }
    if (c === '?') {
      out += componentStart ? '[^./]' : '[^/]';
      k++;
      continue;
    }
    if (c === '[') {
      const end = bracketEnd(glob, k);
      if (end === undefined) {
        out += '\\[';
        k++;
        continue;
      }
      let body = glob.slice(k + 1, end);
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      out += `[${body}]`;
      k = end + 1;
      continue;
    }
    out += REGEX_SPECIAL.has(c) ? `\\${c}` : c;
    k++;
  }
  return `${out}$`;
}

/** Finds the "]" that closes the bracket expression opened at `start`, skipping POSIX classes. */
function bracketEnd(glob: string, start: number): number | undefined {
  let k = start + 1;
  if (glob[k] === '!' || glob[k] === '^') k++;
  if (glob[k] === ']') k++;
  while (k < glob.length) {
    if (glob.startsWith('[:', k)) {
      const close = glob.indexOf(':]', k + 2);
      if (close < 0) return undefined;
      k = close + 2;
      continue;
    }
    if (glob[k] === ']') return k;
    k++;
  }
  return undefined;
}
