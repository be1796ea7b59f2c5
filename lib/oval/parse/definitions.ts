/**
 * Converts `definition` elements and their criteria trees.
 */
import { OVAL_DEFINITIONS_NS } from '../../xml/namespaces.js';
import type { XmlNode } from '../../xml/tree.js';
import type { Affected, Criteria, CriteriaNode, Criterion, Definition, DefinitionMetadata, Reference } from '../model.js';
import {
  booleanAttribute,
  DEFINITION_CLASSES,
  enumAttribute,
  integerAttribute,
  LOGICAL_OPERATORS,
  optionalAttribute,
  optionalComment,
  requiredAttribute,
} from './attributes.js';
import { exactLength, positionOf, type ParseContext } from './context.js';

/** Metadata children kept in memory; the results writer copies the rest from the source. */
const KEPT_METADATA = new Set(['title', 'affected', 'reference', 'description']);

/**
 * Decides which elements inside a `definition` are worth building: metadata other than title,
 * affected and reference (vendor blocks such as `advisory`) is skipped, and so is the
 * description unless `keepDescriptions` is set.
 */
export function keepInDefinition(keepDescriptions: boolean) {
  return (tag: { local: string; uri: string }, parent: XmlNode): boolean => {
    if (parent.name === 'metadata') {
      if (tag.uri !== OVAL_DEFINITIONS_NS || !KEPT_METADATA.has(tag.local)) return false;
      return tag.local !== 'description' || keepDescriptions;
    }
    return tag.local !== 'notes' && tag.local !== 'Signature';
  };
}

export function convertDefinition(context: ParseContext, node: XmlNode): Definition {
  const metadataNode = node.children.find((child) => child.name === 'metadata');
  const criteriaNode = node.children.find((child) => child.name === 'criteria');
  const definition: Definition = {
    id: requiredAttribute(context, node, 'id'),
    version: integerAttribute(context, node, 'version'),
    class: enumAttribute(context, node, 'class', DEFINITION_CLASSES, 'miscellaneous'),
    deprecated: booleanAttribute(context, node, 'deprecated', false),
    metadata: metadataNode === undefined ? { title: '', description: '', affected: [], references: [] } : convertMetadata(context, metadataNode),
    position: positionOf(node),
  };
  if (node.attributes['class'] === undefined) {
    throw context.invalid(`definition ${definition.id} is missing its required attribute class`, node);
  }
  if (criteriaNode !== undefined) definition.criteria = convertCriteria(context, criteriaNode);
  return definition;
}

function convertMetadata(context: ParseContext, node: XmlNode): DefinitionMetadata {
  const metadata: DefinitionMetadata = { title: '', description: '', affected: [], references: [] };
  for (const child of node.children) {
    switch (child.name) {
      case 'title':
        metadata.title = context.copy(child.text);
        break;
      case 'description':
        metadata.description = context.copy(child.text);
        break;
      case 'affected':
        metadata.affected.push(convertAffected(context, child));
        break;
      case 'reference':
        metadata.references.push(convertReference(context, child));
        break;
    }
  }
  metadata.affected = exactLength(metadata.affected);
  metadata.references = exactLength(metadata.references);
  return metadata;
}

function convertAffected(context: ParseContext, node: XmlNode): Affected {
  const affected: Affected = { family: requiredAttribute(context, node, 'family'), platforms: [], products: [] };
  for (const child of node.children) {
    if (child.name === 'platform') affected.platforms.push(context.intern(child.text));
    else if (child.name === 'product') affected.products.push(context.intern(child.text));
  }
  return affected;
}

function convertReference(context: ParseContext, node: XmlNode): Reference {
  const reference: Reference = {
    source: requiredAttribute(context, node, 'source'),
    refId: requiredAttribute(context, node, 'ref_id'),
  };
  const url = optionalAttribute(context, node, 'ref_url');
  if (url !== undefined) reference.refUrl = url;
  return reference;
}

/**
 * Converts a criteria tree without recursion, so that a document nesting criteria ten thousand
 * deep is read like any other.
 */
export function convertCriteria(context: ParseContext, root: XmlNode): Criteria {
  const top = criteriaOf(context, root);
  const pending: [XmlNode, Criteria][] = [[root, top]];
  while (pending.length > 0) {
    const [node, target] = pending.pop()!;
    if (node.children.length === 0) {
      throw context.invalid('criteria must contain at least one criteria, criterion or extend_definition', node);
    }
    target.children = node.children.map((child) => criteriaNodeOf(context, child));
    target.children.forEach((converted, index) => {
      if (converted.kind === 'criteria') pending.push([node.children[index]!, converted]);
    });
  }
  return top;
}

function criteriaNodeOf(context: ParseContext, node: XmlNode): CriteriaNode {
  switch (node.name) {
    case 'criteria':
      return criteriaOf(context, node);
    case 'criterion': {
      const testRef = requiredAttribute(context, node, 'test_ref');
      const negate = booleanAttribute(context, node, 'negate', false);
      const applicabilityCheck = applicabilityCheckOf(context, node);
      const comment = optionalComment(context, node);
      if (applicabilityCheck === undefined && comment === undefined) return context.sharedCriterion(testRef, negate);
      const criterion: Criterion = { kind: 'criterion', testRef, negate };
      if (applicabilityCheck !== undefined) criterion.applicabilityCheck = applicabilityCheck;
      if (comment !== undefined) criterion.comment = comment;
      return criterion;
    }
    case 'extend_definition':
      return withOptional(context, node, {
        kind: 'extend_definition',
        definitionRef: requiredAttribute(context, node, 'definition_ref'),
        negate: booleanAttribute(context, node, 'negate', false),
      });
    default:
      throw context.invalid(`unexpected element ${node.name} in criteria; expected criteria, criterion or extend_definition`, node);
  }
}

function criteriaOf(context: ParseContext, node: XmlNode): Criteria {
  return withOptional(context, node, {
    kind: 'criteria',
    operator: enumAttribute(context, node, 'operator', LOGICAL_OPERATORS, 'AND'),
    negate: booleanAttribute(context, node, 'negate', false),
    children: [],
  });
}

/**
 * Adds applicabilityCheck and comment to a criteria node only when the element has them: a
 * property left undefined still takes 8 bytes, and a Red Hat feed has over half a million
 * criteria nodes, nearly all without either.
 */
function withOptional<T extends CriteriaNode>(context: ParseContext, node: XmlNode, converted: T): T {
  const applicabilityCheck = applicabilityCheckOf(context, node);
  if (applicabilityCheck !== undefined) converted.applicabilityCheck = applicabilityCheck;
  const comment = optionalComment(context, node);
  if (comment !== undefined) converted.comment = comment;
  return converted;
}

/** Returns applicability_check, left undefined when absent because the schema gives it no default. */
function applicabilityCheckOf(context: ParseContext, node: XmlNode): boolean | undefined {
  return node.attributes['applicability_check'] === undefined ? undefined : booleanAttribute(context, node, 'applicability_check', false);
}
