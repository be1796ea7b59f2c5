/**
 * systemdunitproperty_object (OVAL 5.11 linux schema): the value of a D-Bus property of
 * each systemd unit that matches the object's unit and property entities. Array properties
 * give one value entity per element, and an empty array gives no item, as OpenSCAP 1.3.7
 * reports them.
 */
import type { ProbeItem } from '../../oval/syschar.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { entityMatches, findEntity } from '../util/entity.js';
import { defineProbe, itemEntity, makeItem, throwIfAborted } from '../util/items.js';
import { NO_SYSTEMD_MESSAGE, SYSTEMD_ON_HOST, SYSTEMD_ON_IMAGE, systemdUnitModel } from './systemd-model-cache.js';
import { unitProperties } from './systemd-properties.js';

export const systemdUnitPropertyProbe = defineProbe({
  objectType: 'systemdunitproperty_object',
  family: 'linux',
  description: {
    summary: 'Properties of systemd units (the org.freedesktop.systemd1.Unit D-Bus interface).',
    onImage: SYSTEMD_ON_IMAGE,
    onHost: SYSTEMD_ON_HOST,
  },
  collect: collectUnitProperties,
});

async function collectUnitProperties(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const unitEntity = findEntity(request, 'unit');
  const propertyEntity = findEntity(request, 'property');

  const model = await systemdUnitModel(context);
  if (!model.hasSystemd) return { items: [], messages: [NO_SYSTEMD_MESSAGE] };

  const items: ProbeItem[] = [];
  for (const unit of model.sortedUnits()) {
    throwIfAborted(context);
    if (unitEntity !== undefined && !entityMatches(unitEntity, unit.id)) continue;

    for (const [property, value] of unitProperties(unit)) {
      const values = typeof value === 'string' ? [value] : value;
      if (values.length === 0) continue;
      if (propertyEntity !== undefined && !entityMatches(propertyEntity, property)) continue;

      items.push(
        makeItem('systemdunitproperty_item', 'linux', [
          itemEntity('unit', unit.id),
          itemEntity('property', property),
          ...values.map((element) => itemEntity('value', element)),
        ]),
      );
    }
  }
  return { items };
}
