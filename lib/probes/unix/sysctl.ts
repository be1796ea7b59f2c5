/**
 * sysctl_object: current kernel parameters, read from /proc/sys on the live host. OVAL
 * defines the item as the current value on the running system, so on an image or root
 * directory the object is "not collected": the values configured in etc/sysctl.conf and
 * sysctl.d are not current values.
 */
import { ScapulaError, isScapulaError } from '../../errors.js';
import type { Message, ProbeItem } from '../../oval/syschar.js';
import type { FileSystemView } from '../../targets/target.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { entityMatches, exactValues, findEntity } from '../util/entity.js';
import { decodeText } from '../util/file-content.js';
import { defineProbe, itemEntity, makeItem, notCollectedOffline, throwIfAborted } from '../util/items.js';

const PROC_SYS = '/proc/sys';

/** "net.ipv4.ip_forward" is /proc/sys/net/ipv4/ip_forward; a "/" in a name stands for ".". */
function parameterPath(name: string): string {
  return `${PROC_SYS}/${name.split('.').map((part) => part.replaceAll('/', '.')).join('/')}`;
}

function parameterName(path: string): string {
  return path
    .slice(PROC_SYS.length + 1)
    .split('/')
    .map((part) => part.replaceAll('.', '/'))
    .join('.');
}

/** Lists every readable parameter file under /proc/sys, as sysctl -a does. */
async function listParameters(fs: FileSystemView, context: ProbeContext): Promise<string[]> {
  const names: string[] = [];
  const stack = [PROC_SYS];
  while (stack.length > 0) {
    throwIfAborted(context);
    const directory = stack.pop()!;
    let entries;
    try {
      entries = await fs.readdir(directory);
    } catch (error) {
      if (isScapulaError(error)) continue;
      throw error;
    }
    for (const entry of entries.reverse()) {
      const path = `${directory}/${entry.name}`;
      if (entry.type === 'directory') stack.push(path);
      else if (entry.type === 'file') names.push(parameterName(path));
    }
  }
  return names.sort();
}

async function readParameter(fs: FileSystemView, name: string): Promise<string | null> {
  try {
    const bytes = await fs.readFile(parameterPath(name), { maxBytes: 1024 * 1024 });
    // A parameter that reads empty (vm.stat_refresh) has no value, so sysctl -a and OpenSCAP 1.3.7 skip it.
    if (bytes.byteLength === 0) return null;
    // Several values (kernel.printk) stay separated by tabs, as OpenSCAP 1.3.7 writes them.
    return decodeText(bytes).replace(/\n$/, '');
  } catch (error) {
    // Write-only parameters (vm.compact_memory) and those that vanished are skipped.
    if (isScapulaError(error)) return null;
    throw error;
  }
}

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const nameEntity = findEntity(request, 'name');
  if (nameEntity === undefined) throw new ScapulaError('OVAL_INVALID', `${request.object.id}: sysctl_object needs a name entity`);
  if (!context.target.live) {
    return notCollectedOffline('sysctl_object', 'kernel parameters have current values only on a running system; an image\'s sysctl.conf holds configured values, not current ones');
  }

  const fs = context.target.fs;
  const names = exactValues(nameEntity) ?? (await listParameters(fs, context)).filter((name) => entityMatches(nameEntity, name));
  const items: ProbeItem[] = [];
  const messages: Message[] = [];
  for (const name of names) {
    const value = await readParameter(fs, name);
    if (value === null) continue;
    items.push(makeItem('sysctl_item', 'unix', [itemEntity('name', name), itemEntity('value', value)]));
  }
  return { items, messages };
}

export const sysctlProbe = defineProbe({
  objectType: 'sysctl_object',
  family: 'unix',
  description: {
    summary: 'Current kernel parameters from /proc/sys.',
    onImage: '"not collected": an image has no current kernel parameters (etc/sysctl.conf holds configured values).',
    onHost: 'Reads /proc/sys.',
  },
  collect,
});
