import { describe, expect, it } from 'vitest';

import { isScapulaError, type ScapulaError } from '../../lib/errors.js';
import type { StartTag } from '../../lib/xml/stream.js';
import { MAX_TEXT_CHARACTERS } from '../../lib/xml/stream.js';
import { SubtreeBuilder } from '../../lib/xml/tree.js';

function tagOf(local: string, line: number, column: number): StartTag {
  return { local, uri: 'urn:test', prefix: '', attributes: {}, namespaceDeclarations: {}, line, column };
}

function errorOf(action: () => void): ScapulaError {
  try {
    action();
  } catch (error) {
    if (isScapulaError(error)) return error;
    throw error;
  }
  throw new Error('expected the action to fail');
}

describe('SubtreeBuilder', () => {
  it('joins text pieces of a leaf element', () => {
    const builder = new SubtreeBuilder();
    builder.start(tagOf('a', 1, 1));
    builder.open(tagOf('b', 2, 3));
    builder.text('one ');
    builder.text('two');
    expect(builder.close()).toBeUndefined();
    const tree = builder.close()!;
    expect(tree.children[0]!.text).toBe('one two');
  });

  it('rejects text pieces beyond the maximum', () => {
    const builder = new SubtreeBuilder();
    builder.start(tagOf('a', 1, 1));
    builder.open(tagOf('b', 7, 5));
    const half = 'x'.repeat(MAX_TEXT_CHARACTERS / 2);
    builder.text(half);
    builder.text(half);
    const error = errorOf(() => builder.text('x'));
    expect(error.code).toBe('LIMIT');
    expect(error.line).toBe(7);
    expect(error.column).toBe(5);
    expect(error.message).toBe(`the text of element b is longer than the maximum of ${MAX_TEXT_CHARACTERS} characters`);
  });
});
