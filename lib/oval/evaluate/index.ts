/**
 * The OVAL evaluator: evaluates the definitions of an OVAL document against a target through
 * probes, or against recorded system characteristics (analyse mode), and returns the results.
 */
import type { OvalDefinitions } from '../model.js';
import type { DefinitionResult, OvalResults } from '../results-model.js';
import type { SystemInfo } from '../syschar.js';
import { gatherTests, evaluateDefinition } from './criteria.js';
import { Evaluation, type EvaluateOptions } from './evaluation.js';
import { evaluateTest } from './tests.js';

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
  for (const testId of testIds) await evaluateTest(evaluation, testId);

  const computed = new Map<string, DefinitionResult>();
  const results = new Map<string, DefinitionResult>();
  for (const id of requested) {
    evaluation.checkAborted();
    results.set(id, evaluateDefinition(evaluation, id, computed));
  }

  return { definitions: results, tests: evaluation.tests, systemCharacteristics: evaluation.output };
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
