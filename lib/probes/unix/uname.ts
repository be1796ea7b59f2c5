/**
 * uname_object: the kernel's uname(2) data. Only a running system has a kernel, so on an
 * image or root directory the object is "not collected": the host scapula runs on is not
 * the target. (oscap-chroot 1.3.7 reports "not applicable" there.)
 */
import { defineProbe, itemEntity, makeItem, notCollectedOffline } from '../util/items.js';

export const unameProbe = defineProbe({
  objectType: 'uname_object',
  family: 'unix',
  description: {
    summary: 'Kernel name, release, version, machine and node name.',
    onImage: '"not collected": an image or root directory has no running kernel.',
    onHost: 'The running kernel\'s uname data.',
  },
  async collect(_request, context) {
    const uname = (await context.target.facts()).uname;
    if (!context.target.live || uname === null) {
      return notCollectedOffline('uname_object', 'an image or root directory has no running kernel to report');
    }
    return {
      items: [
        makeItem('uname_item', 'unix', [
          itemEntity('machine_class', uname.machineClass),
          itemEntity('node_name', uname.nodeName),
          itemEntity('os_name', uname.osName),
          itemEntity('os_release', uname.osRelease),
          itemEntity('os_version', uname.osVersion),
          itemEntity('processor_type', uname.processorType),
        ]),
      ],
    };
  },
});
