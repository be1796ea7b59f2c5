/**
 * xinetd_object: the services xinetd is configured to offer, from etc/xinetd.conf and the
 * files it includes. A service file reads:
 *
 *     service telnet
 *     {
 *         disable     = no
 *         socket_type = stream
 *         protocol    = tcp
 *         only_from   = 10.0.0.0/8 127.0.0.1
 *     }
 *
 * Operators "+=" and "-=" add and remove values. Per xinetd.conf(5), only_from and no_access
 * come from the defaults section when a service does not set them, and a service listed in
 * the defaults' "disabled" attribute is disabled.
 */
import { ScapulaError, isScapulaError } from '../../errors.js';
import type { ItemEntity, ProbeItem } from '../../oval/syschar.js';
import type { FileSystemView } from '../../targets/target.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { entityMatches, findEntity } from '../util/entity.js';
import { decodeText } from '../util/file-content.js';
import { booleanEntity, defineProbe, itemEntity, makeItem } from '../util/items.js';

const CONFIG_PATH = '/etc/xinetd.conf';
const CONFIG_MAX_BYTES = 4 * 1024 * 1024;
/** Nested includes deeper than this are rejected with LIMIT. */
const MAX_INCLUDE_DEPTH = 8;

type Attributes = Map<string, string[]>;

export interface XinetdSection {
  kind: 'defaults' | 'service';
  name: string;
  attributes: Attributes;
}

/** Parses one configuration file into its sections and include directives. */
export function parseXinetdConfig(text: string): { sections: XinetdSection[]; includes: { kind: 'includedir' | 'includefile'; path: string }[] } {
  const sections: XinetdSection[] = [];
  const includes: { kind: 'includedir' | 'includefile'; path: string }[] = [];
  let current: XinetdSection | null = null;
  let pending: XinetdSection | null = null;

  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/#.*$/, '').trim();
    if (line === '') continue;

    if (current === null) {
      const header = /^(defaults|service)(?:\s+(\S+))?$/.exec(line);
      const include = /^(includedir|includefile)\s+(\S+)$/.exec(line);
      if (header !== null) pending = { kind: header[1] as 'defaults' | 'service', name: header[2] ?? '', attributes: new Map() };
      else if (include !== null) includes.push({ kind: include[1] as 'includedir' | 'includefile', path: include[2] });
      else if (line === '{' && pending !== null) {
        current = pending;
        pending = null;
      }
      continue;
    }

    if (line === '}') {
      sections.push(current);
      current = null;
      continue;
    }
    const assignment = /^(\S+)\s*([+-]?=)\s*(.*)$/.exec(line);
    if (assignment === null) continue;
    const [, name, operator, rest] = assignment;
    const values = rest.split(/\s+/).filter((value) => value !== '');
    const existing = current.attributes.get(name) ?? [];
    if (operator === '=') current.attributes.set(name, values);
    else if (operator === '+=') current.attributes.set(name, [...existing, ...values]);
    else current.attributes.set(name, existing.filter((value) => !values.includes(value)));
  }
  return { sections, includes };
}

async function readOptionalText(fs: FileSystemView, path: string): Promise<string | null> {
  try {
    return decodeText(await fs.readFile(path, { maxBytes: CONFIG_MAX_BYTES }));
  } catch (error) {
    if (isScapulaError(error, 'NOT_FOUND') || isScapulaError(error, 'NOT_A_DIRECTORY') || isScapulaError(error, 'SPECIAL_FILE')) return null;
    throw error;
  }
}

/**
 * Reads etc/xinetd.conf and its includes. Like xinetd, it skips included names that contain
 * "." or end in "~". Each file is read once, so a directory that includes itself ends there.
 */
async function readAllSections(fs: FileSystemView, path: string, depth: number, visited = new Set<string>()): Promise<XinetdSection[]> {
  if (depth > MAX_INCLUDE_DEPTH) throw new ScapulaError('LIMIT', `xinetd includes nest deeper than ${MAX_INCLUDE_DEPTH} levels at ${path}`);
  if (visited.has(path)) return [];
  visited.add(path);
  const text = await readOptionalText(fs, path);
  if (text === null) return [];

  const { sections, includes } = parseXinetdConfig(text);
  for (const include of includes) {
    if (include.kind === 'includefile') {
      sections.push(...(await readAllSections(fs, include.path, depth + 1, visited)));
      continue;
    }
    let entries;
    try {
      entries = await fs.readdir(include.path);
    } catch (error) {
      if (isScapulaError(error)) continue;
      throw error;
    }
    for (const entry of entries) {
      if (entry.type !== 'file' || entry.name.includes('.') || entry.name.endsWith('~')) continue;
      sections.push(...(await readAllSections(fs, `${include.path}/${entry.name}`, depth + 1, visited)));
    }
  }
  return sections;
}

/** Looks a service up in the target's etc/services: its port and first protocol. */
async function readServicesFile(fs: FileSystemView): Promise<Map<string, { port: string; protocol: string }[]>> {
  const services = new Map<string, { port: string; protocol: string }[]>();
  const text = (await readOptionalText(fs, '/etc/services')) ?? '';
  for (const rawLine of text.split('\n')) {
    const fields = rawLine.replace(/#.*$/, '').trim().split(/\s+/);
    const portProtocol = /^(\d+)\/(\w+)$/.exec(fields[1] ?? '');
    if (portProtocol === null) continue;
    for (const name of [fields[0], ...fields.slice(2)]) {
      const list = services.get(name) ?? [];
      list.push({ port: portProtocol[1], protocol: portProtocol[2] });
      services.set(name, list);
    }
  }
  return services;
}

function serviceItem(service: XinetdSection, defaults: Attributes, services: Map<string, { port: string; protocol: string }[]>): ProbeItem {
  const attributes = service.attributes;
  const single = (name: string): string | undefined => attributes.get(name)?.join(' ');
  const inherited = (name: string): string[] => attributes.get(name) ?? defaults.get(name) ?? [];

  const socketType = single('socket_type');
  const known = services.get(service.name) ?? [];
  const protocol = single('protocol') ?? known[0]?.protocol ?? (socketType === 'dgram' ? 'udp' : 'tcp');
  const port = single('port') ?? known.find((entry) => entry.protocol === protocol)?.port;
  const disabledByDefaults = (defaults.get('disabled') ?? []).includes(service.name);
  const disabled = disabledByDefaults || single('disable') === 'yes';

  const entities: ItemEntity[] = [itemEntity('protocol', protocol), itemEntity('service_name', service.name)];
  for (const flag of attributes.get('flags') ?? []) entities.push(itemEntity('flags', flag));
  for (const address of inherited('no_access')) entities.push(itemEntity('no_access', address));
  for (const address of inherited('only_from')) entities.push(itemEntity('only_from', address));
  if (port !== undefined) entities.push(itemEntity('port', port, 'int'));
  const server = single('server');
  if (server !== undefined) entities.push(itemEntity('server', server));
  const serverArguments = single('server_args');
  if (serverArguments !== undefined) entities.push(itemEntity('server_arguments', serverArguments));
  if (socketType !== undefined) entities.push(itemEntity('socket_type', socketType));
  for (const type of attributes.get('type') ?? []) entities.push(itemEntity('type', type));
  const user = single('user');
  if (user !== undefined) entities.push(itemEntity('user', user));
  const wait = single('wait');
  if (wait !== undefined) entities.push(booleanEntity('wait', wait === 'yes'));
  entities.push(booleanEntity('disabled', disabled));
  return makeItem('xinetd_item', 'unix', entities);
}

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const protocolEntity = findEntity(request, 'protocol');
  const serviceEntity = findEntity(request, 'service_name');
  if (protocolEntity === undefined || serviceEntity === undefined) {
    throw new ScapulaError('OVAL_INVALID', `${request.object.id}: xinetd_object needs protocol and service_name entities`);
  }

  const fs = context.target.fs;
  const sections = await readAllSections(fs, CONFIG_PATH, 0);
  const defaults: Attributes = new Map();
  for (const section of sections) if (section.kind === 'defaults') for (const [name, values] of section.attributes) defaults.set(name, values);
  const services = await readServicesFile(fs);

  const items: ProbeItem[] = [];
  for (const section of sections) {
    if (section.kind !== 'service' || !entityMatches(serviceEntity, section.name)) continue;
    const item = serviceItem(section, defaults, services);
    const protocol = item.entities.find((entity) => entity.name === 'protocol')?.value ?? '';
    if (entityMatches(protocolEntity, protocol)) items.push(item);
  }
  return { items };
}

export const xinetdProbe = defineProbe({
  objectType: 'xinetd_object',
  family: 'unix',
  description: {
    summary: 'Services configured in etc/xinetd.conf and its included files.',
    onImage: 'Reads the configuration inside the image or root (OpenSCAP 1.3.7 reports "not applicable" offline).',
    onHost: 'Reads /etc/xinetd.conf and its includes.',
  },
  collect,
});
