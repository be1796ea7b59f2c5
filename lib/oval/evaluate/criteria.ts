/**
 * Definition evaluation: criteria trees combined by their operators, criterion and
 * extend_definition leaves, negate. The walk uses an explicit stack, so trees and
 * extend_definition chains of any depth cannot overflow the call stack. Test results
 * must be computed before (see `gatherTests`), because this walk is synchronous.
 */
import type { Criteria, CriteriaNode, Criterion, Definition, ExtendDefinition } from '../model.js';
import type { CriteriaResult, CriterionResult, DefinitionResult, ExtendDefinitionResult, OvalResult } from '../results-model.js';
import type { Message } from '../syschar.js';
import type { Evaluation } from './evaluation.js';
import { combineRangeByOperator, negateResult } from './logic.js';


/** Lists the tests that definitions `ids` need, following extend_definition, without recursion. */
export function gatherTests(evaluation: Evaluation, ids: Iterable<string>): { tests: string[]; definitions: string[] } {
  const tests = new Set<string>();
  const definitions = new Set<string>();
  const pending: CriteriaNode[] = [];
  const visit = (id: string): void => {
    if (definitions.has(id)) return;
    definitions.add(id);
    const criteria = evaluation.definitions.definitions.get(id)?.criteria;
    if (criteria !== undefined) pending.push(criteria);
  };
  for (const id of ids) visit(id);

  while (pending.length > 0) {
    const node = pending.pop()!;
    if (node.kind === 'criterion') tests.add(node.testRef);
    else if (node.kind === 'extend_definition') visit(node.definitionRef);
    else for (let k = node.children.length - 1; k >= 0; k--) pending.push(node.children[k]!);
  }
  return { tests: [...tests], definitions: [...definitions] };
}

interface CriteriaFrame {
  kind: 'criteria';
  node: Criteria;
  next: number;
  /** The index on the shared stack of values at which this node's child results begin. */
  start: number;
  owner: DefinitionFrame;
}

interface DefinitionFrame {
  kind: 'definition';
  definition: Definition;
  /** The extend_definition leaf waiting for this definition, if any. */
  parent?: { frame: CriteriaFrame; leaf: ExtendDefinition };
  messages: Message[];
  /** The results of the criteria leaves met so far, one character each (see RESULT_CODES). */
  leaves: string[];
}

type Frame = CriteriaFrame | DefinitionFrame;

/**
 * Evaluates definition `id` and every definition it extends, storing each in `results`.
 * A definition met again while it is still being evaluated closes a cycle: that
 * extend_definition is "not evaluated", as OpenSCAP 1.3.7 reports it, with a message.
 *
 * No result nodes are built: the results of a criteria node's children wait on one shared
 * stack until the node combines them, and each definition keeps its leaf results as a string
 * (see CompactDefinitionResult).
 */
export function evaluateDefinition(evaluation: Evaluation, id: string, results: Map<string, DefinitionResult>): DefinitionResult {
  const done = results.get(id);
  if (done !== undefined) return done;
  const definition = evaluation.definitions.definitions.get(id);
  if (definition === undefined) {
    const missing: DefinitionResult = {
      definitionId: id,
      version: 0,
      variableInstance: 1,
      result: 'error',
      messages: [{ level: 'error', text: `the definition '${id}' is not defined` }],
    };
    return missing;
  }

  const inProgress = new Set<string>();
  const stack: Frame[] = [];
  const values: OvalResult[] = [];
  let last: DefinitionResult | undefined;

  const startDefinition = (target: Definition, parent?: DefinitionFrame['parent']): void => {
    inProgress.add(target.id);
    const frame: DefinitionFrame = { kind: 'definition', definition: target, parent, messages: [], leaves: [] };
    stack.push(frame);
    if (target.criteria === undefined) finishDefinition(frame, undefined);
    else stack.push({ kind: 'criteria', node: target.criteria, next: 0, start: values.length, owner: frame });
  };

  /** Records a leaf's result, negation applied, for the criteria node on top of the stack. */
  const addLeaf = (frame: CriteriaFrame, result: OvalResult): void => {
    values.push(result);
    frame.owner.leaves.push(RESULT_CODES.get(result)!);
  };

  const finishDefinition = (frame: DefinitionFrame, criteriaResult: OvalResult | undefined): void => {
    stack.pop();
    inProgress.delete(frame.definition.id);
    // A definition without criteria is allowed only when deprecated, and OpenSCAP does not evaluate it.
    const result = new CompactDefinitionResult(frame.definition, criteriaResult, frame.leaves.join(''), frame.messages);
    results.set(frame.definition.id, result);
    if (frame.parent !== undefined) addLeaf(frame.parent.frame, negateResult(result.result, frame.parent.leaf.negate));
    last = result;
  };

  startDefinition(definition);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.kind === 'definition') {
      // finishDefinition pops every definition frame as its criteria finish, so none stays on top.
      throw new Error(`the definition frame of '${frame.definition.id}' was left on the stack`);
    }

    if (frame.next >= frame.node.children.length) {
      stack.pop();
      const combined = combineRangeByOperator(frame.node.operator, values, frame.start, values.length);
      values.length = frame.start;
      const result = negateResult(combined, frame.node.negate);
      const below = stack[stack.length - 1]!;
      if (below.kind === 'definition') finishDefinition(below, result);
      else values.push(result);
      continue;
    }

    const child = frame.node.children[frame.next++]!;
    if (child.kind === 'criteria') {
      stack.push({ kind: 'criteria', node: child, next: 0, start: values.length, owner: frame.owner });
    } else if (child.kind === 'criterion') {
      addLeaf(frame, negateResult(testResultOf(evaluation, child, frame.owner), child.negate));
    } else {
      const extended = results.get(child.definitionRef);
      const target = evaluation.definitions.definitions.get(child.definitionRef);
      if (extended !== undefined) {
        addLeaf(frame, negateResult(extended.result, child.negate));
      } else if (target === undefined) {
        const text = `extend_definition refers to the definition '${child.definitionRef}', which is not defined`;
        frame.owner.messages.push({ level: 'error', text });
        evaluation.logOnce('warn', text);
        addLeaf(frame, 'error');
      } else if (inProgress.has(target.id)) {
        const text = `Circular dependency in OVAL definition '${target.id}'.`;
        evaluation.options.logger?.warn(text);
        frame.owner.messages.push({ level: 'error', text });
        addLeaf(frame, 'not evaluated');
      } else {
        startDefinition(target, { frame, leaf: child });
      }
    }
  }
  return results.get(id) ?? last!;
}

/** Returns the result of a criterion's test, before negation; "error", with a message, for an unknown test. */
function testResultOf(evaluation: Evaluation, node: Criterion, owner: DefinitionFrame): OvalResult {
  const test = evaluation.tests.get(node.testRef);
  if (test !== undefined) return test.result;
  const text = `the criterion refers to the test '${node.testRef}', which is not defined`;
  owner.messages.push({ level: 'error', text });
  evaluation.logOnce('warn', text);
  return 'error';
}

/** Builds the result node of a criterion or extend_definition whose result, negation applied, is `result`. */
function leafNode(node: Criterion | ExtendDefinition, result: OvalResult): CriterionResult | ExtendDefinitionResult {
  const common = { variableInstance: 1, negate: node.negate, applicabilityCheck: node.applicabilityCheck, result };
  if (node.kind === 'criterion') return { kind: 'criterion', testRef: node.testRef, ...common };
  return { kind: 'extend_definition', definitionRef: node.definitionRef, ...common };
}

/** A definition's criteria tree with the results of its leaves, negation applied, in document order. */
export interface CompactCriteria {
  root: Criteria;
  /** One character per leaf: the index in RESULTS of its result, plus 48 ('0'). */
  leaves: string;
}

/** Returns the compact form of an evaluation's definition result, or undefined for any other result. */
export function compactCriteriaOf(result: DefinitionResult): CompactCriteria | undefined {
  return result instanceof CompactDefinitionResult ? result.compactCriteria : undefined;
}

/**
 * Returns the results of the criteria nodes of `compact` in document order (the root first),
 * combined from the leaf results as the evaluation combined them.
 */
export function compactNodeResults(compact: CompactCriteria): OvalResult[] {
  const nodeResults: OvalResult[] = [];
  const values: OvalResult[] = [];
  let leaf = 0;
  let nodes = 1;
  const stack: { node: Criteria; next: number; start: number; index: number }[] = [{ node: compact.root, next: 0, start: 0, index: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next >= frame.node.children.length) {
      stack.pop();
      const combined = combineRangeByOperator(frame.node.operator, values, frame.start, values.length);
      values.length = frame.start;
      nodeResults[frame.index] = negateResult(combined, frame.node.negate);
      if (stack.length > 0) values.push(nodeResults[frame.index]!);
      continue;
    }
    const child = frame.node.children[frame.next++]!;
    if (child.kind === 'criteria') stack.push({ node: child, next: 0, start: values.length, index: nodes++ });
    else values.push(leafResultAt(compact, leaf++));
  }
  return nodeResults;
}

/** Returns the result of leaf `index` (in document order) of `compact`. */
export function leafResultAt(compact: CompactCriteria, index: number): OvalResult {
  return RESULTS[compact.leaves.charCodeAt(index) - 48]!;
}

/** The results a criteria leaf can have, each kept as the character of its index. */
const RESULTS: readonly OvalResult[] = ['true', 'false', 'error', 'unknown', 'not evaluated', 'not applicable'];
const RESULT_CODES = new Map(RESULTS.map((result, index) => [result, String.fromCharCode(48 + index)]));

/**
 * A definition result that keeps the results of its criteria leaves (criterion and
 * extend_definition, negation applied) as one character each, in document order. It builds
 * the criteria result tree again each time `criteria` is read, because the results of the
 * criteria nodes follow from their leaves by the operators. A Red Hat feed has some 540,000
 * criteria nodes, whose result objects took about 40 MB for as long as the results were kept.
 */
class CompactDefinitionResult implements DefinitionResult {
  readonly definitionId: string;
  readonly version: number;
  readonly variableInstance = 1;
  readonly result: OvalResult;
  readonly messages: Message[];
  readonly #criteria: Criteria | undefined;
  readonly #leaves: string;

  /** `criteriaResult`: the result of the definition's criteria, undefined when it has none. */
  constructor(definition: Definition, criteriaResult: OvalResult | undefined, leaves: string, messages: Message[]) {
    this.definitionId = definition.id;
    this.version = definition.version;
    this.result = criteriaResult ?? 'not evaluated';
    this.messages = messages;
    this.#criteria = criteriaResult === undefined ? undefined : definition.criteria;
    this.#leaves = leaves;
  }

  /** The definition's criteria and the results of their leaves, for writers that walk the tree themselves. */
  get compactCriteria(): CompactCriteria | undefined {
    return this.#criteria === undefined ? undefined : { root: this.#criteria, leaves: this.#leaves };
  }

  get criteria(): CriteriaResult | undefined {
    return this.#criteria === undefined ? undefined : rebuildCriteria({ root: this.#criteria, leaves: this.#leaves });
  }

  toJSON(): DefinitionResult {
    const { definitionId, version, variableInstance, result, criteria, messages } = this;
    return { definitionId, version, variableInstance, result, criteria, messages };
  }
}

interface RebuildFrame {
  node: Criteria;
  next: number;
  built: CriteriaResult;
}

/**
 * Builds the criteria result tree that `compact` stands for, without recursion. The results of
 * the criteria nodes come from compactNodeResults, in the same document order.
 */
function rebuildCriteria(compact: CompactCriteria): CriteriaResult {
  const nodeResults = compactNodeResults(compact);
  let nodes = 0;
  let leaf = 0;
  const resultOf = (node: Criteria): CriteriaResult => ({
    kind: 'criteria',
    operator: node.operator,
    negate: node.negate,
    applicabilityCheck: node.applicabilityCheck,
    result: nodeResults[nodes++]!,
    children: [],
  });

  const root = resultOf(compact.root);
  const stack: RebuildFrame[] = [{ node: compact.root, next: 0, built: root }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.next >= frame.node.children.length) {
      stack.pop();
      continue;
    }
    const child = frame.node.children[frame.next++]!;
    if (child.kind === 'criteria') {
      const built = resultOf(child);
      frame.built.children.push(built);
      stack.push({ node: child, next: 0, built });
    } else {
      frame.built.children.push(leafNode(child, leafResultAt(compact, leaf++)));
    }
  }
  return root;
}
