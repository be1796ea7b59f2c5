/**
 * environmentvariable_object (deprecated since OVAL 5.8): the environment variables of the
 * evaluating tool, taken from the target's environment like environmentvariable58
 * with a nil pid.
 */
import { ScapulaError } from '../../errors.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { findEntity } from '../util/entity.js';
import { defineProbe, itemEntity, makeItem, notCollectedOffline } from '../util/items.js';
import { selectVariables, targetEnvironment } from './environment.js';

const OBJECT_TYPE = 'environmentvariable_object';

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const nameEntity = findEntity(request, 'name');
  if (nameEntity === undefined) throw new ScapulaError('OVAL_INVALID', `${request.object.id}: ${OBJECT_TYPE} needs a name entity`);

  const environment = await targetEnvironment(context);
  if (environment === null) {
    return notCollectedOffline(OBJECT_TYPE, 'a root directory has no environment; open it as an image to use its configured Env');
  }
  return {
    items: selectVariables(environment, nameEntity).map(([name, value]) =>
      makeItem('environmentvariable_item', 'independent', [itemEntity('name', name), itemEntity('value', value)]),
    ),
  };
}

export const environmentvariableProbe = defineProbe({
  objectType: OBJECT_TYPE,
  family: 'independent',
  description: {
    summary: 'Environment variables the evaluating tool sees (deprecated object).',
    onImage: 'The Env of the image configuration; a directory root has none: "not collected".',
    onHost: 'This process\'s environment.',
  },
  collect,
});
