/**
 * The state of one evaluation: the document, the options, and what has been computed so far
 * (variable values, collected objects, test results), so that each is computed once.
 */
import { ScapulaError } from '../../errors.js';
import type { Logger, ProbeRegistry, ProbeResult } from '../../probes/probe.js';
import type { Target } from '../../targets/target.js';
import type { OvalDefinitions } from '../model.js';
import type { TestResult } from '../results-model.js';
import type { CollectedObject, Item, ItemEntity, ProbeItem, SystemCharacteristics, SystemInfo } from '../syschar.js';

export interface ExternalVariableValue {
  datatype?: string;
  values: string[];
}

export interface EvaluateOptions {
  /** The probes; may be absent in analyse mode (`systemCharacteristics` given). */
  registry?: ProbeRegistry;
  /** The system the probes read. */
  target?: Target;
  /** Analyse mode: the collected objects to evaluate against; no probe runs. */
  systemCharacteristics?: SystemCharacteristics;
  externalVariables?: Map<string, ExternalVariableValue>;
  /** Evaluate only these definitions (and what they extend); only they appear in the results. */
  definitionIds?: string[];
  logger?: Logger;
  signal?: AbortSignal;
  /** Paths whose files the probes leave out; see ProbeContext.ignoredPaths. */
  ignoredPaths?: readonly string[];
}

/** The values of a variable, or why it has none. */
export interface VariableValues {
  values: string[];
  error?: string;
  /** Why the variable has fewer values than expected, when that is not an error. */
  warning?: string;
  /**
   * True when the values derive from an object that does not exist (through object_component):
   * a count of its items is 0, yet a variable_object on the variable finds no item, as in
   * OpenSCAP 1.3.7.
   */
  doesNotExist?: boolean;
}

/**
 * The maximum number of probe result items kept for reuse, over all kept results. An item of the file probe
 * takes about 2 KB, so the limit is some 100 MB (an estimate).
 */
const PROBE_RESULT_ITEM_LIMIT = 50_000;

export class Evaluation {
  readonly variables = new Map<string, VariableValues>();
  /** Variables being resolved, to detect a variable that refers to itself. */
  readonly resolvingVariables = new Set<string>();
  readonly collected = new Map<string, CollectedObject>();
  /** Objects being collected, to detect an object that depends on itself through a variable. */
  readonly collectingObjects = new Set<string>();
  /** True while prepareDependencies computes what a variable or object needs, deepest first. */
  preparingDependencies = false;
  readonly tests = new Map<string, TestResult>();
  readonly output: SystemCharacteristics;
  readonly probeCache = new Map<string, unknown>();
  /** Probe results by the request that produced them (see probeResultKey in the collector). */
  readonly probeResults = new Map<string, ProbeResult>();
  private probeResultItems = 0;
  /** Every numbered item, by the key itemKey builds from its content. */
  private readonly itemsByKey = new Map<string, Item>();
  private readonly itemsByObject = new WeakMap<ProbeItem, Item>();
  private nextItemId = 1;

  constructor(
    readonly definitions: OvalDefinitions,
    readonly options: EvaluateOptions,
    systemInfo: SystemInfo,
  ) {
    const input = options.systemCharacteristics;
    this.output = input ?? { systemInfo, collectedObjects: new Map(), items: new Map() };
  }

  /** Keeps a probe result for later requests, within a bound on the items kept. */
  keepProbeResult(key: string, result: ProbeResult): void {
    if (this.probeResultItems + result.items.length > PROBE_RESULT_ITEM_LIMIT) {
      this.probeResults.clear();
      this.probeResultItems = 0;
    }
    this.probeResults.set(key, result);
    this.probeResultItems += result.items.length;
  }

  get analyseMode(): boolean {
    return this.options.systemCharacteristics !== undefined;
  }

  private readonly logged = new Set<string>();

  /** Logs a message once per evaluation, so a fault repeated on many items is reported once. */
  logOnce(level: 'debug' | 'warn', text: string): void {
    const logger = this.options.logger;
    if (logger === undefined || this.logged.has(text)) return;
    this.logged.add(text);
    if (level === 'warn') logger.warn(text);
    else logger.debug(text);
  }

  /** Throws an INTERRUPTED error once the caller has aborted the evaluation. */
  checkAborted(): void {
    if (this.options.signal?.aborted) throw new ScapulaError('INTERRUPTED', 'the evaluation was cancelled');
  }

  /**
   * Numbers a probe's item and adds it to the system characteristics, or returns the earlier
   * item when an identical one was collected, as OpenSCAP reports identical items once.
   */
  addItem(item: ProbeItem | Item): Item {
    // A probe may hand out one item object again (the file probe does for a file seen before):
    // it is known without building its key.
    const known = this.itemsByObject.get(item);
    if (known !== undefined) return known;
    const key = itemKey(item);
    let numbered = this.itemsByKey.get(key);
    if (numbered === undefined) {
      const { id: _unused, ...content } = item as Item;
      numbered = { id: this.nextItemId++, ...content };
      this.itemsByKey.set(key, numbered);
      this.output.items.set(numbered.id, numbered);
    }
    this.itemsByObject.set(item, numbered);
    return numbered;
  }
}

/**
 * Builds a key that is equal for two items exactly when their type, family, status, entities
 * and messages are. Values carry their length, so a value cannot imitate a separator.
 */
function itemKey(item: ProbeItem): string {
  let key = `${item.type}\u0000${item.family}\u0000${item.status}`;
  key = appendEntities(key, item.entities);
  if (item.messages !== undefined && item.messages.length > 0) key += `\u0000m${JSON.stringify(item.messages)}`;
  return key;
}

function appendEntities(key: string, entities: readonly ItemEntity[]): string {
  for (const entity of entities) {
    key += `\u0000${entity.name}\u0000${entity.datatype}\u0000${entity.status ?? ''}\u0000${entity.mask === true ? 1 : 0}`;
    key += entity.value === undefined ? '\u0000-' : `\u0000${entity.value.length}:${entity.value}`;
    if (entity.fields !== undefined) key = `${appendEntities(`${key}\u0000{`, entity.fields)}\u0000}`;
  }
  return key;
}
