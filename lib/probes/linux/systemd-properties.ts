/**
 * The properties of the org.freedesktop.systemd1.Unit D-Bus interface, computed from the
 * offline unit model. OpenSCAP 1.3.7 queries exactly this interface (GetAll on
 * org.freedesktop.systemd1.Unit), so the properties of the type-specific interfaces, such
 * as ExecStart of org.freedesktop.systemd1.Service, are not reported.
 *
 * A unit read offline has never run, so its state is the state of a loaded unit that is not
 * active: ActiveState "inactive", SubState "dead" and every timestamp 0.
 */
import { DEPENDENCY_PROPERTIES, type SystemdUnit } from './systemd-units.js';

/** A scalar property has one value; an array property has one value per element. */
export type PropertyValue = string | string[];

/** Unit types whose units can be started and stopped through systemd. */
const STARTABLE_TYPES = new Set(['service', 'socket', 'mount', 'automount', 'swap', 'target', 'path', 'timer', 'slice']);
const STOPPABLE_TYPES = new Set([...STARTABLE_TYPES, 'scope']);

const TIMESTAMP_PROPERTIES = [
  'StateChangeTimestamp',
  'StateChangeTimestampMonotonic',
  'InactiveExitTimestamp',
  'InactiveExitTimestampMonotonic',
  'ActiveEnterTimestamp',
  'ActiveEnterTimestampMonotonic',
  'ActiveExitTimestamp',
  'ActiveExitTimestampMonotonic',
  'InactiveEnterTimestamp',
  'InactiveEnterTimestampMonotonic',
  'ConditionTimestamp',
  'ConditionTimestampMonotonic',
  'AssertTimestamp',
  'AssertTimestampMonotonic',
];

/** Lists a unit's properties by D-Bus name, in the order `systemctl show` prints them. */
export function unitProperties(unit: SystemdUnit): [string, PropertyValue][] {
  const loaded = unit.loadState === 'loaded';
  const canStart = loaded && STARTABLE_TYPES.has(unit.type);
  const canStop = STOPPABLE_TYPES.has(unit.type);
  const properties: [string, PropertyValue][] = [
    ['Id', unit.id],
    ['Names', unit.names],
    ['Following', ''],
  ];

  for (const property of DEPENDENCY_PROPERTIES) {
    properties.push([property, [...(unit.dependencies.get(property) ?? [])].sort()]);
  }

  properties.push(
    ['RequiresMountsFor', unit.requiresMountsFor],
    ['Documentation', unit.documentation],
    ['Description', unit.description === '' ? unit.id : unit.description],
    ['LoadState', unit.loadState],
    ['ActiveState', 'inactive'],
    ['SubState', 'dead'],
    ['FragmentPath', unit.fragmentPath],
    ['SourcePath', ''],
    ['DropInPaths', unit.dropInPaths],
    ['UnitFileState', unit.unitFileState],
    ['UnitFilePreset', unit.unitFilePreset],
  );
  for (const property of TIMESTAMP_PROPERTIES) properties.push([property, '0']);

  properties.push(
    ['CanStart', String(canStart && !unit.refuseManualStart)],
    ['CanStop', String(canStop && !unit.refuseManualStop)],
    ['CanReload', String(loaded && unit.type === 'service' && unit.hasExecReload)],
    ['CanIsolate', String(canStart && unit.allowIsolate && !unit.refuseManualStart)],
    ['StopWhenUnneeded', String(unit.stopWhenUnneeded)],
    ['RefuseManualStart', String(unit.refuseManualStart)],
    ['RefuseManualStop', String(unit.refuseManualStop)],
    ['AllowIsolate', String(unit.allowIsolate)],
    ['DefaultDependencies', String(unit.defaultDependencies)],
    ['OnFailureJobMode', unit.onFailureJobMode],
    ['IgnoreOnIsolate', String(unit.ignoreOnIsolate)],
    ['NeedDaemonReload', 'false'],
    ['Transient', String(unit.unitFileState === 'transient')],
    ['Perpetual', 'false'],
    ['CollectMode', unit.collectMode],
  );
  return properties;
}
