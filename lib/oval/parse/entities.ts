/**
 * Converts objects and states of any family. Their entities are read generically: every child
 * element in the family namespace is an entity, whatever its name.
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
  integerAttribute,
  LOGICAL_OPERATORS,
  OPERATIONS,
  optionalAttribute,
  requiredAttribute,
  SET_OPERATORS,
} from './attributes.js';
import { positionOf, type ParseContext } from './context.js';

/** Sets may nest; the schema allows two levels, and deeper nesting than this is rejected. */
const MAX_SET_DEPTH = 64;

export function convertObject(context: ParseContext, node: XmlNode): OvalObject {
  const object: OvalObject = {
    id: requiredAttribute(context, node, 'id'),
    version: integerAttribute(context, node, 'version'),
    type: context.intern(node.name),
    family: familyOf(context, node),
    namespace: context.intern(node.ns),
    deprecated: booleanAttribute(context, node, 'deprecated', false),
    entities: [],
    filters: [],
    position: positionOf(node),
  };
  const comment = optionalAttribute(context, node, 'comment');
  if (comment !== undefined) object.comment = comment;

  for (const child of node.children) {
    if (isIgnored(child)) continue;
    if (child.ns === OVAL_DEFINITIONS_NS && child.name === 'set') {
      object.set = convertSet(context, child, 1);
    } else if (child.ns === OVAL_DEFINITIONS_NS && child.name === 'filter') {
      object.filters.push(convertFilter(context, child));
    } else if (child.name === 'behaviors' && child.ns !== OVAL_DEFINITIONS_NS) {
      object.behaviors = internRecord(context, child.attributes);
    } else {
      object.entities.push(convertEntity(context, child, false));
    }
  }
  return object;
}

export function convertState(context: ParseContext, node: XmlNode): OvalState {
  const state: OvalState = {
    id: requiredAttribute(context, node, 'id'),
    version: integerAttribute(context, node, 'version'),
    type: context.intern(node.name),
    family: familyOf(context, node),
    namespace: context.intern(node.ns),
    deprecated: booleanAttribute(context, node, 'deprecated', false),
    operator: enumAttribute(context, node, 'operator', LOGICAL_OPERATORS, 'AND'),
    entities: [],
    position: positionOf(node),
  };
  const comment = optionalAttribute(context, node, 'comment');
  if (comment !== undefined) state.comment = comment;

  for (const child of node.children) {
    if (isIgnored(child)) continue;
    state.entities.push(convertEntity(context, child, true));
  }
  return state;
}

/**
 * Returns the family of a test, object or state from its namespace. An element in the core
 * definitions namespace (a vendor file that forgot the family namespace) gets 'unknown' and a warning.
 */
export function familyOf(context: ParseContext, node: XmlNode): OvalFamily {
  const family = familyOfNamespace(node.ns, OVAL_DEFINITIONS_NS);
  if (family === 'unknown') {
    const where = node.ns === '' ? 'no namespace' : `namespace ${node.ns}`;
    context.warn(context.invalid(`${node.name} ${node.attributes['id'] ?? ''} is in ${where}, not in a family namespace such as ${OVAL_DEFINITIONS_NS}#linux; its family is unknown`, node));
  }
  return family;
}

function convertEntity(context: ParseContext, node: XmlNode, inState: boolean): Entity {
  const entity = entityFields(context, node, inState);
  if (entity.datatype === 'record') {
    entity.fields = [];
    for (const child of node.children) {
      if (child.name !== 'field') throw context.invalid(`unexpected element ${child.name} in record entity ${node.name}; expected field`, child);
      const field = entityFields(context, child, inState);
      field.name = requiredAttribute(context, child, 'name');
      entity.fields.push(field);
    }
  } else if (node.children.length > 0) {
    throw context.invalid(`entity ${node.name} contains element ${node.children[0]!.name}; only record entities have child elements`, node.children[0]!);
  }
  return entity;
}

function entityFields(context: ParseContext, node: XmlNode, inState: boolean): Entity {
  const entity: Entity = {
    name: context.intern(node.name),
    datatype: enumAttribute(context, node, 'datatype', DATATYPES, 'string'),
    operation: enumAttribute(context, node, 'operation', OPERATIONS, 'equals'),
    nil: booleanAttribute(context, node, 'xsi:nil', false),
    mask: booleanAttribute(context, node, 'mask', false),
    position: positionOf(node),
  };
  const varRef = optionalAttribute(context, node, 'var_ref');
  if (varRef !== undefined) {
    entity.varRef = varRef;
    entity.varCheck = enumAttribute(context, node, 'var_check', CHECKS, 'all');
  } else if (node.attributes['var_check'] !== undefined) {
    entity.varCheck = enumAttribute(context, node, 'var_check', CHECKS, 'all');
  }
  if (inState) entity.entityCheck = enumAttribute(context, node, 'entity_check', CHECKS, 'all');
  if (!entity.nil && varRef === undefined && node.children.length === 0 && node.text !== '') {
    entity.value = context.intern(node.text);
  }
  return entity;
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
