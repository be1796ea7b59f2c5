/**
 * Converts objects and states of any family. Their entities are read generically: every child
 * element other than set, filter, behaviors, notes and signatures is an entity, whatever its name.
 *
 *   <linux-def:rpminfo_state id="oval:x:ste:1" version="1">
 *     <linux-def:evr datatype="evr_string" operation="less than">0:1.2-3</linux-def:evr>
 *   </linux-def:rpminfo_state>
 */
import { familyOfNamespace, OVAL_DEFINITIONS_NS, XML_DSIG_NS } from '../../xml/namespaces.js';
import type { XmlNode } from '../../xml/tree.js';
import type { Entity, Filter, ObjectSet, OvalFamily, OvalObject, OvalState } from '../model.js';
import {
  booleanAttribute,
  CHECKS,
  DATATYPES,
  enumAttribute,
  EXISTENCES,
  integerAttribute,
  LOGICAL_OPERATORS,
  OPERATIONS,
  optionalAttribute,
  optionalComment,
  requiredAttribute,
  SET_OPERATORS,
} from './attributes.js';
import { exactLength, positionOf, type ParseContext } from './context.js';

/** Maximum nesting of sets. The schema sets no limit, and this one protects the call stack. */
const MAX_SET_DEPTH = 64;

export function convertObject(context: ParseContext, node: XmlNode): OvalObject {
  const object: OvalObject = {
    id: requiredAttribute(context, node, 'id'),
    version: integerAttribute(context, node, 'version'),
    type: context.internName(node.name),
    family: familyOf(context, node),
    namespace: context.internName(node.ns),
    comment: optionalAttribute(context, node, 'comment'),
    deprecated: booleanAttribute(context, node, 'deprecated', false),
    behaviors: undefined,
    entities: [],
    set: undefined,
    filters: [],
    position: positionOf(node),
  };
  const entities: Entity[] = [];
  const filters: Filter[] = [];

  for (const child of node.children) {
    if (isIgnored(child)) continue;
    if (child.ns === OVAL_DEFINITIONS_NS && child.name === 'set') {
      object.set = convertSet(context, child, 1);
    } else if (child.ns === OVAL_DEFINITIONS_NS && child.name === 'filter') {
      filters.push(convertFilter(context, child));
    } else if (child.name === 'behaviors' && child.ns !== OVAL_DEFINITIONS_NS) {
      object.behaviors = internRecord(context, child.attributes);
    } else {
      entities.push(convertEntity(context, child, false));
    }
  }
  object.entities = exactLength(entities);
  object.filters = exactLength(filters);
  return object;
}

export function convertState(context: ParseContext, node: XmlNode): OvalState {
  const state: OvalState = {
    id: requiredAttribute(context, node, 'id'),
    version: integerAttribute(context, node, 'version'),
    type: context.internName(node.name),
    family: familyOf(context, node),
    namespace: context.internName(node.ns),
    comment: optionalComment(context, node),
    deprecated: booleanAttribute(context, node, 'deprecated', false),
    operator: enumAttribute(context, node, 'operator', LOGICAL_OPERATORS, 'AND'),
    entities: [],
    position: positionOf(node),
  };
  state.entities = node.children.filter((child) => !isIgnored(child)).map((child) => convertEntity(context, child, true));
  return state;
}

/**
 * Returns the family of a test, object or state from its namespace. An element in the core
 * definitions namespace (a vendor file that forgot the family namespace) gets 'unknown' and a warning.
 */
export function familyOf(context: ParseContext, node: XmlNode): OvalFamily {
  const family = familyOfNamespace(node.ns, OVAL_DEFINITIONS_NS);
  if (family !== 'unknown') return family;

  const id = node.attributes['id'] ?? '';
  if (node.ns.startsWith(`${OVAL_DEFINITIONS_NS}#`)) {
    context.warn(context.invalid(`${node.name} ${id} is in namespace ${node.ns}, a family this version of scapula does not know; its family is unknown`, node));
  } else {
    const where = node.ns === '' ? 'no namespace' : `namespace ${node.ns}`;
    context.warn(context.invalid(`${node.name} ${id} is in ${where}, not in a family namespace such as ${OVAL_DEFINITIONS_NS}#linux; its family is unknown`, node));
  }
  return family;
}

function convertEntity(context: ParseContext, node: XmlNode, inState: boolean): Entity {
  const entity = entityFields(context, node, inState);
  if (entity.datatype === 'record') {
    entity.fields = node.children.map((child) => {
      if (child.name !== 'field') throw context.invalid(`unexpected element ${child.name} in record entity ${node.name}; expected field`, child);
      const field = entityFields(context, child, inState);
      field.name = requiredAttribute(context, child, 'name');
      return field;
    });
  } else if (node.children.length > 0) {
    throw context.invalid(`entity ${node.name} contains element ${node.children[0]!.name}; only record entities have child elements`, node.children[0]!);
  }
  return entity;
}

function entityFields(context: ParseContext, node: XmlNode, inState: boolean): Entity {
  const varRef = optionalAttribute(context, node, 'var_ref');
  const nil = booleanAttribute(context, node, 'xsi:nil', false);
  const hasValue = !nil && varRef === undefined && node.children.length === 0 && node.text !== '';
  const hasVarCheck = varRef !== undefined || node.attributes['var_check'] !== undefined;
  return {
    name: context.internName(node.name),
    datatype: enumAttribute(context, node, 'datatype', DATATYPES, 'string'),
    operation: enumAttribute(context, node, 'operation', OPERATIONS, 'equals'),
    value: hasValue ? context.intern(node.text) : undefined,
    varRef,
    varCheck: hasVarCheck ? enumAttribute(context, node, 'var_check', CHECKS, 'all') : undefined,
    entityCheck: inState ? enumAttribute(context, node, 'entity_check', CHECKS, 'all') : undefined,
    checkExistence: inState ? enumAttribute(context, node, 'check_existence', EXISTENCES, 'at_least_one_exists') : undefined,
    nil,
    mask: booleanAttribute(context, node, 'mask', false),
    fields: undefined,
    position: positionOf(node),
  };
}

function convertSet(context: ParseContext, node: XmlNode, depth: number): ObjectSet {
  if (depth > MAX_SET_DEPTH) throw context.invalid(`sets nested deeper than ${MAX_SET_DEPTH} levels`, node);
  const set: ObjectSet = {
    operator: enumAttribute(context, node, 'set_operator', SET_OPERATORS, 'UNION'),
    sets: [],
    objectRefs: [],
    filters: [],
  };
  for (const child of node.children) {
    switch (child.name) {
      case 'set':
        set.sets.push(convertSet(context, child, depth + 1));
        break;
      case 'object_reference':
        set.objectRefs.push(context.intern(child.text.trim()));
        break;
      case 'filter':
        set.filters.push(convertFilter(context, child));
        break;
      default:
        throw context.invalid(`unexpected element ${child.name} in set; expected set, object_reference or filter`, child);
    }
  }
  if (set.sets.length > 0 && set.objectRefs.length > 0) {
    throw context.invalid('a set contains either sets or object_reference elements, not both', node);
  }
  return set;
}

function convertFilter(context: ParseContext, node: XmlNode): Filter {
  const action = enumAttribute(context, node, 'action', new Set(['include', 'exclude'] as const), 'exclude');
  return { action, stateRef: context.intern(node.text.trim()) };
}

/** Signatures and notes carry nothing an evaluator uses. */
export function isIgnored(node: XmlNode): boolean {
  return node.ns === XML_DSIG_NS || (node.ns === OVAL_DEFINITIONS_NS && node.name === 'notes');
}

function internRecord(context: ParseContext, attributes: Record<string, string>): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes)) record[context.intern(name)] = context.intern(value);
  return record;
}
