/**
 * textfilecontent_object (deprecated since OVAL 5.4): the matches of the `line` pattern in
 * text files. OpenSCAP 1.3.7 collects it as a textfilecontent54_object whose pattern is
 * `line` and whose instance is "greater than or equal" 1, with multiline matching, and so
 * does this probe.
 */
import { ScapulaError } from '../../errors.js';
import type { ProbeContext, ProbeRequest, ProbeResult, ResolvedEntity } from '../probe.js';
import { findEntity } from '../util/entity.js';
import { defineProbe } from '../util/items.js';
import { textfilecontent54Probe } from './textfilecontent54.js';

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const line = findEntity(request, 'line');
  if (line === undefined) throw new ScapulaError('OVAL_INVALID', `${request.object.id}: textfilecontent_object needs a line entity`);

  const instance: ResolvedEntity = {
    name: 'instance',
    values: ['1'],
    operation: 'greater than or equal',
    datatype: 'int',
    nil: false,
    mask: false,
    position: line.position,
  };
  const entities = request.entities.filter((entity) => entity.name !== 'line');
  entities.push({ ...line, name: 'pattern' }, instance);
  return textfilecontent54Probe.collect({ ...request, entities, behaviors: {} }, context);
}

export const textfilecontentProbe = defineProbe({
  objectType: 'textfilecontent_object',
  family: 'independent',
  description: {
    summary: 'Matches of a line pattern in text files (deprecated object).',
    onImage: 'Reads the files inside the image or root.',
    onHost: 'Reads the files of the running host.',
  },
  collect,
});
