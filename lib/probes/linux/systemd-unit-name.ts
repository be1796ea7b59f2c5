/**
 * systemd unit names (systemd.unit(5)): "prefix[@instance].type", such as "sshd.service",
 * "getty@tty1.service" (an instance) or "getty@.service" (a template).
 */

export const UNIT_TYPES = [
  'service',
  'socket',
  'device',
  'mount',
  'automount',
  'swap',
  'target',
  'path',
  'timer',
  'slice',
  'scope',
] as const;

export type UnitType = (typeof UNIT_TYPES)[number];

export interface UnitName {
  prefix: string;
  /** The instance of "prefix@instance.type"; '' for a template; null for a plain unit. */
  instance: string | null;
  type: UnitType;
}

/** UNIT_NAME_MAX in systemd. */
const UNIT_NAME_MAX = 255;

const NAME_CHARACTERS = /^[A-Za-z0-9:_.\\-]+$/;
const INSTANCE_CHARACTERS = /^[A-Za-z0-9:_.\\-]*$/;

/** Splits a unit name into its parts, or returns null when systemd would reject the name. */
export function parseUnitName(name: string): UnitName | null {
  if (name.length === 0 || name.length > UNIT_NAME_MAX) return null;

  const dot = name.lastIndexOf('.');
  if (dot <= 0) return null;
  const type = name.slice(dot + 1);
  if (!(UNIT_TYPES as readonly string[]).includes(type)) return null;

  const stem = name.slice(0, dot);
  const at = stem.indexOf('@');
  if (at === -1) {
    return NAME_CHARACTERS.test(stem) ? { prefix: stem, instance: null, type: type as UnitType } : null;
  }

  const prefix = stem.slice(0, at);
  const instance = stem.slice(at + 1);
  if (prefix === '' || !NAME_CHARACTERS.test(prefix) || !INSTANCE_CHARACTERS.test(instance)) return null;
  return { prefix, instance, type: type as UnitType };
}

/** Returns the template of a unit instance ("getty@tty1.service" → "getty@.service"), or null. */
export function templateOf(name: string): string | null {
  const parsed = parseUnitName(name);
  if (parsed === null || parsed.instance === null || parsed.instance === '') return null;
  return `${parsed.prefix}@.${parsed.type}`;
}

/** Undoes systemd's name escaping (systemd-escape(1)): "-" is "/", "\xNN" is a byte. */
export function unescapeUnitNamePart(text: string): string {
  let result = '';
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (character === '-') {
      result += '/';
    } else if (character === '\\' && text[index + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(index + 2, index + 4))) {
      result += String.fromCharCode(Number.parseInt(text.slice(index + 2, index + 4), 16));
      index += 3;
    } else {
      result += character;
    }
  }
  return result;
}

/**
 * Expands the specifiers that depend only on the unit name (%n %N %p %P %i %I %j %J %f %%)
 * in a setting's value. Returns null when the value uses any other specifier (%H, %m and the
 * like describe the running machine, which an offline reader does not know), so the caller
 * can skip that assignment.
 */
export function expandUnitSpecifiers(value: string, unitName: string): string | null {
  if (!value.includes('%')) return value;

  const parsed = parseUnitName(unitName);
  if (parsed === null) return null;
  const stem = unitName.slice(0, unitName.lastIndexOf('.'));
  const instance = parsed.instance ?? '';
  const dash = parsed.prefix.lastIndexOf('-');
  const lastComponent = dash === -1 ? parsed.prefix : parsed.prefix.slice(dash + 1);

  let result = '';
  for (let index = 0; index < value.length; index++) {
    const character = value[index];
    if (character !== '%') {
      result += character;
      continue;
    }
    const specifier = value[++index];
    switch (specifier) {
      case '%':
        result += '%';
        break;
      case 'n':
        result += unitName;
        break;
      case 'N':
        result += stem;
        break;
      case 'p':
        result += parsed.prefix;
        break;
      case 'P':
        result += unescapeUnitNamePart(parsed.prefix);
        break;
      case 'i':
        result += instance;
        break;
      case 'I':
        result += unescapeUnitNamePart(instance);
        break;
      case 'j':
        result += lastComponent;
        break;
      case 'J':
        result += unescapeUnitNamePart(lastComponent);
        break;
      case 'f':
        result += `/${unescapeUnitNamePart(instance !== '' ? instance : parsed.prefix)}`;
        break;
      default:
        return null;
    }
  }
  return result;
}
