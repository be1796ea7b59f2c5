/**
 * Streams an XML document from a byte source through saxes, one event at a time, so that no
 * document is ever held whole. Compressed sources are decompressed by their magic bytes.
 *
 * Safety rules apply to every document. A DOCTYPE, and with it any entity declaration or
 * external entity, is rejected with XML_FORBIDDEN before it is read further. Entity references
 * other than the five predefined ones are malformed. Input that is not UTF-8 (or ASCII) is rejected.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';

import { ScapulaError } from '../errors.js';
import { openDecompressed } from '../io/decompress.js';
import { fileSource, type ByteSource } from '../io/source.js';
import { XSI_NS } from './namespaces.js';

export interface StartTag {
  /** Local name of the element. */
  local: string;
  /** Namespace URI of the element ('' when it has none). */
  uri: string;
  prefix: string;
  /**
   * Attributes without a namespace, by local name; `xsi:` attributes as `xsi:<local>`;
   * attributes in other namespaces as `{uri}local`. Namespace declarations are left out.
   */
  attributes: Record<string, string>;
  /** Namespace declarations on this element, prefix ('' for the default namespace) to URI. */
  namespaceDeclarations: Record<string, string>;
  /** 1-based line and column of the start tag. */
  line: number;
  column: number;
}

export interface XmlEventHandler {
  openElement(tag: StartTag, depth: number): void;
  /** Text and CDATA content, in pieces; entity references already replaced. */
  text(text: string, depth: number): void;
  closeElement(depth: number): void;
}

export interface StreamResult {
  /** Byte offsets of the root element in the decompressed source: `<` of its start tag and just past its end tag. */
  rootStart?: number;
  rootEnd?: number;
  /** The name the source goes by in messages. */
  file: string;
}

export function toByteSource(source: ByteSource | string): ByteSource {
  return typeof source === 'string' ? fileSource(source) : source;
}

/** Characters of a chunk and where it starts, in characters and bytes, to turn positions into byte offsets. */
interface ChunkRecord {
  charBase: number;
  byteBase: number;
  text: string;
}

const KEPT_CHUNKS = 4;

/**
 * Reads `source` and calls `handler` for every element start, text piece and element end.
 * Errors thrown by the handler propagate unchanged; XML faults become ScapulaError
 * XML_MALFORMED (with file, line and column) or XML_FORBIDDEN.
 */
export async function streamXml(source: ByteSource | string, handler: XmlEventHandler): Promise<StreamResult> {
  const byteSource = toByteSource(source);
  const file = byteSource.name;
  const { stream } = await openDecompressed(byteSource);

  const parser = new SaxesParser({ xmlns: true, position: true, fileName: file });
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const result: StreamResult = { file };
  const recent: ChunkRecord[] = [];
  let charBase = 0;
  let byteBase = 0;
  let depth = 0;
  let sawRoot = false;
  let tail = '';
  let tagLine = 1;
  let tagColumn = 1;

  const byteOffsetAt = (position: number): number | undefined => {
    for (let index = recent.length - 1; index >= 0; index--) {
      const chunk = recent[index]!;
      if (position >= chunk.charBase) {
        return chunk.byteBase + Buffer.byteLength(chunk.text.slice(0, position - chunk.charBase), 'utf8');
      }
    }
    return undefined;
  };

  const forbidden = (what: string): ScapulaError =>
    new ScapulaError('XML_FORBIDDEN', `${what} is not allowed in SCAP content; remove the DOCTYPE (no entities are expanded or fetched)`, {
      file,
      line: parser.line,
      column: parser.column + 1,
    });

  parser.on('xmldecl', (declaration) => {
    const encoding = declaration.encoding?.toLowerCase();
    if (encoding !== undefined && encoding !== 'utf-8' && encoding !== 'utf8' && encoding !== 'us-ascii' && encoding !== 'ascii') {
      throw new ScapulaError('UNSUPPORTED', `encoding "${declaration.encoding}" is not supported; convert the document to UTF-8`, {
        file,
        line: parser.line,
      });
    }
  });
  parser.on('doctype', () => {
    throw forbidden('a DOCTYPE declaration');
  });
  parser.on('opentagstart', (tag) => {
    tagLine = parser.line;
    // The parser position is just past the name and the character that ended it.
    tagColumn = Math.max(1, parser.column - tag.name.length - 1);
    if (depth === 0 && !sawRoot) {
      sawRoot = true;
      const position = parser.position;
      const chunk = recent[recent.length - 1];
      if (chunk !== undefined) {
        const lessThan = chunk.text.lastIndexOf('<', position - chunk.charBase);
        if (lessThan >= 0) result.rootStart = byteOffsetAt(chunk.charBase + lessThan);
      }
    }
  });
  parser.on('opentag', (tag) => {
    handler.openElement(toStartTag(tag as SaxesTagNS, tagLine, tagColumn), depth);
    if (tag.isSelfClosing) {
      handler.closeElement(depth);
      if (depth === 0) result.rootEnd = byteOffsetAt(parser.position);
    } else {
      depth++;
    }
  });
  parser.on('closetag', (tag) => {
    if (tag.isSelfClosing) return;
    depth--;
    handler.closeElement(depth);
    if (depth === 0) result.rootEnd = byteOffsetAt(parser.position);
  });
  parser.on('text', (text) => {
    if (depth > 0) handler.text(text, depth - 1);
  });
  parser.on('cdata', (text) => {
    if (depth > 0) handler.text(text, depth - 1);
  });

  const feed = (text: string): void => {
    if (!sawRoot) {
      // A DOCTYPE can only come before the root. Looking for it here, before the parser buffers
      // it, means that a huge internal subset is never read.
      const window = tail + text;
      if (/<!DOCTYPE/i.test(window)) throw forbidden('a DOCTYPE declaration');
      if (/<!ENTITY/i.test(window)) throw forbidden('an entity declaration');
      tail = window.slice(-16);
    }
    recent.push({ charBase, byteBase, text });
    if (recent.length > KEPT_CHUNKS) recent.shift();
    charBase += text.length;
    byteBase += Buffer.byteLength(text, 'utf8');
    parser.write(text);
  };

  try {
    for await (const chunk of stream) {
      let text: string;
      try {
        text = decoder.decode(chunk as Buffer, { stream: true });
      } catch (error) {
        throw new ScapulaError('XML_MALFORMED', `invalid UTF-8 near byte ${byteBase}`, { file, line: parser.line }, { cause: error });
      }
      if (text.length > 0) feed(text);
    }
    const rest = decoder.decode();
    if (rest.length > 0) feed(rest);
    parser.close();
  } catch (error) {
    stream.destroy();
    throw asXmlError(error, file, parser);
  }
  if (!sawRoot) throw new ScapulaError('XML_MALFORMED', 'the document has no root element', { file });
  return result;
}

function toStartTag(tag: SaxesTagNS, line: number, column: number): StartTag {
  const attributes: Record<string, string> = {};
  const declarations: Record<string, string> = {};
  for (const attribute of Object.values(tag.attributes)) {
    if (attribute.prefix === 'xmlns') {
      declarations[attribute.local] = attribute.value;
    } else if (attribute.prefix === '' && attribute.local === 'xmlns') {
      declarations[''] = attribute.value;
    } else if (attribute.uri === '') {
      attributes[attribute.local] = attribute.value;
    } else if (attribute.uri === XSI_NS) {
      attributes[`xsi:${attribute.local}`] = attribute.value;
    } else {
      attributes[`{${attribute.uri}}${attribute.local}`] = attribute.value;
    }
  }
  return {
    local: tag.local,
    uri: tag.uri,
    prefix: tag.prefix,
    attributes,
    namespaceDeclarations: declarations,
    line,
    column,
  };
}

function asXmlError(error: unknown, file: string, parser: SaxesParser): ScapulaError {
  if (error instanceof ScapulaError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // saxes prefixes its messages with "file:line:column: "; the ScapulaError adds its own.
  const reason = message.replace(/^.*?:\d+:\d+: /, '');
  return new ScapulaError('XML_MALFORMED', `malformed XML: ${reason}`, { file, line: parser.line, column: parser.column + 1 }, { cause: error });
}
