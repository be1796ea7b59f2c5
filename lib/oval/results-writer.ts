/**
 * Writes an oval_results document the way `oscap oval eval --results` does (OpenSCAP 1.3.7):
 * generator, directives, the source oval_definitions written back in oscap's form, then one
 * system with definition results, test results and the system characteristics they used.
 *
 * Which definitions appear, and with how much content, follows the directives. Tests are those
 * referenced from definitions reported with full content, in the order first referenced. The
 * collected objects and items are those that these tests (and the variables, sets and filters
 * behind them) refer to.
 */
import type { Writable } from 'node:stream';

import { ScapulaError } from '../errors.js';
import { fileSource, type ByteSource } from '../io/source.js';
import { OVAL_COMMON_NS, OVAL_RESULTS_NS, XSI_NS } from '../xml/namespaces.js';
import { escapeAttribute, XmlWriter, type Attributes } from '../xml/writer.js';
import { writeDefinitionsCopy } from './definitions-copy.js';
import { writeKeptCopy, type DefinitionsCopySource } from './kept-copy.js';
import { DIRECTIVE_ELEMENTS, defaultDirectives, directiveFor, type Directives, type ResultDirectives } from './directives.js';
import type { Component, Criteria, CriteriaNode, Criterion, ExtendDefinition, Generator, OvalDefinitions, OvalObject } from './model.js';
import type { CriteriaResult, CriterionResult, DefinitionResult, ExtendDefinitionResult, OvalResult, OvalResults, TestResult } from './results-model.js';
import { compactCriteriaOf, compactNodeResults, leafResultAt, type CompactCriteria } from './evaluate/criteria.js';
import { compareText, writeGenerator, writeMessages, writeSyscharElement } from './syschar-writer.js';

export interface ResultsWriterOptions {
  definitions: OvalDefinitions;
  results: OvalResults;
  /** Default: every result reported with full content, and the source definitions included. */
  directives?: Directives;
  /** Write collected objects and items (default true); false keeps only generator and system_info. */
  includeSystemCharacteristics?: boolean;
  /** Another name for `includeSystemCharacteristics`; that one wins when both are given. */
  withSystemCharacteristics?: boolean;
  generator?: Partial<Generator>;
  /** Source to copy the definitions from. Default: the parser's source, else `definitions.file`. */
  source?: ByteSource;
}

type ResultNode = CriteriaResult | CriterionResult | ExtendDefinitionResult;

/** Writes an oval_results document to `out`, which stays open. */
export async function writeOvalResults(out: Writable, options: ResultsWriterOptions): Promise<void> {
  const writer = new XmlWriter(out);
  const directives = options.directives ?? defaultDirectives();

  writer.raw('<?xml version="1.0" encoding="UTF-8"?>');
  writer.start('oval_results', [
    ['xmlns:xsi', XSI_NS],
    ['xmlns:oval', OVAL_COMMON_NS],
    ['xmlns', OVAL_RESULTS_NS],
    ['xsi:schemaLocation', `${OVAL_RESULTS_NS} oval-results-schema.xsd ${OVAL_COMMON_NS} oval-common-schema.xsd`],
  ]);
  writeGenerator(writer, options.generator);
  writeDirectives(writer, directives);

  if (directives.includeSourceDefinitions) await copyDefinitions(writer, options);

  writer.start('results');
  writer.start('system');
  const testIds = await writeDefinitionResults(writer, options, directives);
  await writeTestResults(writer, options, testIds);
  await writeSyscharElement(writer, options.results.systemCharacteristics, {
    generator: options.generator,
    standalone: false,
    objectIds: objectsOfTests(options.definitions, testIds),
    systemInfoOnly: (options.includeSystemCharacteristics ?? options.withSystemCharacteristics) === false,
  });
  writer.end('system');
  writer.end('results');
  writer.end('oval_results');
  writer.raw('\n');
  await writer.flush();
}

function writeDirectives(writer: XmlWriter, directives: Directives): void {
  writer.start('directives', [['include_source_definitions', directives.includeSourceDefinitions ? undefined : 'false']]);
  writeResultDirectives(writer, directives.defaults);
  writer.end('directives');
  for (const [definitionClass, classDirectives] of Object.entries(directives.classes)) {
    writer.start('class_directives', [['class', definitionClass]]);
    writeResultDirectives(writer, classDirectives);
    writer.end('class_directives');
  }
}

function writeResultDirectives(writer: XmlWriter, directives: ResultDirectives): void {
  for (const [element, result] of DIRECTIVE_ELEMENTS) {
    const directive = directives[result];
    writer.start(element, [['reported', String(directive.reported)], ['content', directive.content]], true);
  }
}

/**
 * Writes the oval_definitions element in OpenSCAP's form (./definitions-copy.ts), re-reading the
 * source so that metadata the parser dropped (descriptions, advisories) appears as the vendor wrote it.
 */
async function copyDefinitions(writer: XmlWriter, options: ResultsWriterOptions): Promise<void> {
  const definitions = options.definitions;
  if (definitions.span === undefined) {
    throw new ScapulaError('USAGE', 'the definitions carry no source span, so they cannot be copied into the results; parse them with parseOvalDefinitions', {
      file: definitions.file,
    });
  }
  const job = (definitions as { definitionsCopy?: DefinitionsCopySource }).definitionsCopy;
  const kept = job === undefined || options.source !== undefined ? undefined : await job.result();
  if (kept !== undefined) {
    await writeKeptCopy(writer, kept);
    return;
  }
  const source = options.source ?? (definitions as { source?: ByteSource }).source ?? fileSource(definitions.file);
  await writeDefinitionsCopy(writer, source, definitions.generator.schemaVersion);
}

/** Writes the definitions section and returns the ids of the tests to report, in order. */
async function writeDefinitionResults(writer: XmlWriter, options: ResultsWriterOptions, directives: Directives): Promise<string[]> {
  const testIds = new TestReferences(options.definitions);
  let opened = false;
  // OpenSCAP 1.3.7 writes definitions in descending order of id.
  const definitions = [...options.definitions.definitions.values()].sort((a, b) => compareText(b.id, a.id));
  for (const definition of definitions) {
    const result: DefinitionResult = options.results.definitions.get(definition.id) ?? {
      definitionId: definition.id,
      version: definition.version,
      variableInstance: 1,
      result: 'not evaluated',
      criteria: definition.criteria === undefined ? undefined : notEvaluatedCriteria(definition.criteria),
      messages: [],
    };
    const directive = directiveFor(directives, definition.class, result.result);
    if (!directive.reported) continue;
    if (!opened) {
      writer.start('definitions');
      opened = true;
    }
    const full = directive.content === 'full';
    // An evaluation's own results are written from their compact form. Another result is read
    // once, because an evaluation's results build their criteria tree on each read.
    const compact = full ? compactCriteriaOf(result) : undefined;
    if (compact !== undefined) {
      writeDefinitionStart(writer, result);
      writeCompactCriteria(writer, options.definitions, compact, testIds);
      writer.end('definition');
    } else {
      const criteria = full ? result.criteria : undefined;
      writeDefinitionResult(writer, options.definitions, result, criteria, testIds);
    }
    await writer.drain();
  }
  if (opened) writer.end('definitions');
  // OpenSCAP 1.3.7 writes tests in ascending order of id.
  return testIds.ids().sort(compareText);
}

/**
 * The tests that reported criteria name, with their versions. One map serves as the list of
 * reported tests and as the versions written on criterion elements: a Red Hat feed names each
 * of its 176,849 tests about twice. It keeps no markup, because 176,849 such strings would
 * take about 10 MB at the peak of a run (an estimate).
 */
class TestReferences {
  private readonly versions = new Map<string, number>();

  constructor(private readonly definitions: OvalDefinitions) {}

  /** Returns ` test_ref="…" version="…"` for `testRef`, and records the test as reported. */
  reference(testRef: string): string {
    let version = this.versions.get(testRef);
    if (version === undefined) {
      version = this.definitions.tests.get(testRef)?.version ?? 0;
      this.versions.set(testRef, version);
    }
    return ` test_ref="${escapeAttribute(testRef)}" version="${version}"`;
  }

  ids(): string[] {
    return [...this.versions.keys()];
  }
}

/**
 * Returns the criteria tree of a definition the evaluation did not reach, every node
 * `not evaluated`, as OpenSCAP writes it for definitions left out with `--id`.
 */
function notEvaluatedCriteria(root: Criteria): CriteriaResult {
  const convert = (node: Criteria): CriteriaResult => ({
    kind: 'criteria',
    operator: node.operator,
    negate: node.negate,
    applicabilityCheck: node.applicabilityCheck,
    result: 'not evaluated',
    children: [],
  });
  const top = convert(root);
  const pending: [Criteria, CriteriaResult][] = [[root, top]];
  while (pending.length > 0) {
    const [node, target] = pending.pop()!;
    for (const child of node.children) {
      const common = { variableInstance: 1, negate: child.negate, applicabilityCheck: child.applicabilityCheck, result: 'not evaluated' as const };
      if (child.kind === 'criterion') {
        target.children.push({ kind: 'criterion', testRef: child.testRef, ...common });
      } else if (child.kind === 'extend_definition') {
        target.children.push({ kind: 'extend_definition', definitionRef: child.definitionRef, ...common });
      } else {
        const converted = convert(child);
        target.children.push(converted);
        pending.push([child, converted]);
      }
    }
  }
  return top;
}

/** Writes one definition result, with `criteria` when its content is full. */
function writeDefinitionResult(
  writer: XmlWriter,
  definitions: OvalDefinitions,
  result: DefinitionResult,
  criteria: CriteriaResult | undefined,
  testIds: TestReferences,
): void {
  if (result.messages.length === 0 && criteria === undefined) {
    writer.start('definition', definitionAttributes(result), true);
    return;
  }
  writeDefinitionStart(writer, result);
  if (criteria !== undefined) writeCriteria(writer, definitions, criteria, testIds);
  writer.end('definition');
}

/** Writes the start tag of a definition result and its messages. */
function writeDefinitionStart(writer: XmlWriter, result: DefinitionResult): void {
  writer.start('definition', definitionAttributes(result));
  writeMessages(writer, result.messages, 'message');
}

function definitionAttributes(result: DefinitionResult): Attributes {
  return [
    ['definition_id', result.definitionId],
    ['result', result.result],
    ['version', result.version],
    ['variable_instance', result.variableInstance === 1 ? undefined : result.variableInstance],
  ];
}

/**
 * Writes a criteria result tree without recursion, so that any depth is written, and records
 * the tests it names in `testIds`.
 */
function writeCriteria(writer: XmlWriter, definitions: OvalDefinitions, root: CriteriaResult, testIds: TestReferences): void {
  const pending: (ResultNode | 'close')[] = [root];
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (node === 'close') {
      writer.end('criteria');
      continue;
    }
    if (node.kind === 'criteria') {
      writer.startMarkup(criteriaMarkup(node, node.result));
      pending.push('close');
      for (let index = node.children.length - 1; index >= 0; index--) pending.push(node.children[index]!);
    } else {
      writer.startMarkup(leafMarkup(definitions, testIds, node, node.result, node.variableInstance), true);
    }
  }
}

/**
 * Writes the criteria of an evaluation's definition result from its compact form, as
 * writeCriteria writes the tree that form stands for, and adds the tests it names to `testIds`.
 */
function writeCompactCriteria(writer: XmlWriter, definitions: OvalDefinitions, compact: CompactCriteria, testIds: TestReferences): void {
  const nodeResults = compactNodeResults(compact);
  let nodeIndex = 0;
  let leafIndex = 0;
  const pending: (CriteriaNode | 'close')[] = [compact.root];
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (node === 'close') {
      writer.end('criteria');
      continue;
    }
    if (node.kind === 'criteria') {
      writer.startMarkup(criteriaMarkup(node, nodeResults[nodeIndex++]!));
      pending.push('close');
      for (let index = node.children.length - 1; index >= 0; index--) pending.push(node.children[index]!);
    } else {
      writer.startMarkup(leafMarkup(definitions, testIds, node, leafResultAt(compact, leafIndex++), 1), true);
    }
  }
}

/** Returns the start tag of a criteria result, with attributes in the order oscap writes them. */
function criteriaMarkup(node: Criteria | CriteriaResult, result: OvalResult): string {
  return `<criteria${applicabilityMarkup(node)} operator="${escapeAttribute(node.operator)}"${node.negate ? ' negate="true"' : ''} result="${escapeAttribute(result)}">`;
}

/** Returns the empty element of a criterion or extend_definition result. */
function leafMarkup(
  definitions: OvalDefinitions,
  testIds: TestReferences,
  node: Criterion | ExtendDefinition,
  result: OvalResult,
  variableInstance: number,
): string {
  const instance = variableInstance === 1 ? '' : ` variable_instance="${variableInstance}"`;
  const rest = `${instance}${node.negate ? ' negate="true"' : ''} result="${escapeAttribute(result)}"/>`;
  if (node.kind === 'criterion') return `<criterion${applicabilityMarkup(node)}${testIds.reference(node.testRef)}${rest}`;
  const version = definitions.definitions.get(node.definitionRef)?.version ?? 0;
  return `<extend_definition${applicabilityMarkup(node)} definition_ref="${escapeAttribute(node.definitionRef)}" version="${version}"${rest}`;
}

/** Returns the applicability_check attribute, which oscap writes first, or nothing. */
function applicabilityMarkup(node: { applicabilityCheck?: boolean }): string {
  return node.applicabilityCheck === undefined ? '' : ` applicability_check="${node.applicabilityCheck}"`;
}

async function writeTestResults(writer: XmlWriter, options: ResultsWriterOptions, testIds: string[]): Promise<void> {
  const results = testIds
    .map((id) => options.results.tests.get(id) ?? notEvaluatedTest(options.definitions, id))
    .filter((result): result is TestResult => result !== undefined);
  if (results.length === 0) return;
  writer.start('tests');
  for (const result of results) {
    writeTestResult(writer, result);
    await writer.drain();
  }
  writer.end('tests');
}

/** Returns a `not evaluated` result for a test the evaluation did not reach, or undefined for an unknown id. */
function notEvaluatedTest(definitions: OvalDefinitions, testId: string): TestResult | undefined {
  const test = definitions.tests.get(testId);
  if (test === undefined) return undefined;
  return {
    testId,
    version: test.version,
    variableInstance: 1,
    check: test.check,
    checkExistence: test.checkExistence,
    stateOperator: test.stateOperator,
    result: 'not evaluated',
    testedItems: [],
    testedVariables: [],
    messages: [],
  };
}

function writeTestResult(writer: XmlWriter, result: TestResult): void {
  // Attributes in the order oscap writes them, defaults left out.
  const existence = result.checkExistence === 'at_least_one_exists' ? '' : ` check_existence="${escapeAttribute(result.checkExistence)}"`;
  const operator = result.stateOperator === 'AND' ? '' : ` state_operator="${escapeAttribute(result.stateOperator)}"`;
  const instance = result.variableInstance === 1 ? '' : ` variable_instance="${result.variableInstance}"`;
  const attributes =
    ` test_id="${escapeAttribute(result.testId)}" version="${result.version}"${existence}` +
    ` check="${escapeAttribute(result.check)}"${operator}${instance} result="${escapeAttribute(result.result)}"`;
  // OpenSCAP leaves out items and variables of a test that was not evaluated.
  const evaluated = result.result !== 'not evaluated';
  const items = evaluated ? result.testedItems : [];
  const variables = evaluated ? result.testedVariables : [];
  if (result.messages.length === 0 && items.length === 0 && variables.length === 0) {
    writer.startMarkup(`<test${attributes}/>`, true);
    return;
  }
  writer.startMarkup(`<test${attributes}>`);
  writeMessages(writer, result.messages, 'message');
  for (const item of items) writer.startMarkup(`<tested_item item_id="${item.itemId}" result="${escapeAttribute(item.result)}"/>`, true);
  for (const variable of variables) writer.element('tested_variable', [['variable_id', variable.variableId]], variable.value);
  writer.end('test');
}

/**
 * Returns the ids of the objects behind `testIds`: each test's object, and every object reached
 * from it, its states and filters through sets and variables (object_component).
 */
function objectsOfTests(definitions: OvalDefinitions, testIds: string[]): Set<string> {
  const objects = new Set<string>();
  const seenStates = new Set<string>();
  const seenVariables = new Set<string>();
  const pendingObjects: string[] = [];
  const pendingVariables: string[] = [];
  const pendingStates: string[] = [];

  for (const id of testIds) {
    const test = definitions.tests.get(id);
    if (test === undefined) continue;
    if (test.objectRef !== undefined) pendingObjects.push(test.objectRef);
    pendingStates.push(...test.stateRefs);
  }

  while (pendingObjects.length > 0 || pendingStates.length > 0 || pendingVariables.length > 0) {
    const objectId = pendingObjects.pop();
    if (objectId !== undefined) {
      if (objects.has(objectId)) continue;
      objects.add(objectId);
      const object = definitions.objects.get(objectId);
      if (object !== undefined) referencesOfObject(object, pendingObjects, pendingStates, pendingVariables);
      continue;
    }
    const stateId = pendingStates.pop();
    if (stateId !== undefined) {
      if (seenStates.has(stateId)) continue;
      seenStates.add(stateId);
      for (const entity of definitions.states.get(stateId)?.entities ?? []) {
        if (entity.varRef !== undefined) pendingVariables.push(entity.varRef);
        for (const field of entity.fields ?? []) if (field.varRef !== undefined) pendingVariables.push(field.varRef);
      }
      continue;
    }
    const variableId = pendingVariables.pop()!;
    if (seenVariables.has(variableId)) continue;
    seenVariables.add(variableId);
    const variable = definitions.variables.get(variableId);
    if (variable?.kind === 'local_variable') referencesOfComponent(variable.component, pendingObjects, pendingVariables);
  }
  return objects;
}

function referencesOfObject(object: OvalObject, objects: string[], states: string[], variables: string[]): void {
  for (const entity of object.entities) {
    if (entity.varRef !== undefined) variables.push(entity.varRef);
    for (const field of entity.fields ?? []) if (field.varRef !== undefined) variables.push(field.varRef);
  }
  for (const filter of object.filters) states.push(filter.stateRef);
  const sets = object.set === undefined ? [] : [object.set];
  while (sets.length > 0) {
    const set = sets.pop()!;
    objects.push(...set.objectRefs);
    for (const filter of set.filters) states.push(filter.stateRef);
    sets.push(...set.sets);
  }
}

function referencesOfComponent(root: Component, objects: string[], variables: string[]): void {
  const pending: Component[] = [root];
  while (pending.length > 0) {
    const component = pending.pop()!;
    if (component.kind === 'object_component') objects.push(component.objectRef);
    else if (component.kind === 'variable_component') variables.push(component.varRef);
    else if ('component' in component) pending.push(component.component);
    else if ('components' in component) pending.push(...component.components);
  }
}
