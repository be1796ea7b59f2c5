/**
 * File capabilities for `rpm -V`'s capability check: the text form rpm stores in FILECAPS
 * ("cap_net_raw=ep", "cap_net_admin,cap_net_raw+ep") and the `security.capability` extended
 * attribute on disk (struct vfs_cap_data), both reduced to one comparable form.
 */

/** Capability names by number, as linux/capability.h numbers them (Linux 5.9+: 0 to 40). */
const CAPABILITY_NAMES = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap',
  'linux_immutable', 'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner',
  'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace', 'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice',
  'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write', 'audit_control', 'setfcap',
  'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf',
  'checkpoint_restore',
];

export interface CapabilitySet {
  permitted: bigint;
  inheritable: bigint;
  effective: bigint;
}

export const EMPTY_CAPABILITIES: CapabilitySet = { permitted: 0n, inheritable: 0n, effective: 0n };

const ALL = (1n << BigInt(CAPABILITY_NAMES.length)) - 1n;

const FLAG_SETS: Record<string, keyof CapabilitySet> = { p: 'permitted', i: 'inheritable', e: 'effective' };

/** Number of 32-bit permitted/inheritable word pairs by vfs_cap_data revision. */
const WORDS_BY_REVISION: Record<number, number> = { 0x01000000: 1, 0x02000000: 2, 0x03000000: 2 };

/**
 * Parses libcap's text form (cap_from_text): clauses separated by spaces, each a comma list
 * of names (or "all", or nothing for all), an operator (=, + or -) and flags from "eip".
 * Returns null for text libcap would reject.
 */
export function parseCapabilityText(text: string): CapabilitySet | null {
  const set = { ...EMPTY_CAPABILITIES };
  for (const clause of text.trim().split(/\s+/).filter(Boolean)) {
    const match = /^([a-z_0-9,]*)((?:[=+-][eip]*)+)$/i.exec(clause);
    if (match === null) return null;
    let mask = 0n;
    if (match[1] === '' || match[1].toLowerCase() === 'all') mask = ALL;
    else {
      for (const name of match[1].toLowerCase().split(',')) {
        const index = CAPABILITY_NAMES.indexOf(name.replace(/^cap_/, ''));
        if (index < 0) return null;
        mask |= 1n << BigInt(index);
      }
    }
    for (const action of match[2].match(/[=+-][eip]*/g) ?? []) {
      const flags = action.slice(1);
      if (action[0] === '=') {
        set.permitted &= ~mask;
        set.inheritable &= ~mask;
        set.effective &= ~mask;
      }
      const add = action[0] !== '-';
      for (const flag of flags) {
        const key = FLAG_SETS[flag];
        set[key] = add ? set[key] | mask : set[key] & ~mask;
      }
    }
  }
  return set;
}

/**
 * Decodes a `security.capability` value: a little-endian magic/flags word (revision 1, 2 or 3;
 * bit 0 = effective), then permitted and inheritable words (one pair for revision 1, two for
 * 2 and 3; revision 3 adds a root uid, ignored here). Returns null for an invalid value.
 */
export function parseCapabilityXattr(value: Uint8Array): CapabilitySet | null {
  if (value.byteLength < 12) return null;
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const magic = view.getUint32(0, true);
  const revision = magic & 0xff000000;
  const words = WORDS_BY_REVISION[revision];
  if (words === undefined || value.byteLength < 4 + words * 8) return null;
  let permitted = 0n;
  let inheritable = 0n;
  for (let i = 0; i < words; i++) {
    permitted |= BigInt(view.getUint32(4 + i * 8, true)) << BigInt(32 * i);
    inheritable |= BigInt(view.getUint32(8 + i * 8, true)) << BigInt(32 * i);
  }
  // The on-disk effective bit applies to every permitted or inheritable capability.
  const effective = magic & 1 ? permitted | inheritable : 0n;
  return { permitted, inheritable, effective };
}

export function sameCapabilities(a: CapabilitySet, b: CapabilitySet): boolean {
  return a.permitted === b.permitted && a.inheritable === b.inheritable && a.effective === b.effective;
}
