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

  const loading = loadSystemdUnits(context.target.fs);
  context.cache.set(CACHE_KEY, loading);
  return loading;
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
