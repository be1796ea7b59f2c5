/**
 * The one error type of the library. Every failure that reaches a caller carries a code
 * from this list and, where the fault lies in a file, the file, line and column.
 */
export type ErrorCode =
  | 'USAGE' // bad command-line arguments or API options
  | 'IO' // a file could not be opened or read
  | 'XML_MALFORMED' // not well-formed XML
  | 'XML_FORBIDDEN' // a DTD, an entity declaration or an external entity
  | 'OVAL_INVALID' // well-formed XML that breaks the OVAL schema in a way evaluation cannot work around
  | 'REF_NOT_FOUND' // a test_ref, object_ref, state_ref, var_ref or definition_ref that names nothing
  | 'CYCLE' // an extend_definition or variable cycle
  | 'UNSUPPORTED' // a valid construct scapula does not implement
  | 'REGEX' // a pattern that cannot be translated or run safely
  | 'IMAGE_INVALID' // an image archive or layout that cannot be read
  | 'DIGEST_MISMATCH' // a blob whose digest differs from the one its manifest names
  | 'PATH_LOOP' // too many symbolic links while resolving a path (ELOOP)
  | 'NOT_FOUND' // a path that does not exist in the target
  | 'NOT_A_DIRECTORY' // a path component that is not a directory (ENOTDIR)
  | 'SPECIAL_FILE' // an attempt to read a FIFO, socket or device
  | 'PACKAGE_DB_CORRUPT' // a package database that cannot be decoded
  | 'LIMIT' // a size, depth or count limit was reached
  | 'INTERRUPTED'; // the operation was cancelled

export interface SourcePosition {
  file?: string;
  line?: number;
  column?: number;
}

export class ScapulaError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;

  constructor(code: ErrorCode, message: string, where: SourcePosition = {}, options?: { cause?: unknown }) {
    super(formatMessage(message, where), options);
    this.name = 'ScapulaError';
    this.code = code;
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
  }
}

function formatMessage(message: string, where: SourcePosition): string {
  if (where.file === undefined) return message;
  let place = where.file;
  if (where.line !== undefined) place += `:${where.line}`;
  if (where.line !== undefined && where.column !== undefined) place += `:${where.column}`;
  return `${place}: ${message}`;
}

export function isScapulaError(error: unknown, code?: ErrorCode): error is ScapulaError {
  return error instanceof ScapulaError && (code === undefined || error.code === code);
}
