/**
 * shadow_object: the password aging data of the target's etc/shadow, one item per entry
 * whose user name matches. Empty numeric fields are written as -1, the value getspent(3)
 * gives them.
 *
 *     alice:$6$salt$hash:19001:1:90:14:30:20000:
 */
import { ScapulaError, isScapulaError } from '../../errors.js';
import type { ProbeItem } from '../../oval/syschar.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { entityMatches, findEntity } from '../util/entity.js';
import { defineProbe, itemEntity, makeItem } from '../util/items.js';
import { readColonFile } from './account-files.js';

const NUMERIC_FIELDS = ['chg_lst', 'chg_allow', 'chg_req', 'exp_warn', 'exp_inact', 'exp_date', 'flag'];

/** Names the hashing method of a crypt(3) string, as the shadow_item schema lists them. */
export function encryptMethodOf(password: string): string {
  if (password.startsWith('$1$')) return 'MD5';
  if (/^\$2[abxy]?\$/.test(password)) return 'Blowfish';
  if (password.startsWith('$md5')) return 'Sun MD5';
  if (password.startsWith('$5$')) return 'SHA-256';
  if (password.startsWith('$6$')) return 'SHA-512';
  if (password.startsWith('_')) return 'BSDi';
  if (/^[./0-9A-Za-z]{13}$/.test(password)) return 'DES';
  // Locked ("!", "*"), empty and newer methods (yescrypt "$y$") have no name in the schema.
  return '';
}

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const usernameEntity = findEntity(request, 'username');
  if (usernameEntity === undefined) throw new ScapulaError('OVAL_INVALID', `${request.object.id}: shadow_object needs a username entity`);

  let entries: string[][];
  try {
    entries = await readColonFile(context.target.fs, '/etc/shadow', 9);
  } catch (error) {
    if (isScapulaError(error, 'NOT_FOUND')) return { items: [] };
    throw error;
  }

  const items: ProbeItem[] = [];
  for (const [username, password, ...numbers] of entries) {
    if (!entityMatches(usernameEntity, username)) continue;
    items.push(
      makeItem('shadow_item', 'unix', [
        itemEntity('username', username),
        itemEntity('password', password),
        ...NUMERIC_FIELDS.map((name, index) => itemEntity(name, numberOrMinusOne(numbers[index]), 'int')),
        itemEntity('encrypt_method', encryptMethodOf(password)),
      ]),
    );
  }
  return { items };
}

function numberOrMinusOne(field: string): string {
  return /^-?\d+$/.test(field.trim()) ? String(Number(field.trim())) : '-1';
}

export const shadowProbe = defineProbe({
  objectType: 'shadow_object',
  family: 'unix',
  description: {
    summary: 'Password aging data from etc/shadow.',
    onImage: 'Reads etc/shadow of the image or root (OpenSCAP 1.3.7 reports "not applicable" offline).',
    onHost: 'Reads /etc/shadow of the host (needs root).',
  },
  collect,
});
