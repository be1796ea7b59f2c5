/**
 * xmlfilecontent_object: the result of an XPath 1.0 expression over XML files. Files are
 * parsed without loading DTDs, without network access and without substituting entities.
 * A file that declares entities is reported as an error instead of being expanded.
 */
import libxmljs from 'libxmljs2';

import { ScapulaError } from '../../errors.js';
import type { ItemEntity, Message, ProbeItem } from '../../oval/syschar.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { findEntity } from '../util/entity.js';
import { readTextContent } from '../util/file-content.js';
import { defineProbe, errorEntity, itemEntity, makeItem, throwIfAborted } from '../util/items.js';
import { searchFiles, type FoundFile } from '../util/path-search.js';
import { fileLocationEntities } from './textfilecontent54.js';

const PARSE_OPTIONS = { noent: false, nonet: true, dtdload: false, dtdvalid: false, dtdattr: false, huge: false, noblanks: false };

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

    for (const xpath of xpathEntity.values) items.push(evaluateFile(file, content.text, xpath));
  }
  return { items, messages };
}

function evaluateFile(file: FoundFile, text: string, xpath: string): ProbeItem {
  if (/<!ENTITY/.test(text)) {
    return errorItem(file, xpath, `${file.filepath} declares XML entities, which are not expanded for safety`);
  }

  let document: libxmljs.Document;
  try {
    document = libxmljs.parseXml(text, PARSE_OPTIONS);
  } catch (error) {
    return errorItem(file, xpath, `${file.filepath} is not well-formed XML: ${describe(error)}`);
  }

  let values: ItemEntity[];
  try {
    values = valuesOf(document, xpath);
  } catch (error) {
    return errorItem(file, xpath, `invalid XPath expression "${xpath}": ${describe(error)}`);
  }
  return makeItem('xmlfilecontent_item', 'independent', [...fileLocationEntities(file), itemEntity('xpath', xpath), ...values]);
}

/**
 * Evaluates the expression and turns its result into value_of entities: a number is an int
 * (OpenSCAP 1.3.7 writes count() as int) or a float, a boolean a boolean, a string a
 * string, and each attribute or text node its value. Element nodes give no value, as in
 * OpenSCAP 1.3.7: select their text with "/text()".
 */
function valuesOf(document: libxmljs.Document, xpath: string): ItemEntity[] {
  const result: unknown = document.find(xpath);
  // libxmljs2 returns undefined, instead of throwing, for an expression libxml2 cannot compile.
  if (result === undefined) throw new ScapulaError('OVAL_INVALID', 'libxml2 cannot compile it');
  if (typeof result === 'number') {
    return [itemEntity('value_of', String(result), Number.isInteger(result) ? 'int' : 'float')];
  }
  if (typeof result === 'boolean') return [itemEntity('value_of', String(result), 'boolean')];
  if (typeof result === 'string') return [itemEntity('value_of', result)];
  if (!Array.isArray(result)) return [];

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
