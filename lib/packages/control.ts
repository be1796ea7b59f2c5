/**
 * Parser for deb822 control data (Debian's `var/lib/dpkg/status`, distroless `status.d/*`):
 * stanzas of `Field: value` lines separated by blank lines, where a line that starts with a
 * space or tab continues the previous field.
 *
 *   Package: libc6
 *   Status: install ok installed
 *   Conffiles:
 *    /etc/ld.so.conf.d/x86_64-linux-gnu.conf d4e7a7b88a71b5ffd9e2644e71a0cfab
 */
import { ScapulaError } from '../errors.js';

export interface Stanza {
  /** Field names as written; look-ups go through `field()`, which ignores case as dpkg does. */
  fields: Map<string, string>;
  /** 1-based line of the stanza's first field, for messages. */
  line: number;
}

/** Returns a field's value (continuation lines joined with "\n"), ignoring the name's case. */
export function field(stanza: Stanza, name: string): string | undefined {
  return stanza.fields.get(name.toLowerCase());
}

export function parseStanzas(text: string, file: string): Stanza[] {
  const stanzas: Stanza[] = [];
  let current: Stanza | null = null;
  let lastField: string | null = null;
  const lines = text.split('\n');

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].replace(/\r$/, '');
    if (line.trim() === '') {
      current = null;
      lastField = null;
      continue;
    }

    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (current === null || lastField === null) {
        throw new ScapulaError('PACKAGE_DB_CORRUPT', 'continuation line outside a field', { file, line: index + 1, column: 1 });
      }
      current.fields.set(lastField, `${current.fields.get(lastField)}\n${line.slice(1)}`);
      continue;
    }

    const colon = line.indexOf(':');
    if (colon <= 0) {
      throw new ScapulaError('PACKAGE_DB_CORRUPT', `expected "Field: value", found ${JSON.stringify(line.slice(0, 80))}`, { file, line: index + 1, column: 1 });
    }
    if (current === null) {
      current = { fields: new Map(), line: index + 1 };
      stanzas.push(current);
    }
    lastField = line.slice(0, colon).toLowerCase();
    current.fields.set(lastField, line.slice(colon + 1).trim());
  }
  return stanzas;
}
