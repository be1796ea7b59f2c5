/**
 * Variable values: constant, external (from the caller, checked against possible_value and
 * possible_restriction) and local (the components and functions of OVAL 5.11.2).
 */
import { compareValues } from '../operations.js';
import type { Component, Datatype, ExternalVariable, LocalVariable, Variable } from '../model.js';
import { compilePattern, escapeRegex } from '../regex.js';
import { collectObject, reportCollected } from './collector.js';
import { MAX_NESTING, prepareDependencies } from './dependencies.js';
import { parseDateTime } from './datetime.js';
import type { Evaluation, VariableValues } from './evaluation.js';
import { globToRegex } from './glob.js';
import { combineByOperator } from './logic.js';
import { parseFloatValue, parseInt64 } from '../datatypes/numbers.js';

/** A fault that makes a variable valueless; its message ends up in the results. */
export class VariableError extends Error {}

/**
 * Returns the values of variable `id`, computing them on first use. A missing variable, a
 * variable that refers to itself or a failing function yields no values and an error text.
 */
export async function resolveVariable(evaluation: Evaluation, id: string): Promise<VariableValues> {
  const cached = evaluation.variables.get(id);
  if (cached !== undefined) return cached;
  if (evaluation.resolvingVariables.has(id)) {
    return { values: [], error: `the variable '${id}' refers to itself through ${[...evaluation.resolvingVariables].join(' -> ')}` };
  }

  const variable = evaluation.definitions.variables.get(id);
  if (variable === undefined) return { values: [], error: `the variable '${id}' is not defined` };
  if (evaluation.resolvingVariables.size >= MAX_NESTING) {
    return { values: [], error: `the variable '${id}' is nested more than ${MAX_NESTING} levels deep in other variables` };
  }

  await prepareDependencies(evaluation, { kind: 'variable', id });
  // Within a cycle, preparing the dependencies may already have resolved this variable.
  const prepared = evaluation.variables.get(id);
  if (prepared !== undefined) return prepared;
  evaluation.resolvingVariables.add(id);
  let resolved: VariableValues;
  try {
    resolved = await computeVariable(evaluation, variable);
  } catch (error) {
    if (!(error instanceof VariableError)) throw error;
    evaluation.logOnce('warn', error.message);
    resolved = { values: [], error: error.message };
  } finally {
    evaluation.resolvingVariables.delete(id);
  }
  // A value computed while a cycle was open is still final for this variable.
  evaluation.variables.set(id, resolved);
  return resolved;
}

async function computeVariable(evaluation: Evaluation, variable: Variable): Promise<VariableValues> {
  switch (variable.kind) {
    case 'constant_variable':
      return { values: variable.values };
    case 'external_variable':
      return externalValues(evaluation, variable);
    case 'local_variable':
      return localValues(evaluation, variable);
  }
}

/**
 * Takes an external variable's values from the caller. A variable with no value supplied has
 * no values, with a warning: as in OpenSCAP 1.3.7, an object that uses it does not exist and a
 * state that uses it is an error.
 */
function externalValues(evaluation: Evaluation, variable: ExternalVariable): VariableValues {
  const supplied = evaluation.options.externalVariables?.get(variable.id);
  if (supplied === undefined) {
    const warning = `no value was supplied for the external variable '${variable.id}'`;
    evaluation.options.logger?.warn(warning);
    return { values: [], warning };
  }

  const hasConstraints = variable.possibleValues.length > 0 || variable.possibleRestrictions.length > 0;
  if (!hasConstraints) return { values: supplied.values };
  for (const value of supplied.values) {
    const allowedValue = variable.possibleValues.some((possible) => compareValues('equals', variable.datatype, value, possible.value) === 'true');
    const allowedRange = variable.possibleRestrictions.some(
      (restriction) =>
        combineByOperator(
          restriction.operator,
          restriction.restrictions.map((rule) => compareValues(rule.operation, variable.datatype, value, rule.value)),
        ) === 'true',
    );
    if (!allowedValue && !allowedRange) {
      throw new VariableError(`the value ${JSON.stringify(value)} of the external variable '${variable.id}' is not one of its possible values`);
    }
  }
  return { values: supplied.values };
}

async function localValues(evaluation: Evaluation, variable: LocalVariable): Promise<VariableValues> {
  const trace: ComponentTrace = { doesNotExist: false };
  const values = await componentValues(evaluation, trace, variable.component);
  const converted = values.map((value) => convertValue(value, variable.datatype, variable.id));
  const result: VariableValues = { values: converted };
  if (trace.doesNotExist) result.doesNotExist = true;
  if (trace.warning !== undefined) result.warning = trace.warning;
  return result;
}

/** Converts a value to the variable's datatype, as OVAL requires of local variables. */
function convertValue(value: string, datatype: Datatype, variableId: string): string {
  if (datatype === 'int') {
    if (parseInt64(value) !== undefined) return value.trim().replace(/^\+/, '');
    const asFloat = parseFloatValue(value);
    if (asFloat !== undefined && Number.isInteger(asFloat)) return String(asFloat);
    throw new VariableError(`the value ${JSON.stringify(value)} of the variable '${variableId}' cannot be converted to int`);
  }
  if (datatype === 'float' && parseFloatValue(value) === undefined) {
    throw new VariableError(`the value ${JSON.stringify(value)} of the variable '${variableId}' cannot be converted to float`);
  }
  return value;
}

/**
 * The maximum number of values one variable, component or function may have. The OVAL
 * specification sets none, but a few nested concat functions could otherwise exhaust memory.
 */
export const MAX_VARIABLE_VALUES = 100_000;

/** The maximum length of one computed value, in UTF-16 code units (16 Mi). */
export const MAX_VALUE_LENGTH = 16 * 1024 * 1024;

/** The maximum total length of all values of one variable or function, in UTF-16 code units (64 Mi). */
export const MAX_TOTAL_LENGTH = 64 * 1024 * 1024;

/** Raises a VariableError when a list of computed values exceeds the limits above. */
function checkValueLimits(values: readonly string[], source: string): void {
  if (values.length > MAX_VARIABLE_VALUES) {
    throw new VariableError(`${source} has ${values.length} values, more than the maximum of ${MAX_VARIABLE_VALUES}`);
  }
  let total = 0;
  for (const value of values) {
    if (value.length > MAX_VALUE_LENGTH) {
      throw new VariableError(`${source} has a value of ${value.length} characters, longer than the maximum of ${MAX_VALUE_LENGTH}`);
    }
    total += value.length;
  }
  if (total > MAX_TOTAL_LENGTH) {
    throw new VariableError(`${source} has values of ${total} characters in all, more than the maximum of ${MAX_TOTAL_LENGTH}`);
  }
}

/**
 * Lists every combination of one value from each list, in order (the cartesian product).
 * Raises a VariableError before building anything when the product has more than
 * MAX_VARIABLE_VALUES combinations.
 */
function combinations(lists: readonly string[][], functionName: string): string[][] {
  const count = lists.reduce((product, list) => product * list.length, 1);
  if (count > MAX_VARIABLE_VALUES) {
    throw new VariableError(`the ${functionName} function would produce ${count} values, more than the maximum of ${MAX_VARIABLE_VALUES}`);
  }

  let result: string[][] = [[]];
  for (const list of lists) {
    const next: string[][] = [];
    for (const prefix of result) for (const value of list) next.push([...prefix, value]);
    result = next;
  }
  return result;
}

/**
 * Concatenates one value from each list in every combination. Raises a VariableError before
 * building any string when a result would be longer than MAX_VALUE_LENGTH or all results
 * together longer than MAX_TOTAL_LENGTH.
 */
function concatenate(lists: readonly string[][]): string[] {
  const combined = combinations(lists, 'concat');
  const counts = lists.map((list) => list.length);
  let longest = 0;
  let total = 0;
  lists.forEach((list, index) => {
    let listLongest = 0;
    let listTotal = 0;
    for (const value of list) {
      listLongest = Math.max(listLongest, value.length);
      listTotal += value.length;
    }
    // The combination of the longest value of each list is one of the results.
    longest += listLongest;
    // Each value of this list appears once with every combination of the other lists.
    const others = counts.reduce((product, n, other) => (other === index ? product : product * n), 1);
    total += listTotal * others;
  });
  if (longest > MAX_VALUE_LENGTH) {
    throw new VariableError(`the concat function would produce a value of ${longest} characters, longer than the maximum of ${MAX_VALUE_LENGTH}`);
  }
  if (total > MAX_TOTAL_LENGTH) {
    throw new VariableError(`the concat function would produce ${total} characters in all, more than the maximum of ${MAX_TOTAL_LENGTH}`);
  }
  return combined.map((parts) => parts.join(''));
}

/**
 * Splits each value at every `delimiter`. Counts the parts first, so a value with millions of
 * delimiters raises a VariableError before millions of strings are built.
 */
function split(values: readonly string[], delimiter: string): string[] {
  let count = 0;
  for (const value of values) {
    count += 1;
    for (let at = value.indexOf(delimiter); at !== -1; at = value.indexOf(delimiter, at + delimiter.length)) {
      count += 1;
      if (count > MAX_VARIABLE_VALUES) {
        throw new VariableError(`the split function would produce more than the maximum of ${MAX_VARIABLE_VALUES} values`);
      }
    }
  }
  return values.flatMap((value) => value.split(delimiter));
}

/** What a computation met on its way, beyond the values it returns. */
interface ComponentTrace {
  /** An object_component read an object that does not exist (directly or through a variable). */
  doesNotExist: boolean;
  /** The first warning of a variable used, such as an external variable without a value. */
  warning?: string;
}

/** Computes the values of a component, within the limits on their number and length. */
async function componentValues(evaluation: Evaluation, trace: ComponentTrace, component: Component): Promise<string[]> {
  const values = await evaluateComponent(evaluation, trace, component);
  const name = component.kind.endsWith('_component') ? `the ${component.kind}` : `the ${component.kind} function`;
  checkValueLimits(values, name);
  return values;
}

async function evaluateComponent(evaluation: Evaluation, trace: ComponentTrace, component: Component): Promise<string[]> {
  switch (component.kind) {
    case 'literal_component':
      return [component.value];
    case 'variable_component': {
      const resolved = await resolveVariable(evaluation, component.varRef);
      if (resolved.error !== undefined) throw new VariableError(resolved.error);
      if (resolved.doesNotExist) trace.doesNotExist = true;
      if (resolved.warning !== undefined) trace.warning ??= resolved.warning;
      return resolved.values;
    }
    case 'object_component':
      return objectComponentValues(evaluation, trace, component.objectRef, component.itemField, component.recordField);
    case 'arithmetic': {
      const lists: string[][] = [];
      for (const child of component.components) lists.push(await componentValues(evaluation, trace, child));
      return combinations(lists, 'arithmetic').map((operands) => arithmetic(component.operation, operands));
    }
    case 'begin':
      return (await componentValues(evaluation, trace, component.component)).map((value) =>
        value.startsWith(component.character) ? value : component.character + value,
      );
    case 'end':
      return (await componentValues(evaluation, trace, component.component)).map((value) =>
        value.endsWith(component.character) ? value : value + component.character,
      );
    case 'concat': {
      const lists = [];
      for (const child of component.components) lists.push(await componentValues(evaluation, trace, child));
      return concatenate(lists);
    }
    case 'count': {
      let count = 0;
      for (const child of component.components) count += (await componentValues(evaluation, trace, child)).length;
      return [String(count)];
    }
    case 'escape_regex':
      return (await componentValues(evaluation, trace, component.component)).map(escapeRegex);
    case 'glob_to_regex':
      return (await componentValues(evaluation, trace, component.component)).map((glob) => globToRegex(glob, component.globSkipBackslash));
    case 'regex_capture':
      return regexCapture(component.pattern, await componentValues(evaluation, trace, component.component));
    case 'split': {
      if (component.delimiter === '') throw new VariableError('the split function has an empty delimiter');
      return split(await componentValues(evaluation, trace, component.component), component.delimiter);
    }
    case 'substring':
      return (await componentValues(evaluation, trace, component.component)).map((value) => substring(value, component.start, component.length));
    case 'time_difference':
      return timeDifference(evaluation, trace, component);
    case 'unique': {
      const values: string[] = [];
      for (const child of component.components) {
        // A loop, not push(...values): a component may have up to MAX_VARIABLE_VALUES values,
        // and spreading that many arguments can overflow the stack.
        for (const value of await componentValues(evaluation, trace, child)) values.push(value);
      }
      return [...new Set(values)];
    }
  }
}

async function objectComponentValues(
  evaluation: Evaluation,
  trace: ComponentTrace,
  objectId: string,
  itemField: string,
  recordField?: string,
): Promise<string[]> {
  if (!evaluation.definitions.objects.has(objectId)) throw new VariableError(`the object_component refers to the object '${objectId}', which is not defined`);
  const collected = await collectObject(evaluation, objectId);
  reportCollected(evaluation, collected);
  if (collected.flag === 'does not exist') trace.doesNotExist = true;
  if (collected.flag === 'error') {
    throw new VariableError(`the object '${objectId}' of an object_component could not be collected: ${collected.messages.map((m) => m.text).join('; ')}`);
  }

  const values: string[] = [];
  for (const item of collected.items) {
    if (item.status !== 'exists') continue;
    const entities = item.entities.filter((entity) => entity.name === itemField);
    if (entities.length === 0 && item.type === 'variable_item' && itemField === 'value') {
      // The item of a variable without values has var_ref alone, so its value field has no
      // values, and the objects that use them do not exist, as in OpenSCAP 1.3.7.
      continue;
    }
    if (entities.length === 0) {
      // Worded as OpenSCAP 1.3.7 words it, so logs of both read alike.
      throw new VariableError(`Entity '${itemField}' has not been found in ${item.type} (id: ${item.id}) specified by object '${objectId}'.`);
    }
    for (const entity of entities) {
      if (recordField === undefined) {
        if (entity.datatype === 'record') {
          throw new VariableError(`the entity '${itemField}' of ${item.type} (id: ${item.id}) is a record; the object_component needs a record_field`);
        }
        if (entity.value !== undefined && (entity.status ?? 'exists') === 'exists') values.push(entity.value);
        continue;
      }
      if (entity.datatype !== 'record') {
        throw new VariableError(
          `Expected record data type, but found ${entity.datatype} data type in ${itemField} entity in ${item.type} (id: ${item.id}) specified by object '${objectId}'.`,
        );
      }
      for (const field of entity.fields ?? []) {
        if (field.name === recordField && field.value !== undefined) values.push(field.value);
      }
    }
  }
  return values;
}

function arithmetic(operation: 'add' | 'multiply', operands: string[]): string {
  const integers = operands.map(parseInt64);
  if (integers.every((value) => value !== undefined)) {
    const result = integers.reduce((sum, value) => (operation === 'add' ? sum! + value! : sum! * value!), operation === 'add' ? 0n : 1n);
    return String(result);
  }
  const floats = operands.map(parseFloatValue);
  if (floats.some((value) => value === undefined)) {
    throw new VariableError(`the arithmetic function needs numbers but got ${JSON.stringify(operands)}`);
  }
  const result = floats.reduce((sum, value) => (operation === 'add' ? sum! + value! : sum! * value!), operation === 'add' ? 0 : 1);
  return String(result);
}

/** Returns the first capture group of the first match in each value, or "" for a value that does not match. */
function regexCapture(pattern: string, values: string[]): string[] {
  let compiled;
  try {
    compiled = compilePattern(pattern);
  } catch (error) {
    throw new VariableError(error instanceof Error ? error.message : String(error));
  }
  return values.map((value) => {
    try {
      const match = compiled.exec(value);
      if (match === null) return '';
      return match.captures[0] ?? '';
    } catch (error) {
      throw new VariableError(error instanceof Error ? error.message : String(error));
    }
  });
}

/** OVAL's substring: `start` counts from 1 (values below 1 mean 1), a negative `length` takes the rest. */
function substring(value: string, start: number, length: number): string {
  const from = Math.max(start, 1) - 1;
  if (from > value.length) throw new VariableError(`the substring start ${start} lies past the end of ${JSON.stringify(value)}`);
  return length < 0 ? value.slice(from) : value.slice(from, from + length);
}

async function timeDifference(evaluation: Evaluation, trace: ComponentTrace, component: Extract<Component, { kind: 'time_difference' }>): Promise<string[]> {
  const lists: string[][] = [];
  for (const child of component.components) lists.push(await componentValues(evaluation, trace, child));
  const parse = (format: typeof component.format1, value: string): number => {
    const seconds = parseDateTime(format, value);
    if (seconds === undefined) throw new VariableError(`the value ${JSON.stringify(value)} is not a date in the format ${format}`);
    return seconds;
  };

  // The second time is subtracted from the first, as OpenSCAP 1.3.7 computes it; with one
  // component, that time is subtracted from the current time.
  if (lists.length === 1) {
    const now = Math.floor(Date.now() / 1000);
    return lists[0]!.map((value) => String(now - parse(component.format2, value)));
  }
  if (lists.length !== 2) throw new VariableError(`the time_difference function takes one or two components, not ${lists.length}`);
  return combinations(lists, 'time_difference').map(([first, second]) => String(parse(component.format1, first!) - parse(component.format2, second!)));
}
