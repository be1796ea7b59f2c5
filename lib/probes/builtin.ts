/**
 * The registry of every probe scapula ships. Callers start from `createDefaultRegistry()` and
 * may register their own probes on top, replacing a built-in one for the same object type.
 */
import { environmentvariableProbe } from './independent/environmentvariable.js';
import { environmentvariable58Probe } from './independent/environmentvariable58.js';
import { familyProbe } from './independent/family.js';
import { filehashProbe } from './independent/filehash.js';
import { filehash58Probe } from './independent/filehash58.js';
import { sql57Probe } from './independent/sql57.js';
import { textfilecontentProbe } from './independent/textfilecontent.js';
import { textfilecontent54Probe } from './independent/textfilecontent54.js';
import { variableProbe } from './independent/variable.js';
import { xmlfilecontentProbe } from './independent/xmlfilecontent.js';
import { yamlfilecontentProbe } from './independent/yamlfilecontent.js';
import { registerLinuxProbes } from './linux/index.js';
import { registerPackageProbes } from './linux/packages.js';
import { ProbeRegistry, type Probe } from './probe.js';
import { fileProbe } from './unix/file.js';
import { fileextendedattributeProbe } from './unix/fileextendedattribute.js';
import { interfaceProbe } from './unix/interface.js';
import { passwordProbe } from './unix/password.js';
import { process58Probe } from './unix/process58.js';
import { runlevelProbe } from './unix/runlevel.js';
import { shadowProbe } from './unix/shadow.js';
import { symlinkProbe } from './unix/symlink.js';
import { sysctlProbe } from './unix/sysctl.js';
import { unameProbe } from './unix/uname.js';
import { xinetdProbe } from './unix/xinetd.js';

/** The probes of the independent family. */
export const independentProbes: readonly Probe[] = [
  environmentvariableProbe,
  environmentvariable58Probe,
  familyProbe,
  filehashProbe,
  filehash58Probe,
  sql57Probe,
  textfilecontentProbe,
  textfilecontent54Probe,
  variableProbe,
  xmlfilecontentProbe,
  yamlfilecontentProbe,
];

/** The probes of the unix family. */
export const unixProbes: readonly Probe[] = [
  fileProbe,
  fileextendedattributeProbe,
  interfaceProbe,
  passwordProbe,
  process58Probe,
  runlevelProbe,
  shadowProbe,
  symlinkProbe,
  sysctlProbe,
  unameProbe,
  xinetdProbe,
];

/** Builds a registry with every built-in probe: independent, unix and linux families. */
export function createDefaultRegistry(): ProbeRegistry {
  const registry = new ProbeRegistry();
  for (const probe of [...independentProbes, ...unixProbes]) registry.register(probe);
  registerPackageProbes(registry);
  registerLinuxProbes(registry);
  return registry;
}
