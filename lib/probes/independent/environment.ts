/**
 * The environment probes share: which variables a target's processes see, and how a name
 * entity selects among them.
 */
import type { ProbeContext, ResolvedEntity } from '../probe.js';
import { entityMatches, exactValues } from '../util/entity.js';

/** Returns the variables whose name matches the entity, sorted by name. */
export function selectVariables(environment: Record<string, string>, nameEntity: ResolvedEntity): [string, string][] {
  const exact = exactValues(nameEntity);
  if (exact !== null) {
    return exact.filter((name) => Object.hasOwn(environment, name)).sort().map((name) => [name, environment[name]]);
  }
  return Object.keys(environment)
    .sort()
    .filter((name) => entityMatches(nameEntity, name))
    .map((name) => [name, environment[name]]);
}

/** Returns the environment of the target, or null for a root that has none (a plain directory). */
export async function targetEnvironment(context: ProbeContext): Promise<Record<string, string> | null> {
  return (await context.target.facts()).environment;
}
