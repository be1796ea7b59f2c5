/**
 * One offline systemd unit model per evaluation, shared by the systemdunitproperty and
 * systemdunitdependency probes through the probe context's cache.
 */
import type { Message } from '../../oval/syschar.js';
import type { ProbeContext } from '../probe.js';
import { loadSystemdUnits, type SystemdUnitModel } from './systemd-units.js';

const CACHE_KEY = 'linux:systemd-unit-model';

/** Loads the target's unit model on first use and returns the same promise afterwards. */
export function systemdUnitModel(context: ProbeContext): Promise<SystemdUnitModel> {
  const cached = context.cache.get(CACHE_KEY) as Promise<SystemdUnitModel> | undefined;
  if (cached !== undefined) return cached;

  const loading = loadSystemdUnits(context.target.fs, { signal: context.signal }).then((model) => {
    logModel(model, context);
    return model;
  });
  context.cache.set(CACHE_KEY, loading);
  return loading;
}

/** Maximum number of unit file problems logged, so a broken tree does not flood the log. */
const MAX_LOGGED_PROBLEMS = 20;

function logModel(model: SystemdUnitModel, context: ProbeContext): void {
  const logger = context.logger;
  if (logger === undefined) return;
  if (!model.hasSystemd) {
    logger.debug('systemd units: systemd is not installed in the target, so no unit is loaded');
    return;
  }

  const units = model.sortedUnits();
  const notFound = units.filter((unit) => unit.loadState === 'not-found').length;
  logger.debug(`systemd units: loaded ${units.length} units reachable from default.target, ${notFound} of them without a unit file`);

  const problems = units.flatMap((unit) => unit.problems);
  for (const problem of problems.slice(0, MAX_LOGGED_PROBLEMS)) {
    logger.debug(`systemd units: ${problem.file}:${problem.line}: ${problem.message}`);
  }
  if (problems.length > MAX_LOGGED_PROBLEMS) {
    logger.debug(`systemd units: ${problems.length - MAX_LOGGED_PROBLEMS} more unit file problems not shown`);
  }
}

/** Describes how the model treats the target, for the probes' `info --probes` text. */
export const SYSTEMD_ON_IMAGE =
  'Reads unit files, drop-ins and .wants/.requires links from the image and loads the units ' +
  'systemd would load from default.target. No unit runs in an image, so ActiveState is "inactive".';
export const SYSTEMD_ON_HOST =
  'Reads the same files from the host instead of asking systemd over D-Bus, so ActiveState is ' +
  '"inactive" even for running units, and units loaded only at run time (generators, udev) are missing.';

/** The message on a systemd object when systemd is not installed in the target. */
export const NO_SYSTEMD_MESSAGE: Message = {
  level: 'info',
  text: 'systemd is not installed in the target (no /usr/lib/systemd/systemd and no default.target unit), so no unit exists',
};
