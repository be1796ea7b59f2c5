/**
 * The public API of scapula: read OVAL documents, open a target, evaluate, write results.
 *
 *   const definitions = await parseOvalDefinitions('feed.xml.bz2');
 *   const target = await openTarget({ image: 'debian.tar' });
 *   try {
 *     const results = await evaluateOval(definitions, { target, registry: createDefaultRegistry() });
 *   } finally {
 *     await target.close();
 *   }
 */

// Errors
export { ScapulaError, isScapulaError } from './errors.js';
export type { ErrorCode, SourcePosition } from './errors.js';

// Byte sources and decompression
export { bufferSource, fileSource } from './io/source.js';
export type { ByteSource } from './io/source.js';
export { detectCompression, openDecompressed } from './io/decompress.js';
export type { Compression } from './io/decompress.js';

// OVAL documents
export { parseOvalDefinitions, parseOvalDefinitionsUnchecked } from './oval/parser.js';
export type { ParseOptions, ParsedOvalDefinitions, UncheckedOvalDefinitions } from './oval/parser.js';
export { readOvalVariables } from './oval/variables-file.js';
export { readDirectives } from './oval/directives.js';
export { readSystemCharacteristics } from './oval/syschar-reader.js';
export { writeOvalResults } from './oval/results-writer.js';
export { writeSystemCharacteristics } from './oval/syschar-writer.js';
export { validateOvalFile } from './cli/validate.js';
export type { OvalDocumentType, SchemaViolation, ValidationReport } from './cli/validate.js';
export type * from './oval/model.js';
export type * from './oval/syschar.js';
export type * from './oval/results-model.js';

// Evaluation
export { evaluateOval } from './oval/evaluate/index.js';

// Targets
export { openTarget } from './targets/open.js';
export { openDirectoryTarget } from './targets/directory.js';
export { openHostTarget } from './targets/host.js';
export { openImageTarget } from './targets/image/index.js';
export type * from './targets/target.js';

// Probes
export { ProbeRegistry } from './probes/probe.js';
export type {
  Logger,
  Probe,
  ProbeContext,
  ProbeDescription,
  ProbeRequest,
  ProbeResult,
  ResolvedEntity,
} from './probes/probe.js';
export { createDefaultRegistry } from './probes/builtin.js';

// Command line, for embedding
export { main as runCommandLine } from './cli/main.js';
export type { CliStreams } from './cli/main.js';
