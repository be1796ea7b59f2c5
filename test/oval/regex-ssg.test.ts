/**
 * Every Perl pattern in SCAP Security Guide's OVAL content must translate: the content that
 * scapula evaluates most often. Runs where the scap-security-guide package is installed.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Component, Entity } from '../../lib/oval/model.js';
import { parseOvalDefinitions } from '../../lib/oval/parser.js';
import { compilePattern } from '../../lib/oval/regex.js';

const CONTENT = '/usr/share/xml/scap/ssg/content';
const FILES = ['ssg-rhel9-oval.xml', 'ssg-ubuntu2204-oval.xml', 'ssg-debian11-oval.xml'];

function entityPatterns(entities: Entity[], out: Set<string>): void {
  for (const entity of entities) {
    if (entity.operation === 'pattern match' && entity.value !== undefined) out.add(entity.value);
    if (entity.fields !== undefined) entityPatterns(entity.fields, out);
  }
}

function componentPatterns(component: Component, out: Set<string>): void {
  if (component.kind === 'regex_capture') out.add(component.pattern);
  if ('component' in component) componentPatterns(component.component, out);
  if ('components' in component) for (const child of component.components) componentPatterns(child, out);
}

describe.skipIf(!existsSync(CONTENT))('SSG patterns', () => {
  it.each(FILES)('%s patterns all compile', async (file) => {
    const definitions = await parseOvalDefinitions(path.join(CONTENT, file));
    const patterns = new Set<string>();
    for (const object of definitions.objects.values()) entityPatterns(object.entities, patterns);
    for (const state of definitions.states.values()) entityPatterns(state.entities, patterns);
    for (const variable of definitions.variables.values()) {
      if (variable.kind === 'local_variable') componentPatterns(variable.component, patterns);
    }
    expect(patterns.size).toBeGreaterThan(100);

    const failures: string[] = [];
    for (const pattern of patterns) {
      try {
        compilePattern(pattern).test('sample line');
      } catch (error) {
        failures.push(`${pattern}: ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
