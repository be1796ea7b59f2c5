/**
 * Converts tests of any family:
 *
 *   <linux-def:rpminfo_test id="oval:x:tst:1" version="1" check="at least one" comment="…">
 *     <linux-def:object object_ref="oval:x:obj:1"/>
 *     <linux-def:state state_ref="oval:x:ste:1"/>
 *   </linux-def:rpminfo_test>
 */
import type { XmlNode } from '../../xml/tree.js';
import type { Test } from '../model.js';
import {
  booleanAttribute,
  CHECKS,
  enumAttribute,
  EXISTENCES,
  integerAttribute,
  LOGICAL_OPERATORS,
  optionalAttribute,
  optionalComment,
  requiredAttribute,
} from './attributes.js';
import { exactLength, positionOf, type ParseContext } from './context.js';
import { familyOf, isIgnored } from './entities.js';

export function convertTest(context: ParseContext, node: XmlNode): Test {
  const stateRefs: string[] = [];
  const test: Test = {
    id: requiredAttribute(context, node, 'id'),
    version: integerAttribute(context, node, 'version'),
    type: context.internName(node.name),
    family: familyOf(context, node),
    namespace: context.internName(node.ns),
    comment: optionalComment(context, node) ?? '',
    deprecated: booleanAttribute(context, node, 'deprecated', false),
    check: enumAttribute(context, node, 'check', CHECKS, 'all'),
    checkExistence: enumAttribute(context, node, 'check_existence', EXISTENCES, 'at_least_one_exists'),
    stateOperator: enumAttribute(context, node, 'state_operator', LOGICAL_OPERATORS, 'AND'),
    objectRef: undefined,
    stateRefs: [],
    position: positionOf(node),
  };
  if (node.attributes['check'] === undefined) {
    context.warn(context.invalid(`test ${test.id} has no check attribute; using check="all"`, node));
  }

  for (const child of node.children) {
    if (isIgnored(child)) continue;
    if (child.name === 'object') {
      if (test.objectRef !== undefined) throw context.invalid(`test ${test.id} has more than one object element`, child);
      test.objectRef = requiredAttribute(context, child, 'object_ref');
    } else if (child.name === 'state') {
      stateRefs.push(requiredAttribute(context, child, 'state_ref'));
    } else {
      throw context.invalid(`unexpected element ${child.name} in test ${test.id}; expected object or state`, child);
    }
  }
  test.stateRefs = exactLength(stateRefs);
  return test;
}
