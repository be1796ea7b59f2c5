/**
 * The linux-family probes that read neither package database: systemd units, SELinux,
 * partitions and network sockets. The package probes register through `registerPackageProbes`.
 */
import type { Probe, ProbeRegistry } from '../probe.js';
import { iflistenersProbe } from './iflisteners.js';
import { inetListeningServersProbe } from './inetlisteningservers.js';
import { partitionProbe } from './partition.js';
import { selinuxBooleanProbe } from './selinuxboolean.js';
import { selinuxSecurityContextProbe } from './selinuxsecuritycontext.js';
import { systemdUnitDependencyProbe } from './systemdunitdependency.js';
import { systemdUnitPropertyProbe } from './systemdunitproperty.js';

export const linuxProbes: readonly Probe[] = [
  iflistenersProbe,
  inetListeningServersProbe,
  partitionProbe,
  selinuxBooleanProbe,
  selinuxSecurityContextProbe,
  systemdUnitDependencyProbe,
  systemdUnitPropertyProbe,
];

/** Registers the probes of `linuxProbes`, replacing any registered for the same object types. */
export function registerLinuxProbes(registry: ProbeRegistry): ProbeRegistry {
  for (const probe of linuxProbes) registry.register(probe);
  return registry;
}

export { listDependencies } from './systemdunitdependency.js';
export { loadSystemdUnits, type SystemdUnit, type SystemdUnitModel } from './systemd-units.js';
