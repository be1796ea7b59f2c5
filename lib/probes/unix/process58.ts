/**
 * process58_object: the processes of the running host, read from /proc. An image or root
 * directory runs no processes, so there the object is "not collected", except when the root
 * has an empty /proc folder. oscap 1.3.7 (with OSCAP_PROBE_ROOT) reads that /proc and finds no
 * process, so the object does not exist, and so does scapula.
 *
 * /proc/PID/stat, after the command name in brackets, contains (1-based field numbers):
 *
 *     3 state  4 ppid  7 tty_nr  14 utime  15 stime  18 priority  22 starttime  41 policy
 */
import { ScapulaError, isScapulaError } from '../../errors.js';
import type { ItemEntity, ProbeItem } from '../../oval/syschar.js';
import type { FileSystemView } from '../../targets/target.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { entityMatches, findEntity } from '../util/entity.js';
import { decodeText } from '../util/file-content.js';
import { booleanEntity, defineProbe, itemEntity, makeItem, notCollectedOffline, throwIfAborted } from '../util/items.js';

/** Clock ticks per second of /proc times; USER_HZ is 100 on every Linux architecture. */
const CLOCK_TICKS = 100;

/** Capability names by bit, up to CAP_AUDIT_READ: the last one the OVAL 5.11.2 schema lists. */
const CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
];

/** Scheduling policies by number, named as ps(1) prints its "class" column. */
const SCHEDULING_CLASSES: Record<string, string> = { '0': 'TS', '1': 'FF', '2': 'RR', '3': 'B', '5': 'IDL', '6': 'DLN' };

interface ProcessData {
  pid: string;
  commandLine: string;
  stat: string[];
  status: Map<string, string>;
  loginuid: string | null;
  sessionId: string | null;
  selinuxLabel: string | null;
}

async function readOptional(fs: FileSystemView, path: string): Promise<string | null> {
  try {
    return decodeText(await fs.readFile(path, { maxBytes: 1024 * 1024 }));
  } catch (error) {
    if (isScapulaError(error)) return null;
    throw error;
  }
}

async function readProcess(fs: FileSystemView, pid: string): Promise<ProcessData | null> {
  const statText = await readOptional(fs, `/proc/${pid}/stat`);
  const statusText = await readOptional(fs, `/proc/${pid}/status`);
  if (statText === null || statusText === null) return null;

  // The command name may contain spaces and brackets, so the fields start after the last ")".
  const nameEnd = statText.lastIndexOf(')');
  const stat = ['', pid, statText.slice(statText.indexOf('(') + 1, nameEnd), ...statText.slice(nameEnd + 2).trim().split(' ')];
  const status = new Map<string, string>();
  for (const line of statusText.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) status.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }

  const commandLine = (await readOptional(fs, `/proc/${pid}/cmdline`)) ?? '';
  return {
    pid,
    // Kernel threads have an empty command line; ps shows their name in brackets.
    commandLine: commandLine === '' ? `[${stat[2]}]` : commandLine.replace(/\0+$/, '').replaceAll('\0', ' '),
    stat,
    status,
    loginuid: (await readOptional(fs, `/proc/${pid}/loginuid`))?.trim() ?? null,
    sessionId: (await readOptional(fs, `/proc/${pid}/sessionid`))?.trim() ?? null,
    selinuxLabel: (await readOptional(fs, `/proc/${pid}/attr/current`))?.replace(/\0/g, '').trim() || null,
  };
}

function formatDuration(totalSeconds: number): string {
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = Math.floor(totalSeconds % 60);
  return [hours, minutes, seconds].map((part) => String(part).padStart(2, '0')).join(':');
}

/** Names a terminal from its device number, as ps(1) does for the common devices. */
function ttyName(ttyNumber: number): string {
  if (ttyNumber === 0) return '?';
  const major = (ttyNumber >> 8) & 0xfff;
  const minor = (ttyNumber & 0xff) | ((ttyNumber >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  if (major === 4) return minor < 64 ? `tty${minor}` : `ttyS${minor - 64}`;
  return '?';
}

function capabilitiesOf(hexMask: string | undefined): string[] {
  if (hexMask === undefined || !/^[0-9a-fA-F]+$/.test(hexMask)) return [];
  const mask = BigInt(`0x${hexMask}`);
  return CAPABILITIES.filter((_name, bit) => (mask >> BigInt(bit)) & 1n);
}

function processItem(process: ProcessData, bootTime: number): ProbeItem {
  const { stat, status } = process;
  const uids = (status.get('Uid') ?? '').split(/\s+/);
  const cpuSeconds = (Number(stat[14]) + Number(stat[15])) / CLOCK_TICKS;
  const startSeconds = bootTime + Number(stat[22]) / CLOCK_TICKS;
  const startTime = new Date(startSeconds * 1000).toISOString().slice(11, 19);

  const entities: ItemEntity[] = [
    itemEntity('command_line', process.commandLine),
    itemEntity('exec_time', formatDuration(cpuSeconds)),
    itemEntity('pid', process.pid, 'int'),
    itemEntity('ppid', stat[4], 'int'),
    itemEntity('priority', stat[18], 'int'),
    itemEntity('ruid', uids[0] ?? '', 'int'),
    itemEntity('scheduling_class', SCHEDULING_CLASSES[stat[41]] ?? '?'),
    itemEntity('start_time', startTime),
    itemEntity('tty', ttyName(Number(stat[7]))),
    itemEntity('user_id', uids[1] ?? '', 'int'),
    // Exec Shield was a Red Hat kernel patch; mainline kernels have no such setting.
    booleanEntity('exec_shield', false),
  ];
  if (process.loginuid !== null) entities.push(itemEntity('loginuid', process.loginuid, 'int'));
  entities.push(...capabilitiesOf(status.get('CapEff')).map((name) => itemEntity('posix_capability', name)));
  if (process.selinuxLabel !== null) entities.push(itemEntity('selinux_domain_label', process.selinuxLabel));
  if (process.sessionId !== null) entities.push(itemEntity('session_id', process.sessionId, 'int'));
  return makeItem('process58_item', 'unix', entities);
}

async function readBootTime(fs: FileSystemView): Promise<number> {
  const stat = (await readOptional(fs, '/proc/stat')) ?? '';
  const match = /^btime (\d+)$/m.exec(stat);
  return match === null ? 0 : Number(match[1]);
}

async function isEmptyDirectory(fs: FileSystemView, path: string): Promise<boolean> {
  try {
    if ((await fs.stat(path))?.type !== 'directory') return false;
    return (await fs.readdir(path)).length === 0;
  } catch (error) {
    if (isScapulaError(error)) return false;
    throw error;
  }
}

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const commandLineEntity = findEntity(request, 'command_line');
  const pidEntity = findEntity(request, 'pid');
  if (commandLineEntity === undefined || pidEntity === undefined) {
    throw new ScapulaError('OVAL_INVALID', `${request.object.id}: process58_object needs command_line and pid entities`);
  }
  if (!context.target.live) {
    if (await isEmptyDirectory(context.target.fs, '/proc')) {
      return { items: [], messages: [{ level: 'warning', text: 'no data about processes could be read from /proc, which is empty' }] };
    }
    return notCollectedOffline('process58_object', 'an image or root directory runs no processes');
  }

  const fs = context.target.fs;
  const bootTime = await readBootTime(fs);
  const items: ProbeItem[] = [];
  for (const entry of await fs.readdir('/proc')) {
    throwIfAborted(context);
    if (!/^\d+$/.test(entry.name) || !entityMatches(pidEntity, entry.name)) continue;

    const process = await readProcess(fs, entry.name);
    if (process === null || !entityMatches(commandLineEntity, process.commandLine)) continue;
    items.push(processItem(process, bootTime));
  }
  return { items };
}

export const process58Probe = defineProbe({
  objectType: 'process58_object',
  family: 'unix',
  description: {
    summary: 'Running processes: command line, ids, times, terminal, capabilities.',
    onImage: '"not collected": an image or root directory runs no processes. An empty /proc folder in the root makes the object not exist, as in oscap.',
    onHost: 'Reads /proc.',
  },
  collect,
});
