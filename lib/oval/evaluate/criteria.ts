/**
 * Definition evaluation: criteria trees combined by their operators, criterion and
 * extend_definition leaves, negate. The walk uses an explicit stack, so trees and
 * extend_definition chains of any depth cannot overflow the call stack. Test results
 * must be computed before (see `gatherTests`), because this walk is synchronous.
 */
import type { Criteria, CriteriaNode, Definition } from '../model.js';
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
    const result: DefinitionResult = {
      definitionId: frame.definition.id,
      version: frame.definition.version,
      variableInstance: 1,
      result: criteria?.result ?? 'not evaluated',
      criteria,
      messages: frame.messages,
    };
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
  const combined = combineByOperator(frame.node.operator, frame.children.map((child) => child.result));
  return {
    kind: 'criteria',
    operator: frame.node.operator,
    negate: frame.node.negate,
    applicabilityCheck: frame.node.applicabilityCheck,
    result: negateResult(combined, frame.node.negate),
    // A copy of exact length: an array grown by push keeps room for at least 17 elements, and
    // results keep one array for each of the feed's criteria (193,000 in a Red Hat feed).
    children: frame.children.slice(),
  };
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
  return {
    kind: 'criterion',
    testRef: node.testRef,
    variableInstance: 1,
    negate: node.negate,
    applicabilityCheck: node.applicabilityCheck,
    result: negateResult(result, node.negate),
  };
}

function extendResult(node: CriteriaNode & { kind: 'extend_definition' }, result: OvalResult): ExtendDefinitionResult {
  return {
    kind: 'extend_definition',
    definitionRef: node.definitionRef,
    variableInstance: 1,
    negate: node.negate,
    applicabilityCheck: node.applicabilityCheck,
    result: negateResult(result, node.negate),
  };
}
