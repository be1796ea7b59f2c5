/**
 * uname_object: the kernel's uname(2) data.
 *
 * On the live host the item is the running kernel's. On an image or a root directory there is
 * no running kernel, and the item is built from the target's own facts instead, which the
 * OVAL uname_item allows since every one of its entities is optional:
 * - machine_class and processor_type: the target's architecture in uname's spelling
 *   (x86_64, aarch64, …), from the image config or the ELF header of the root's /bin/sh,
 *   else "not collected";
 * - os_name: "Linux";
 * - node_name: the target's host name (etc/hostname, else the image reference or folder name);
 * - os_release: the kernel release when the root holds exactly one kernel module tree
 *   under /lib/modules (a full system image), else "does not exist";
 * - os_version: "does not exist" (only a running kernel has a build string).
 * One item is what stateless uname tests need: Debian's OVAL feeds gate every definition on
 * "Installed architecture is all", a uname_test with no state. oscap-chroot 1.3.7 reports the
 * object "not applicable" offline, which the AND operator skips, so those definitions still
 * evaluate as their other tests do (checked on the bookworm root).
 */
import type { ItemEntity } from '../../oval/syschar.js';
import type { FileSystemView } from '../../targets/target.js';
import { defineProbe, itemEntity, makeItem, missingEntity } from '../util/items.js';

/** OCI and Debian architecture names mapped to what `uname -m` prints for them. */
const UNAME_MACHINE: Record<string, string> = {
  amd64: 'x86_64',
  x86_64: 'x86_64',
  arm64: 'aarch64',
  aarch64: 'aarch64',
  '386': 'i686',
  i386: 'i686',
  i686: 'i686',
  arm: 'armv7l',
  armhf: 'armv7l',
  armel: 'armv5tel',
  ppc64le: 'ppc64le',
  ppc64el: 'ppc64le',
  ppc64: 'ppc64',
  s390x: 's390x',
  riscv64: 'riscv64',
  mips64le: 'mips64',
  mips64el: 'mips64',
  loong64: 'loongarch64',
};

export const unameProbe = defineProbe({
  objectType: 'uname_object',
  family: 'unix',
  description: {
    summary: 'Kernel name, release, version, machine and node name.',
    onImage:
      'One item from the image: machine_class from its architecture, os_name Linux, node_name from etc/hostname or the image reference, os_release from /lib/modules when there is exactly one kernel; os_version does not exist.',
    onHost: "The running kernel's uname data.",
  },
  async collect(_request, context) {
    const facts = await context.target.facts();
    if (context.target.live && facts.uname !== null) {
      const uname = facts.uname;
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
    }

    // Every image has an architecture, so one the target's facts do not give is "not collected"
    // rather than "does not exist", and a state on machine_class is unknown rather than false.
    const machine = UNAME_MACHINE[facts.architecture] ?? facts.architecture;
    const machineEntity = (name: string): ItemEntity =>
      facts.architecture === 'unknown' || facts.architecture === ''
        ? { name, datatype: 'string', status: 'not collected' }
        : itemEntity(name, machine);
    const release = await readSingleKernelRelease(context.target.fs);
    return {
      items: [
        makeItem('uname_item', 'unix', [
          machineEntity('machine_class'),
          itemEntity('node_name', facts.primaryHostName),
          itemEntity('os_name', 'Linux'),
          release === null ? missingEntity('os_release') : itemEntity('os_release', release),
          missingEntity('os_version'),
          machineEntity('processor_type'),
        ]),
      ],
      messages: [
        {
          level: 'info',
          text: 'uname_object on an offline target: the item describes the image (architecture, host name), not a running kernel',
        },
      ],
    };
  },
});

async function readSingleKernelRelease(fs: FileSystemView): Promise<string | null> {
  try {
    const entries = await fs.readdir('/lib/modules');
    const kernels = entries.filter((entry) => entry.type === 'directory');
    return kernels.length === 1 ? kernels[0].name : null;
  } catch {
    return null;
  }
}
