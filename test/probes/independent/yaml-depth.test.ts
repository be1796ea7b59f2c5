import { describe, expect, it } from 'vitest';

import type { Target } from '../../../lib/targets/target.js';
import { yamlfilecontentProbe } from '../../../lib/probes/independent/yamlfilecontent.js';
import { MAX_YAML_DEPTH, findTooDeepCollection, lineAndColumn } from '../../../lib/probes/independent/yaml-depth.js';
import { request, run } from '../helpers.js';

/** A target that the content entity never reads. */
const noTarget = {} as Target;

function flowSequences(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}\n`;
}

describe('YAML nesting depth', () => {
  it('accepts the maximum depth', () => {
    expect(findTooDeepCollection(flowSequences(MAX_YAML_DEPTH), MAX_YAML_DEPTH)).toBeNull();
  });

  it('finds flow sequences past the maximum', () => {
    // The 257th "[" is at offset 256.
    expect(findTooDeepCollection(flowSequences(MAX_YAML_DEPTH + 1), MAX_YAML_DEPTH)).toBe(MAX_YAML_DEPTH);
  });

  it('finds block sequences past the maximum', () => {
    const text = `${'- '.repeat(MAX_YAML_DEPTH + 1)}x\n`;
    expect(findTooDeepCollection(text, MAX_YAML_DEPTH)).toBe(2 * MAX_YAML_DEPTH);
  });

  it('finds indented mappings past the maximum', () => {
    const lines = Array.from({ length: MAX_YAML_DEPTH + 1 }, (_, level) => `${' '.repeat(level)}k:\n`);
    const text = `${lines.join('')}${' '.repeat(MAX_YAML_DEPTH + 1)}v\n`;
    const offset = findTooDeepCollection(text, MAX_YAML_DEPTH);
    expect(offset).not.toBeNull();
    expect(lineAndColumn(text, offset!)).toEqual({ line: MAX_YAML_DEPTH + 1, column: MAX_YAML_DEPTH + 1 });
  });

  it('checks every document of a stream', () => {
    expect(findTooDeepCollection(`a: 1\n---\n${flowSequences(MAX_YAML_DEPTH + 1)}`, MAX_YAML_DEPTH)).not.toBeNull();
  });
});

describe('yamlfilecontent on deeply nested YAML', () => {
  // The yaml package's Composer ran out of stack on such text, and the next parse of any YAML
  // ended the process with a V8 out-of-memory error, so the second request below checks both.
  it('names the depth and keeps working', async () => {
    for (const deepText of [`${'- '.repeat(100_000)}x\n`, `a: ${flowSequences(100_000)}`]) {
      const deep = await run(
        yamlfilecontentProbe,
        noTarget,
        request('yamlfilecontent_object', 'independent', [{ name: 'content', value: deepText }, { name: 'yamlpath', value: '.a' }]),
      );
      expect(deep.items).toHaveLength(1);
      expect(deep.items[0].status).toBe('error');
      expect(deep.items[0].messages?.[0]?.text).toMatch(/^the content entity nests YAML collections deeper than 256 levels \(line 1, column \d+\), the maximum scapula reads$/);

      const plain = await run(
        yamlfilecontentProbe,
        noTarget,
        request('yamlfilecontent_object', 'independent', [{ name: 'content', value: 'a: 5\n' }, { name: 'yamlpath', value: '.a' }]),
      );
      expect(plain.items).toHaveLength(1);
      expect(plain.items[0].status).toBe('exists');
    }
  });
});
