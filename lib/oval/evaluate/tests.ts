/**
 * Test evaluation, as the TestType documentation of OVAL 5.11.2 describes it. The collected
 * object's flag and item statuses are checked against check_existence. Then each existing item
 * is compared with the states (combined by state_operator), and the item results combine by check.
 */
import type { OvalState, Test } from '../model.js';
import type { OvalResult, TestedItem, TestedVariable, TestResult } from '../results-model.js';
import type { CollectedObject, Message } from '../syschar.js';
import { collectObject, reportCollected, variableBindings } from './collector.js';
import type { DependencyNode } from './dependencies.js';
import type { Evaluation } from './evaluation.js';
import { combineByCheck, combineByOperator, countStatuses, evaluateExistence } from './logic.js';
import { evaluateState, prepareState } from './state.js';
import { resolveVariable } from './variables.js';

/** Returns the result of test `testId`, evaluating it on first use; undefined when no such test exists. */
export async function evaluateTest(evaluation: Evaluation, testId: string): Promise<TestResult | undefined> {
  const cached = evaluation.tests.get(testId);
  if (cached !== undefined) return cached;
  const test = evaluation.definitions.tests.get(testId);
  if (test === undefined) return undefined;
  evaluation.checkAborted();

  const result = await computeTest(evaluation, test);
  evaluation.tests.set(testId, result);
  return result;
}

/**
 * Shared empty lists for test results. A Red Hat feed has about 180,000 tests, most with no
 * items, variables or messages, and an empty array of their own takes 32 bytes each. They are
 * frozen, so code that tried to add to a shared one would fail at once.
 */
const NO_MESSAGES = Object.freeze([]) as unknown as Message[];
const NO_TESTED_ITEMS = Object.freeze([]) as unknown as TestedItem[];
const NO_TESTED_VARIABLES = Object.freeze([]) as unknown as TestedVariable[];

function emptyResult(test: Test, result: OvalResult, messages: Message[] = NO_MESSAGES): TestResult {
  return new EvaluatedTestResult(test, result, messages);
}

/**
 * A test result that reads its id, version and check attributes from the test. A Red Hat feed
 * has about 180,000 tests, and the five fields fewer per result save about 7 MB of heap.
 */
class EvaluatedTestResult implements TestResult {
  testedItems: TestedItem[] = NO_TESTED_ITEMS;
  testedVariables: TestedVariable[] = NO_TESTED_VARIABLES;
  readonly #test: Test;

  constructor(
    test: Test,
    public result: OvalResult,
    public messages: Message[],
  ) {
    this.#test = test;
  }

  get testId(): string {
    return this.#test.id;
  }

  get version(): number {
    return this.#test.version;
  }

  get variableInstance(): number {
    return 1;
  }

  get check(): Test['check'] {
    return this.#test.check;
  }

  get checkExistence(): Test['checkExistence'] {
    return this.#test.checkExistence;
  }

  get stateOperator(): Test['stateOperator'] {
    return this.#test.stateOperator;
  }

  toJSON(): TestResult {
    const { testId, version, variableInstance, check, checkExistence, stateOperator, result, testedItems, testedVariables, messages } = this;
    return { testId, version, variableInstance, check, checkExistence, stateOperator, result, testedItems, testedVariables, messages };
  }
}

/**
 * Evaluates test `testId` at once, without waiting, when everything it needs is at hand: its
 * object collected and the variables of its states resolved. Returns false when it needs to
 * wait, and the caller then awaits `evaluateTest`. A Red Hat feed has about 180,000 tests whose
 * objects are collected by earlier tests, and the promises of the waiting path cost more than
 * the tests themselves.
 */
export function evaluateTestNow(evaluation: Evaluation, testId: string): boolean {
  if (evaluation.tests.has(testId)) return true;
  const test = evaluation.definitions.tests.get(testId);
  if (test === undefined) return true;
  const collected = test.objectRef === undefined ? undefined : evaluation.collected.get(test.objectRef);
  const states = statesOf(evaluation, test);
  if (!Array.isArray(states)) {
    evaluation.checkAborted();
    evaluation.tests.set(testId, states);
    return true;
  }
  if (collected === undefined || !statesResolved(evaluation, states)) return false;

  evaluation.checkAborted();
  reportCollected(evaluation, collected);
  const result = judgeTest(evaluation, test, states, collected, listTestedVariables(evaluation, collected, states), true);
  // With every variable resolved, the states need no preparation.
  if (result === STATES_NEEDED) throw new Error(`internal error: the states of the test '${test.id}' were not prepared`);
  evaluation.tests.set(testId, result);
  return true;
}

async function computeTest(evaluation: Evaluation, test: Test): Promise<TestResult> {
  const states = statesOf(evaluation, test);
  if (!Array.isArray(states)) return states;

  // Most objects serve several tests, so a collected one is taken without another await.
  const collected = evaluation.collected.get(test.objectRef!) ?? (await collectObject(evaluation, test.objectRef!));
  reportCollected(evaluation, collected);
  const variables = await testedVariables(evaluation, collected, states);
  const result = judgeTest(evaluation, test, states, collected, variables, false);
  if (result !== STATES_NEEDED) return result;
  // The states are prepared only once an item is to be compared with them, so a test that its
  // existence check decides resolves none of their variables.
  for (const state of states) await prepareState(evaluation, state);
  return judgeTest(evaluation, test, states, collected, variables, true) as TestResult;
}

/**
 * Returns the states of `test`, or its result when it cannot be evaluated: it has no object,
 * or refers to an object or state that is not defined.
 */
function statesOf(evaluation: Evaluation, test: Test): OvalState[] | TestResult {
  // A test with no object (unknown_test) cannot be decided.
  if (test.objectRef === undefined) return emptyResult(test, 'unknown');

  if (!evaluation.definitions.objects.has(test.objectRef)) {
    const text = `the test '${test.id}' refers to the object '${test.objectRef}', which is not defined`;
    evaluation.logOnce('warn', text);
    return emptyResult(test, 'error', [{ level: 'error', text }]);
  }
  const states: OvalState[] = [];
  for (const stateRef of test.stateRefs) {
    const state = evaluation.definitions.states.get(stateRef);
    if (state === undefined) {
      const text = `the test '${test.id}' refers to the state '${stateRef}', which is not defined`;
      evaluation.logOnce('warn', text);
      return emptyResult(test, 'error', [{ level: 'error', text }]);
    }
    states.push(state);
  }
  return states;
}

/** Returns whether every variable the states name, in entities and record fields, is resolved. */
function statesResolved(evaluation: Evaluation, states: OvalState[]): boolean {
  for (const state of states) {
    for (const entity of state.entities) {
      if (entity.varRef !== undefined && !evaluation.variables.has(entity.varRef)) return false;
      for (const field of entity.fields ?? []) {
        if (field.varRef !== undefined && !evaluation.variables.has(field.varRef)) return false;
      }
    }
  }
  return true;
}

/** What judgeTest returns when an item must be compared with states that are not prepared yet. */
const STATES_NEEDED = Symbol('states needed');

/**
 * Decides a test from its collected object. Comparing items with the states needs them prepared
 * (`prepareState`): when `statesPrepared` is false and an item must be compared, this returns
 * STATES_NEEDED and has changed nothing.
 */
function judgeTest(
  evaluation: Evaluation,
  test: Test,
  states: OvalState[],
  collected: CollectedObject,
  variables: TestedVariable[],
  statesPrepared: boolean,
): TestResult | typeof STATES_NEEDED {
  const outcome = emptyResult(test, 'unknown');
  outcome.testedVariables = variables;

  const flagResult = resultFromFlag(collected);
  if (flagResult !== undefined) {
    outcome.testedItems = testedItemsOf(collected);
    outcome.result = flagResult;
    return outcome;
  }

  // The deprecated check "none exist" means: no item may exist.
  const existenceClaim = test.check === 'none exist' ? 'none_exist' : test.checkExistence;
  const existence = evaluateExistence(existenceClaim, countStatuses(collected.items.map((item) => item.status)));
  const incomplete = collected.flag === 'incomplete';

  if (existence !== 'true' || states.length === 0 || test.check === 'none exist') {
    outcome.testedItems = testedItemsOf(collected);
    outcome.result = incomplete ? incompleteExistence(existenceClaim, existence, collected) : existence;
    return outcome;
  }

  const testedItems = testedItemsOf(collected);
  const itemResults: OvalResult[] = [];
  for (let k = 0; k < collected.items.length; k++) {
    const item = collected.items[k]!;
    if (item.status === 'does not exist' || item.status === 'not collected') continue;
    let itemResult: OvalResult;
    if (item.status === 'error') {
      itemResult = 'error';
    } else {
      if (!statesPrepared) return STATES_NEEDED;
      const stateResults: OvalResult[] = [];
      for (const state of states) {
        const stateOutcome = evaluateState(evaluation, state, item);
        stateResults.push(stateOutcome.result);
      }
      itemResult = combineByOperator(test.stateOperator, stateResults);
    }
    testedItems[k]!.result = itemResult;
    itemResults.push(itemResult);
  }
  outcome.testedItems = testedItems;

  // Items exist as claimed but none could be compared, so the existence result is kept.
  if (itemResults.length === 0) {
    outcome.result = incomplete ? 'unknown' : 'true';
    return outcome;
  }
  const checked = combineByCheck(test.check, itemResults);
  outcome.result = incomplete ? incompleteCheck(test, checked, itemResults) : checked;
  return outcome;
}

/** Lists the object's items as tested items, each "not evaluated" until compared. */
function testedItemsOf(collected: CollectedObject): TestedItem[] {
  if (collected.items.length === 0) return NO_TESTED_ITEMS;
  return collected.items.map((item): TestedItem => ({ itemId: item.id, result: 'not evaluated' }));
}

function resultFromFlag(collected: CollectedObject): OvalResult | undefined {
  switch (collected.flag) {
    case 'error':
      return 'error';
    case 'not collected':
      return 'unknown';
    case 'not applicable':
      return 'not applicable';
    default:
      return undefined;
  }
}

/** Keeps, for an incomplete object, only a result that more items could not change; the rest becomes unknown. */
function incompleteExistence(claim: Test['checkExistence'], existence: OvalResult, collected: CollectedObject): OvalResult {
  const exists = collected.items.filter((item) => item.status === 'exists').length;
  switch (claim) {
    case 'at_least_one_exists':
      return exists > 0 ? existence : 'unknown';
    case 'none_exist':
    case 'only_one_exists':
      return existence === 'false' && exists > 0 ? 'false' : 'unknown';
    case 'all_exist':
      return existence === 'false' ? 'false' : 'unknown';
    case 'any_exist':
      return existence;
  }
}

function incompleteCheck(test: Test, checked: OvalResult, itemResults: OvalResult[]): OvalResult {
  const trueCount = itemResults.filter((result) => result === 'true').length;
  switch (test.check) {
    case 'at least one':
      return checked === 'true' ? 'true' : 'unknown';
    case 'all':
      return checked === 'false' ? 'false' : 'unknown';
    case 'only one':
      return trueCount > 1 ? 'false' : 'unknown';
    case 'none satisfy':
    case 'none exist':
      return checked === 'false' ? 'false' : 'unknown';
  }
}

/**
 * Lists the variable values a test used: those its object was collected with, then those of
 * its states, whether or not any item reached the states (OpenSCAP 1.3.7 reports them so).
 */
async function testedVariables(evaluation: Evaluation, collected: CollectedObject, states: OvalState[]): Promise<TestedVariable[]> {
  for (const state of states) {
    for (const entity of state.entities) {
      if (entity.varRef !== undefined) await resolveVariable(evaluation, entity.varRef);
    }
  }
  return listTestedVariables(evaluation, collected, states);
}

/** Lists the tested variables once the variables of the states are resolved. */
function listTestedVariables(evaluation: Evaluation, collected: CollectedObject, states: OvalState[]): TestedVariable[] {
  const roots: DependencyNode[] = [];
  for (const state of states) {
    for (const entity of state.entities) {
      if (entity.varRef !== undefined) roots.push({ kind: 'variable', id: entity.varRef });
    }
  }
  // Most tests use no variable: this skips the sets and arrays of the general walk below.
  if (roots.length === 0 && collected.variableValues.length <= 1) {
    if (collected.variableValues.length === 0) return NO_TESTED_VARIABLES;
    return collected.variableValues.map((variable) => ({ variableId: variable.variableId, value: variable.value }));
  }

  const seen = new Set<string>();
  const variables: TestedVariable[] = [];
  for (const variable of [...collected.variableValues, ...variableBindings(evaluation, roots)]) {
    const key = `${variable.variableId}\u0000${variable.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    variables.push({ variableId: variable.variableId, value: variable.value });
  }
  return variables;
}
