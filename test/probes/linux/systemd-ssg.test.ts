import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { evaluateOval } from '../../../lib/oval/evaluate/index.js';
import { parseOvalDefinitions } from '../../../lib/oval/parser.js';
import { createDefaultRegistry } from '../../../lib/probes/builtin.js';
import { registerLinuxProbes } from '../../../lib/probes/linux/index.js';
import { makeTempRoot, type TempRoot } from '../helpers.js';

const ssgOval = '/usr/share/xml/scap/ssg/content/ssg-debian11-oval.xml';
const VENDOR = '/lib/systemd/system';
const ADMIN = '/etc/systemd/system';

function writeFile(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

function link(root: string, path: string, target: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  symlinkSync(target, join(root, path));
}

/** Writes a Debian-like root where cron is enabled and snmpd is masked by the administrator. */
function fillDebianRoot(root: string): void {
  link(root, `${VENDOR}/default.target`, 'multi-user.target');
  writeFile(root, `${VENDOR}/multi-user.target`, '[Unit]\nDescription=Multi-User System\n');
  writeFile(root, `${VENDOR}/cron.service`, '[Unit]\nDescription=Regular background program processing daemon\n[Service]\nExecStart=/usr/sbin/cron -f\n[Install]\nWantedBy=multi-user.target\n');
  writeFile(root, `${VENDOR}/snmpd.service`, '[Unit]\nDescription=Simple Network Management Protocol (SNMP) Daemon.\n[Install]\nWantedBy=multi-user.target\n');
  link(root, `${ADMIN}/multi-user.target.wants/cron.service`, `${VENDOR}/cron.service`);
  link(root, `${ADMIN}/multi-user.target.wants/snmpd.service`, `${VENDOR}/snmpd.service`);
  link(root, `${ADMIN}/snmpd.service`, '/dev/null');
}

describe.runIf(existsSync(ssgOval))('SSG service rules on an offline root', () => {
  let root: TempRoot;
  let definitions: Awaited<ReturnType<typeof parseOvalDefinitions>>;

  beforeAll(async () => {
    root = await makeTempRoot(fillDebianRoot);
    definitions = await parseOvalDefinitions(ssgOval);
  }, 60_000);
  afterAll(() => root.remove());

  async function evaluateServiceRules(target: TempRoot): Promise<(id: string) => string | undefined> {
    const results = await evaluateOval(definitions, {
      target: target.target,
      registry: registerLinuxProbes(createDefaultRegistry()),
      definitionIds: ['oval:ssg-service_cron_enabled:def:1', 'oval:ssg-service_snmpd_disabled:def:1'],
    });
    return (id) => results.tests.get(id)?.result;
  }

  it('finds cron enabled and snmpd masked', async () => {
    const testResult = await evaluateServiceRules(root);
    expect(testResult('oval:ssg-test_multi_user_wants_cron:tst:1')).toBe('true');
    expect(testResult('oval:ssg-test_service_running_cron:tst:1')).toBe('false');
    expect(testResult('oval:ssg-test_service_not_running_snmpd:tst:1')).toBe('true');
    expect(testResult('oval:ssg-test_service_loadstate_is_masked_snmpd:tst:1')).toBe('true');
  }, 60_000);

  it('finds cron not enabled without its link', async () => {
    const disabled = await makeTempRoot((path) => {
      link(path, `${VENDOR}/default.target`, 'multi-user.target');
      writeFile(path, `${VENDOR}/multi-user.target`, '[Unit]\nDescription=Multi-User System\nWants=snmpd.service\n');
      writeFile(path, `${VENDOR}/cron.service`, '[Unit]\nDescription=cron\n[Install]\nWantedBy=multi-user.target\n');
      writeFile(path, `${VENDOR}/snmpd.service`, '[Unit]\nDescription=snmpd\n');
    });
    try {
      const testResult = await evaluateServiceRules(disabled);
      expect(testResult('oval:ssg-test_multi_user_wants_cron:tst:1')).toBe('false');
      expect(testResult('oval:ssg-test_service_loadstate_is_masked_snmpd:tst:1')).toBe('false');
    } finally {
      disabled.remove();
    }
  }, 60_000);
});
