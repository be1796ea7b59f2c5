/**
 * family_object: the OVAL family of the target. Every target scapula reads is a Linux root
 * or a Linux host, which OVAL files under the "unix" family.
 */
import { defineProbe, itemEntity, makeItem } from '../util/items.js';

export const familyProbe = defineProbe({
  objectType: 'family_object',
  family: 'independent',
  description: {
    summary: 'The OVAL family of the system: "unix" for every Linux target.',
    onImage: 'Reports "unix".',
    onHost: 'Reports "unix".',
  },
  async collect() {
    return { items: [makeItem('family_item', 'independent', [itemEntity('family', 'unix')])] };
  },
});
