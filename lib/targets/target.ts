/**
 * A target is the system that probes read: a directory holding a root file system, the live
 * host, or a container image archive read in place. Probes see it only through this interface,
 * so no probe ever opens a host path by itself.
 */

export type FileType = 'file' | 'directory' | 'symlink' | 'fifo' | 'character' | 'block' | 'socket';

export interface FileStat {
  type: FileType;
  /** Permission bits with setuid, setgid and sticky (the low 12 bits of st_mode). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  atime: number;
  ctime: number;
  nlink: number;
  /** An inode-like number, equal for hard links to the same file within one target. */
  ino: number;
  dev: number;
  /** Device numbers of character and block devices. */
  rdevMajor?: number;
  rdevMinor?: number;
}

export interface DirEntry {
  name: string;
  type: FileType;
}

export interface ReadOptions {
  /** Refuse files larger than this many bytes with a LIMIT error (default 64 MiB). */
  maxBytes?: number;
}

/**
 * A read-only view of a file system. Paths are absolute POSIX paths inside the target
 * ("/etc/passwd"); every symbolic link is resolved inside the target, with the target's
 * root as "/", and "..", at the root stays at the root.
 *
 * Missing paths: `lstat` and `stat` return null; the other calls throw a ScapulaError with
 * code NOT_FOUND. A symbolic link loop throws PATH_LOOP. Reading a FIFO, socket or device
 * throws SPECIAL_FILE and never opens it.
 */
export interface FileSystemView {
  lstat(path: string): Promise<FileStat | null>;
  stat(path: string): Promise<FileStat | null>;
  readlink(path: string): Promise<string>;
  /** The canonical path of `path` inside the target, with every symbolic link resolved. */
  realpath(path: string): Promise<string>;
  readFile(path: string, options?: ReadOptions): Promise<Uint8Array>;
  /** Reads at most `length` bytes starting at `offset`; fewer at the end of the file. */
  readRange(path: string, offset: number, length: number): Promise<Uint8Array>;
  /** Reads the file in chunks of at most `chunkSize` bytes, for files of any size. */
  readChunks(path: string, chunkSize?: number): AsyncIterable<Uint8Array>;
  /** Lists a directory (symbolic links followed for the directory itself), sorted by name. */
  readdir(path: string): Promise<DirEntry[]>;
  /** Extended attributes of a file (without following a final symbolic link), or an empty map. */
  xattrs(path: string): Promise<Map<string, Uint8Array>>;
}

export interface NetworkInterfaceFact {
  name: string;
  ipAddress: string;
  macAddress: string;
}

/** Facts about the target that probes and the results' system_info report. */
export interface TargetFacts {
  osName: string;
  osVersion: string;
  architecture: string;
  primaryHostName: string;
  interfaces: NetworkInterfaceFact[];
  /**
   * The environment the target's processes would see: the image config's Env for an image,
   * process.env for the live host, and null for a directory root (no environment is known).
   */
  environment: Record<string, string> | null;
  /** Kernel facts for uname: live host only; null elsewhere. */
  uname: UnameFacts | null;
}

export interface UnameFacts {
  machineClass: string;
  nodeName: string;
  osName: string;
  osRelease: string;
  osVersion: string;
  processorType: string;
}

export interface ImageMetadata {
  /** The names the image was saved under, e.g. "docker.io/library/debian:12". */
  references: string[];
  manifestDigest?: string;
  configDigest?: string;
  indexDigest?: string;
  layerDigests: string[];
  diffIds: string[];
  os: string;
  architecture: string;
  variant?: string;
  created?: string;
  labels: Record<string, string>;
  env: Record<string, string>;
  user?: string;
}

export type TargetKind = 'directory' | 'host' | 'image';

export interface Target {
  readonly kind: TargetKind;
  /** The source the target was opened from, for messages and results: a path or "/". */
  readonly source: string;
  readonly fs: FileSystemView;
  /**
   * True only when the target is the running host: probes that need a running system
   * (uname, process58, sysctl, interface, inetlisteningservers, partition) may read it.
   */
  readonly live: boolean;
  facts(): Promise<TargetFacts>;
  readonly image?: ImageMetadata;
  /** Releases what the target holds (temporary files, open handles). Safe to call twice. */
  close(): Promise<void>;
}
