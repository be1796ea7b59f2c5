/**
 * The OVAL evaluator: evaluates the definitions of an OVAL document against a target through
 * probes, or against recorded system characteristics (analyse mode), and returns the results.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { OvalDefinitions } from '../model.js';
import type { DefinitionResult, OvalResults } from '../results-model.js';
import type { SystemInfo } from '../syschar.js';
import { gatherTests, evaluateDefinition } from './criteria.js';
import { Evaluation, type EvaluateOptions } from './evaluation.js';
import { evaluateTest, evaluateTestNow } from './tests.js';

export type { EvaluateOptions, ExternalVariableValue } from './evaluation.js';
export { entityMatches } from './collector.js';

/**
 * Evaluates `definitions`: every definition, or only `options.definitionIds` and what they
 * extend. A document without definitions (as `oval collect` builds) has each of its tests
 * evaluated, so that every object they name is collected.
 */
export async function evaluateOval(definitions: OvalDefinitions, options: EvaluateOptions = {}): Promise<OvalResults> {
  const evaluation = new Evaluation(definitions, options, await systemInfo(options));

  const requested = options.definitionIds ?? [...definitions.definitions.keys()];
  const needed = gatherTests(evaluation, requested);
  const testIds = definitions.definitions.size === 0 ? [...definitions.tests.keys()] : needed.tests;

  // Tests first, one at a time, so probes run in a predictable order and each object once.
  for (const [index, testId] of testIds.entries()) {
    if (index % TESTS_PER_TURN === TESTS_PER_TURN - 1) await yieldToSignals(evaluation);
    if (!evaluateTestNow(evaluation, testId)) await evaluateTest(evaluation, testId);
  }

  const computed = new Map<string, DefinitionResult>();
  const results = new Map<string, DefinitionResult>();
  for (const id of requested) {
    evaluation.checkAborted();
    results.set(id, evaluateDefinition(evaluation, id, computed));
  }

  return { definitions: results, tests: evaluation.tests, systemCharacteristics: evaluation.output };
}

/**
 * How many tests run between two turns of the event loop. Probes that read cached data resolve
 * without one, and SIGINT and SIGTERM handlers run only on a turn of the event loop.
 */
const TESTS_PER_TURN = 1000;

/** Lets pending timers and signal handlers run, then stops if they aborted the evaluation. */
async function yieldToSignals(evaluation: Evaluation): Promise<void> {
  await nextTurn();
  evaluation.checkAborted();
}

async function systemInfo(options: EvaluateOptions): Promise<SystemInfo> {
  if (options.systemCharacteristics !== undefined) return options.systemCharacteristics.systemInfo;
  if (options.target !== undefined) {
    const facts = await options.target.facts();
    return {
      osName: facts.osName,
      osVersion: facts.osVersion,
      architecture: facts.architecture,
      primaryHostName: facts.primaryHostName,
      interfaces: facts.interfaces,
    };
  }
  return { osName: '', osVersion: '', architecture: '', primaryHostName: '', interfaces: [] };
}
