/**
 * xmlfilecontent_object: the result of an XPath 1.0 expression over XML files. Files are
 * parsed without loading DTDs, without network access and without substituting entities.
 * A file that declares entities is reported as an error instead of being expanded.
 */
import type * as libxmljs from 'libxmljs2';

import { ScapulaError } from '../../errors.js';
import type { ItemEntity, Message, ProbeItem } from '../../oval/syschar.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { findEntity } from '../util/entity.js';
import { readTextContent } from '../util/file-content.js';
import { defineProbe, errorEntity, itemEntity, makeItem, throwIfAborted } from '../util/items.js';
import { searchFiles, type FoundFile } from '../util/path-search.js';
import { fileLocationEntities } from './textfilecontent54.js';

const PARSE_OPTIONS = { noent: false, nonet: true, dtdload: false, dtdvalid: false, dtdattr: false, huge: false, noblanks: false };

type Libxml = typeof libxmljs;

let libxmlModule: Promise<Libxml> | undefined;

/** Loads libxmljs2, a native module, when the first xmlfilecontent object needs it. */
function loadLibxml(): Promise<Libxml> {
  // Node.js hands over a CommonJS module's exports as the default export.
  libxmlModule ??= import('libxmljs2').then((module) => (module as unknown as { default: Libxml }).default);
  return libxmlModule;
}

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const xpathEntity = findEntity(request, 'xpath');
  if (xpathEntity === undefined) throw new ScapulaError('OVAL_INVALID', `${request.object.id}: xmlfilecontent_object needs an xpath entity`);

  const items: ProbeItem[] = [];
  const messages: Message[] = [];
  for (const file of await searchFiles(request, context)) {
    throwIfAborted(context);
    const content = await readTextContent(context.target.fs, file.filepath);
    if (!content.ok) {
      if (content.skipped) messages.push({ level: 'info', text: `skipped ${file.filepath}: ${content.message}` });
      else for (const xpath of xpathEntity.values) items.push(errorItem(file, xpath, content.message));
      continue;
    }

    const libxml = await loadLibxml();
    for (const xpath of xpathEntity.values) {
      const item = evaluateFile(libxml, file, content.text, xpath);
      if (item !== null) items.push(item);
    }
  }
  return { items, messages };
}

/** Returns the item for one file and expression; null when the expression selects no node. */
function evaluateFile(libxml: Libxml, file: FoundFile, text: string, xpath: string): ProbeItem | null {
  if (/<!ENTITY/.test(text)) {
    return errorItem(file, xpath, `${file.filepath} declares XML entities, which are not expanded for safety`);
  }

  const scanned = scanDocument(text);
  if (scanned.largestAttributeCount > MAX_ATTRIBUTES_PER_ELEMENT) {
    return errorItem(file, xpath, `${file.filepath} has an element with ${scanned.largestAttributeCount} attributes, more than the limit of ${MAX_ATTRIBUTES_PER_ELEMENT}`);
  }

  let document: libxmljs.Document;
  try {
    document = libxml.parseXml(scanned.text, PARSE_OPTIONS);
  } catch (error) {
    return errorItem(file, xpath, `${file.filepath} is not well-formed XML: ${describe(error)}`);
  }

  let values: ItemEntity[] | null;
  try {
    values = valuesOf(document, xpath);
  } catch (error) {
    return errorItem(file, xpath, `invalid XPath expression "${xpath}": ${describe(error)}`);
  }
  if (values === null) return null;
  return makeItem('xmlfilecontent_item', 'independent', [...fileLocationEntities(file), itemEntity('xpath', xpath), ...values]);
}

/**
 * Removes default namespace declarations (xmlns="...") from every start tag, so that an
 * expression such as "/SoftwareIdentity/@name" selects elements of a default namespace, as
 * OpenSCAP 1.3.7 evaluates it. Prefixed namespaces stay. Comments, CDATA sections,
 * processing instructions and the DOCTYPE are copied unchanged. The scan is linear, because
 * a regular expression over a hostile tag with a million attributes overflows the stack.
 */
export function withoutDefaultNamespaces(text: string): string {
  return scanDocument(text).text;
}

/**
 * The maximum number of attributes of one element. libxml2, as libxmljs2 0.35 bundles it, checks
 * attributes for duplicates in quadratic time: parsing 10,000 took 0.3 s and 50,000 took 10 s
 * (measured once on 2 cores), so a hostile tag could stall the evaluation.
 */
export const MAX_ATTRIBUTES_PER_ELEMENT = 10_000;

/** Removes default namespace declarations and counts the attributes of the largest start tag. */
function scanDocument(text: string): { text: string; largestAttributeCount: number } {
  // Start and end offsets of each declaration to drop, in pairs.
  const spans: number[] = [];
  let largestAttributeCount = 0;
  let i = text.indexOf('<');
  while (i >= 0) {
    const skipEnd = skippedSectionEnd(text, i);
    if (skipEnd !== null) {
      i = text.indexOf('<', skipEnd);
      continue;
    }
    const tag = scanStartTag(text, i, spans);
    largestAttributeCount = Math.max(largestAttributeCount, tag.attributeCount);
    i = text.indexOf('<', tag.end < 0 ? i + 1 : tag.end);
  }
  if (spans.length === 0) return { text, largestAttributeCount };

  const parts: string[] = [];
  let copiedUpTo = 0;
  for (let span = 0; span < spans.length; span += 2) {
    parts.push(text.slice(copiedUpTo, spans[span]));
    copiedUpTo = spans[span + 1];
  }
  parts.push(text.slice(copiedUpTo));
  return { text: parts.join(''), largestAttributeCount };
}

/** Returns where a comment, CDATA section, processing instruction or DOCTYPE at `i` ends. */
function skippedSectionEnd(text: string, i: number): number | null {
  if (text.charCodeAt(i + 1) !== EXCLAMATION && text.charCodeAt(i + 1) !== QUESTION) return null;
  const close = (marker: string, from: number): number => {
    const found = text.indexOf(marker, from);
    return found < 0 ? text.length : found + marker.length;
  };
  if (text.startsWith('<!--', i)) return close('-->', i + 4);
  if (text.startsWith('<![CDATA[', i)) return close(']]>', i + 9);
  if (text.startsWith('<?', i)) return close('?>', i + 2);
  const bracket = text.indexOf('[', i);
  const greater = text.indexOf('>', i);
  return bracket >= 0 && bracket < greater ? close(']>', bracket) : close('>', i);
}

const EXCLAMATION = 0x21;
const QUESTION = 0x3f;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const SLASH = 0x2f;
const EQUALS = 0x3d;
const GREATER = 0x3e;

function isNameStart(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || code === 0x5f || code === 0x3a || code > 0x7f;
}

/** XML whitespace: space, tab, carriage return, line feed. */
function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/**
 * Scans the start tag at `i` and appends the spans of its default namespace declarations
 * (with the whitespace before each) to `spans`. Returns where the tag ends, or -1 when the
 * text at `i` is not a well-formed start tag, and how many attributes it has.
 */
function scanStartTag(text: string, i: number, spans: number[]): { end: number; attributeCount: number } {
  const length = text.length;
  let position = i + 1;
  let attributeCount = 0;
  if (!isNameStart(text.charCodeAt(position))) return { end: -1, attributeCount };
  while (position < length) {
    const code = text.charCodeAt(position);
    if (isSpace(code) || code === GREATER || code === SLASH) break;
    position++;
  }

  const found = spans.length;
  while (position < length) {
    const attributeStart = position;
    while (position < length && isSpace(text.charCodeAt(position))) position++;
    if (text.charCodeAt(position) === GREATER) return { end: position + 1, attributeCount };
    if (text.charCodeAt(position) === SLASH && text.charCodeAt(position + 1) === GREATER) return { end: position + 2, attributeCount };

    const nameStart = position;
    while (position < length) {
      const code = text.charCodeAt(position);
      if (isSpace(code) || code === EQUALS || code === GREATER) break;
      position++;
    }
    const nameEnd = position;
    while (position < length && isSpace(text.charCodeAt(position))) position++;
    if (nameEnd === nameStart || text.charCodeAt(position) !== EQUALS) break;
    position++;
    while (position < length && isSpace(text.charCodeAt(position))) position++;

    const quote = text.charCodeAt(position);
    if (quote !== QUOTE && quote !== APOSTROPHE) break;
    const valueEnd = text.indexOf(quote === QUOTE ? '"' : "'", position + 1);
    if (valueEnd < 0) break;
    position = valueEnd + 1;
    attributeCount++;
    if (nameEnd - nameStart === 5 && text.startsWith('xmlns', nameStart)) spans.push(attributeStart, position);
  }

  // Not a well-formed start tag: keep it as written.
  spans.length = found;
  return { end: -1, attributeCount };
}

/**
 * Evaluates the expression and turns its result into value_of entities: a number is an int
 * (OpenSCAP 1.3.7 writes count() as int) or a float, a boolean a boolean, a string a
 * string, and each attribute or text node its value. Element nodes give no value, as in
 * OpenSCAP 1.3.7: select their text with "/text()". An empty node set returns null, because
 * OpenSCAP 1.3.7 then makes no item, so the object does not exist.
 */
function valuesOf(document: libxmljs.Document, xpath: string): ItemEntity[] | null {
  const result: unknown = document.find(xpath);
  // libxmljs2 returns undefined, instead of throwing, for an expression libxml2 cannot compile.
  if (result === undefined) throw new ScapulaError('OVAL_INVALID', 'libxml2 cannot compile it');
  if (typeof result === 'number') {
    return [itemEntity('value_of', String(result), Number.isInteger(result) ? 'int' : 'float')];
  }
  if (typeof result === 'boolean') return [itemEntity('value_of', String(result), 'boolean')];
  if (typeof result === 'string') return [itemEntity('value_of', result)];
  if (!Array.isArray(result)) return [];
  if (result.length === 0) return null;

  const values: ItemEntity[] = [];
  for (const node of result as libxmljs.Node[]) {
    const type: string = node.type();
    if (type === 'attribute') values.push(itemEntity('value_of', (node as libxmljs.Attribute).value()));
    else if (type === 'text' || type === 'cdata') values.push(itemEntity('value_of', (node as libxmljs.Element).text()));
  }
  return values;
}

function errorItem(file: FoundFile, xpath: string, message: string): ProbeItem {
  return makeItem('xmlfilecontent_item', 'independent', [...fileLocationEntities(file), itemEntity('xpath', xpath), errorEntity('value_of')], 'error', [
    { level: 'error', text: message },
  ]);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.trim() : String(error);
}

export const xmlfilecontentProbe = defineProbe({
  objectType: 'xmlfilecontent_object',
  family: 'independent',
  description: {
    summary: 'Values selected by an XPath 1.0 expression in XML files; no DTD, network or entity is loaded.',
    onImage: 'Reads the files inside the image or root.',
    onHost: 'Reads the files of the running host.',
  },
  collect,
});
