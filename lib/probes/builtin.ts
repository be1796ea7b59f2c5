/**
 * The registry of every probe scapula ships. Callers start from `createDefaultRegistry()` and
 * may register their own probes on top, replacing a built-in one for the same object type.
 */
import { textfilecontent54Probe } from './independent/textfilecontent54.js';
import { ProbeRegistry, type Probe } from './probe.js';

/** The probes of the independent and unix families, in registration order. */
export const independentAndUnixProbes: readonly Probe[] = [textfilecontent54Probe];

export function createDefaultRegistry(): ProbeRegistry {
  const registry = new ProbeRegistry();
  for (const probe of independentAndUnixProbes) registry.register(probe);
  return registry;
}
