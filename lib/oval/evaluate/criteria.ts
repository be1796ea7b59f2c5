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
import { combineByOperator, negateResult } from './logic.js';

type NodeResult = CriteriaResult | CriterionResult | ExtendDefinitionResult;

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
  children: NodeResult[];
}

interface DefinitionFrame {
  kind: 'definition';
  definition: Definition;
  /** The extend_definition leaf waiting for this definition, if any. */
  parent?: { frame: CriteriaFrame; leaf: CriteriaNode & { kind: 'extend_definition' } };
  messages: Message[];
}

type Frame = CriteriaFrame | DefinitionFrame;

/**
 * Evaluates definition `id` and every definition it extends, storing each in `results`.
 * A definition met again while it is still being evaluated closes a cycle: that
 * extend_definition is "not evaluated", as OpenSCAP 1.3.7 reports it, with a message.
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
  let last: DefinitionResult | undefined;

  const startDefinition = (target: Definition, parent?: DefinitionFrame['parent']): DefinitionResult | undefined => {
    inProgress.add(target.id);
    const frame: DefinitionFrame = { kind: 'definition', definition: target, parent, messages: [] };
    stack.push(frame);
    if (target.criteria === undefined) return finishDefinition(frame, undefined);
    stack.push({ kind: 'criteria', node: target.criteria, next: 0, children: [] });
    return undefined;
  };

  const finishDefinition = (frame: DefinitionFrame, criteria: CriteriaResult | undefined): DefinitionResult => {
    stack.pop();
    inProgress.delete(frame.definition.id);
    // A definition without criteria is allowed only when deprecated, and OpenSCAP does not evaluate it.
    const result = new CompactDefinitionResult(frame.definition, criteria, frame.messages);
    results.set(frame.definition.id, result);
    if (frame.parent !== undefined) frame.parent.frame.children.push(extendResult(frame.parent.leaf, result.result));
    last = result;
    return result;
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
      const criteriaResult = finishCriteria(frame);
      const below = stack[stack.length - 1]!;
      if (below.kind === 'definition') finishDefinition(below, criteriaResult);
      else below.children.push(criteriaResult);
      continue;
    }

    const child = frame.node.children[frame.next++]!;
    if (child.kind === 'criteria') {
      stack.push({ kind: 'criteria', node: child, next: 0, children: [] });
    } else if (child.kind === 'criterion') {
      frame.children.push(criterionResult(evaluation, child, ownerOf(stack)));
    } else {
      const extended = results.get(child.definitionRef);
      const target = evaluation.definitions.definitions.get(child.definitionRef);
      if (extended !== undefined) {
        frame.children.push(extendResult(child, extended.result));
      } else if (target === undefined) {
        const text = `extend_definition refers to the definition '${child.definitionRef}', which is not defined`;
        ownerOf(stack).messages.push({ level: 'error', text });
        evaluation.logOnce('warn', text);
        frame.children.push(extendResult(child, 'error'));
      } else if (inProgress.has(target.id)) {
        const text = `Circular dependency in OVAL definition '${target.id}'.`;
        evaluation.options.logger?.warn(text);
        ownerOf(stack).messages.push({ level: 'error', text });
        frame.children.push(extendResult(child, 'not evaluated'));
      } else {
        startDefinition(target, { frame, leaf: child });
      }
    }
  }
  return results.get(id) ?? last!;
}

function ownerOf(stack: Frame[]): DefinitionFrame {
  for (let k = stack.length - 1; k >= 0; k--) {
    const frame = stack[k]!;
    if (frame.kind === 'definition') return frame;
  }
  throw new Error('a criteria frame has no definition below it');
}

function finishCriteria(frame: CriteriaFrame): CriteriaResult {
  return criteriaResult(frame.node, frame.children);
}

function criterionResult(evaluation: Evaluation, node: CriteriaNode & { kind: 'criterion' }, owner: DefinitionFrame): CriterionResult {
  const test = evaluation.tests.get(node.testRef);
  let result: OvalResult;
  if (test === undefined) {
    const text = `the criterion refers to the test '${node.testRef}', which is not defined`;
    owner.messages.push({ level: 'error', text });
    evaluation.logOnce('warn', text);
    result = 'error';
  } else {
    result = test.result;
  }
  return leafNode(node, negateResult(result, node.negate)) as CriterionResult;
}

function extendResult(node: CriteriaNode & { kind: 'extend_definition' }, result: OvalResult): ExtendDefinitionResult {
  return leafNode(node, negateResult(result, node.negate)) as ExtendDefinitionResult;
}

/** Builds the result node of a criterion or extend_definition whose result, negation applied, is `result`. */
function leafNode(node: Criterion | ExtendDefinition, result: OvalResult): CriterionResult | ExtendDefinitionResult {
  const common = { variableInstance: 1, negate: node.negate, applicabilityCheck: node.applicabilityCheck, result };
  if (node.kind === 'criterion') return { kind: 'criterion', testRef: node.testRef, ...common };
  return { kind: 'extend_definition', definitionRef: node.definitionRef, ...common };
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

  constructor(definition: Definition, criteria: CriteriaResult | undefined, messages: Message[]) {
    this.definitionId = definition.id;
    this.version = definition.version;
    this.result = criteria?.result ?? 'not evaluated';
    this.messages = messages;
    this.#criteria = criteria === undefined ? undefined : definition.criteria;
    this.#leaves = criteria === undefined ? '' : leafCodes(criteria);
  }

  get criteria(): CriteriaResult | undefined {
    return this.#criteria === undefined ? undefined : rebuildCriteria(this.#criteria, this.#leaves);
  }

  toJSON(): DefinitionResult {
    const { definitionId, version, variableInstance, result, criteria, messages } = this;
    return { definitionId, version, variableInstance, result, criteria, messages };
  }
}

/** Encodes the results of a criteria result tree's leaves, in document order, one character each. */
function leafCodes(root: CriteriaResult): string {
  const codes: string[] = [];
  const pending: NodeResult[] = [root];
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (node.kind === 'criteria') {
      for (let index = node.children.length - 1; index >= 0; index--) pending.push(node.children[index]!);
    } else {
      codes.push(RESULT_CODES.get(node.result)!);
    }
  }
  return codes.join('');
}

interface RebuildFrame {
  node: Criteria;
  next: number;
  children: NodeResult[];
}

/** Builds the criteria result tree of `root` from its leaf results, without recursion. */
function rebuildCriteria(root: Criteria, leaves: string): CriteriaResult {
  let leaf = 0;
  const leafResult = (): OvalResult => RESULTS[leaves.charCodeAt(leaf++) - 48]!;
  const stack: RebuildFrame[] = [{ node: root, next: 0, children: [] }];
  while (true) {
    const frame = stack[stack.length - 1]!;
    if (frame.next >= frame.node.children.length) {
      stack.pop();
      const built = criteriaResult(frame.node, frame.children);
      if (stack.length === 0) return built;
      stack[stack.length - 1]!.children.push(built);
      continue;
    }
    const child = frame.node.children[frame.next++]!;
    if (child.kind === 'criteria') {
      stack.push({ node: child, next: 0, children: [] });
    } else {
      frame.children.push(leafNode(child, leafResult()));
    }
  }
}

function criteriaResult(node: Criteria, children: NodeResult[]): CriteriaResult {
  const combined = combineByOperator(node.operator, children.map((child) => child.result));
  return {
    kind: 'criteria',
    operator: node.operator,
    negate: node.negate,
    applicabilityCheck: node.applicabilityCheck,
    result: negateResult(combined, node.negate),
    children,
  };
}
