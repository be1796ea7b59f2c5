/**
 * The system characteristics model: collected objects and their items, as probes produce them
 * and as an oval_system_characteristics document stores them.
 */
import type { XmlNode } from '../xml/tree.js';
import type { Datatype, OvalFamily } from './model.js';

export type ItemStatus = 'exists' | 'does not exist' | 'error' | 'not collected';

/** The flag on a collected object (OVAL's FlagEnumeration). */
export type CollectedFlag =
  | 'error'
  | 'complete'
  | 'incomplete'
  | 'does not exist'
  | 'not collected'
  | 'not applicable';

export type MessageLevel = 'debug' | 'error' | 'fatal' | 'info' | 'warning';

export interface Message {
  level: MessageLevel;
  text: string;
}

/**
 * One entity of an item, such as `<name>openssl</name>`. A multi-valued entity
 * (subexpression, for one) appears once per value, in order.
 */
export interface ItemEntity {
  name: string;
  /** Absent for an entity written as xsi:nil or with status other than "exists". */
  value?: string;
  datatype: Datatype;
  status?: ItemStatus;
  /** The fields of a record entity. */
  fields?: ItemEntity[];
  /** Written as `mask="true"`; the value is then left out of results. */
  mask?: boolean;
}

export interface Item {
  /** Unique within one system characteristics document; assigned by the collector. */
  id: number;
  /** The element name, e.g. "rpminfo_item". */
  type: string;
  family: OvalFamily;
  status: ItemStatus;
  entities: ItemEntity[];
  messages?: Message[];
}

/** An item as a probe returns it, before the collector numbers and deduplicates it. */
export type ProbeItem = Omit<Item, 'id'>;

export interface VariableValue {
  variableId: string;
  value: string;
}

export interface CollectedObject {
  objectId: string;
  version: number;
  variableInstance: number;
  comment?: string;
  flag: CollectedFlag;
  messages: Message[];
  /** Values of the variables the object referred to, as `variable_value` elements report them. */
  variableValues: VariableValue[];
  items: Item[];
}

export interface SystemInfo {
  osName: string;
  osVersion: string;
  architecture: string;
  primaryHostName: string;
  interfaces: { name: string; ipAddress: string; macAddress: string }[];
  /**
   * Elements of other namespaces that follow the interfaces, as the schema's xsd:any allows
   * (asset identification, for one), kept to be written back unchanged.
   */
  extensions?: XmlNode[];
}

export interface SystemCharacteristics {
  systemInfo: SystemInfo;
  /** Keyed by object id; one entry per variable instance in `instances` order. */
  collectedObjects: Map<string, CollectedObject>;
  items: Map<number, Item>;
}
