/**
 * Reading attributes of OVAL elements with the schema's defaults, and the enumerations the
 * schema allows for them (OVAL 5.11.2 oval-common-schema and oval-definitions-schema).
 */
import type { XmlNode } from '../../xml/tree.js';
import type {
  CheckEnumeration,
  Datatype,
  DefinitionClass,
  ExistenceEnumeration,
  LogicalOperator,
  Operation,
  SetOperator,
} from '../model.js';
import type { ParseContext } from './context.js';

export const DATATYPES: ReadonlySet<Datatype> = new Set<Datatype>([
  'binary',
  'boolean',
  'evr_string',
  'debian_evr_string',
  'fileset_revision',
  'float',
  'ios_version',
  'int',
  'ipv4_address',
  'ipv6_address',
  'string',
  'version',
  'record',
]);

export const OPERATIONS: ReadonlySet<Operation> = new Set<Operation>([
  'equals',
  'not equal',
  'case insensitive equals',
  'case insensitive not equal',
  'greater than',
  'less than',
  'greater than or equal',
  'less than or equal',
  'bitwise and',
  'bitwise or',
  'pattern match',
  'subset of',
  'superset of',
]);

export const LOGICAL_OPERATORS: ReadonlySet<LogicalOperator> = new Set<LogicalOperator>(['AND', 'ONE', 'OR', 'XOR']);

export const CHECKS: ReadonlySet<CheckEnumeration> = new Set<CheckEnumeration>([
  'all',
  'at least one',
  'none exist',
  'none satisfy',
  'only one',
]);

export const EXISTENCES: ReadonlySet<ExistenceEnumeration> = new Set<ExistenceEnumeration>([
  'all_exist',
  'any_exist',
  'at_least_one_exists',
  'none_exist',
  'only_one_exists',
]);

export const DEFINITION_CLASSES: ReadonlySet<DefinitionClass> = new Set<DefinitionClass>([
  'compliance',
  'inventory',
  'miscellaneous',
  'patch',
  'vulnerability',
]);

export const SET_OPERATORS: ReadonlySet<SetOperator> = new Set<SetOperator>(['COMPLEMENT', 'INTERSECTION', 'UNION']);

/** Returns a required attribute, raising OVAL_INVALID when it is missing or empty. */
export function requiredAttribute(context: ParseContext, node: XmlNode, name: string): string {
  const value = node.attributes[name];
  if (value === undefined || value === '') {
    throw context.invalid(`${node.name} is missing its required attribute ${name}`, node);
  }
  return context.intern(value);
}

/** Returns the comment attribute of an element whose comment no output needs (see ParseContext.keepComments). */
export function optionalComment(context: ParseContext, node: XmlNode): string | undefined {
  return context.keepComments ? optionalAttribute(context, node, 'comment') : undefined;
}

export function optionalAttribute(context: ParseContext, node: XmlNode, name: string): string | undefined {
  const value = node.attributes[name];
  return value === undefined ? undefined : context.intern(value);
}

/** Reads an attribute restricted to `allowed`, with the schema default when it is absent. */
export function enumAttribute<T extends string>(
  context: ParseContext,
  node: XmlNode,
  name: string,
  allowed: ReadonlySet<T>,
  fallback: T,
): T {
  const value = node.attributes[name];
  if (value === undefined) return fallback;
  // Returning the set's own string shares one copy and keeps no reference to parser input.
  for (const candidate of allowed) {
    if (candidate === value) return candidate;
  }
  throw context.invalid(`${node.name} has ${name}="${value}"; expected one of: ${[...allowed].join(', ')}`, node);
}

export function booleanAttribute(context: ParseContext, node: XmlNode, name: string, fallback: boolean): boolean {
  const value = node.attributes[name];
  if (value === undefined) return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw context.invalid(`${node.name} has ${name}="${value}"; expected true or false`, node);
}

/** Reads a non-negative integer attribute such as `version`. */
export function integerAttribute(context: ParseContext, node: XmlNode, name: string, fallback?: number): number {
  const value = node.attributes[name];
  if (value === undefined) {
    if (fallback !== undefined) return fallback;
    throw context.invalid(`${node.name} is missing its required attribute ${name}`, node);
  }
  const trimmed = value.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) {
    throw context.invalid(`${node.name} has ${name}="${value}"; expected an integer`, node);
  }
  return Number.parseInt(trimmed, 10);
}
