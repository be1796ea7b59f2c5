/**
 * Shared state of one parse: the file name for messages, the string pools, the warnings
 * collected so far and the strict-mode rule for invalid items.
 */
import { ScapulaError } from '../../errors.js';
import type { XmlNode } from '../../xml/tree.js';
import type { Criterion, Position } from '../model.js';

/** At most this many warnings are kept; later ones are only counted. */
const MAX_WARNINGS = 1000;

export class ParseContext {
  readonly warnings: ScapulaError[] = [];
  suppressedWarnings = 0;
  private readonly pool = new Map<string, string>();
  /** Element names and namespace URIs: few, and looked up in a small map that stays in cache. */
  private readonly namePool = new Map<string, string>();
  /** Criterion leaves with nothing but a test and negate, shared: see sharedCriterion. */
  private readonly criteria = new Map<string, Criterion>();
  private readonly negatedCriteria = new Map<string, Criterion>();

  /**
   * Whether comments that nothing writes (of criteria, tests, states and variables) are kept.
   * Objects keep theirs: the collected objects of the results repeat them.
   */
  keepComments = true;

  constructor(
    readonly file: string,
    readonly strict: boolean,
    private readonly onWarning?: (warning: ScapulaError) => void,
  ) {}

  /**
   * Returns one shared, flat copy of `text`. Strings cut from the parser's input chunks keep
   * those chunks alive, so every string the model keeps goes through here.
   */
  intern(text: string): string {
    const known = this.pool.get(text);
    if (known !== undefined) return known;
    const copy = flatten(text);
    this.pool.set(copy, copy);
    return copy;
  }

  /**
   * Returns a flat copy of `text` without pooling it: for text that rarely repeats (comments,
   * titles, URLs), where a pool look-up costs more than it saves.
   */
  copy(text: string): string {
    return flatten(text);
  }

  /** Returns one shared copy of an element name or namespace URI. */
  internName(name: string): string {
    const known = this.namePool.get(name);
    if (known !== undefined) return known;
    const copy = flatten(name);
    this.namePool.set(copy, copy);
    return copy;
  }

  /**
   * Returns one shared, frozen criterion leaf for a test and negate. A Red Hat feed has 344,803
   * criterion elements for 176,849 tests, none with a comment or applicability_check that the
   * command line keeps: sharing saves 8 MB of heap.
   */
  sharedCriterion(testRef: string, negate: boolean): Criterion {
    const pool = negate ? this.negatedCriteria : this.criteria;
    let criterion = pool.get(testRef);
    if (criterion === undefined) {
      criterion = Object.freeze<Criterion>({ kind: 'criterion', testRef, negate });
      pool.set(testRef, criterion);
    }
    return criterion;
  }

  /** Releases the string pools once the document is read. */
  releasePool(): void {
    this.pool.clear();
    this.namePool.clear();
    this.criteria.clear();
    this.negatedCriteria.clear();
  }

  invalid(message: string, node: Pick<XmlNode, 'line' | 'column'>): ScapulaError {
    return new ScapulaError('OVAL_INVALID', message, { file: this.file, line: node.line, column: node.column });
  }

  /** Records a fault the parser works around; in strict mode, raises it instead. */
  warn(warning: ScapulaError): void {
    if (this.strict) throw warning;
    this.onWarning?.(warning);
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(warning);
    else this.suppressedWarnings++;
  }
}

/**
 * Returns a copy of `array` without spare capacity. An array grown by push keeps room for at
 * least 17 elements, which over a million small model arrays costs about 100 MB.
 */
export function exactLength<T>(array: T[]): T[] {
  return array.length === 0 ? [] : array.slice();
}

export function positionOf(node: XmlNode): Position {
  return { line: node.line, column: node.column };
}

/**
 * Scratch space for `flatten`. Writing into one buffer, instead of `Buffer.from` per string,
 * leaves no small allocations behind for the allocator to hold on to.
 */
const scratch = Buffer.allocUnsafe(64 * 1024);

/** Copies a string into a fresh sequential string so that it holds no reference to a parent string. */
function flatten(text: string): string {
  // V8 copies substrings and concatenations shorter than 13 characters already.
  if (text.length < 13) return text;
  // A UTF-16 code unit takes at most 3 bytes in UTF-8, so the whole string fits.
  if (text.length * 3 > scratch.length) return Buffer.from(text, 'utf8').toString('utf8');
  const length = scratch.write(text, 0, 'utf8');
  return scratch.toString('utf8', 0, length);
}
