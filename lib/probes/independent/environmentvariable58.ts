/**
 * environmentvariable58_object: environment variables of a process. A nil pid means the
 * environment the evaluating tool runs in, and the items carry this process's pid. For an image
 * that environment is the Env of its configuration, as oscap-podman runs OpenSCAP with the
 * container's environment. For the host it is this process's own.
 * Other pids are read from /proc/PID/environ on the live host only.
 */
import { ScapulaError, isScapulaError } from '../../errors.js';
import type { ItemEntity, ProbeItem } from '../../oval/syschar.js';
import type { ProbeContext, ProbeRequest, ProbeResult, ResolvedEntity } from '../probe.js';
import { entityMatches, findEntity } from '../util/entity.js';
import { decodeText } from '../util/file-content.js';
import { defineProbe, itemEntity, makeItem, notCollectedOffline } from '../util/items.js';
import { selectVariables, targetEnvironment } from './environment.js';

const OBJECT_TYPE = 'environmentvariable58_object';

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const pidEntity = findEntity(request, 'pid');
  const nameEntity = findEntity(request, 'name');
  if (pidEntity === undefined || nameEntity === undefined) {
    throw new ScapulaError('OVAL_INVALID', `${request.object.id}: ${OBJECT_TYPE} needs pid and name entities`);
  }

  if (pidEntity.nil) return collectOwnEnvironment(nameEntity, context);

  if (!context.target.live) {
    return notCollectedOffline(OBJECT_TYPE, 'process environments exist only on a running system, and this target is not live');
  }
  return collectProcessEnvironments(pidEntity, nameEntity, context);
}

async function collectOwnEnvironment(nameEntity: ResolvedEntity, context: ProbeContext): Promise<ProbeResult> {
  const environment = await targetEnvironment(context);
  if (environment === null) {
    return notCollectedOffline(OBJECT_TYPE, 'a root directory has no environment; open it as an image to use its configured Env');
  }

  // The schema defines a nil pid as "the tool's running process", so the item names this
  // process for an image too. oscap-podman does the same, because oscap 1.3.7 reports its own
  // pid beside the container's variables (OSCAP_CONTAINER_VARS). A state on pid then has a
  // number to compare.
  const pid = String(process.pid);
  return { items: selectVariables(environment, nameEntity).map(([name, value]) => variableItem(pid, name, value)) };
}

async function collectProcessEnvironments(pidEntity: ResolvedEntity, nameEntity: ResolvedEntity, context: ProbeContext): Promise<ProbeResult> {
  const fs = context.target.fs;
  const items: ProbeItem[] = [];

  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry.name) || !entityMatches(pidEntity, entry.name)) continue;

    let environ: Uint8Array;
    try {
      environ = await fs.readFile(`/proc/${entry.name}/environ`);
    } catch (error) {
      // The process exited, or its environment is not readable to this user.
      if (isScapulaError(error)) continue;
      throw error;
    }
    const environment = parseEnviron(decodeText(environ));
    for (const [name, value] of selectVariables(environment, nameEntity)) items.push(variableItem(entry.name, name, value));
  }
  return { items };
}

/** Parses /proc/PID/environ: NAME=value pairs, each ended by a NUL byte. */
export function parseEnviron(text: string): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const pair of text.split('\0')) {
    const equals = pair.indexOf('=');
    if (equals <= 0) continue;
    environment[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return environment;
}

function variableItem(pid: string, name: string, value: string): ProbeItem {
  const entities: ItemEntity[] = [itemEntity('pid', pid, 'int'), itemEntity('name', name), itemEntity('value', value)];
  return makeItem('environmentvariable58_item', 'independent', entities);
}

export const environmentvariable58Probe = defineProbe({
  objectType: OBJECT_TYPE,
  family: 'independent',
  description: {
    summary: 'Environment variables of a process, or of the evaluating tool for a nil pid.',
    onImage: 'Nil pid: the Env of the image configuration. A directory root has none: "not collected". Other pids: "not collected".',
    onHost: 'Nil pid: this process\'s environment. Other pids: /proc/PID/environ.',
  },
  collect,
});
