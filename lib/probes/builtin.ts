/**
 * The registry of every probe scapula ships. Callers start from `createDefaultRegistry()` and
 * may register their own probes on top, replacing a built-in one for the same object type.
 * Each probe's module is imported when the probe first collects, so a run loads only the
 * probes its document uses. The descriptions below repeat those of the modules, so that
 * `scapula info --probes` lists them without loading any, and a test keeps the two equal.
 */
import type { OvalFamily } from '../oval/model.js';
import { ProbeRegistry, type Probe, type ProbeContext, type ProbeDescription, type ProbeRequest, type ProbeResult } from './probe.js';

/** A built-in probe: what the registry lists, and how to import the module that collects. */
export interface BuiltinProbe {
  family: OvalFamily;
  objectType: string;
  description: ProbeDescription;
  load: () => Promise<Probe>;
}

/** Every built-in probe of the independent, unix and linux families. */
export const BUILTIN_PROBES: readonly BuiltinProbe[] = [
  {
    family: 'independent',
    objectType: 'environmentvariable_object',
    description: {
      summary: 'Environment variables the evaluating tool sees (deprecated object).',
      onImage: 'The Env of the image configuration; a directory root has none: "not collected".',
      onHost: "This process's environment.",
    },
    load: async () => (await import('./independent/environmentvariable.js')).environmentvariableProbe,
  },
  {
    family: 'independent',
    objectType: 'environmentvariable58_object',
    description: {
      summary: 'Environment variables of a process, or of the evaluating tool for a nil pid.',
      onImage: 'Nil pid: the Env of the image configuration. A directory root has none: "not collected". Other pids: "not collected".',
      onHost: "Nil pid: this process's environment. Other pids: /proc/PID/environ.",
    },
    load: async () => (await import('./independent/environmentvariable58.js')).environmentvariable58Probe,
  },
  {
    family: 'independent',
    objectType: 'family_object',
    description: {
      summary: 'The OVAL family of the system: "unix" for every Linux target.',
      onImage: 'Reports "unix".',
      onHost: 'Reports "unix".',
    },
    load: async () => (await import('./independent/family.js')).familyProbe,
  },
  {
    family: 'independent',
    objectType: 'filehash_object',
    description: {
      summary: 'MD5 and SHA-1 digests of files (deprecated object).',
      onImage: 'Hashes the files inside the image or root.',
      onHost: 'Hashes the files of the running host.',
    },
    load: async () => (await import('./independent/filehash.js')).filehashProbe,
  },
  {
    family: 'independent',
    objectType: 'filehash58_object',
    description: {
      summary: 'MD5 and SHA-1/224/256/384/512 digests of files.',
      onImage: 'Hashes the files inside the image or root.',
      onHost: 'Hashes the files of the running host.',
    },
    load: async () => (await import('./independent/filehash58.js')).filehash58Probe,
  },
  {
    family: 'independent',
    objectType: 'sql57_object',
    description: {
      summary: 'SQL query results. scapula never connects to a database, so no items are collected.',
      onImage: 'Not collected; an engine OpenSCAP cannot query is an error, as in oscap.',
      onHost: 'Not collected; an engine OpenSCAP cannot query is an error, as in oscap.',
    },
    load: async () => (await import('./independent/sql57.js')).sql57Probe,
  },
  {
    family: 'independent',
    objectType: 'textfilecontent_object',
    description: {
      summary: 'Matches of a line pattern in text files (deprecated object).',
      onImage: 'Reads the files inside the image or root.',
      onHost: 'Reads the files of the running host.',
    },
    load: async () => (await import('./independent/textfilecontent.js')).textfilecontentProbe,
  },
  {
    family: 'independent',
    objectType: 'textfilecontent54_object',
    description: {
      summary: 'Matches of a Perl-compatible regular expression in text files, with capturing groups.',
      onImage: 'Reads the files inside the image or root.',
      onHost: 'Reads the files of the running host.',
    },
    load: async () => (await import('./independent/textfilecontent54.js')).textfilecontent54Probe,
  },
  {
    family: 'independent',
    objectType: 'variable_object',
    description: {
      summary: 'The values of an OVAL variable of the same evaluation.',
      onImage: "Reports the variable's values; no file is read.",
      onHost: "Reports the variable's values; no file is read.",
    },
    load: async () => (await import('./independent/variable.js')).variableProbe,
  },
  {
    family: 'independent',
    objectType: 'xmlfilecontent_object',
    description: {
      summary: 'Values selected by an XPath 1.0 expression in XML files; no DTD, network or entity is loaded.',
      onImage: 'Reads the files inside the image or root.',
      onHost: 'Reads the files of the running host.',
    },
    load: async () => (await import('./independent/xmlfilecontent.js')).xmlfilecontentProbe,
  },
  {
    family: 'independent',
    objectType: 'yamlfilecontent_object',
    description: {
      summary: 'Values selected by a YAML path in YAML files or inline YAML text, as records.',
      onImage: 'Reads the files inside the image or root.',
      onHost: 'Reads the files of the running host.',
    },
    load: async () => (await import('./independent/yamlfilecontent.js')).yamlfilecontentProbe,
  },
  {
    family: 'unix',
    objectType: 'file_object',
    description: {
      summary: 'File metadata: type, owner, times, size, permission bits and extended ACLs.',
      onImage: 'Reads the metadata stored in the image or root; has_extended_acl is "not collected" where extended attributes cannot be read.',
      onHost: "Reads the metadata of the running host's files.",
    },
    load: async () => (await import('./unix/file.js')).fileProbe,
  },
  {
    family: 'unix',
    objectType: 'fileextendedattribute_object',
    description: {
      summary: 'Extended attributes of files.',
      onImage: 'Image archives: the attributes stored in the layers. Root directories: read with llistxattr and lgetxattr through the optional @napi-rs/xattr package, else "not collected".',
      onHost: 'Read with llistxattr and lgetxattr through the optional @napi-rs/xattr package, else "not collected".',
    },
    load: async () => (await import('./unix/fileextendedattribute.js')).fileextendedattributeProbe,
  },
  {
    family: 'unix',
    objectType: 'interface_object',
    description: {
      summary: 'Network interfaces: addresses, link type, hardware address and flags.',
      onImage: '"not collected": an image or root directory has no configured interfaces.',
      onHost: 'One item per interface address, with flags and type from /sys/class/net.',
    },
    load: async () => (await import('./unix/interface.js')).interfaceProbe,
  },
  {
    family: 'unix',
    objectType: 'password_object',
    description: {
      summary: 'Accounts from etc/passwd.',
      onImage: 'Reads etc/passwd of the image or root; last_login is -1.',
      onHost: 'Reads /etc/passwd of the host (not NSS sources such as LDAP); last_login is -1.',
    },
    load: async () => (await import('./unix/password.js')).passwordProbe,
  },
  {
    family: 'unix',
    objectType: 'process58_object',
    description: {
      summary: 'Running processes: command line, ids, times, terminal, capabilities.',
      onImage: '"not collected": an image or root directory runs no processes. An empty /proc folder in the root makes the object not exist, as in oscap.',
      onHost: 'Reads /proc.',
    },
    load: async () => (await import('./unix/process58.js')).process58Probe,
  },
  {
    family: 'unix',
    objectType: 'runlevel_object',
    description: {
      summary: 'SysV init scripts scheduled to start or stop per runlevel, from the etc/rc?.d links.',
      onImage: 'Reads the links in the image or root (systemd units are not consulted).',
      onHost: 'Reads the links in /etc (systemd units are not consulted).',
    },
    load: async () => (await import('./unix/runlevel.js')).runlevelProbe,
  },
  {
    family: 'unix',
    objectType: 'shadow_object',
    description: {
      summary: 'Password aging data from etc/shadow.',
      onImage: 'Reads etc/shadow of the image or root (OpenSCAP 1.3.7 reports "not applicable" offline).',
      onHost: 'Reads /etc/shadow of the host (needs root).',
    },
    load: async () => (await import('./unix/shadow.js')).shadowProbe,
  },
  {
    family: 'unix',
    objectType: 'symlink_object',
    description: {
      summary: 'The canonical path a symbolic link resolves to.',
      onImage: 'Resolves links inside the image or root, with its root as "/".',
      onHost: 'Resolves links on the running host.',
    },
    load: async () => (await import('./unix/symlink.js')).symlinkProbe,
  },
  {
    family: 'unix',
    objectType: 'sysctl_object',
    description: {
      summary: 'Current kernel parameters from /proc/sys.',
      onImage: '"not collected": an image has no current kernel parameters (etc/sysctl.conf holds configured values).',
      onHost: 'Reads /proc/sys.',
    },
    load: async () => (await import('./unix/sysctl.js')).sysctlProbe,
  },
  {
    family: 'unix',
    objectType: 'uname_object',
    description: {
      summary: 'Kernel name, release, version, machine and node name.',
      onImage: 'One item from the image: machine_class from its architecture, os_name Linux, node_name from etc/hostname or the image reference, os_release from /lib/modules when there is exactly one kernel; os_version does not exist.',
      onHost: "The running kernel's uname data.",
    },
    load: async () => (await import('./unix/uname.js')).unameProbe,
  },
  {
    family: 'unix',
    objectType: 'xinetd_object',
    description: {
      summary: 'Services configured in etc/xinetd.conf and its included files.',
      onImage: 'Reads the configuration inside the image or root (OpenSCAP 1.3.7 reports "not applicable" offline).',
      onHost: 'Reads /etc/xinetd.conf and its includes.',
    },
    load: async () => (await import('./unix/xinetd.js')).xinetdProbe,
  },
  {
    family: 'linux',
    objectType: 'rpminfo_object',
    description: {
      summary: 'Installed rpm packages: name, epoch, version, release, arch, signing key id and, with the filepaths behavior, their files.',
      onImage: 'Reads the rpm database inside the image or root (SQLite, NDB or Berkeley DB) without librpm.',
      onHost: 'Reads the host rpm database files the same way; nothing is written beside them.',
    },
    load: async () => (await import('./linux/rpminfo.js')).rpminfoProbe,
  },
  {
    family: 'linux',
    objectType: 'rpmverifyfile_object',
    description: {
      summary: 'rpm -V for packaged files: digest, size, mode, owner, group, mtime, link target, device and capabilities against the rpm database.',
      onImage: 'Compares the files inside the image or root with its rpm database; owners resolve through its /etc/passwd and /etc/group.',
      onHost: 'Compares the host files with the host rpm database.',
    },
    load: async () => (await import('./linux/rpmverifyfile.js')).rpmverifyfileProbe,
  },
  {
    family: 'linux',
    objectType: 'rpmverifypackage_object',
    description: {
      summary: 'rpm -V --nofiles: dependencies, header digests and header signature of installed packages.',
      onImage: 'Checks the headers of the rpm database inside the image or root against the keys imported there; %verify scripts are not run.',
      onHost: 'Checks the host rpm database the same way; %verify scripts are not run.',
    },
    load: async () => (await import('./linux/rpmverifypackage.js')).rpmverifypackageProbe,
  },
  {
    family: 'linux',
    objectType: 'dpkginfo_object',
    description: {
      summary: 'Installed Debian packages: name, arch, epoch, upstream version, Debian revision.',
      onImage: 'Reads var/lib/dpkg/status and the distroless var/lib/dpkg/status.d/ entries inside the image or root.',
      onHost: 'Reads /var/lib/dpkg/status and /var/lib/dpkg/status.d/ of the host.',
    },
    load: async () => (await import('./linux/dpkginfo.js')).dpkginfoProbe,
  },
  {
    family: 'linux',
    objectType: 'iflisteners_object',
    description: {
      summary: 'Packet sockets bound to a network interface, with the owning process.',
      onImage: 'Not collected: an image runs no process and has no sockets.',
      onHost: 'Reads /proc/net/packet, /sys/class/net and the owners of socket inodes through /proc/<pid>/fd.',
    },
    load: async () => (await import('./linux/iflisteners.js')).iflistenersProbe,
  },
  {
    family: 'linux',
    objectType: 'inetlisteningservers_object',
    description: {
      summary: 'TCP and UDP sockets with their addresses, ports and owning process.',
      onImage: 'Not collected: an image runs no process and has no sockets.',
      onHost: 'Reads /proc/net/{tcp,tcp6,udp,udp6,raw,raw6} and maps socket inodes to processes through /proc/<pid>/fd.',
    },
    load: async () => (await import('./linux/inetlisteningservers.js')).inetListeningServersProbe,
  },
  {
    family: 'linux',
    objectType: 'partition_object',
    description: {
      summary: 'Mounted file systems: device, UUID, type, options and space.',
      onImage: 'Not collected: an image has no mounted file systems.',
      onHost: 'Reads /proc/mounts, statfs(2) of each mount point and the UUID links in /dev/disk/by-uuid.',
    },
    load: async () => (await import('./linux/partition.js')).partitionProbe,
  },
  {
    family: 'linux',
    objectType: 'selinuxboolean_object',
    description: {
      summary: 'Current and pending values of SELinux booleans.',
      onImage: 'Computes the boot values from /etc/selinux/config and the policy store (module CIL defaults, then booleans.local); current and pending are both that value.',
      onHost: 'Reads /sys/fs/selinux/booleans.',
    },
    load: async () => (await import('./linux/selinuxboolean.js')).selinuxBooleanProbe,
  },
  {
    family: 'linux',
    objectType: 'selinuxsecuritycontext_object',
    description: {
      summary: 'SELinux contexts of files (security.selinux) and of processes.',
      onImage: 'Reads the security.selinux attribute that the image layers carry, or of a directory root\'s files as on the host; process objects are not collected.',
      onHost: 'Reads /proc/<pid>/attr/current for processes, and the security.selinux attribute of files through the optional @napi-rs/xattr package (without it, file objects are not collected).',
    },
    load: async () => (await import('./linux/selinuxsecuritycontext.js')).selinuxSecurityContextProbe,
  },
  {
    family: 'linux',
    objectType: 'systemdunitdependency_object',
    description: {
      summary: 'The units a systemd unit requires or wants, transitively through targets.',
      onImage: 'Reads unit files, drop-ins and .wants/.requires links from the image and loads the units systemd would load from default.target. No unit runs in an image, so ActiveState is "inactive".',
      onHost: 'Reads the same files from the host instead of asking systemd over D-Bus, so ActiveState is "inactive" even for running units, and units loaded only at run time (generators, udev) are missing.',
    },
    load: async () => (await import('./linux/systemdunitdependency.js')).systemdUnitDependencyProbe,
  },
  {
    family: 'linux',
    objectType: 'systemdunitproperty_object',
    description: {
      summary: 'Properties of systemd units (the org.freedesktop.systemd1.Unit D-Bus interface).',
      onImage: 'Reads unit files, drop-ins and .wants/.requires links from the image and loads the units systemd would load from default.target. No unit runs in an image, so ActiveState is "inactive".',
      onHost: 'Reads the same files from the host instead of asking systemd over D-Bus, so ActiveState is "inactive" even for running units, and units loaded only at run time (generators, udev) are missing.',
    },
    load: async () => (await import('./linux/systemdunitproperty.js')).systemdUnitPropertyProbe,
  },
];

/** Returns a probe that imports the built-in probe's module on its first collect, then delegates. */
function lazyProbe(builtin: BuiltinProbe): Probe {
  let loading: Promise<Probe> | undefined;
  return {
    family: builtin.family,
    objectType: builtin.objectType,
    description: builtin.description,
    async collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
      loading ??= builtin.load();
      return (await loading).collect(request, context);
    },
  };
}

/** Builds a registry with every built-in probe: independent, unix and linux families. */
export function createDefaultRegistry(): ProbeRegistry {
  const registry = new ProbeRegistry();
  for (const builtin of BUILTIN_PROBES) registry.register(lazyProbe(builtin));
  return registry;
}
