/**
 * systemdunitdependency_object (OVAL 5.11 linux schema): the units a systemd unit depends on,
 * collected as OpenSCAP 1.3.7 does, after `systemctl list-dependencies`: the Requires and then
 * the Wants of a target unit, each listed once, recursing only into units that are targets.
 * A unit that is not a target gets an item without dependency entities.
 */
import type { ProbeItem } from '../../oval/syschar.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { entityMatches, findEntity } from '../util/entity.js';
import { defineProbe, itemEntity, makeItem, throwIfAborted } from '../util/items.js';
import { NO_SYSTEMD_MESSAGE, SYSTEMD_ON_HOST, SYSTEMD_ON_IMAGE, systemdUnitModel } from './systemd-model-cache.js';
import type { SystemdUnitModel } from './systemd-units.js';

export const systemdUnitDependencyProbe = defineProbe({
  objectType: 'systemdunitdependency_object',
  family: 'linux',
  description: {
    summary: 'The units a systemd unit requires or wants, transitively through targets.',
    onImage: SYSTEMD_ON_IMAGE,
    onHost: SYSTEMD_ON_HOST,
  },
  collect: collectUnitDependencies,
});

async function collectUnitDependencies(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const unitEntity = findEntity(request, 'unit');

  const model = await systemdUnitModel(context);
  if (!model.hasSystemd) return { items: [], messages: [NO_SYSTEMD_MESSAGE] };

  const items: ProbeItem[] = [];
  for (const unit of model.sortedUnits()) {
    throwIfAborted(context);
    if (unitEntity !== undefined && !entityMatches(unitEntity, unit.id)) continue;

    const dependencies = listDependencies(model, unit.id).map((name) => itemEntity('dependency', name));
    items.push(makeItem('systemdunitdependency_item', 'linux', [itemEntity('unit', unit.id), ...dependencies]));
  }
  return { items };
}

/**
 * Lists the dependencies of `unitId` depth first: for a target, each unit of its Requires and
 * then of its Wants (by name), followed by that unit's own dependencies when it is a target.
 * A unit already listed is not listed or expanded again, which also ends dependency cycles.
 */
export function listDependencies(model: SystemdUnitModel, unitId: string): string[] {
  const listed: string[] = [];
  const seen = new Set<string>();

  // An explicit stack instead of recursion, because a chain of targets can be as long as the
  // number of units.
  const stack: Iterator<string>[] = [];
  const expand = (id: string) => {
    if (!id.endsWith('.target')) return;
    const unit = model.find(id);
    if (unit === undefined) return;
    const requires = [...(unit.dependencies.get('Requires') ?? [])].sort();
    const wants = [...(unit.dependencies.get('Wants') ?? [])].sort();
    stack.push([...requires, ...wants][Symbol.iterator]());
  };

  expand(unitId);
  while (stack.length > 0) {
    const next = (stack[stack.length - 1] as Iterator<string>).next();
    if (next.done) {
      stack.pop();
      continue;
    }
    if (seen.has(next.value)) continue;
    seen.add(next.value);
    listed.push(next.value);
    expand(next.value);
  }
  return listed;
}
