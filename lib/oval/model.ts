/**
 * The OVAL definitions model: what the parser produces from an oval_definitions document and
 * the evaluator consumes. Object, state and item entities are kept in a generic typed form
 * (name, operation, datatype, value) because OVAL defines hundreds of entity names across its
 * families; the object, test and state kinds themselves are discriminated by `type`.
 */

export type OvalFamily =
  | 'independent'
  | 'unix'
  | 'linux'
  | 'windows'
  | 'macos'
  | 'solaris'
  | 'aix'
  | 'hpux'
  | 'freebsd'
  | 'android'
  | 'apple_ios'
  | 'asa'
  | 'catos'
  | 'esx'
  | 'ios'
  | 'iosxe'
  | 'junos'
  | 'netconf'
  | 'pixos'
  | 'sharepoint'
  | 'unknown';

export type Datatype =
  | 'binary'
  | 'boolean'
  | 'evr_string'
  | 'debian_evr_string'
  | 'fileset_revision'
  | 'float'
  | 'ios_version'
  | 'int'
  | 'ipv4_address'
  | 'ipv6_address'
  | 'string'
  | 'version'
  | 'record';

export type Operation =
  | 'equals'
  | 'not equal'
  | 'case insensitive equals'
  | 'case insensitive not equal'
  | 'greater than'
  | 'less than'
  | 'greater than or equal'
  | 'less than or equal'
  | 'bitwise and'
  | 'bitwise or'
  | 'pattern match'
  | 'subset of'
  | 'superset of';

export type LogicalOperator = 'AND' | 'ONE' | 'OR' | 'XOR';

/** The `check` and `var_check` / `entity_check` enumeration. */
export type CheckEnumeration = 'all' | 'at least one' | 'none exist' | 'none satisfy' | 'only one';

export type ExistenceEnumeration =
  | 'all_exist'
  | 'any_exist'
  | 'at_least_one_exists'
  | 'none_exist'
  | 'only_one_exists';

export type DefinitionClass = 'compliance' | 'inventory' | 'miscellaneous' | 'patch' | 'vulnerability';

export interface Position {
  line: number;
  column: number;
}

export interface Generator {
  productName?: string;
  productVersion?: string;
  schemaVersion: string;
  /** The schema_version elements with a platform attribute: the version of one component schema. */
  platformSchemaVersions?: PlatformSchemaVersion[];
  timestamp: string;
}

/** A generator's `<oval:schema_version platform="...#unix">5.11.1:1.0</oval:schema_version>`. */
export interface PlatformSchemaVersion {
  platform: string;
  version: string;
}

export interface Reference {
  source: string;
  refId: string;
  refUrl?: string;
}

export interface Affected {
  family: string;
  platforms: string[];
  products: string[];
}

export interface DefinitionMetadata {
  title: string;
  description: string;
  affected: Affected[];
  references: Reference[];
}

export interface Definition {
  id: string;
  version: number;
  class: DefinitionClass;
  deprecated: boolean;
  variableInstance?: number;
  metadata: DefinitionMetadata;
  /** Absent only for a definition with no criteria (allowed when deprecated). */
  criteria?: Criteria;
  position: Position;
}

export interface Criteria {
  kind: 'criteria';
  operator: LogicalOperator;
  negate: boolean;
  applicabilityCheck?: boolean;
  comment?: string;
  children: CriteriaNode[];
}

export interface Criterion {
  kind: 'criterion';
  testRef: string;
  negate: boolean;
  applicabilityCheck?: boolean;
  comment?: string;
}

export interface ExtendDefinition {
  kind: 'extend_definition';
  definitionRef: string;
  negate: boolean;
  applicabilityCheck?: boolean;
  comment?: string;
}

export type CriteriaNode = Criteria | Criterion | ExtendDefinition;

export interface Test {
  id: string;
  version: number;
  /** The element name, e.g. "rpminfo_test". */
  type: string;
  family: OvalFamily;
  /** The namespace URI of the element, kept for writing results. */
  namespace: string;
  comment: string;
  deprecated: boolean;
  check: CheckEnumeration;
  checkExistence: ExistenceEnumeration;
  stateOperator: LogicalOperator;
  /** Absent for tests that take no object (unknown_test). */
  objectRef?: string;
  stateRefs: string[];
  variableInstance?: number;
  position: Position;
}

/**
 * One entity of an object or state, such as `<name operation="pattern match">^openssl</name>`.
 * `value` is the element's text (absent when the element is empty or xsi:nil).
 */
export interface Entity {
  name: string;
  datatype: Datatype;
  operation: Operation;
  value?: string;
  varRef?: string;
  varCheck?: CheckEnumeration;
  /** States only: how the entity applies to the several values of a multi-valued item entity. */
  entityCheck?: CheckEnumeration;
  /** States only: how many item entities must exist (default at_least_one_exists). */
  checkExistence?: ExistenceEnumeration;
  nil: boolean;
  mask: boolean;
  /** The fields of a record entity (datatype "record"), each with its own name, datatype and operation. */
  fields?: Entity[];
  position: Position;
}

export interface Filter {
  action: 'include' | 'exclude';
  stateRef: string;
}

export type SetOperator = 'COMPLEMENT' | 'INTERSECTION' | 'UNION';

export interface ObjectSet {
  operator: SetOperator;
  /** Either nested sets or object references, as the schema allows one or the other. */
  sets: ObjectSet[];
  objectRefs: string[];
  filters: Filter[];
}

export interface OvalObject {
  id: string;
  version: number;
  /** The element name, e.g. "textfilecontent54_object". */
  type: string;
  family: OvalFamily;
  namespace: string;
  comment?: string;
  deprecated: boolean;
  /** Attributes of the `behaviors` element, as written. */
  behaviors?: Record<string, string>;
  entities: Entity[];
  /** An object defined by set operations on other objects instead of entities. */
  set?: ObjectSet;
  filters: Filter[];
  variableInstance?: number;
  position: Position;
}

export interface OvalState {
  id: string;
  version: number;
  type: string;
  family: OvalFamily;
  namespace: string;
  comment?: string;
  deprecated: boolean;
  operator: LogicalOperator;
  entities: Entity[];
  position: Position;
}

export type ArithmeticOperation = 'add' | 'multiply';

export type DateTimeFormat =
  | 'year_month_day'
  | 'month_day_year'
  | 'day_month_year'
  | 'win_filetime'
  | 'seconds_since_epoch'
  | 'cim_datetime';

export type Component =
  | { kind: 'literal_component'; datatype: Datatype; value: string }
  | { kind: 'object_component'; objectRef: string; itemField: string; recordField?: string }
  | { kind: 'variable_component'; varRef: string }
  | { kind: 'arithmetic'; operation: ArithmeticOperation; components: Component[] }
  | { kind: 'begin'; character: string; component: Component }
  | { kind: 'end'; character: string; component: Component }
  | { kind: 'concat'; components: Component[] }
  | { kind: 'count'; components: Component[] }
  | { kind: 'escape_regex'; component: Component }
  | { kind: 'glob_to_regex'; globSkipBackslash: boolean; component: Component }
  | { kind: 'regex_capture'; pattern: string; component: Component }
  | { kind: 'split'; delimiter: string; component: Component }
  | { kind: 'substring'; start: number; length: number; component: Component }
  | {
      kind: 'time_difference';
      format1: DateTimeFormat;
      format2: DateTimeFormat;
      components: Component[];
    }
  | { kind: 'unique'; components: Component[] };

export interface PossibleValue {
  hint: string;
  value: string;
}

export interface PossibleRestriction {
  hint: string;
  operator: LogicalOperator;
  restrictions: { operation: Operation; value: string }[];
}

interface VariableBase {
  id: string;
  version: number;
  datatype: Datatype;
  comment: string;
  deprecated: boolean;
  position: Position;
}

export interface ConstantVariable extends VariableBase {
  kind: 'constant_variable';
  values: string[];
}

export interface ExternalVariable extends VariableBase {
  kind: 'external_variable';
  possibleValues: PossibleValue[];
  possibleRestrictions: PossibleRestriction[];
}

export interface LocalVariable extends VariableBase {
  kind: 'local_variable';
  component: Component;
}

export type Variable = ConstantVariable | ExternalVariable | LocalVariable;

/** The place of the oval_definitions element in its source, so results can copy it through. */
export interface SourceSpan {
  /** Byte offset of `<` of the oval_definitions start tag in the decompressed source. */
  start: number;
  /** Byte offset just past the `>` of its end tag. */
  end: number;
}

export interface OvalDefinitions {
  /** The file the document was read from, for messages. */
  file: string;
  generator: Generator;
  definitions: Map<string, Definition>;
  tests: Map<string, Test>;
  objects: Map<string, OvalObject>;
  states: Map<string, OvalState>;
  variables: Map<string, Variable>;
  /** Namespace prefixes declared on the root element, prefix to URI, for copying through. */
  namespaces: Record<string, string>;
  span?: SourceSpan;
}
