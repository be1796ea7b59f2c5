/**
 * OVAL's operations on its datatypes (OVAL 5.11.2 Language Specification, section 5.3.6.3):
 * comparing one collected value with one expected value. Shared by the evaluator (states)
 * and by probes (object entities with operations other than "equals").
 *
 * OWNER: the evaluator work. Signatures are fixed; the bodies are completed there.
 */
import type { Datatype, Operation } from './model.js';
import type { OvalResult } from './results-model.js';

/**
 * Compares `actual` (the collected value) against `expected` (the object's or state's value)
 * with `operation` under `datatype`. Returns 'true', 'false' or 'error' (a value that does not
 * parse as the datatype, an operation the datatype does not allow, an untranslatable pattern).
 */
export function compareValues(operation: Operation, datatype: Datatype, actual: string, expected: string): OvalResult {
  switch (operation) {
    case 'equals':
      return actual === expected ? 'true' : 'false';
    case 'not equal':
      return actual !== expected ? 'true' : 'false';
    default:
      return 'error';
  }
}
