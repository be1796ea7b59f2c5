/**
 * Reads an oval_system_characteristics document (as `oval collect` or an earlier evaluation
 * wrote it) into the model of ./syschar.ts, so that definitions can be analysed without probes.
 *
 *   <collected_objects>
 *     <object id="oval:x:obj:1" version="1" flag="complete"><reference item_ref="7"/></object>
 *   </collected_objects>
 *   <system_data>
 *     <lin-sys:dpkginfo_item id="7" status="exists"><lin-sys:name>gzip</lin-sys:name>…</lin-sys:dpkginfo_item>
 *   </system_data>
 *
 * Items are read one at a time. A reference to an item the document does not contain is an error.
 */
import { ScapulaError } from '../errors.js';
import type { ByteSource } from '../io/source.js';
import { familyOfNamespace, OVAL_SYSCHAR_NS, XML_DSIG_NS } from '../xml/namespaces.js';
import { readSections } from '../xml/sections.js';
import type { XmlNode } from '../xml/tree.js';
import type { Datatype } from './model.js';
import { DATATYPES } from './parse/attributes.js';
import { ParseContext } from './parse/context.js';
import type {
  CollectedFlag,
  CollectedObject,
  Item,
  ItemEntity,
  ItemStatus,
  Message,
  MessageLevel,
  SystemCharacteristics,
  SystemInfo,
} from './syschar.js';

const FLAGS: readonly CollectedFlag[] = ['error', 'complete', 'incomplete', 'does not exist', 'not collected', 'not applicable'];
const STATUSES: readonly ItemStatus[] = ['exists', 'does not exist', 'error', 'not collected'];
const LEVELS: readonly MessageLevel[] = ['debug', 'error', 'fatal', 'info', 'warning'];
const ITEM_DATATYPES: readonly Datatype[] = [...DATATYPES];

export async function readSystemCharacteristics(source: ByteSource | string): Promise<SystemCharacteristics> {
  const reader = new SyscharReader(typeof source === 'string' ? source : source.name);
  await readSections(source, {
    rootName: 'oval_system_characteristics',
    rootNamespace: OVAL_SYSCHAR_NS,
    sections: { system_info: 'whole', collected_objects: 'items', system_data: 'items' },
    onNode: (section, node) => reader.read(section, node),
  });
  return reader.finish();
}

class SyscharReader {
  private systemInfo: SystemInfo | undefined;
  private readonly collectedObjects = new Map<string, CollectedObject>();
  private readonly references = new Map<CollectedObject, XmlNode[]>();
  private readonly items = new Map<number, Item>();
  /** Shares repeated strings and copies them out of the parser's input chunks. */
  private readonly strings: ParseContext;

  constructor(private readonly file: string) {
    this.strings = new ParseContext(file, false);
  }

  read(section: string, node: XmlNode): void {
    if (section === 'system_info') this.systemInfo = this.readSystemInfo(node);
    else if (section === 'collected_objects') this.readCollectedObject(node);
    else if (node.ns !== XML_DSIG_NS) this.readItem(node);
  }

  finish(): SystemCharacteristics {
    if (this.systemInfo === undefined) throw new ScapulaError('OVAL_INVALID', 'the document has no system_info element', { file: this.file });
    for (const [object, references] of this.references) {
      object.items = references.map((reference) => {
        const id = this.integer(reference, reference.attributes['item_ref']);
        const item = this.items.get(id);
        if (item === undefined) {
          throw new ScapulaError('REF_NOT_FOUND', `object ${object.objectId} refers to item ${id}, which system_data does not contain`, {
            file: this.file,
            line: reference.line,
            column: reference.column,
          });
        }
        return item;
      });
    }
    this.strings.releasePool();
    return { systemInfo: this.systemInfo, collectedObjects: this.collectedObjects, items: this.items };
  }

  private readSystemInfo(node: XmlNode): SystemInfo {
    const text = (name: string): string => node.children.find((child) => child.name === name)?.text ?? '';
    const interfaces = node.children.find((child) => child.name === 'interfaces')?.children ?? [];
    const info: SystemInfo = {
      osName: text('os_name'),
      osVersion: text('os_version'),
      architecture: text('architecture'),
      primaryHostName: text('primary_host_name'),
      interfaces: interfaces.map((entry) => {
        const field = (name: string): string => entry.children.find((child) => child.name === name)?.text ?? '';
        return { name: field('interface_name'), ipAddress: field('ip_address'), macAddress: field('mac_address') };
      }),
    };
    const extensions = node.children.filter((child) => child.ns !== OVAL_SYSCHAR_NS);
    if (extensions.length > 0) info.extensions = extensions;
    return info;
  }

  private readCollectedObject(node: XmlNode): void {
    const objectId = this.strings.intern(this.required(node, 'id'));
    const object: CollectedObject = {
      objectId,
      version: this.integer(node, this.required(node, 'version')),
      variableInstance: this.integer(node, node.attributes['variable_instance'] ?? '1'),
      comment: this.optional(node, 'comment'),
      flag: this.oneOf(node, 'flag', FLAGS, undefined),
      messages: [],
      variableValues: [],
      items: [],
    };
    const references: XmlNode[] = [];
    for (const child of node.children) {
      if (child.name === 'message') object.messages.push(this.readMessage(child));
      else if (child.name === 'variable_value') object.variableValues.push({ variableId: this.strings.intern(this.required(child, 'variable_id')), value: this.strings.intern(child.text) });
      else if (child.name === 'reference') references.push(child);
      else throw this.invalid(child, `unexpected element ${child.name} in object ${objectId}; expected message, variable_value or reference`);
    }
    // The model keeps one collected object per id, so only the first variable instance is kept.
    if (this.collectedObjects.has(objectId)) return;
    this.collectedObjects.set(objectId, object);
    this.references.set(object, references);
  }

  private readItem(node: XmlNode): void {
    const id = this.integer(node, this.required(node, 'id'));
    if (this.items.has(id)) throw this.invalid(node, `item ${id} appears more than once`);
    const item: Item = {
      id,
      type: this.strings.internName(node.name),
      family: familyOfNamespace(node.ns, OVAL_SYSCHAR_NS),
      status: this.oneOf(node, 'status', STATUSES, 'exists'),
      entities: [],
    };
    const messages: Message[] = [];
    for (const child of node.children) {
      if (child.name === 'message' && child.ns === OVAL_SYSCHAR_NS) messages.push(this.readMessage(child));
      else item.entities.push(this.readEntity(child, this.strings.internName(child.name)));
    }
    if (messages.length > 0) item.messages = messages;
    this.items.set(id, item);
  }

  private readEntity(node: XmlNode, name: string): ItemEntity {
    const datatype = this.oneOf(node, 'datatype', ITEM_DATATYPES, 'string');
    const nil = node.attributes['xsi:nil'] === 'true' || node.attributes['xsi:nil'] === '1';
    const entity: ItemEntity = { name, datatype };
    const status = node.attributes['status'];
    if (status !== undefined) entity.status = this.oneOf(node, 'status', STATUSES, 'exists');
    if (node.attributes['mask'] === 'true' || node.attributes['mask'] === '1') entity.mask = true;
    if (datatype === 'record') {
      entity.fields = node.children.map((child) => {
        if (child.name !== 'field') throw this.invalid(child, `unexpected element ${child.name} in record entity ${name}; expected field`);
        return this.readEntity(child, this.strings.intern(this.required(child, 'name')));
      });
    } else if (node.children.length > 0) {
      throw this.invalid(node.children[0]!, `entity ${name} contains element ${node.children[0]!.name}; only record entities have child elements`);
    } else if (!nil && (entity.status === undefined || entity.status === 'exists')) {
      entity.value = this.strings.intern(node.text);
    }
    return entity;
  }

  private readMessage(node: XmlNode): Message {
    return { level: this.oneOf(node, 'level', LEVELS, 'info'), text: this.strings.intern(node.text) };
  }

  private optional(node: XmlNode, name: string): string | undefined {
    const value = node.attributes[name];
    return value === undefined ? undefined : this.strings.intern(value);
  }

  private required(node: XmlNode, name: string): string {
    const value = node.attributes[name];
    if (value === undefined || value === '') throw this.invalid(node, `${node.name} is missing its required attribute ${name}`);
    return value;
  }

  private integer(node: XmlNode, value: string | undefined): number {
    const trimmed = value?.trim() ?? '';
    if (!/^\d+$/.test(trimmed)) throw this.invalid(node, `${node.name} has "${value ?? ''}" where a non-negative integer is expected`);
    return Number.parseInt(trimmed, 10);
  }

  private oneOf<T extends string>(node: XmlNode, name: string, allowed: readonly T[], fallback: T | undefined): T {
    const value = node.attributes[name];
    if (value === undefined && fallback !== undefined) return fallback;
    if (value === undefined) throw this.invalid(node, `${node.name} is missing its required attribute ${name}`);
    // The list's own string is returned, so that no value keeps a reference to parser input.
    const canonical = allowed.find((candidate) => candidate === value);
    if (canonical === undefined) throw this.invalid(node, `${node.name} has ${name}="${value}"; expected one of: ${allowed.join(', ')}`);
    return canonical;
  }

  private invalid(node: XmlNode, message: string): ScapulaError {
    return new ScapulaError('OVAL_INVALID', message, { file: this.file, line: node.line, column: node.column });
  }
}
