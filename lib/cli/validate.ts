/**
 * XML Schema validation of OVAL documents with libxmljs2, against the schemas OpenSCAP ships
 * (one folder per OVAL version under /usr/share/openscap/schemas/oval). The schema folder is
 * picked from the document's generator/schema_version, as oscap does.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

import { ScapulaError } from '../errors.js';
import { openDecompressed } from '../io/decompress.js';
import { fileSource } from '../io/source.js';

const require = createRequire(import.meta.url);

export type OvalDocumentType = 'definitions' | 'variables' | 'syschar' | 'results' | 'directives';

const ROOT_ELEMENTS: Record<string, OvalDocumentType> = {
  oval_definitions: 'definitions',
  oval_variables: 'variables',
  oval_system_characteristics: 'syschar',
  oval_results: 'results',
  oval_directives: 'directives',
};

const SCHEMA_FILES: Record<OvalDocumentType, string> = {
  definitions: 'oval-definitions-schema.xsd',
  variables: 'oval-variables-schema.xsd',
  syschar: 'oval-system-characteristics-schema.xsd',
  results: 'oval-results-schema.xsd',
  directives: 'oval-directives-schema.xsd',
};

export const DEFAULT_SCHEMA_DIR = '/usr/share/openscap/schemas';

/** Larger documents (after decompression) are rejected: libxml2 builds the whole tree in memory to validate it. */
const MAX_DOCUMENT_BYTES = 512 * 1024 * 1024;

/** The schema version used when the document states none or one with no schema folder. */
const FALLBACK_VERSION = '5.11.2';

export interface SchemaViolation {
  message: string;
  line?: number;
  column?: number;
}

export interface ValidationReport {
  file: string;
  documentType: OvalDocumentType;
  schemaVersion: string;
  schemaFile: string;
  valid: boolean;
  violations: SchemaViolation[];
}

interface LibxmlNode {
  name(): string;
  text(): string;
}

interface LibxmlDocument {
  root(): LibxmlNode | null;
  get(xpath: string, namespaces?: Record<string, string>): LibxmlNode | null;
  validate(schema: LibxmlDocument): boolean;
  validationErrors: { message: string; line?: number; column?: number }[];
}

interface Libxml {
  parseXml(source: string | Buffer, options?: Record<string, unknown>): LibxmlDocument;
}

/** Options that keep libxml2 from loading DTDs, expanding entities or reaching the network. */
const SAFE_PARSE_OPTIONS = { noent: false, dtdload: false, dtdvalid: false, dtdattr: false, nonet: true, huge: false };

/**
 * Validates `file` against the OVAL schema of its type and version. `expectedType`, when given,
 * must match the root element. Throws IO for an unreadable file, XML_MALFORMED for a file that
 * is not XML, OVAL_INVALID for a root element that is no OVAL document, and UNSUPPORTED when
 * no schema folder exists.
 */
export async function validateOvalFile(
  file: string,
  options: { expectedType?: OvalDocumentType; schemaDir?: string } = {},
): Promise<ValidationReport> {
  const schemaDir = options.schemaDir ?? process.env.SCAPULA_SCHEMA_DIR ?? DEFAULT_SCHEMA_DIR;
  const libxml = require('libxmljs2') as Libxml;

  const bytes = await readDocument(file);
  const document = parseDocument(libxml, bytes, file);
  const documentType = documentTypeOf(document, file);
  if (options.expectedType !== undefined && options.expectedType !== documentType) {
    const expectedRoot = Object.keys(ROOT_ELEMENTS).find((name) => ROOT_ELEMENTS[name] === options.expectedType);
    throw new ScapulaError('OVAL_INVALID', `expected an ${expectedRoot} document, found ${rootName(document)}`, { file });
  }

  const schemaVersion = chooseSchemaVersion(declaredSchemaVersion(document), schemaDir);
  const schemaFile = path.join(schemaDir, 'oval', schemaVersion, SCHEMA_FILES[documentType]);
  if (!existsSync(schemaFile)) {
    throw new ScapulaError('UNSUPPORTED', `no OVAL schema found at ${schemaFile}; install OpenSCAP's schemas or set SCAPULA_SCHEMA_DIR`, { file });
  }

  const schema = libxml.parseXml(await readFile(schemaFile), { ...SAFE_PARSE_OPTIONS, baseUrl: schemaFile });
  const valid = document.validate(schema);
  const violations = document.validationErrors.map((error) => ({
    message: error.message.trim(),
    line: error.line,
    column: error.column === 0 ? undefined : error.column,
  }));
  return { file, documentType, schemaVersion, schemaFile, valid, violations };
}

/** Reads the whole document, decompressing gzip, bzip2, xz or zstd as the parser does. */
async function readDocument(file: string): Promise<Buffer> {
  const { stream } = await openDecompressed(fileSource(file));
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += (chunk as Buffer).length;
    if (total > MAX_DOCUMENT_BYTES) {
      stream.destroy();
      throw new ScapulaError('LIMIT', `document larger than ${MAX_DOCUMENT_BYTES} bytes cannot be validated`, { file });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseDocument(libxml: Libxml, bytes: Buffer, file: string): LibxmlDocument {
  try {
    return libxml.parseXml(bytes, SAFE_PARSE_OPTIONS);
  } catch (error) {
    const cause = error as { message?: string; line?: number; column?: number };
    throw new ScapulaError('XML_MALFORMED', `not well-formed XML: ${(cause.message ?? String(error)).trim()}`, {
      file,
      line: cause.line,
      column: cause.column,
    }, { cause: error });
  }
}

function rootName(document: LibxmlDocument): string {
  return document.root()?.name() ?? '(no root element)';
}

function documentTypeOf(document: LibxmlDocument, file: string): OvalDocumentType {
  const type = ROOT_ELEMENTS[rootName(document)];
  if (type === undefined) {
    throw new ScapulaError('OVAL_INVALID', `root element '${rootName(document)}' is not an OVAL document`, { file });
  }
  return type;
}

/** Reads the text of generator/oval:schema_version without a platform attribute, e.g. "5.11.1". */
function declaredSchemaVersion(document: LibxmlDocument): string | undefined {
  const node = document.get("/*/*[local-name()='generator']/*[local-name()='schema_version' and not(@platform)]");
  return node?.text().trim();
}

/**
 * Picks the schema folder for a declared version: the exact version when its folder exists,
 * else the version without its update suffix ("5.11.1:1.0" reads as "5.11.1"), else 5.11.2.
 */
function chooseSchemaVersion(declared: string | undefined, schemaDir: string): string {
  const candidates = declared === undefined ? [] : [declared, declared.split(':')[0]];
  for (const candidate of candidates) {
    if (/^[0-9.]+$/.test(candidate) && existsSync(path.join(schemaDir, 'oval', candidate))) return candidate;
  }
  return FALLBACK_VERSION;
}
