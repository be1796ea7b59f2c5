/**
 * Converts constant, external and local variables, with every component and function of the
 * OVAL 5.11.2 definitions schema:
 *
 *   <local_variable id="oval:x:var:1" version="1" datatype="string" comment="…">
 *     <concat>
 *       <literal_component>/etc/</literal_component>
 *       <object_component object_ref="oval:x:obj:2" item_field="filename"/>
 *     </concat>
 *   </local_variable>
 */
import type { XmlNode } from '../../xml/tree.js';
import type { Component, DateTimeFormat, PossibleRestriction, Variable } from '../model.js';
import {
  booleanAttribute,
  DATATYPES,
  enumAttribute,
  integerAttribute,
  LOGICAL_OPERATORS,
  OPERATIONS,
  optionalAttribute,
  optionalComment,
  requiredAttribute,
} from './attributes.js';
import { positionOf, type ParseContext } from './context.js';
import { isIgnored } from './entities.js';

/** Functions nested deeper than this make the variable invalid, which protects the call stack. */
export const MAX_COMPONENT_DEPTH = 256;

const DATE_TIME_FORMATS: ReadonlySet<DateTimeFormat> = new Set<DateTimeFormat>([
  'year_month_day',
  'month_day_year',
  'day_month_year',
  'win_filetime',
  'seconds_since_epoch',
  'cim_datetime',
]);

const ARITHMETIC_OPERATIONS = new Set(['add', 'multiply'] as const);

export function convertVariable(context: ParseContext, node: XmlNode): Variable {
  const base = {
    id: requiredAttribute(context, node, 'id'),
    version: integerAttribute(context, node, 'version'),
    datatype: enumAttribute(context, node, 'datatype', DATATYPES, 'string'),
    comment: optionalComment(context, node) ?? '',
    deprecated: booleanAttribute(context, node, 'deprecated', false),
    position: positionOf(node),
  };
  if (node.attributes['datatype'] === undefined) {
    throw context.invalid(`${node.name} ${base.id} is missing its required attribute datatype`, node);
  }
  const children = node.children.filter((child) => !isIgnored(child));

  switch (node.name) {
    case 'constant_variable': {
      const values = children.filter((child) => child.name === 'value').map((child) => context.intern(child.text));
      if (values.length === 0) throw context.invalid(`constant_variable ${base.id} has no value`, node);
      return { ...base, kind: 'constant_variable', values };
    }
    case 'external_variable':
      return {
        ...base,
        kind: 'external_variable',
        possibleValues: children
          .filter((child) => child.name === 'possible_value')
          .map((child) => ({ hint: requiredAttribute(context, child, 'hint'), value: context.intern(child.text) })),
        possibleRestrictions: children.filter((child) => child.name === 'possible_restriction').map((child) => convertRestriction(context, child)),
      };
    case 'local_variable': {
      if (children.length !== 1) throw context.invalid(`local_variable ${base.id} must contain exactly one component or function`, node);
      return { ...base, kind: 'local_variable', component: convertComponent(context, children[0]!, 1) };
    }
    default:
      throw context.invalid(`unexpected element ${node.name} in variables; expected constant_variable, external_variable or local_variable`, node);
  }
}

function convertRestriction(context: ParseContext, node: XmlNode): PossibleRestriction {
  return {
    hint: requiredAttribute(context, node, 'hint'),
    operator: enumAttribute(context, node, 'operator', LOGICAL_OPERATORS, 'AND'),
    restrictions: node.children
      .filter((child) => child.name === 'restriction')
      .map((child) => ({ operation: enumAttribute(context, child, 'operation', OPERATIONS, 'equals'), value: context.intern(child.text) })),
  };
}

function convertComponent(context: ParseContext, node: XmlNode, depth: number): Component {
  if (depth > MAX_COMPONENT_DEPTH) {
    throw context.invalid(`variable functions nested deeper than ${MAX_COMPONENT_DEPTH} levels`, node);
  }
  const inner = (): Component => singleComponent(context, node, depth);
  const all = (): Component[] => componentList(context, node, depth);

  switch (node.name) {
    case 'literal_component':
      return { kind: 'literal_component', datatype: enumAttribute(context, node, 'datatype', DATATYPES, 'string'), value: context.intern(node.text) };
    case 'object_component': {
      const component: Component = {
        kind: 'object_component',
        objectRef: requiredAttribute(context, node, 'object_ref'),
        itemField: requiredAttribute(context, node, 'item_field'),
      };
      const recordField = optionalAttribute(context, node, 'record_field');
      if (recordField !== undefined) component.recordField = recordField;
      return component;
    }
    case 'variable_component':
      return { kind: 'variable_component', varRef: requiredAttribute(context, node, 'var_ref') };
    case 'arithmetic':
      return { kind: 'arithmetic', operation: enumAttribute(context, node, 'arithmetic_operation', ARITHMETIC_OPERATIONS, 'add'), components: all() };
    case 'begin':
      return { kind: 'begin', character: requiredAttribute(context, node, 'character'), component: inner() };
    case 'end':
      return { kind: 'end', character: requiredAttribute(context, node, 'character'), component: inner() };
    case 'concat':
      return { kind: 'concat', components: all() };
    case 'count':
      return { kind: 'count', components: all() };
    case 'escape_regex':
      return { kind: 'escape_regex', component: inner() };
    case 'glob_to_regex':
      return { kind: 'glob_to_regex', globSkipBackslash: booleanAttribute(context, node, 'glob_noescape', false), component: inner() };
    case 'regex_capture':
      return { kind: 'regex_capture', pattern: optionalAttribute(context, node, 'pattern') ?? '', component: inner() };
    case 'split':
      return { kind: 'split', delimiter: requiredAttribute(context, node, 'delimiter'), component: inner() };
    case 'substring':
      return {
        kind: 'substring',
        start: integerAttribute(context, node, 'substring_start'),
        length: integerAttribute(context, node, 'substring_length'),
        component: inner(),
      };
    case 'time_difference':
      return {
        kind: 'time_difference',
        format1: enumAttribute(context, node, 'format_1', DATE_TIME_FORMATS, 'year_month_day'),
        format2: enumAttribute(context, node, 'format_2', DATE_TIME_FORMATS, 'year_month_day'),
        components: all(),
      };
    case 'unique':
      return { kind: 'unique', components: all() };
    default:
      throw context.invalid(`unknown variable component or function ${node.name}`, node);
  }
}

function componentList(context: ParseContext, node: XmlNode, depth: number): Component[] {
  const components = node.children.map((child) => convertComponent(context, child, depth + 1));
  if (components.length === 0) throw context.invalid(`${node.name} needs at least one component`, node);
  return components;
}

function singleComponent(context: ParseContext, node: XmlNode, depth: number): Component {
  if (node.children.length !== 1) throw context.invalid(`${node.name} must contain exactly one component`, node);
  return convertComponent(context, node.children[0]!, depth + 1);
}
