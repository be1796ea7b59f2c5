/**
 * A nesting limit checked before YAML text reaches the yaml package's Composer, which recurses
 * once per nesting level. With yaml 2.9 on Node.js 20 its stack ran out at about 800 levels,
 * and after such a parse the next parse of any YAML file could end the process with V8's
 * "RegExpCompiler Allocation failed - process out of memory". The depth is measured on the
 * concrete syntax tree that yaml's Parser builds without recursion.
 */
import { createRequire } from 'node:module';

import type * as Yaml from 'yaml';

const require = createRequire(import.meta.url);

/** Collections nested deeper than this are not read. OpenSCAP 1.3.7 (libyaml) read 100,000 levels in a test. */
export const MAX_YAML_DEPTH = 256;

/**
 * Returns the offset of the first collection that lies deeper than `limit` levels, or null when
 * none does. A top-level mapping or sequence is level 1.
 */
export function findTooDeepCollection(text: string, limit: number): number | null {
  // Loaded here, so that the command line's bundle loads yaml only for content that needs it.
  const { CST, Parser } = require('yaml') as typeof Yaml;
  for (const token of new Parser().parse(text)) {
    const pending: Array<[Yaml.CST.Token | null | undefined, number]> = [[token, 0]];
    while (pending.length > 0) {
      const [current, depth] = pending.pop()!;
      if (current === null || current === undefined) continue;
      if (current.type === 'document') {
        pending.push([current.value, depth]);
        continue;
      }
      if (!CST.isCollection(current)) continue;

      if (depth + 1 > limit) return current.offset;
      for (const item of current.items) pending.push([item.key, depth + 1], [item.value, depth + 1]);
    }
  }
  return null;
}

/** Converts a character offset to its 1-based line and column. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = text.indexOf('\n'); index !== -1 && index < offset; index = text.indexOf('\n', index + 1)) {
    line++;
    lineStart = index + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
