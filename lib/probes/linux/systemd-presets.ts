/**
 * systemd preset files (systemd.preset(5)), which give UnitFilePreset: whether the
 * distribution wants a unit enabled by default.
 *
 *     # /usr/lib/systemd/system-preset/90-default.preset
 *     enable sshd.service
 *     disable *
 */
import { posix } from 'node:path';

import type { FileSystemView } from '../../targets/target.js';
import { ignoreLookupErrors } from './systemd-search-path.js';

/** Preset directories, highest priority first. */
const PRESET_DIRS = [
  '/etc/systemd/system-preset',
  '/run/systemd/system-preset',
  '/usr/local/lib/systemd/system-preset',
  '/usr/lib/systemd/system-preset',
  '/lib/systemd/system-preset',
];

const MAX_PRESET_BYTES = 1024 * 1024;

export interface PresetRule {
  action: 'enable' | 'disable' | 'ignore';
  matches: (unitFileName: string) => boolean;
}

/**
 * Reads every `*.preset` file, a file name in a higher-priority directory hiding the same
 * name in a lower one, and returns their rules in file name order. Lines that are not
 * "enable", "disable" or "ignore" followed by a pattern are skipped.
 */
export async function loadPresetRules(fs: FileSystemView): Promise<PresetRule[]> {
  const files = new Map<string, string>();
  for (const dir of PRESET_DIRS) {
    const listing = await fs.readdir(dir).catch(ignoreLookupErrors);
    if (listing === null) continue;
    for (const entry of listing) {
      if (entry.name.endsWith('.preset') && !files.has(entry.name)) files.set(entry.name, posix.join(dir, entry.name));
    }
  }

  const rules: PresetRule[] = [];
  for (const name of [...files.keys()].sort()) {
    const path = files.get(name) as string;
    const bytes = await fs.readFile(path, { maxBytes: MAX_PRESET_BYTES }).catch(ignoreLookupErrors);
    if (bytes === null) continue;
    for (const line of new TextDecoder().decode(bytes).split('\n')) {
      const words = line.trim().split(/\s+/);
      const action = words[0];
      const pattern = words[1];
      if (pattern === undefined || (action !== 'enable' && action !== 'disable' && action !== 'ignore')) continue;
      rules.push({ action, matches: compileGlob(pattern) });
    }
  }
  return rules;
}

/**
 * Returns "enabled" or "disabled" from the first rule whose pattern matches the unit file
 * name, "enabled" when none does (systemd's default), and "" for an "ignore" rule.
 */
export function computeUnitFilePreset(unitFileName: string, rules: PresetRule[]): string {
  for (const rule of rules) {
    if (!rule.matches(unitFileName)) continue;
    if (rule.action === 'enable') return 'enabled';
    if (rule.action === 'disable') return 'disabled';
    return '';
  }
  return 'enabled';
}

type GlobToken = { kind: 'star' } | { kind: 'any' } | { kind: 'set'; negated: boolean; members: string } | { kind: 'literal'; text: string };

/**
 * Compiles an fnmatch(3) pattern (`*`, `?`, `[...]`, `[!...]`) into a matcher. The matcher
 * walks the name once per star with backtracking to the last star only, so a hostile preset
 * pattern such as "*a*a*a*b" costs at most pattern length × name length steps.
 */
export function compileGlob(glob: string): (name: string) => boolean {
  const tokens: GlobToken[] = [];
  for (let index = 0; index < glob.length; index++) {
    const character = glob[index] as string;
    if (character === '*') {
      tokens.push({ kind: 'star' });
    } else if (character === '?') {
      tokens.push({ kind: 'any' });
    } else if (character === '[' && glob.indexOf(']', index + 2) !== -1) {
      const close = glob.indexOf(']', index + 2);
      const body = glob.slice(index + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      tokens.push({ kind: 'set', negated, members: expandRanges(negated ? body.slice(1) : body) });
      index = close;
    } else {
      tokens.push({ kind: 'literal', text: character });
    }
  }
  return (name) => matchTokens(tokens, name);
}

function expandRanges(body: string): string {
  let members = '';
  for (let index = 0; index < body.length; index++) {
    const from = body.charCodeAt(index);
    if (body[index + 1] === '-' && index + 2 < body.length) {
      const to = body.charCodeAt(index + 2);
      for (let code = from; code <= to && code - from < 256; code++) members += String.fromCharCode(code);
      index += 2;
    } else {
      members += body[index];
    }
  }
  return members;
}

function matchesOne(token: GlobToken, character: string): boolean {
  if (token.kind === 'any') return true;
  if (token.kind === 'literal') return token.text === character;
  if (token.kind === 'set') return token.members.includes(character) !== token.negated;
  return false;
}

function matchTokens(tokens: GlobToken[], name: string): boolean {
  let tokenIndex = 0;
  let nameIndex = 0;
  let starToken = -1;
  let starName = 0;
  while (nameIndex < name.length) {
    const token = tokens[tokenIndex];
    if (token !== undefined && token.kind === 'star') {
      starToken = tokenIndex++;
      starName = nameIndex;
    } else if (token !== undefined && matchesOne(token, name[nameIndex] as string)) {
      tokenIndex++;
      nameIndex++;
    } else if (starToken !== -1) {
      tokenIndex = starToken + 1;
      nameIndex = ++starName;
    } else {
      return false;
    }
  }
  while (tokens[tokenIndex]?.kind === 'star') tokenIndex++;
  return tokenIndex === tokens.length;
}
