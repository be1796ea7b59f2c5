/**
 * The OVAL schema version of the document being evaluated, for probes whose items differ by
 * version as OpenSCAP writes them.
 */
import type { ProbeContext } from '../probe.js';

/**
 * Tells whether the document's OVAL schema version is at least `minimum` ("5.11.1"): items
 * list only the entities their document's version defines, as OpenSCAP writes them.
 */
export function schemaAtLeast(context: ProbeContext, minimum: string): boolean {
  if (context.schemaVersion === undefined) return true;
  const actual = context.schemaVersion.split('.').map(Number);
  const required = minimum.split('.').map(Number);
  for (let i = 0; i < required.length; i++) {
    const part = actual[i] ?? 0;
    if (Number.isNaN(part)) return true;
    if (part !== required[i]) return part > required[i];
  }
  return true;
}
