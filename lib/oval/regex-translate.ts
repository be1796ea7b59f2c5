/**
 * Translation of OVAL (Perl-compatible) patterns into RE2 syntax and into JavaScript syntax
 * (u flag), in one pass that also records whether the pattern needs a backtracking engine.
 * lib/oval/regex.ts describes the Perl rules kept and compiles the results.
 */
import { ScapulaError } from '../errors.js';
import type { PatternOptions } from './regex.js';

export interface Translation {
  re2: string;
  js: string;
  groupCount: number;
  /** True when the pattern needs a backtracking engine (RE2 cannot express it). */
  needsBacktracking: boolean;
  /**
   * True when the pattern has a `^` under /m. Perl's `^` then matches after every line break
   * except one that ends the subject; RE2's `(?m:^)` also matches there, so the RE2 engine
   * must check a match at the very end with the `js` translation.
   */
  multilineCaret: boolean;
  /** The reason the pattern cannot run with JavaScript's RegExp, if there is one. */
  jsProblem?: string;
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
}

interface OpenGroup {
  flags: Flags;
  re2Start: number;
  jsStart: number;
  /** Text to close the group with in each output. */
  re2Close: string;
  jsClose: string;
  /** Lookaround groups cannot be quantified in Perl's sense; kept for atom tracking. */
  atomic: boolean;
}

const POSIX_CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: '0-9a-zA-Z',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\t\\n\\x0B\\f\\r ',
  blank: '\\t ',
  punct: '!-\\/:-@\\[-`{-~',
  print: ' -~',
  graph: '!-~',
  cntrl: '\\x00-\\x1F\\x7F',
  xdigit: '0-9A-Fa-f',
  word: '0-9A-Za-z_',
  ascii: '\\x00-\\x7F',
};

const SPACE_SET = '\\t\\n\\x0B\\f\\r ';
const HORIZONTAL_SPACE_SET = '\\t \\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000';
const VERTICAL_SPACE_SET = '\\n\\x0B\\f\\r\\x85\\u2028\\u2029';

class Translator {
  private re2 = '';
  private js = '';
  private position = 0;
  private flags: Flags;
  private readonly groups: OpenGroup[] = [];
  private groupCount = 0;
  private atomicCount = 0;
  private readonly groupNames = new Map<string, number>();
  private needsBacktracking = false;
  private multilineCaret = false;
  private jsProblem: string | undefined;
  /** The offsets in each output where the last quantifiable atom starts; undefined after a non-atom. */
  private atomStart: { re2: number; js: number } | undefined;

  constructor(
    private readonly pattern: string,
    options: PatternOptions,
  ) {
    this.flags = {
      i: options.caseInsensitive ?? false,
      m: options.multiline ?? false,
      s: options.singleline ?? false,
      x: false,
    };
    if (this.flags.i) this.re2 = '(?i)';
  }

  translate(): Translation {
    const p = this.pattern;
    while (this.position < p.length) {
      const c = p[this.position]!;
      if (this.flags.x && /\s/.test(c)) {
        this.position++;
        continue;
      }
      if (this.flags.x && c === '#') {
        const newline = p.indexOf('\n', this.position);
        this.position = newline < 0 ? p.length : newline + 1;
        continue;
      }
      switch (c) {
        case '\\':
          this.readEscape();
          break;
        case '[':
          this.readClass();
          break;
        case '(':
          this.openGroup();
          break;
        case ')':
          this.closeGroup();
          break;
        case '|':
          this.position++;
          this.emit('|', '|');
          this.atomStart = undefined;
          break;
        case '*':
        case '+':
        case '?':
          this.readQuantifier();
          break;
        case '{':
          if (quantifierAt(p, this.position) !== undefined) this.readQuantifier();
          else this.literal(c.codePointAt(0)!, 1);
          break;
        case '.':
          this.position++;
          this.atom(this.flags.s ? '(?s:.)' : '[^\\n]', this.flags.s ? '[\\s\\S]' : '[^\\n]');
          break;
        case '^':
          this.position++;
          if (this.flags.m) this.multilineCaret = true;
          this.assertion(this.flags.m ? '(?m:^)' : '^', this.flags.m ? '(?:^|(?<=\\n)(?=[\\s\\S]))' : '^');
          break;
        case '$':
          this.position++;
          this.endAssertion(this.flags.m);
          break;
        default: {
          const codePoint = p.codePointAt(this.position)!;
          this.literal(codePoint, codePoint > 0xffff ? 2 : 1);
        }
      }
    }
    if (this.groups.length > 0) this.fail('a group is not closed (missing ")")');
    return {
      re2: this.re2,
      js: this.js,
      groupCount: this.groupCount,
      needsBacktracking: this.needsBacktracking,
      multilineCaret: this.multilineCaret,
      jsProblem: this.jsProblem,
    };
  }

  private fail(reason: string): never {
    throw regexError(this.pattern, `${reason} at offset ${this.position}`);
  }

  private emit(re2: string, js: string): void {
    this.re2 += re2;
    this.js += js;
  }

  private atom(re2: string, js: string): void {
    this.atomStart = { re2: this.re2.length, js: this.js.length };
    this.emit(re2, js);
  }

  private assertion(re2: string, js: string): void {
    this.emit(re2, js);
    this.atomStart = undefined;
  }

  /** `$` without /m, and `\Z`: the end, or before a "\n" that ends the subject. */
  private endAssertion(multiline: boolean): void {
    if (multiline) this.assertion('(?m:$)', '(?=\\n|(?![\\s\\S]))');
    else this.assertion('(?:\\n?\\z)', '(?=\\n?(?![\\s\\S]))');
  }

  private backtrackingOnly(js: string, quantifiable: boolean): void {
    this.needsBacktracking = true;
    if (quantifiable) this.atom('', js);
    else this.assertion('', js);
  }

  private literal(codePoint: number, length: number): void {
    this.position += length;
    this.atom(escapeLiteral(codePoint), this.jsLiteral(codePoint));
  }

  /**
   * Writes a literal for JavaScript, which in Node 20 has no inline flags: where (?i) is on,
   * a letter becomes a class of its case variants ("a" becomes "[aA]").
   */
  private jsLiteral(codePoint: number): string {
    const variants = this.flags.i ? caseVariants(codePoint) : [codePoint];
    if (variants.length === 1) return escapeLiteral(codePoint);
    return `[${variants.map(escapeClassCharacter).join('')}]`;
  }

  private readQuantifier(): void {
    const p = this.pattern;
    const start = this.position;
    let quantifier: string;
    if (p[start] === '{') {
      const parsed = quantifierAt(p, start)!;
      quantifier = parsed.text;
      this.position += parsed.length;
    } else {
      quantifier = p[start]!;
      this.position++;
    }
    if (this.atomStart === undefined) this.fail(`quantifier "${quantifier}" does not follow anything it can repeat`);

    let suffix = '';
    if (p[this.position] === '?') {
      suffix = '?';
      this.position++;
    } else if (p[this.position] === '+') {
      suffix = '+';
      this.position++;
    }

    if (suffix !== '+') {
      this.emit(quantifier + suffix, quantifier + suffix);
      this.atomStart = undefined;
      return;
    }

    // A possessive quantifier is an atomic group around the quantified atom. RE2 cannot
    // express it; JavaScript can, as a lookahead whose capture is matched again at once.
    this.needsBacktracking = true;
    const name = `a${++this.atomicCount}`;
    const atomJs = this.js.slice(this.atomStart.js);
    this.js = `${this.js.slice(0, this.atomStart.js)}(?=(?<${name}>${atomJs}${quantifier}))\\k<${name}>`;
    this.re2 += quantifier;
    this.atomStart = undefined;
  }

  private openGroup(): void {
    const p = this.pattern;
    const start = this.position;
    this.position++;
    const saved: Flags = { ...this.flags };
    const re2Start = this.re2.length;
    const jsStart = this.js.length;
    const push = (re2Open: string, jsOpen: string, re2Close: string, jsClose: string, atomic = false): void => {
      this.groups.push({ flags: saved, re2Start, jsStart, re2Close, jsClose, atomic });
      this.emit(re2Open, jsOpen);
      this.atomStart = undefined;
    };

    if (p[this.position] === '*') this.fail('backtracking control verbs such as (*SKIP) are not supported');

    if (p[this.position] !== '?') {
      const number = ++this.groupCount;
      push('(', `(?<g${number}>`, ')', ')');
      return;
    }

    this.position++;
    const rest = p.slice(this.position);
    if (rest.startsWith(':')) {
      this.position++;
      push('(?:', '(?:', ')', ')');
    } else if (rest.startsWith('#')) {
      const close = p.indexOf(')', this.position);
      if (close < 0) this.fail('a (?# comment is not closed');
      this.position = close + 1;
    } else if (rest.startsWith('=') || rest.startsWith('!')) {
      this.position++;
      this.needsBacktracking = true;
      push('', `(?${rest[0]}`, '', ')');
    } else if (rest.startsWith('<=') || rest.startsWith('<!')) {
      this.position += 2;
      this.needsBacktracking = true;
      push('', `(?${rest.slice(0, 2)}`, '', ')');
    } else if (rest.startsWith('>')) {
      this.position++;
      this.needsBacktracking = true;
      const name = `a${++this.atomicCount}`;
      push('(?:', `(?=(?<${name}>`, ')', `))\\k<${name}>`, true);
    } else if (/^(P?<|')[A-Za-z_]/.test(rest)) {
      const match = /^(?:P?<([A-Za-z_][A-Za-z0-9_]*)>|'([A-Za-z_][A-Za-z0-9_]*)')/.exec(rest);
      if (match === null) this.fail('a group name is invalid');
      this.position += match[0].length;
      const number = ++this.groupCount;
      this.groupNames.set((match[1] ?? match[2])!, number);
      push('(', `(?<g${number}>`, ')', ')');
    } else if (rest.startsWith('P=')) {
      const match = /^P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(rest);
      if (match === null) this.fail('a (?P= back reference is invalid');
      this.position = start;
      this.position += 2 + match[0].length;
      this.backReference(this.namedGroup(match[1]!));
    } else if (/^[imsxJUn^-]*[:)]/.test(rest)) {
      this.readInlineFlags(push);
    } else {
      this.fail(`the group construct "(?${rest.slice(0, 2)}" is not supported (recursion, conditionals, branch reset and callouts have no translation)`);
    }
  }

  private readInlineFlags(push: (re2Open: string, jsOpen: string, re2Close: string, jsClose: string) => void): void {
    const p = this.pattern;
    const match = /^([imsxJUn^-]*)([:)])/.exec(p.slice(this.position))!;
    this.position += match[0].length;
    const next: Flags = { ...this.flags };
    let enable = true;
    for (const letter of match[1]!) {
      if (letter === '-') enable = false;
      else if (letter === 'i' || letter === 'm' || letter === 's' || letter === 'x') next[letter] = enable;
      else this.fail(`the inline flag "${letter}" is not supported`);
    }

    const caseChange = next.i !== this.flags.i;
    let re2Case = '';
    if (caseChange) re2Case = next.i ? 'i' : '-i';

    if (match[2] === ':') {
      const outer = this.flags;
      this.flags = next;
      push(re2Case ? `(?${re2Case}:` : '(?:', '(?:', ')', ')');
      this.groups[this.groups.length - 1]!.flags = outer;
      return;
    }
    this.flags = next;
    if (re2Case) this.emit(`(?${re2Case})`, '');
  }

  private closeGroup(): void {
    const group = this.groups.pop();
    if (group === undefined) this.fail('")" has no matching "("');
    this.position++;
    this.emit(group.re2Close, group.jsClose);
    this.flags = group.flags;
    this.atomStart = { re2: group.re2Start, js: group.jsStart };
  }

  private namedGroup(name: string): number {
    const number = this.groupNames.get(name);
    if (number === undefined) this.fail(`the back reference names the unknown group "${name}"`);
    return number;
  }

  private backReference(number: number): void {
    if (number < 1 || number > this.groupCount) this.fail(`the back reference \\${number} names no group before it`);
    if (this.flags.i) this.jsProblem ??= 'it has a back reference that ignores case, which JavaScript cannot scope';
    this.backtrackingOnly(`\\k<g${number}>`, true);
  }

  private readEscape(): void {
    const p = this.pattern;
    const next = p[this.position + 1];
    if (next === undefined) this.fail('the pattern ends with a lone "\\"');
    const rest = p.slice(this.position + 1);

    // Back references: \1 … \9, \10 and up when that many groups exist, \g{n}, \g{-n}, \k<name>.
    const numbered = /^([1-9][0-9]*)/.exec(rest);
    if (numbered !== null) {
      const number = Number(numbered[1]);
      if (number < 10 || number <= this.groupCount) {
        this.position += 1 + numbered[1]!.length;
        this.backReference(number);
        return;
      }
    }
    const gReference = /^g(?:\{(-?[0-9]+)\}|(-?[0-9]+))/.exec(rest);
    if (gReference !== null) {
      this.position += 1 + gReference[0].length;
      const value = Number(gReference[1] ?? gReference[2]);
      this.backReference(value < 0 ? this.groupCount + 1 + value : value);
      return;
    }
    const named = /^(?:k<([A-Za-z_]\w*)>|k'([A-Za-z_]\w*)'|k\{([A-Za-z_]\w*)\}|g\{([A-Za-z_]\w*)\})/.exec(rest);
    if (named !== null) {
      this.position += 1 + named[0].length;
      this.backReference(this.namedGroup((named[1] ?? named[2] ?? named[3] ?? named[4])!));
      return;
    }

    switch (next) {
      case 'A':
        this.position += 2;
        this.assertion('\\A', '(?<![\\s\\S])');
        return;
      case 'z':
        this.position += 2;
        this.assertion('\\z', '(?![\\s\\S])');
        return;
      case 'Z':
        this.position += 2;
        this.endAssertion(false);
        return;
      case 'G':
        if (this.position !== 0) this.fail('\\G is supported only at the start of the pattern');
        this.position += 2;
        this.assertion('\\A', '(?<![\\s\\S])');
        return;
      case 'b':
      case 'B':
        this.position += 2;
        this.assertion(`\\${next}`, `\\${next}`);
        return;
      case 'd':
      case 'D':
      case 'w':
      case 'W':
        this.position += 2;
        this.atom(`\\${next}`, `\\${next}`);
        return;
      case 's':
        this.position += 2;
        this.atom(`[${SPACE_SET}]`, `[${SPACE_SET}]`);
        return;
      case 'S':
        this.position += 2;
        this.atom(`[^${SPACE_SET}]`, `[^${SPACE_SET}]`);
        return;
      case 'h':
      case 'H':
      case 'v':
      case 'V': {
        this.position += 2;
        const set = next === 'h' || next === 'H' ? HORIZONTAL_SPACE_SET : VERTICAL_SPACE_SET;
        const negate = next === 'H' || next === 'V' ? '^' : '';
        this.atom(`[${negate}${set}]`, `[${negate}${set}]`);
        return;
      }
      case 'R':
        this.position += 2;
        this.atom('(?:\\r\\n|[\\n\\x0B\\f\\r\\x85\\u2028\\u2029])', '(?:\\r\\n|[\\n\\x0B\\f\\r\\x85\\u2028\\u2029])');
        return;
      case 'Q': {
        const end = p.indexOf('\\E', this.position + 2);
        const text = p.slice(this.position + 2, end < 0 ? p.length : end);
        this.position = end < 0 ? p.length : end + 2;
        for (const char of text) {
          const codePoint = char.codePointAt(0)!;
          this.atom(escapeLiteral(codePoint), this.jsLiteral(codePoint));
        }
        return;
      }
      case 'E':
        this.position += 2;
        return;
      case 'p':
      case 'P': {
        const property = /^[pP](?:\{(\^?)([A-Za-z_ =&]+)\}|([A-Za-z]))/.exec(rest);
        if (property === null) this.fail('a \\p property is invalid');
        this.position += 1 + property[0].length;
        const negated = (next === 'P') !== (property[1] === '^');
        const name = (property[2] ?? property[3])!.replace(/[ _]/g, '');
        const letter = negated ? 'P' : 'p';
        this.atom(`\\${letter}{${name}}`, `\\${letter}{${name}}`);
        return;
      }
      case 'K':
      case 'X':
      case 'C':
        this.fail(`\\${next} is not supported`);
    }

    const { codePoint, length } = this.readCharacterEscape(this.position);
    this.position += length;
    this.atom(escapeLiteral(codePoint), this.jsLiteral(codePoint));
  }

  /** Reads an escape that stands for one character (\n, \x41, \x{263A}, \101, \cA, \.). */
  private readCharacterEscape(at: number): { codePoint: number; length: number } {
    const p = this.pattern;
    const next = p[at + 1]!;
    const rest = p.slice(at + 1);
    const simple: Record<string, number> = { a: 7, e: 0x1b, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09 };
    if (simple[next] !== undefined) return { codePoint: simple[next], length: 2 };

    if (next === 'x') {
      const braced = /^x\{([0-9A-Fa-f]{1,6})\}/.exec(rest);
      if (braced !== null) return { codePoint: checkedCodePoint(parseInt(braced[1]!, 16)), length: 1 + braced[0].length };
      const short = /^x([0-9A-Fa-f]{0,2})/.exec(rest)!;
      return { codePoint: short[1] === '' ? 0 : parseInt(short[1]!, 16), length: 1 + short[0].length };
    }
    if (next === 'o') {
      const braced = /^o\{([0-7]{1,8})\}/.exec(rest);
      if (braced === null) this.fail('an \\o{…} octal escape is invalid');
      return { codePoint: checkedCodePoint(parseInt(braced[1]!, 8)), length: 1 + braced[0].length };
    }
    const octal = /^[0-7]{1,3}/.exec(rest);
    if (octal !== null) return { codePoint: parseInt(octal[0], 8), length: 1 + octal[0].length };
    if (next === 'c') {
      const control = p[at + 2];
      if (control === undefined) this.fail('\\c is not followed by a character');
      return { codePoint: control.toUpperCase().charCodeAt(0) ^ 0x40, length: 3 };
    }
    if (/[A-Za-z0-9]/.test(next)) this.fail(`the escape \\${next} is not supported`);
    const codePoint = p.codePointAt(at + 1)!;
    return { codePoint, length: codePoint > 0xffff ? 3 : 2 };
  }

  /** Reads a bracket expression such as [^a-z[:digit:]\]] and emits it for both engines. */
  private readClass(): void {
    const p = this.pattern;
    let at = this.position + 1;
    let negated = false;
    if (p[at] === '^') {
      negated = true;
      at++;
    }
    let re2Items = '';
    let jsItems = '';
    let jsNegatedPosix = 0;
    let items = 0;
    let first = true;

    while (true) {
      if (at >= p.length) {
        this.position = at;
        this.fail('a character class is not closed (missing "]")');
      }
      const c = p[at]!;
      if (c === ']' && !first) {
        at++;
        break;
      }
      first = false;

      const posix = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(at));
      if (posix !== null) {
        const set = POSIX_CLASSES[posix[2]!];
        if (set === undefined) {
          this.position = at;
          this.fail(`the POSIX class [:${posix[2]}:] is unknown`);
        }
        re2Items += `[:${posix[1]}${posix[2]}:]`;
        if (posix[1] === '^') jsNegatedPosix++;
        // Perl's [[:upper:]] and [[:lower:]] match either case under (?i).
        jsItems += this.flags.i && (posix[2] === 'upper' || posix[2] === 'lower') ? POSIX_CLASSES.alpha : set;
        items++;
        at += posix[0].length;
        continue;
      }

      const startValue = this.readClassAtom(at);
      at += startValue.length;
      if (startValue.set !== undefined) {
        re2Items += startValue.set;
        jsItems += startValue.set;
        items++;
        continue;
      }

      // A range a-z, unless the "-" is the last character before "]".
      if (p[at] === '-' && at + 1 < p.length && p[at + 1] !== ']') {
        const endValue = this.readClassAtom(at + 1);
        if (endValue.set !== undefined) {
          this.position = at;
          this.fail('a range in a character class ends in a class escape');
        }
        if (endValue.codePoint! < startValue.codePoint!) {
          this.position = at;
          this.fail('a range in a character class is out of order');
        }
        at += 1 + endValue.length;
        const range = `${escapeClassCharacter(startValue.codePoint!)}-${escapeClassCharacter(endValue.codePoint!)}`;
        re2Items += range;
        jsItems += range + (this.flags.i ? asciiCaseRanges(startValue.codePoint!, endValue.codePoint!) : '');
        items++;
        continue;
      }
      re2Items += escapeClassCharacter(startValue.codePoint!);
      const variants = this.flags.i ? caseVariants(startValue.codePoint!) : [startValue.codePoint!];
      jsItems += variants.map(escapeClassCharacter).join('');
      items++;
    }
    this.position = at;

    const prefix = negated ? '^' : '';
    if (jsNegatedPosix > 0) {
      // JavaScript has no negated POSIX class, but a class made of one alone is the complement.
      if (jsNegatedPosix === 1 && items === 1) {
        this.atom(`[${prefix}${re2Items}]`, `[${negated ? '' : '^'}${jsItems}]`);
        return;
      }
      this.jsProblem ??= 'it combines a negated POSIX class with other class members and also needs backtracking';
    }
    this.atom(`[${prefix}${re2Items}]`, `[${prefix}${jsItems}]`);
  }

  /** Reads one member of a bracket expression: a character or a class escape such as \d. */
  private readClassAtom(at: number): { length: number; codePoint?: number; set?: string } {
    const p = this.pattern;
    if (p[at] !== '\\') {
      const codePoint = p.codePointAt(at)!;
      return { codePoint, length: codePoint > 0xffff ? 2 : 1 };
    }
    const next = p[at + 1];
    if (next === undefined) {
      this.position = at;
      this.fail('the pattern ends with a lone "\\"');
    }
    switch (next) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
      case 'S':
        return { set: `\\${next}`, length: 2 };
      case 's':
        return { set: SPACE_SET, length: 2 };
      case 'h':
        return { set: HORIZONTAL_SPACE_SET, length: 2 };
      case 'v':
        return { set: VERTICAL_SPACE_SET, length: 2 };
      case 'b':
        return { codePoint: 8, length: 2 };
      case 'p':
      case 'P': {
        const property = /^\\[pP](?:\{(\^?)([A-Za-z_ =&]+)\}|([A-Za-z]))/.exec(p.slice(at));
        if (property === null) {
          this.position = at;
          this.fail('a \\p property is invalid');
        }
        const negated = (next === 'P') !== (property[1] === '^');
        const name = (property[2] ?? property[3])!.replace(/[ _]/g, '');
        return { set: `\\${negated ? 'P' : 'p'}{${name}}`, length: property[0].length };
      }
      case 'H':
      case 'V':
      case 'Q':
      case 'E':
        this.position = at;
        this.fail(`\\${next} inside a character class is not supported`);
    }
    this.position = at;
    return this.readCharacterEscape(at);
  }
}

/** Lists a character and its single-character lower and upper case forms. */
function caseVariants(codePoint: number): number[] {
  const char = String.fromCodePoint(codePoint);
  const variants = new Set([codePoint]);
  for (const variant of [char.toLowerCase(), char.toUpperCase()]) {
    if ([...variant].length === 1) variants.add(variant.codePointAt(0)!);
  }
  return [...variants];
}

/**
 * Returns the other-case ranges of the ASCII letters inside `low`-`high`, for a class under
 * (?i) in JavaScript: "a-f" adds "A-F". Letters outside ASCII in a range keep their case.
 */
function asciiCaseRanges(low: number, high: number): string {
  let extra = '';
  const shift = (from: number, to: number, offset: number): void => {
    const start = Math.max(low, from);
    const end = Math.min(high, to);
    if (start <= end) extra += `${String.fromCharCode(start + offset)}-${String.fromCharCode(end + offset)}`;
  };
  shift(0x61, 0x7a, -0x20);
  shift(0x41, 0x5a, 0x20);
  return extra;
}

function checkedCodePoint(value: number): number {
  if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) {
    throw new ScapulaError('REGEX', `the code point U+${value.toString(16).toUpperCase()} in a pattern is not a valid character`);
  }
  return value;
}

/** Reads a `{n}`, `{n,}` or `{n,m}` quantifier at `at`; undefined for any other "{", which Perl reads as a literal. */
function quantifierAt(pattern: string, at: number): { text: string; length: number } | undefined {
  const match = /^\{([0-9]+)(,([0-9]*))?\}/.exec(pattern.slice(at, at + 24));
  if (match === null) return undefined;
  if (match[3] !== undefined && match[3] !== '' && Number(match[3]) < Number(match[1])) {
    throw new ScapulaError('REGEX', `the quantifier ${match[0]} has its bounds out of order`);
  }
  return { text: match[0], length: match[0].length };
}

/** Writes a literal character so that RE2 and JavaScript (u flag) both read it as itself. */
function escapeLiteral(codePoint: number): string {
  const char = String.fromCodePoint(codePoint);
  if (/[\\^$.|?*+()[\]{}/]/.test(char)) return `\\${char}`;
  if (codePoint < 0x20 || codePoint === 0x7f) return `\\x${codePoint.toString(16).padStart(2, '0')}`;
  return char;
}

function escapeClassCharacter(codePoint: number): string {
  const char = String.fromCodePoint(codePoint);
  if (/[\\\]^[-]/.test(char)) return `\\${char}`;
  if (codePoint < 0x20 || codePoint === 0x7f) return `\\x${codePoint.toString(16).padStart(2, '0')}`;
  return char;
}

/** Translates a Perl pattern into RE2 and JavaScript syntax; exported for tests. */
export function translatePattern(pattern: string, options: PatternOptions = {}): Translation {
  return new Translator(pattern, options).translate();
}

/** Builds the REGEX error for a pattern that cannot be used, with the reason. */
export function regexError(pattern: string, reason: string): ScapulaError {
  return new ScapulaError('REGEX', `cannot use the regular expression ${JSON.stringify(pattern)}: ${reason}`);
}
