/**
 * variable_object: the values of an OVAL variable of the same evaluation. The values come
 * from the collector through `ProbeContext.variableValues`.
 */
import { ScapulaError } from '../../errors.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { findEntity } from '../util/entity.js';
import { defineProbe, itemEntity, makeItem, notCollectedOffline } from '../util/items.js';

const OBJECT_TYPE = 'variable_object';

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const varRef = findEntity(request, 'var_ref');
  if (varRef === undefined) throw new ScapulaError('OVAL_INVALID', `${request.object.id}: ${OBJECT_TYPE} needs a var_ref entity`);
  if (context.variableValues === undefined) {
    return notCollectedOffline(OBJECT_TYPE, 'the caller supplied no variable values to the probe');
  }

  const items = [];
  const messages = [];
  for (const variableId of varRef.values) {
    // A variable computed from objects that do not exist gives no item, as in OpenSCAP 1.3.7.
    // An external variable that was not supplied has an empty list of values. It gets an item
    // with var_ref alone, as OpenSCAP writes it, so a state on its value is unknown, not false.
    const values = context.variableValues(variableId);
    if (values === undefined) {
      messages.push({ level: 'warning' as const, text: `Referenced variable has no values (${variableId}).` });
      continue;
    }
    items.push(
      makeItem('variable_item', 'independent', [
        itemEntity('var_ref', variableId),
        ...values.map((value) => itemEntity('value', value)),
      ]),
    );
  }
  return messages.length > 0 ? { items, messages } : { items };
}

export const variableProbe = defineProbe({
  objectType: OBJECT_TYPE,
  family: 'independent',
  description: {
    summary: 'The values of an OVAL variable of the same evaluation.',
    onImage: 'Reports the variable\'s values; no file is read.',
    onHost: 'Reports the variable\'s values; no file is read.',
  },
  collect,
});
