/**
 * What an evaluation produces: a result for every definition and test, with the criteria
 * trees, and the system characteristics they were computed from.
 */
import type { CheckEnumeration, ExistenceEnumeration, LogicalOperator } from './model.js';
import type { Message, SystemCharacteristics } from './syschar.js';

export type OvalResult = 'true' | 'false' | 'error' | 'unknown' | 'not evaluated' | 'not applicable';

export interface CriterionResult {
  kind: 'criterion';
  testRef: string;
  variableInstance: number;
  negate: boolean;
  applicabilityCheck?: boolean;
  /** The result after negate is applied, as OVAL results report it. */
  result: OvalResult;
}

export interface ExtendDefinitionResult {
  kind: 'extend_definition';
  definitionRef: string;
  variableInstance: number;
  negate: boolean;
  applicabilityCheck?: boolean;
  result: OvalResult;
}

export interface CriteriaResult {
  kind: 'criteria';
  operator: LogicalOperator;
  negate: boolean;
  applicabilityCheck?: boolean;
  result: OvalResult;
  children: (CriteriaResult | CriterionResult | ExtendDefinitionResult)[];
}

export interface DefinitionResult {
  definitionId: string;
  version: number;
  variableInstance: number;
  result: OvalResult;
  criteria?: CriteriaResult;
  messages: Message[];
}

export interface TestedItem {
  itemId: number;
  result: OvalResult;
}

export interface TestedVariable {
  variableId: string;
  value: string;
}

export interface TestResult {
  testId: string;
  version: number;
  variableInstance: number;
  check: CheckEnumeration;
  checkExistence: ExistenceEnumeration;
  stateOperator: LogicalOperator;
  result: OvalResult;
  testedItems: TestedItem[];
  testedVariables: TestedVariable[];
  messages: Message[];
}

export interface OvalResults {
  definitions: Map<string, DefinitionResult>;
  tests: Map<string, TestResult>;
  systemCharacteristics: SystemCharacteristics;
}
