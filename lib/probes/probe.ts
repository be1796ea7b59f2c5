/**
 * The probe interface. A probe collects the items for one OVAL object type from a target.
 * The registry maps an object type ("rpminfo_object") to its probe; a library user can
 * register probes of their own or replace the built-in ones.
 */
import type { Datatype, Entity, OvalFamily, OvalObject } from '../oval/model.js';
import type { CollectedFlag, Message, ProbeItem } from '../oval/syschar.js';
import type { Target } from '../targets/target.js';

/**
 * An object entity with its variable references resolved: `values` holds the literal value,
 * or every value of the referenced variable. An entity whose variable has no value is
 * never passed to a probe: the collector flags the object instead.
 */
export interface ResolvedEntity extends Omit<Entity, 'value' | 'varRef' | 'fields'> {
  values: string[];
  fields?: ResolvedEntity[];
}

/** An object as a probe receives it: entities resolved, behaviors as written. */
export interface ProbeRequest {
  object: OvalObject;
  entities: ResolvedEntity[];
  behaviors: Record<string, string>;
}

export interface ProbeResult {
  /** The flag for the collected object; the collector derives it from the items when absent. */
  flag?: CollectedFlag;
  items: ProbeItem[];
  messages?: Message[];
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

export interface ProbeContext {
  target: Target;
  logger?: Logger;
  /** Shared per evaluation: a probe may cache what it read (a parsed package database). */
  cache: Map<string, unknown>;
  /** Cancellation of a long evaluation. */
  signal?: AbortSignal;
  /**
   * The values of an OVAL variable by id, or undefined when it has none. Only variable_object
   * needs it; without it that probe flags its objects "not collected".
   */
  variableValues?: (variableId: string) => string[] | undefined;
  /**
   * The schema_version of the definitions document being evaluated ("5.10", "5.11.1"), for
   * probes whose items gained entities in later versions (rpminfo, rpmverifyfile). Absent
   * means the latest version scapula supports, 5.11.2.
   */
  schemaVersion?: string;
  /**
   * Absolute paths (in the target) whose files the file-searching probes leave out, with
   * everything below them: oscap's OSCAP_PROBE_IGNORE_PATHS. Compared by path component.
   */
  ignoredPaths?: readonly string[];
}

/** A probe's behaviour on each kind of target, for `scapula info --probes`. */
export interface ProbeDescription {
  summary: string;
  onImage: string;
  onHost: string;
}

export interface Probe {
  /** The object element name this probe collects, e.g. "textfilecontent54_object". */
  readonly objectType: string;
  readonly family: OvalFamily;
  readonly description: ProbeDescription;
  collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult>;
}

export class ProbeRegistry {
  private readonly probes = new Map<string, Probe>();

  register(probe: Probe): this {
    this.probes.set(registryKey(probe.family, probe.objectType), probe);
    return this;
  }

  get(family: OvalFamily, objectType: string): Probe | undefined {
    return this.probes.get(registryKey(family, objectType));
  }

  list(): Probe[] {
    return [...this.probes.values()].sort((a, b) =>
      registryKey(a.family, a.objectType).localeCompare(registryKey(b.family, b.objectType)),
    );
  }
}

function registryKey(family: OvalFamily, objectType: string): string {
  return `${family}:${objectType}`;
}

export type { Datatype };
