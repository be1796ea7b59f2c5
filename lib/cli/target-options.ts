/** The target options shared by `oval eval` and `oval collect`: --root, --image, --platform, --no-verify, --skip-path. */
import { realpathSync } from 'node:fs';
import path from 'node:path';

import type { OptionSpec, ParsedArgs } from './args.js';
import { optionFlag, optionValue, usageError } from './args.js';
import { openTarget } from '../targets/open.js';
import type { Target } from '../targets/target.js';

export const TARGET_OPTION_SPECS: OptionSpec[] = [
  { name: 'root', kind: 'value' },
  { name: 'image', kind: 'value' },
  { name: 'platform', kind: 'value' },
  { name: 'no-verify', kind: 'flag' },
  { name: 'skip-path', kind: 'value', repeatable: true },
];

/**
 * Returns the paths whose files the probes leave out: each --skip-path, then those of the
 * environment variable OSCAP_PROBE_IGNORE_PATHS (colon-separated), which oscap reads too.
 */
export function ignoredPathsFromArgs(args: ParsedArgs, environment: NodeJS.ProcessEnv = process.env): string[] {
  const fromOptions = args.options.get('skip-path') ?? [];
  const fromEnvironment = (environment.OSCAP_PROBE_IGNORE_PATHS ?? '').split(':').filter((entry) => entry !== '');
  return [...fromOptions, ...fromEnvironment];
}

/** Opens the target the options name; with neither --root nor --image, the running host ("/"). */
export async function openTargetFromArgs(args: ParsedArgs, command: string, signal?: AbortSignal): Promise<Target> {
  const root = optionValue(args, 'root');
  const image = optionValue(args, 'image');
  const platform = optionValue(args, 'platform');
  const noVerify = optionFlag(args, 'no-verify');

  if (root !== undefined && image !== undefined) throw usageError('--root and --image cannot be used together', command);
  if (image === undefined && platform !== undefined) throw usageError('--platform applies only to --image', command);
  if (image === undefined && noVerify) throw usageError('--no-verify applies only to --image', command);

  if (image !== undefined) return openTarget({ image, platform, verify: !noVerify, signal });
  return openTarget({ root: root ?? '/', signal });
}

/**
 * Returns a warning for each output file (option name to path) that lies inside the --root
 * directory, links resolved. scapula writes it there because the user asked, but the file then
 * changes the target and later scans of it see the file. A root of "/" is the host, so no
 * output there gets a warning.
 */
export function outputsInsideRoot(args: ParsedArgs, outputs: Record<string, string | undefined>): string[] {
  const root = optionValue(args, 'root');
  if (root === undefined) return [];
  const realRoot = resolveLinks(root);
  if (realRoot === path.parse(realRoot).root) return [];

  const warnings: string[] = [];
  for (const [option, file] of Object.entries(outputs)) {
    if (file === undefined) continue;
    const relative = path.relative(realRoot, resolveLinks(file));
    const inside = relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
    if (inside) warnings.push(`--${option} ${file} is written into the scanned root (--root ${root}), and later scans of that root will see it`);
  }
  return warnings;
}

/** Resolves `file` to an absolute path without links, for a file that may not exist yet (its folder then). */
function resolveLinks(file: string): string {
  const absolute = path.resolve(file);
  try {
    return realpathSync(absolute);
  } catch {
    // The file does not exist yet: resolve its folder instead.
  }
  try {
    return path.join(realpathSync(path.dirname(absolute)), path.basename(absolute));
  } catch {
    return absolute;
  }
}
