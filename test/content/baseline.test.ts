import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect, it } from 'vitest';

import { evaluateOval } from '../../lib/oval/evaluate/index.js';
import { parseOvalDefinitions } from '../../lib/oval/parser.js';
import { createDefaultRegistry } from '../../lib/probes/builtin.js';
import { openTarget } from '../../lib/targets/open.js';
import { describeWithShared } from '../fixtures.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const baseline = path.join(repoRoot, 'content/scapula-container-baseline.oval.xml');
const bookworm = path.resolve(repoRoot, '../shared/fixtures/images/bookworm');

async function evaluateBaseline(image: string): Promise<Record<string, string>> {
  const definitions = await parseOvalDefinitions(baseline);
  const target = await openTarget({ image });
  try {
    const results = await evaluateOval(definitions, { target, registry: createDefaultRegistry() });
    const byNumber: Record<string, string> = {};
    for (const [id, result] of results.definitions) byNumber[id.replace('oval:io.scapula.baseline:def:', '')] = result.result;
    return byNumber;
  } finally {
    await target.close();
  }
}

// Expected values: oscap-chroot 1.3.7 on the same roots (the base root extracted by tar, the
// two-layer image flattened by the fixtures' extractor) gives the same result for each definition.
describeWithShared('container baseline', [bookworm], () => {
  it('passes on the bookworm base root', async () => {
    const results = await evaluateBaseline(path.join(bookworm, 'bookworm-rootfs.tar.gz'));
    expect(results).toEqual({ '1': 'true', '2': 'true', '3': 'true', '4': 'true', '5': 'true', '6': 'true', '7': 'true', '8': 'true' });
  });

  it('finds the planted faults of layer 2', async () => {
    const results = await evaluateBaseline(path.join(bookworm, 'bookworm-docker-save.tar'));
    // toor is a second UID-0 account with an empty password; sudoers.d grants NOPASSWD;
    // profile.d/scapula-env.sh is 0666; root/.ssh contains a private key; a .deb is left in the apt
    // cache; srv/dropbox is 0777 without the sticky bit. /etc/shadow stays 0640.
    expect(results).toEqual({ '1': 'false', '2': 'false', '3': 'false', '4': 'false', '5': 'true', '6': 'false', '7': 'false', '8': 'false' });
  });
});
