/**
 * Writes system characteristics as an oval_system_characteristics element, standalone (what
 * `oval collect --syschar` produces) or inside a results document. Items are written in the
 * namespace of their family with OpenSCAP's prefixes (`ind-sys`, `unix-sys`, `lin-sys`, …):
 *
 *   <lin-sys:dpkginfo_item id="3" status="exists">
 *     <lin-sys:name>gzip</lin-sys:name>
 *     <lin-sys:evr datatype="debian_evr_string">0:1.12-1</lin-sys:evr>
 *   </lin-sys:dpkginfo_item>
 */
import type { Writable } from 'node:stream';

import { OVAL_COMMON_NS, OVAL_SYSCHAR_NS, XSI_NS } from '../xml/namespaces.js';
import type { XmlNode } from '../xml/tree.js';
import { XmlWriter, timestampNow, type Attributes } from '../xml/writer.js';
import type { Generator, OvalDefinitions, OvalFamily } from './model.js';
import type { CollectedObject, Item, ItemEntity, Message, SystemCharacteristics } from './syschar.js';

/** The schema version written in generators; the output validates against OVAL 5.11.2. */
export const WRITTEN_SCHEMA_VERSION = '5.11.2';

const FAMILY_PREFIXES: Partial<Record<OvalFamily, string>> = {
  independent: 'ind',
  unix: 'unix',
  linux: 'lin',
  windows: 'win',
  macos: 'macos',
};

/** File names of the component schemas, for xsi:schemaLocation. */
const FAMILY_SCHEMA_FILES: Partial<Record<OvalFamily, string>> = { apple_ios: 'apple-ios' };

export interface SyscharWriterOptions {
  systemCharacteristics: SystemCharacteristics;
  /** The definitions evaluated; accepted for symmetry with the results writer and not needed. */
  definitions?: OvalDefinitions;
  generator?: Partial<Generator>;
}

export interface SyscharElementOptions {
  generator?: Partial<Generator>;
  /** Declare xsi on this element (a standalone document) instead of relying on an enclosing one. */
  standalone: boolean;
  /** Write only these collected objects and the items they refer to; all when undefined. */
  objectIds?: ReadonlySet<string>;
  /** Leave out collected_objects and system_data, as `--without-syschar` results do. */
  systemInfoOnly?: boolean;
}

/** Writes a standalone oval_system_characteristics document to `out`, which stays open. */
export async function writeSystemCharacteristics(out: Writable, options: SyscharWriterOptions): Promise<void> {
  const writer = new XmlWriter(out);
  writer.raw('<?xml version="1.0" encoding="UTF-8"?>');
  await writeSyscharElement(writer, options.systemCharacteristics, { generator: options.generator, standalone: true });
  writer.raw('\n');
  await writer.flush();
}

export async function writeSyscharElement(writer: XmlWriter, sc: SystemCharacteristics, options: SyscharElementOptions): Promise<void> {
  // OpenSCAP 1.3.7 writes collected objects in ascending order of id, and items in descending
  // order of their id compared as text.
  const objects = [...sc.collectedObjects.values()]
    .filter((object) => options.objectIds === undefined || options.objectIds.has(object.objectId))
    .sort((a, b) => compareText(a.objectId, b.objectId));
  const items = options.systemInfoOnly ? [] : itemsOf(sc, objects, options.objectIds === undefined);
  const families = familiesOf(items);

  writer.start('oval_system_characteristics', rootAttributes(families, options.standalone));
  writeGenerator(writer, options.generator);
  writeSystemInfo(writer, sc);
  if (!options.systemInfoOnly && objects.length > 0) {
    writer.start('collected_objects');
    for (const object of objects) {
      writeCollectedObject(writer, object);
      await writer.drain();
    }
    writer.end('collected_objects');
  }
  if (items.length > 0) {
    writer.start('system_data');
    for (const item of items) {
      writeItem(writer, item);
      await writer.drain();
    }
    writer.end('system_data');
  }
  writer.end('oval_system_characteristics');
}

/** Returns the items to write: every item, or those the written objects refer to. */
function itemsOf(sc: SystemCharacteristics, objects: CollectedObject[], everything: boolean): Item[] {
  const byId = new Map<number, Item>();
  if (everything) {
    for (const item of sc.items.values()) byId.set(item.id, item);
  } else {
    for (const object of objects) for (const item of object.items) byId.set(item.id, item);
  }
  return [...byId.values()].sort((a, b) => compareText(String(b.id), String(a.id)));
}

/** Compares strings by UTF-16 code unit, which for the ASCII ids of OVAL is OpenSCAP's byte order. */
export function compareText(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

function familiesOf(items: Item[]): OvalFamily[] {
  const families = new Set<OvalFamily>(['independent', 'unix', 'linux']);
  for (const item of items) families.add(item.family);
  return [...families];
}

export function prefixOf(family: OvalFamily): string {
  return `${FAMILY_PREFIXES[family] ?? family}-sys`;
}

function rootAttributes(families: OvalFamily[], standalone: boolean): Attributes {
  const attributes: Attributes = [];
  if (standalone) attributes.push(['xmlns:xsi', XSI_NS]);
  attributes.push(['xmlns:oval', OVAL_COMMON_NS]);
  for (const family of families) attributes.push([`xmlns:${prefixOf(family)}`, `${OVAL_SYSCHAR_NS}#${family}`]);
  attributes.push(['xmlns', OVAL_SYSCHAR_NS]);
  const locations = [`${OVAL_SYSCHAR_NS} oval-system-characteristics-schema.xsd`];
  for (const family of families) {
    if (family === 'unknown') continue;
    const file = FAMILY_SCHEMA_FILES[family] ?? family;
    locations.push(`${OVAL_SYSCHAR_NS}#${family} ${file}-system-characteristics-schema.xsd`);
  }
  locations.push(`${OVAL_COMMON_NS} oval-common-schema.xsd`);
  attributes.push(['xsi:schemaLocation', locations.join(' ')]);
  return attributes;
}

/** Writes a generator in the common namespace, which the enclosing element binds to `oval`. */
export function writeGenerator(writer: XmlWriter, generator: Partial<Generator> = {}): void {
  writer.start('generator');
  writer.element('oval:product_name', [], generator.productName ?? 'scapula');
  if (generator.productVersion !== undefined) writer.element('oval:product_version', [], generator.productVersion);
  writer.element('oval:schema_version', [], generator.schemaVersion ?? WRITTEN_SCHEMA_VERSION);
  for (const { platform, version } of generator.platformSchemaVersions ?? []) {
    writer.element('oval:schema_version', [['platform', platform]], version);
  }
  writer.element('oval:timestamp', [], generator.timestamp ?? timestampNow());
  writer.end('generator');
}

function writeSystemInfo(writer: XmlWriter, sc: SystemCharacteristics): void {
  const info = sc.systemInfo;
  writer.start('system_info');
  writer.element('os_name', [], info.osName);
  writer.element('os_version', [], info.osVersion);
  // A target whose architecture could not be read (a root folder without an ELF /bin/sh, for
  // one) gets oscap's spelling, which oscap 1.3.7 writes for every offline root.
  writer.element('architecture', [], info.architecture === 'unknown' ? 'Unknown' : info.architecture);
  writer.element('primary_host_name', [], info.primaryHostName);
  writer.start('interfaces');
  for (const entry of info.interfaces) {
    writer.start('interface');
    writer.element('interface_name', [], entry.name);
    writer.element('ip_address', [], entry.ipAddress);
    writer.element('mac_address', [], entry.macAddress);
    writer.end('interface');
  }
  writer.end('interfaces');
  const scope = new Map([['', OVAL_SYSCHAR_NS]]);
  for (const extension of info.extensions ?? []) writeExtension(writer, extension, scope);
  writer.end('system_info');
}

/**
 * Writes an element of another namespace with the prefixes of its source, declaring each
 * namespace where `scope` (prefix to URI, as the output has declared them so far) lacks it.
 * Text between child elements was not kept, so mixed content loses it.
 */
function writeExtension(writer: XmlWriter, node: XmlNode, scope: ReadonlyMap<string, string>): void {
  const declarations: Attributes = [];
  const inner = new Map(scope);
  const declare = (prefix: string, uri: string): void => {
    if (inner.get(prefix) === uri) return;
    inner.set(prefix, uri);
    declarations.push([prefix === '' ? 'xmlns' : `xmlns:${prefix}`, uri]);
  };
  declare(node.prefix, node.ns);

  const attributes: Attributes = [];
  for (const [name, value] of Object.entries(node.attributes)) {
    // Attributes in a namespace arrive as `xsi:local` or `{uri}local`.
    const qualified = /^\{(.*)\}(.+)$/.exec(name);
    if (name.startsWith('xsi:')) {
      declare('xsi', XSI_NS);
      attributes.push([name, value]);
    } else if (qualified !== null) {
      let counter = 1;
      while (inner.has(`ns${counter}`) && inner.get(`ns${counter}`) !== qualified[1]) counter++;
      const prefix = `ns${counter}`;
      declare(prefix, qualified[1]!);
      attributes.push([`${prefix}:${qualified[2]}`, value]);
    } else {
      attributes.push([name, value]);
    }
  }

  const name = node.prefix === '' ? node.name : `${node.prefix}:${node.name}`;
  if (node.children.length === 0) {
    writer.element(name, [...declarations, ...attributes], node.text);
    return;
  }
  writer.start(name, [...declarations, ...attributes]);
  for (const child of node.children) writeExtension(writer, child, inner);
  writer.end(name);
}

function writeCollectedObject(writer: XmlWriter, object: CollectedObject): void {
  const attributes: Attributes = [
    ['id', object.objectId],
    ['version', object.version],
    ['variable_instance', object.variableInstance === 1 ? undefined : object.variableInstance],
    ['comment', object.comment],
    ['flag', object.flag],
  ];
  const empty = object.messages.length === 0 && object.variableValues.length === 0 && object.items.length === 0;
  writer.start('object', attributes, empty);
  if (empty) return;
  writeMessages(writer, object.messages, 'message');
  for (const value of object.variableValues) writer.element('variable_value', [['variable_id', value.variableId]], value.value);
  for (const item of object.items) writer.start('reference', [['item_ref', item.id]], true);
  writer.end('object');
}

export function writeMessages(writer: XmlWriter, messages: readonly Message[], name: string): void {
  for (const message of messages) writer.element(name, [['level', message.level]], message.text);
}

function writeItem(writer: XmlWriter, item: Item): void {
  const prefix = prefixOf(item.family);
  const name = `${prefix}:${item.type}`;
  const attributes: Attributes = [
    ['id', item.id],
    ['status', item.status],
  ];
  const messages = item.messages ?? [];
  if (messages.length === 0 && item.entities.length === 0) {
    writer.start(name, attributes, true);
    return;
  }
  writer.start(name, attributes);
  writeMessages(writer, messages, 'message');
  for (const entity of item.entities) writeItemEntity(writer, `${prefix}:${entity.name}`, entity, []);
  writer.end(name);
}

function writeItemEntity(writer: XmlWriter, name: string, entity: ItemEntity, leading: Attributes): void {
  const attributes: Attributes = [
    ...leading,
    ['datatype', entity.datatype === 'string' ? undefined : entity.datatype],
    ['mask', entity.mask ? 'true' : undefined],
    ['status', entity.status === undefined || entity.status === 'exists' ? undefined : entity.status],
  ];
  if (entity.datatype === 'record') {
    const fields = entity.fields ?? [];
    writer.start(name, attributes, fields.length === 0);
    if (fields.length === 0) return;
    for (const field of fields) writeItemEntity(writer, 'field', field, [['name', field.name]]);
    writer.end(name);
    return;
  }
  // A masked value is not written, and only the mask attribute shows that there was one. A missing
  // value is written as an empty element, not as xsi:nil, because most item entities of the
  // OVAL 5.11.2 schemas are not nillable.
  writer.element(name, attributes, entity.mask ? '' : entity.value ?? '');
}
