/**
 * password_object: the accounts of the target's etc/passwd, one item per entry whose user
 * name matches.
 *
 *     alice:x:1000:1000:Alice A,,,:/home/alice:/bin/sh
 */
import { ScapulaError, isScapulaError } from '../../errors.js';
import type { ProbeItem } from '../../oval/syschar.js';
import type { ProbeContext, ProbeRequest, ProbeResult } from '../probe.js';
import { entityMatches, findEntity } from '../util/entity.js';
import { defineProbe, itemEntity, makeItem } from '../util/items.js';
import { readColonFile } from './account-files.js';

async function collect(request: ProbeRequest, context: ProbeContext): Promise<ProbeResult> {
  const usernameEntity = findEntity(request, 'username');
  if (usernameEntity === undefined) throw new ScapulaError('OVAL_INVALID', `${request.object.id}: password_object needs a username entity`);

  let entries: string[][];
  try {
    entries = await readColonFile(context.target.fs, '/etc/passwd', 7);
  } catch (error) {
    if (isScapulaError(error, 'NOT_FOUND')) return { items: [] };
    throw error;
  }

  const items: ProbeItem[] = [];
  for (const [username, password, userId, groupId, gcos, homeDirectory, loginShell] of entries) {
    if (!entityMatches(usernameEntity, username)) continue;
    items.push(
      makeItem('password_item', 'unix', [
        itemEntity('username', username),
        itemEntity('password', password),
        itemEntity('user_id', userId, 'int'),
        itemEntity('group_id', groupId, 'int'),
        itemEntity('gcos', gcos),
        itemEntity('home_dir', homeDirectory),
        itemEntity('login_shell', loginShell),
        // OpenSCAP 1.3.7 writes -1 when it has no last login time, and a root has none.
        itemEntity('last_login', '-1', 'int'),
      ]),
    );
  }
  return { items };
}

export const passwordProbe = defineProbe({
  objectType: 'password_object',
  family: 'unix',
  description: {
    summary: 'Accounts from etc/passwd.',
    onImage: 'Reads etc/passwd of the image or root; last_login is -1.',
    onHost: 'Reads /etc/passwd of the host (not NSS sources such as LDAP); last_login is -1.',
  },
  collect,
});
