/**
 * Alpine's installed-package database, `/lib/apk/db/installed`: records separated by blank
 * lines, each line a one-letter key, a colon and a value.
 *
 *   P:busybox            package name         F:bin        directory (relative to /)
 *   V:1.36.1-r0          version              R:busybox    file in the last F: directory
 *   A:x86_64             architecture         a:0:0:755    owner, group, mode of the last R: (M: for F:)
 *   o:busybox            origin (source)      Z:Q1...=     checksum of the last R: ("Q1" + base64 SHA-1)
 *
 * OVAL 5.11.2 has no object for apk packages, so no probe uses this yet; it serves inventories.
 */
import { ScapulaError } from '../errors.js';
import type { FileSystemView } from '../targets/target.js';

export const APK_INSTALLED = '/lib/apk/db/installed';

export interface ApkFile {
  path: string;
  /** The `Z:` checksum as written ("Q1" + base64 SHA-1), or ''. */
  checksum: string;
  uid?: number;
  gid?: number;
  mode?: number;
}

export interface ApkPackage {
  name: string;
  version: string;
  architecture: string;
  origin: string;
  license: string;
  files: ApkFile[];
  /** 1-based line of the record's first line. */
  line: number;
}

export function parseApkInstalled(text: string, file: string): ApkPackage[] {
  const packages: ApkPackage[] = [];
  let current: ApkPackage | null = null;
  let directory = '';
  let lastFile: ApkFile | null = null;
  const lines = text.split('\n');

  const finish = (): void => {
    if (current === null) return;
    if (current.name === '' || current.version === '') {
      throw new ScapulaError('PACKAGE_DB_CORRUPT', `record without ${current.name === '' ? 'a P: name' : 'a V: version'}`, { file, line: current.line });
    }
    packages.push(current);
    current = null;
  };

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].replace(/\r$/, '');
    if (line === '') {
      finish();
      continue;
    }
    if (line.length < 2 || line[1] !== ':') {
      throw new ScapulaError('PACKAGE_DB_CORRUPT', `expected "X:value", found ${JSON.stringify(line.slice(0, 80))}`, { file, line: index + 1, column: 1 });
    }
    if (current === null) {
      current = { name: '', version: '', architecture: '', origin: '', license: '', files: [], line: index + 1 };
      directory = '';
      lastFile = null;
    }
    const value = line.slice(2);
    switch (line[0]) {
      case 'P':
        current.name = value;
        break;
      case 'V':
        current.version = value;
        break;
      case 'A':
        current.architecture = value;
        break;
      case 'o':
        current.origin = value;
        break;
      case 'L':
        current.license = value;
        break;
      case 'F':
        directory = value;
        lastFile = null;
        break;
      case 'R':
        lastFile = { path: `/${directory === '' ? '' : `${directory}/`}${value}`, checksum: '' };
        current.files.push(lastFile);
        break;
      case 'Z':
        if (lastFile !== null) lastFile.checksum = value;
        break;
      case 'a':
        if (lastFile !== null) Object.assign(lastFile, parseAcl(value));
        break;
      default:
        break;
    }
  }
  finish();
  return packages;
}

function parseAcl(value: string): Partial<ApkFile> {
  const [uid, gid, mode] = value.split(':');
  return { uid: Number(uid), gid: Number(gid), mode: Number.parseInt(mode ?? '', 8) };
}

/** Reads the target's apk database, or returns null when it has none. */
export async function readApkDatabase(fs: FileSystemView): Promise<ApkPackage[] | null> {
  if ((await fs.stat(APK_INSTALLED))?.type !== 'file') return null;
  return parseApkInstalled(new TextDecoder().decode(await fs.readFile(APK_INSTALLED)), APK_INSTALLED);
}
