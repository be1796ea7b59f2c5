/**
 * The scratch copy of OpenSCAP's tests/ folder the cases run in, and the MITRE support files.
 * The shared copy is read-only, so the runner copies the folders it needs, resolves symbolic
 * links and expands every ".gz" file under the name without ".gz", as upstream has them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

/** The upstream folders the runner executes; API/XCCDF and DS are reported without running. */
export const COPIED_FOLDERS = ['API/OVAL', 'mitre', 'probes'];

/** Where the MITRE content expects its support files: absolute paths in the definitions point here. */
export const MITRE_SUPPORT_DIR = '/tmp/support';

export function prepareScratchTests(sharedTests: string, scratchTests: string): void {
  for (const folder of COPIED_FOLDERS) {
    copyTree(path.join(sharedTests, folder), path.join(scratchTests, folder));
  }
}

function copyTree(source: string, destination: string): void {
  mkdirSync(destination, { recursive: true });
  for (const name of readdirSync(source)) {
    const from = path.join(source, name);
    const info = statSync(from);
    if (info.isDirectory()) {
      copyTree(from, path.join(destination, name));
      continue;
    }
    const bytes = readFileSync(realpathSync(from));
    if (name.endsWith('.gz')) {
      writeFileSync(path.join(destination, name.slice(0, -3)), gunzipSync(bytes));
    } else {
      writeFileSync(path.join(destination, name), bytes);
    }
  }
}

/**
 * Unpacks mitre/support.tgz into /tmp, as the upstream MITRE script does, unless /tmp/support
 * already exists. Like upstream, a variables file that declares schema version 5.0 is raised
 * to 5.5. `created` is true when this call made the folder, so the caller removes it afterwards.
 */
export function prepareMitreSupport(sharedTests: string): { created: boolean; note?: string } {
  if (existsSync(MITRE_SUPPORT_DIR)) {
    const info = lstatSync(MITRE_SUPPORT_DIR);
    if (!info.isDirectory()) return { created: false, note: `${MITRE_SUPPORT_DIR} exists and is not a directory` };
    return { created: false, note: `${MITRE_SUPPORT_DIR} already existed and was used as it is` };
  }
  execFileSync('tar', ['-xzf', path.join(sharedTests, 'mitre/support.tgz'), '-C', path.dirname(MITRE_SUPPORT_DIR)]);
  const variablesDir = path.join(MITRE_SUPPORT_DIR, 'var');
  for (const name of readdirSync(variablesDir)) {
    const file = path.join(variablesDir, name);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('<oval:schema_version>5.0</oval:schema_version>', '<oval:schema_version>5.5</oval:schema_version>'));
  }
  return { created: true };
}

export function removeMitreSupport(): void {
  rmSync(MITRE_SUPPORT_DIR, { recursive: true, force: true });
}

/**
 * Makes a working folder for one case: relative input paths of the upstream commands
 * ("API/OVAL/...", "probes/...", "support/...") resolve through links to the scratch copy,
 * and relative output files land in the case's own folder.
 */
export function prepareCaseDir(caseDir: string, scratchTests: string, withMitreSupport: boolean): void {
  mkdirSync(caseDir, { recursive: true });
  for (const top of ['API', 'mitre', 'probes']) {
    linkIfMissing(path.join(scratchTests, top), path.join(caseDir, top));
  }
  if (withMitreSupport) linkIfMissing(MITRE_SUPPORT_DIR, path.join(caseDir, 'support'));
}

function linkIfMissing(target: string, link: string): void {
  if (!existsSync(target) || existsSync(link)) return;
  symlinkSync(target, link);
}
