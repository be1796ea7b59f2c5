/**
 * OVAL results directives: which definition results a results document reports, and with how
 * much content. Read from an oval_directives document (OVAL 5.11.2 oval-directives-schema):
 *
 *   <oval_directives xmlns="http://oval.mitre.org/XMLSchema/oval-directives-5"
 *                    xmlns:oval-res="http://oval.mitre.org/XMLSchema/oval-results-5">
 *     <generator>…</generator>
 *     <directives include_source_definitions="false">
 *       <oval-res:definition_true reported="true" content="full"/>
 *       … one element per result …
 *     </directives>
 *     <class_directives class="vulnerability">…</class_directives>
 *   </oval_directives>
 */
import { ScapulaError } from '../errors.js';
import type { ByteSource } from '../io/source.js';
import { OVAL_DIRECTIVES_NS, OVAL_RESULTS_NS } from '../xml/namespaces.js';
import { readSections } from '../xml/sections.js';
import type { XmlNode } from '../xml/tree.js';
import type { DefinitionClass } from './model.js';
import type { OvalResult } from './results-model.js';

export type DirectiveContent = 'thin' | 'full';

export interface Directive {
  reported: boolean;
  content: DirectiveContent;
}

/** One directive per definition result. */
export type ResultDirectives = Record<OvalResult, Directive>;

export interface Directives {
  /** Directives for definitions of classes without their own. */
  defaults: ResultDirectives;
  /** Directives that replace the defaults for one definition class. */
  classes: Partial<Record<DefinitionClass, ResultDirectives>>;
  /** Whether results documents copy the source oval_definitions in. */
  includeSourceDefinitions: boolean;
}

/** Element names of the directives, in schema order, with the result each one governs. */
export const DIRECTIVE_ELEMENTS: readonly [element: string, result: OvalResult][] = [
  ['definition_true', 'true'],
  ['definition_false', 'false'],
  ['definition_unknown', 'unknown'],
  ['definition_error', 'error'],
  ['definition_not_evaluated', 'not evaluated'],
  ['definition_not_applicable', 'not applicable'],
];

const DEFINITION_CLASSES: readonly DefinitionClass[] = ['compliance', 'inventory', 'miscellaneous', 'patch', 'vulnerability'];

/** Returns the directives oscap uses without a directives file: every result reported with full content. */
export function defaultDirectives(): Directives {
  return { defaults: allResults({ reported: true, content: 'full' }), classes: {}, includeSourceDefinitions: true };
}

/** Returns the directive that governs a definition of `definitionClass` with `result`. */
export function directiveFor(directives: Directives, definitionClass: DefinitionClass, result: OvalResult): Directive {
  return (directives.classes[definitionClass] ?? directives.defaults)[result];
}

export async function readDirectives(source: ByteSource | string): Promise<Directives> {
  const file = typeof source === 'string' ? source : source.name;
  let defaults: ResultDirectives | undefined;
  let includeSourceDefinitions = true;
  const classes: Partial<Record<DefinitionClass, ResultDirectives>> = {};

  await readSections(source, {
    rootName: 'oval_directives',
    rootNamespace: OVAL_DIRECTIVES_NS,
    sections: { directives: 'whole', class_directives: 'whole' },
    onNode(section, node) {
      if (section === 'directives') {
        defaults = readResultDirectives(file, node);
        includeSourceDefinitions = readBoolean(file, node, 'include_source_definitions', true);
        return;
      }
      const definitionClass = node.attributes['class'] as DefinitionClass | undefined;
      if (definitionClass === undefined || !DEFINITION_CLASSES.includes(definitionClass)) {
        throw invalid(file, node, `class_directives has class="${definitionClass ?? ''}"; expected one of: ${DEFINITION_CLASSES.join(', ')}`);
      }
      if (classes[definitionClass] !== undefined) throw invalid(file, node, `class_directives for class ${definitionClass} appears more than once`);
      classes[definitionClass] = readResultDirectives(file, node);
    },
  });

  if (defaults === undefined) {
    throw new ScapulaError('OVAL_INVALID', 'the oval_directives document has no directives element', { file });
  }
  return { defaults, classes, includeSourceDefinitions };
}

function readResultDirectives(file: string, node: XmlNode): ResultDirectives {
  const found = new Map<string, XmlNode>();
  for (const child of node.children) {
    if (child.ns !== OVAL_RESULTS_NS) throw invalid(file, child, `${child.name} must be in the namespace ${OVAL_RESULTS_NS}`);
    found.set(child.name, child);
  }
  const directives = {} as ResultDirectives;
  for (const [element, result] of DIRECTIVE_ELEMENTS) {
    const child = found.get(element);
    if (child === undefined) throw invalid(file, node, `${node.name} is missing ${element}`);
    if (child.attributes['reported'] === undefined) throw invalid(file, child, `${element} is missing its required attribute reported`);
    const content = child.attributes['content'] ?? 'full';
    if (content !== 'thin' && content !== 'full') throw invalid(file, child, `${element} has content="${content}"; expected thin or full`);
    directives[result] = { reported: readBoolean(file, child, 'reported', true), content };
  }
  return directives;
}

function readBoolean(file: string, node: XmlNode, name: string, fallback: boolean): boolean {
  const value = node.attributes[name]?.trim();
  if (value === undefined) return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw invalid(file, node, `${node.name} has ${name}="${value}"; expected true or false`);
}

function allResults(directive: Directive): ResultDirectives {
  const directives = {} as ResultDirectives;
  for (const [, result] of DIRECTIVE_ELEMENTS) directives[result] = { ...directive };
  return directives;
}

function invalid(file: string, node: XmlNode, message: string): ScapulaError {
  return new ScapulaError('OVAL_INVALID', message, { file, line: node.line, column: node.column });
}
