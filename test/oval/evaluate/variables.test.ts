import { describe, expect, it } from 'vitest';
import { Evaluation } from '../../../lib/oval/evaluate/evaluation.js';
import { MAX_VALUE_LENGTH, MAX_VARIABLE_VALUES, resolveVariable } from '../../../lib/oval/evaluate/variables.js';
import { globToRegex } from '../../../lib/oval/evaluate/glob.js';
import { parseDateTime } from '../../../lib/oval/evaluate/datetime.js';
import type { Component, Variable } from '../../../lib/oval/model.js';
import { constant, document, entity, fakeRegistry, fakeTarget, item, local, object } from './builders.js';

const literal = (value: string): Component => ({ kind: 'literal_component', datatype: 'string', value });
const ref = (varRef: string): Component => ({ kind: 'variable_component', varRef });
const systemInfo = { osName: '', osVersion: '', architecture: '', primaryHostName: '', interfaces: [] };

function evaluation(variables: Variable[], extra: Partial<ConstructorParameters<typeof Evaluation>[1]> = {}, objects = [] as ReturnType<typeof object>[]) {
  return new Evaluation(document({ variables, objects }), { registry: fakeRegistry({ bash: [item({ name: 'bash', version: '5.2' })], two: [item({ name: 'a', version: '1' }), item({ name: 'b', version: '2' })] }), target: fakeTarget, ...extra }, systemInfo);
}

async function values(variables: Variable[], id = 'var:x', extra = {}, objects = [] as ReturnType<typeof object>[]) {
  return resolveVariable(evaluation(variables, extra, objects), id);
}

describe('local variable functions', () => {
  const ab = constant('var:ab', ['a', 'b']);
  const xy = constant('var:xy', ['x', 'y']);

  it('concat is a cartesian product', async () => {
    const result = await values([ab, xy, local('var:x', { kind: 'concat', components: [ref('var:ab'), literal('-'), ref('var:xy')] })]);
    expect(result).toEqual({ values: ['a-x', 'a-y', 'b-x', 'b-y'] });
  });

  it('arithmetic adds and multiplies', async () => {
    const numbers = constant('var:n', ['2', '3'], 'int');
    const sum = await values([numbers, local('var:x', { kind: 'arithmetic', operation: 'add', components: [ref('var:n'), literal('10')] }, 'int')]);
    expect(sum.values).toEqual(['12', '13']);
    const product = await values([local('var:x', { kind: 'arithmetic', operation: 'multiply', components: [literal('1.5'), literal('2')] }, 'float')]);
    expect(product.values).toEqual(['3']);
  });

  it('begin and end add missing characters', async () => {
    const begin = await values([local('var:x', { kind: 'begin', character: '/', component: literal('etc') })]);
    expect(begin.values).toEqual(['/etc']);
    const kept = await values([local('var:x', { kind: 'begin', character: '/', component: literal('/etc') })]);
    expect(kept.values).toEqual(['/etc']);
    const end = await values([local('var:x', { kind: 'end', character: '/', component: literal('/etc') })]);
    expect(end.values).toEqual(['/etc/']);
  });

  it('count, unique and split', async () => {
    const dup = constant('var:dup', ['a', 'b', 'a']);
    expect((await values([dup, local('var:x', { kind: 'count', components: [ref('var:dup'), literal('z')] }, 'int')])).values).toEqual(['4']);
    const empty = constant('var:empty', []);
    expect((await values([empty, local('var:x', { kind: 'count', components: [ref('var:empty')] }, 'int')])).values).toEqual(['0']);
    expect((await values([dup, local('var:x', { kind: 'unique', components: [ref('var:dup')] })])).values).toEqual(['a', 'b']);
    expect((await values([local('var:x', { kind: 'split', delimiter: ':', component: literal('a::b') })])).values).toEqual(['a', '', 'b']);
  });

  it('substring counts from one', async () => {
    const take = (start: number, length: number) => values([local('var:x', { kind: 'substring', start, length, component: literal('abcdef') })]);
    expect((await take(2, 3)).values).toEqual(['bcd']);
    expect((await take(0, 2)).values).toEqual(['ab']);
    expect((await take(3, -1)).values).toEqual(['cdef']);
    expect((await take(10, 1)).error).toMatch(/past the end/);
  });

  it('regex_capture takes the first group', async () => {
    const result = await values([local('var:x', { kind: 'regex_capture', pattern: 'v([0-9.]+)', component: literal('tool v1.2.3 build') })]);
    expect(result.values).toEqual(['1.2.3']);
    const none = await values([local('var:x', { kind: 'regex_capture', pattern: 'x(y)', component: literal('abc') })]);
    expect(none.values).toEqual(['']);
  });

  it('escape_regex and glob_to_regex', async () => {
    expect((await values([local('var:x', { kind: 'escape_regex', component: literal('a.b*') })])).values).toEqual(['a\\.b\\*']);
    expect((await values([local('var:x', { kind: 'glob_to_regex', globSkipBackslash: false, component: literal('*.txt') })])).values).toEqual([
      '^(?=[^.])[^/]*\\.txt$',
    ]);
  });

  it('time_difference subtracts the second time', async () => {
    const result = await values([
      local('var:x', {
        kind: 'time_difference',
        format1: 'year_month_day',
        format2: 'seconds_since_epoch',
        components: [literal('1970-01-02 00:01:00'), literal('86400')],
      }, 'int'),
    ]);
    expect(result.values).toEqual(['60']);
  });

  it('object_component reads item fields', async () => {
    const objects = [object('obj:1', [entity('name', 'two')])];
    const result = await values([local('var:x', { kind: 'object_component', objectRef: 'obj:1', itemField: 'version' })], 'var:x', {}, objects);
    expect(result.values).toEqual(['1', '2']);
    const missing = await values([local('var:x', { kind: 'object_component', objectRef: 'obj:1', itemField: 'bogus' })], 'var:x', {}, objects);
    expect(missing.error).toMatch(/^Entity 'bogus' has not been found in fake_item \(id: \d+\) specified by object 'obj:1'\.$/);
  });

  it('object_component over a variable without values', async () => {
    const unsupplied = { ...item({ var_ref: 'var:external' }), type: 'variable_item' };
    const registry = fakeRegistry({ unsupplied: [unsupplied], bash: [item({ name: 'bash', version: '5.2' })] });
    const objects = [object('obj:1', [entity('name', 'unsupplied')])];
    const result = await values([local('var:x', { kind: 'object_component', objectRef: 'obj:1', itemField: 'value' })], 'var:x', { registry }, objects);
    expect(result.values).toEqual([]);
    expect(result.error).toBeUndefined();
    const otherField = await values([local('var:x', { kind: 'object_component', objectRef: 'obj:1', itemField: 'bogus' })], 'var:x', { registry }, objects);
    expect(otherField.error).toMatch(/^Entity 'bogus' has not been found in variable_item/);
  });

  it('a local variable referring to itself is an error', async () => {
    const result = await values([
      local('var:x', { kind: 'concat', components: [literal('a'), ref('var:y')] }),
      local('var:y', { kind: 'concat', components: [ref('var:x')] }),
    ]);
    expect(result.values).toEqual([]);
    expect(result.error).toMatch(/refers to itself/);
  });

  it('a 10,000-long chain resolves', async () => {
    const chain: Variable[] = [constant('var:0', ['x'])];
    for (let k = 1; k <= 10_000; k++) chain.push(local(`var:${k}`, { kind: 'variable_component', varRef: `var:${k - 1}` }));
    expect(await values(chain, 'var:10000')).toEqual({ values: ['x'] });
  });

  it('a 5,000-long cycle is an error', async () => {
    const cycle: Variable[] = [];
    for (let k = 0; k < 5_000; k++) cycle.push(local(`var:${k}`, { kind: 'variable_component', varRef: `var:${(k + 1) % 5_000}` }));
    const result = await values(cycle, 'var:0');
    expect(result.values).toEqual([]);
    expect(result.error).toMatch(/nested more than 1000 levels deep|refers to itself/);
  });

  it('a missing variable is an error', async () => {
    const result = await values([local('var:x', { kind: 'concat', components: [ref('var:none')] })]);
    expect(result.error).toBe("the variable 'var:none' is not defined");
  });

  it('int conversion rejects text', async () => {
    const result = await values([local('var:x', { kind: 'concat', components: [literal('abc')] }, 'int')]);
    expect(result.error).toMatch(/cannot be converted to int/);
  });
});

describe('variable value limits', () => {
  /** Builds variables var:0 to var:levels: var:0 has the values `first`, and each next one concatenates the one before with itself. */
  function selfConcatChain(first: string[], levels: number): Variable[] {
    const chain: Variable[] = [constant('var:0', first)];
    for (let k = 1; k <= levels; k++) {
      chain.push(local(`var:${k}`, { kind: 'concat', components: [ref(`var:${k - 1}`), ref(`var:${k - 1}`)] }));
    }
    return chain;
  }

  it('squaring value counts stops at the maximum', async () => {
    const chain = selfConcatChain(['a', 'b'], 5);
    const fourth = await values(chain, 'var:4');
    expect(fourth.values.length).toBe(65_536);
    expect(fourth.values[1]).toBe('aaaaaaaaaaaaaaab');

    const started = Date.now();
    const fifth = await values(chain, 'var:5');
    expect(fifth.values).toEqual([]);
    expect(fifth.error).toBe(`the concat function would produce 4294967296 values, more than the maximum of ${MAX_VARIABLE_VALUES}`);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('doubling a value stops at the maximum length', async () => {
    const chain = selfConcatChain(['ab'], 40);
    const evaluated = evaluation(chain);
    const longest = await resolveVariable(evaluated, 'var:23');
    expect(longest.values.map((value) => value.length)).toEqual([MAX_VALUE_LENGTH]);

    const tooLong = await resolveVariable(evaluated, 'var:24');
    expect(tooLong.values).toEqual([]);
    expect(tooLong.error).toBe(`the concat function would produce a value of ${2 * MAX_VALUE_LENGTH} characters, longer than the maximum of ${MAX_VALUE_LENGTH}`);
    const last = await resolveVariable(evaluated, 'var:40');
    expect(last.error).toBe(tooLong.error);
  });

  it('concat limits the total length', async () => {
    const chain = selfConcatChain(['ab'], 20);
    const hundred = constant('var:hundred', Array.from({ length: 100 }, (_, index) => String(index)));
    const result = await values([...chain, hundred, local('var:x', { kind: 'concat', components: [ref('var:20'), ref('var:hundred')] })]);
    expect(result.values).toEqual([]);
    expect(result.error).toMatch(/^the concat function would produce 209715390 characters in all, more than the maximum of 67108864$/);
  });

  it('split limits the value count', async () => {
    const result = await values([local('var:x', { kind: 'split', delimiter: ',', component: literal(','.repeat(MAX_VARIABLE_VALUES)) })]);
    expect(result.values).toEqual([]);
    expect(result.error).toBe(`the split function would produce more than the maximum of ${MAX_VARIABLE_VALUES} values`);
  });

  it('split counts parts over every value', async () => {
    const halves = constant('var:halves', [','.repeat(MAX_VARIABLE_VALUES / 2 - 1), ','.repeat(MAX_VARIABLE_VALUES / 2)]);
    const result = await values([halves, local('var:x', { kind: 'split', delimiter: ',', component: ref('var:halves') })]);
    expect(result.values).toEqual([]);
    expect(result.error).toBe(`the split function would produce more than the maximum of ${MAX_VARIABLE_VALUES} values`);
  });

  it('unique over the maximum value count', async () => {
    const many = local('var:many', { kind: 'split', delimiter: ',', component: literal(Array.from({ length: MAX_VARIABLE_VALUES }, (_, index) => index).join(',')) });
    const result = await values([many, local('var:x', { kind: 'unique', components: [ref('var:many'), ref('var:many')] })]);
    expect(result.values.length).toBe(MAX_VARIABLE_VALUES);
    expect(result.values[MAX_VARIABLE_VALUES - 1]).toBe(String(MAX_VARIABLE_VALUES - 1));
  });

  it('split with a long delimiter counts parts', async () => {
    const result = await values([local('var:x', { kind: 'split', delimiter: '::', component: literal('a::::b:::c') })]);
    expect(result.values).toEqual(['a', '', 'b', ':c']);
  });

  it('split at the maximum count passes', async () => {
    const result = await values([local('var:x', { kind: 'split', delimiter: ',', component: literal(','.repeat(MAX_VARIABLE_VALUES - 1)) })]);
    expect(result.values.length).toBe(MAX_VARIABLE_VALUES);
  });
});

describe('external variables', () => {
  const external: Variable = {
    kind: 'external_variable',
    id: 'var:x',
    version: 1,
    datatype: 'int',
    comment: '',
    deprecated: false,
    position: { line: 1, column: 1 },
    possibleValues: [{ hint: 'one', value: '1' }],
    possibleRestrictions: [{ hint: 'big', operator: 'AND', restrictions: [{ operation: 'greater than', value: '100' }] }],
  };

  it('takes supplied values that are allowed', async () => {
    const result = await values([external], 'var:x', { externalVariables: new Map([['var:x', { values: ['1', '500'] }]]) });
    expect(result).toEqual({ values: ['1', '500'] });
  });

  it('rejects a value outside the possible values', async () => {
    const result = await values([external], 'var:x', { externalVariables: new Map([['var:x', { values: ['7'] }]]) });
    expect(result.error).toMatch(/"7" .* is not one of its possible values/);
  });

  it('a missing value leaves it empty', async () => {
    const result = await values([external], 'var:x');
    expect(result).toEqual({ values: [], warning: "no value was supplied for the external variable 'var:x'" });
  });

  it('a local variable inherits the warning', async () => {
    const result = await values([external, local('var:y', { kind: 'concat', components: [literal('a'), ref('var:x')] })], 'var:y');
    expect(result).toEqual({ values: [], warning: "no value was supplied for the external variable 'var:x'" });
  });
});

describe('globToRegex', () => {
  // Expected patterns as OpenSCAP 1.3.7 produces them for its glob_to_regex unit test.
  const cases: [string, boolean, string][] = [
    ['abcd', false, '^abcd$'],
    ['\\*', true, '^\\\\[^/]*$'],
    ['\\*', false, '^\\*$'],
    ['*.txt', false, '^(?=[^.])[^/]*\\.txt$'],
    ['x?', false, '^x[^/]$'],
    ['project.*', false, '^project\\.[^/]*$'],
    ['type*.[ch]', false, '^type[^/]*\\.[ch]$'],
    ['?', false, '^[^./]$'],
    ['\\[hello\\]', false, '^\\[hello\\]$'],
    ['x[[:digit:]]\\*', false, '^x[[:digit:]]\\*$'],
    ['', false, '^$'],
    ['~/files/*.txt', false, '^~/files/(?=[^.])[^/]*\\.txt$'],
    ['\\?', true, '^\\\\[^/]$'],
    ['abc[', false, '^abc\\[$'],
    ['[ab', false, '^\\[ab$'],
  ];
  it.each(cases)('converts %j', (glob, noEscape, expected) => {
    expect(globToRegex(glob, noEscape)).toBe(expected);
  });
});

describe('parseDateTime', () => {
  it('reads every format', () => {
    expect(parseDateTime('year_month_day', '20240102')).toBe(1704153600);
    expect(parseDateTime('year_month_day', '2024-01-02 01:00:00')).toBe(1704157200);
    expect(parseDateTime('month_day_year', '01/02/2024')).toBe(1704153600);
    expect(parseDateTime('month_day_year', 'January 2, 2024')).toBe(1704153600);
    expect(parseDateTime('day_month_year', '02/01/2024')).toBe(1704153600);
    expect(parseDateTime('seconds_since_epoch', '1704153600')).toBe(1704153600);
    expect(parseDateTime('win_filetime', '01DA3D0EA0F38000')).toBe(1704153600);
    expect(parseDateTime('cim_datetime', '20240102010000.000000+060')).toBe(1704153600);
    expect(parseDateTime('cim_datetime', '2024-01-02 00:00:00:123')).toBe(1704153600);
    expect(parseDateTime('year_month_day', '2024-02-30')).toBeUndefined();
  });
});
