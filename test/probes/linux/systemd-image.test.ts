import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { loadSystemdUnits } from '../../../lib/probes/linux/systemd-units.js';
import { systemdUnitPropertyProbe } from '../../../lib/probes/linux/systemdunitproperty.js';
import { openTarget } from '../../../lib/targets/open.js';
import type { Target } from '../../../lib/targets/target.js';
import { request, run } from '../helpers.js';
import { describeWithShared } from '../../fixtures.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const bookworm = resolve(repoRoot, '../shared/fixtures/images/bookworm/bookworm-docker-save.tar');

describeWithShared('systemd probes on the Debian 12 slim image', [bookworm], () => {
  let image: Target;

  beforeAll(async () => {
    image = await openTarget({ image: bookworm });
  }, 120_000);
  afterAll(async () => image.close());

  it('finds unit files but no systemd', async () => {
    // The image has apt and fstrim units under /lib/systemd/system (through the /lib link)
    // and timers enabled in /etc, but neither the systemd binary nor default.target.
    expect((await image.fs.stat('/usr/lib/systemd/system/fstrim.timer'))?.type).toBe('file');
    const model = await loadSystemdUnits(image.fs);
    expect(model.hasSystemd).toBe(false);
    expect(model.units.size).toBe(0);
  });

  it('reports no unit and says why', async () => {
    const result = await run(systemdUnitPropertyProbe, image, request('systemdunitproperty_object', 'linux', [{ name: 'unit', value: 'fstrim.timer' }, { name: 'property', value: 'UnitFileState' }]));
    expect(result.items).toEqual([]);
    expect(result.flag).toBeUndefined();
    expect(result.messages?.[0]?.text).toMatch(/systemd is not installed/);
  });
});
