/**
 * SSG's Debian 11 OVAL and the generated Debian 12 feed, evaluated on the bookworm fixture in
 * every form: the extracted rootfs as a directory, the rootfs tar as an image, the docker save
 * archive and the OCI layout. The base root must give the same results in both of its forms, and
 * so must the two-layer image. The base root and the image differ only where layer 2 changes what
 * a definition reads, or where a definition reads the Env of the image config.
 * NOTE: run as root. Only then does tar keep the owners of the extracted root, which the SSG
 * file owner definitions read.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { evaluateOval, type ExternalVariableValue } from '../../../lib/oval/evaluate/index.js';
import type { CriteriaResult, CriterionResult, ExtendDefinitionResult, OvalResults } from '../../../lib/oval/results-model.js';
import type { OvalDefinitions } from '../../../lib/oval/model.js';
import type { Item } from '../../../lib/oval/syschar.js';
import { parseOvalDefinitions } from '../../../lib/oval/parser.js';
import { createDefaultRegistry } from '../../../lib/probes/builtin.js';
import { openTarget, type OpenTargetOptions } from '../../../lib/targets/open.js';
import { missingSharedReason, skipWithoutShared } from '../../fixtures.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const bookwormDir = resolve(repoRoot, '../shared/fixtures/images/bookworm');
const debianFeedDir = resolve(repoRoot, '../shared/fixtures/oval/debian');
const ssgFile = '/usr/share/xml/scap/ssg/content/ssg-debian11-oval.xml';
const debianFeedFile = resolve(debianFeedDir, 'oval-definitions-bookworm-changelogs.xml.bz2');
const debianExpectedFile = resolve(debianFeedDir, 'oval-definitions-bookworm-changelogs.expected.tsv');

type Form = 'root' | 'rootfsImage' | 'dockerSave' | 'oci';
type Content = 'ssg' | 'debian';

/** An entity value that one tested item must have, as `{ filepath: '/etc/shadow' }`. */
type ItemEvidence = { type: string } & Record<string, string>;

interface ExpectedDifference {
  base: string;
  image: string;
  /** The change in layer 2 (or in the image config) that flips the result. */
  cause: string;
  evidence: ItemEvidence;
}

/**
 * Every SSG definition whose result on the two-layer image differs from the base root's.
 * oscap-chroot 1.3.7, run on the base root and on the image flattened with its whiteouts applied,
 * differs in the same eight layer 2 definitions. It gives root_path_no_dot 'false' on both roots,
 * because OpenSCAP reads its own environment there.
 */
const EXPECTED_SSG_DIFFERENCES: Record<string, ExpectedDifference> = {
  'oval:ssg-accounts_no_uid_except_zero:def:1': {
    base: 'true', image: 'false', cause: 'toor with UID 0 added to etc/passwd',
    evidence: { type: 'textfilecontent_item', filepath: '/etc/passwd', text: 'toor:x:0' },
  },
  'oval:ssg-no_empty_passwords_etc_shadow:def:1': {
    base: 'true', image: 'false', cause: 'toor with an empty password added to etc/shadow',
    evidence: { type: 'textfilecontent_item', filepath: '/etc/shadow', text: 'toor::20791:0:99999:7:::' },
  },
  'oval:ssg-dir_perms_world_writable_sticky_bits:def:1': {
    base: 'true', image: 'false', cause: 'new srv/dropbox, mode 0777 without the sticky bit',
    evidence: { type: 'file_item', path: '/srv/dropbox', filename: '' },
  },
  'oval:ssg-file_permissions_unauthorized_world_writable:def:1': {
    base: 'true', image: 'false', cause: 'new etc/profile.d/scapula-env.sh, mode 0666',
    evidence: { type: 'file_item', filepath: '/etc/profile.d/scapula-env.sh' },
  },
  'oval:ssg-sudo_remove_no_authenticate:def:1': {
    base: 'true', image: 'false', cause: 'opaque etc/sudoers.d with a new 90-scapula that sets !authenticate',
    evidence: { type: 'textfilecontent_item', filepath: '/etc/sudoers.d/90-scapula', text: 'Defaults !authenticate' },
  },
  'oval:ssg-sudo_remove_nopasswd:def:1': {
    base: 'true', image: 'false', cause: 'opaque etc/sudoers.d with a new 90-scapula that grants NOPASSWD',
    evidence: { type: 'textfilecontent_item', filepath: '/etc/sudoers.d/90-scapula', text: '%sudo ALL=(ALL:ALL) NOPASSWD: ALL' },
  },
  'oval:ssg-sudo_require_authentication:def:1': {
    base: 'true', image: 'false', cause: 'extends the two sudoers.d definitions above',
    evidence: { type: 'textfilecontent_item', filepath: '/etc/sudoers.d/90-scapula', text: 'Defaults !authenticate' },
  },
  'oval:ssg-sudo_vdsm_nopasswd:def:1': {
    base: 'true', image: 'false', cause: '90-scapula grants NOPASSWD to %sudo, not to vdsm',
    evidence: { type: 'textfilecontent_item', filepath: '/etc/sudoers.d/90-scapula', text: '%sudo ALL=(ALL:ALL) NOPASSWD: ALL' },
  },
  'oval:ssg-root_path_no_dot:def:1': {
    base: 'unknown', image: 'true', cause: 'PATH from the image config Env, where a bare root has no environment',
    evidence: { type: 'environmentvariable58_item', name: 'PATH', value: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
  },
};

const definitions = new Map<Content, OvalDefinitions>();
const results = new Map<`${Form}/${Content}`, OvalResults>();
let rootDir: string;

function resultsOf(form: Form, content: Content): OvalResults {
  return results.get(`${form}/${content}`)!;
}

/** Lists every definition whose result differs between two evaluations, as 'id: a -> b'. */
function differences(a: OvalResults, b: OvalResults): string[] {
  const lines: string[] = [];
  for (const [id, definition] of a.definitions) {
    const other = b.definitions.get(id)?.result ?? '(absent)';
    if (definition.result !== other) lines.push(`${id}: ${definition.result} -> ${other}`);
  }
  for (const id of b.definitions.keys()) if (!a.definitions.has(id)) lines.push(`${id}: (absent) -> ${b.definitions.get(id)!.result}`);
  return lines.sort();
}

function countResults(evaluation: OvalResults): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { result } of evaluation.definitions.values()) counts[result] = (counts[result] ?? 0) + 1;
  return counts;
}

/** Collects the ids of every test a definition reaches, through extended definitions too. */
function testIdsOf(evaluation: OvalResults, definitionId: string, seen = new Set<string>()): string[] {
  if (seen.has(definitionId)) return [];
  seen.add(definitionId);
  const testIds: string[] = [];
  const visit = (node: CriteriaResult | CriterionResult | ExtendDefinitionResult): void => {
    if (node.kind === 'criterion') testIds.push(node.testRef);
    else if (node.kind === 'extend_definition') testIds.push(...testIdsOf(evaluation, node.definitionRef, seen));
    else node.children.forEach(visit);
  };
  const criteria = evaluation.definitions.get(definitionId)?.criteria;
  if (criteria) visit(criteria);
  return testIds;
}

/** Returns the items tested by those tests of a definition whose result changed from `base` to `image`. */
function itemsOfChangedTests(base: OvalResults, image: OvalResults, definitionId: string): Item[] {
  const items: Item[] = [];
  for (const testId of testIdsOf(image, definitionId)) {
    const imageTest = image.tests.get(testId)!;
    if (base.tests.get(testId)?.result === imageTest.result) continue;
    for (const { itemId } of imageTest.testedItems) items.push(image.systemCharacteristics.items.get(itemId)!);
  }
  return items;
}

function itemMatches(item: Item, evidence: ItemEvidence): boolean {
  if (item.type !== evidence.type) return false;
  return Object.entries(evidence).every(([name, value]) => name === 'type' || item.entities.some((entity) => entity.name === name && entity.value === value));
}

function entityValue(item: Item, name: string): string | undefined {
  return item.entities.find((entity) => entity.name === name)?.value;
}

/** Reads the expected.tsv rows of one image ('base' or '2layer'). */
function expectedTrueDefinitions(image: string): { definitionId: string; binary: string; installedVersion: string }[] {
  const rows = readFileSync(debianExpectedFile, 'utf8').trim().split('\n').slice(1).map((line) => line.split('\t'));
  return rows
    .filter(([rowImage]) => rowImage === image)
    .map(([, definitionId, , , binary, installedVersion]) => ({ definitionId, binary, installedVersion }));
}

beforeAll(async () => {
  if (missingSharedReason(bookwormDir, debianFeedDir) !== null) return;
  const [ssg, debian] = await Promise.all([parseOvalDefinitions(ssgFile), parseOvalDefinitions(debianFeedFile)]);
  definitions.set('ssg', ssg);
  definitions.set('debian', debian);

  rootDir = mkdtempSync(join(tmpdir(), 'scapula-bookworm-eval-'));
  execFileSync('tar', ['-xzf', resolve(bookwormDir, 'bookworm-rootfs.tar.gz'), '-C', rootDir]);

  const forms: [Form, OpenTargetOptions][] = [
    ['root', { root: rootDir }],
    ['rootfsImage', { image: resolve(bookwormDir, 'bookworm-rootfs.tar.gz') }],
    ['dockerSave', { image: resolve(bookwormDir, 'bookworm-docker-save.tar') }],
    ['oci', { image: resolve(bookwormDir, 'bookworm-oci') }],
  ];
  for (const [form, options] of forms) {
    const target = await openTarget(options);
    try {
      for (const content of ['ssg', 'debian'] as const) {
        results.set(`${form}/${content}`, await evaluateOval(definitions.get(content)!, { target, registry: createDefaultRegistry() }));
      }
    } finally {
      await target.close();
    }
  }
}, 240_000);

afterAll(() => {
  if (rootDir) rmSync(rootDir, { recursive: true, force: true });
});

beforeEach((context) => skipWithoutShared(context, bookwormDir, debianFeedDir));

describe('bookworm base root in two forms', () => {
  it('SSG results agree', () => {
    expect(resultsOf('root', 'ssg').definitions.size).toBe(487);
    expect(differences(resultsOf('root', 'ssg'), resultsOf('rootfsImage', 'ssg'))).toEqual([]);
  });

  it('Debian feed results agree', () => {
    expect(resultsOf('root', 'debian').definitions.size).toBe(275);
    expect(differences(resultsOf('root', 'debian'), resultsOf('rootfsImage', 'debian'))).toEqual([]);
  });
});

describe('bookworm two-layer image in two forms', () => {
  it('SSG results agree', () => {
    expect(differences(resultsOf('dockerSave', 'ssg'), resultsOf('oci', 'ssg'))).toEqual([]);
  });

  it('Debian feed results agree', () => {
    expect(differences(resultsOf('dockerSave', 'debian'), resultsOf('oci', 'debian'))).toEqual([]);
  });
});

describe('bookworm image against base root', () => {
  it('SSG differs only where expected', () => {
    const expected = Object.entries(EXPECTED_SSG_DIFFERENCES).map(([id, { base, image }]) => `${id}: ${base} -> ${image}`);
    expect(differences(resultsOf('root', 'ssg'), resultsOf('dockerSave', 'ssg'))).toEqual(expected.sort());
  });

  it.each(Object.entries(EXPECTED_SSG_DIFFERENCES))('%s changes through its cause', (definitionId, { cause, evidence }) => {
    const changedItems = itemsOfChangedTests(resultsOf('root', 'ssg'), resultsOf('dockerSave', 'ssg'), definitionId);
    expect(changedItems.some((item) => itemMatches(item, evidence)), `${cause}: ${JSON.stringify(evidence)}`).toBe(true);
  });

  it('base root lacks the layer 2 items', () => {
    const baseItems = [...resultsOf('root', 'ssg').systemCharacteristics.items.values()];
    for (const { evidence } of Object.values(EXPECTED_SSG_DIFFERENCES)) {
      expect(baseItems.some((item) => itemMatches(item, evidence)), JSON.stringify(evidence)).toBe(false);
    }
  });
});

describe('layer 2 changes without a verdict change', () => {
  // audit_rules_privileged_commands compares this count with the audit rules, and the root has no
  // audit rules, so it is 'false' on both. oscap-chroot 1.3.7 counts 14 and 15 as well.
  it('suidhelper joins the setuid files', () => {
    const setuidFiles = (form: Form) =>
      resultsOf(form, 'ssg').systemCharacteristics.collectedObjects.get('oval:ssg-object_system_privileged_commands:obj:1')!.items.map((item) => entityValue(item, 'filepath'));
    const baseFiles = setuidFiles('root');
    const imageFiles = setuidFiles('dockerSave');

    expect(baseFiles).toHaveLength(14);
    expect(baseFiles).not.toContain('/usr/local/bin/suidhelper');
    expect(imageFiles.filter((path) => !baseFiles.includes(path))).toEqual(['/usr/local/bin/suidhelper']);
    expect(baseFiles.filter((path) => !imageFiles.includes(path))).toEqual([]);
  });

  it('setuid count grows by one', () => {
    const count = (form: Form) =>
      resultsOf(form, 'ssg').systemCharacteristics.collectedObjects.get('oval:ssg-object_count_of_suid_sgid_binaries_on_system:obj:1')!.variableValues.map(({ value }) => value);
    expect(count('root')).toEqual(['14']);
    expect(count('dockerSave')).toEqual(['15']);
  });
});

describe('Debian feed verdicts', () => {
  it('image has the 57 expected CVEs', () => {
    const expected = expectedTrueDefinitions('2layer').map(({ definitionId }) => definitionId);
    expect(expected).toHaveLength(57);
    const actual = [...resultsOf('dockerSave', 'debian').definitions.values()].filter(({ result }) => result === 'true').map(({ definitionId }) => definitionId);
    expect(actual.sort()).toEqual([...new Set(expected)].sort());
    expect(countResults(resultsOf('dockerSave', 'debian'))).toEqual({ true: 57, false: 218 });
  });

  it('base root has no true CVE', () => {
    expect(expectedTrueDefinitions('base')).toEqual([]);
    expect(countResults(resultsOf('root', 'debian'))).toEqual({ false: 275 });
  });

  it('image CVEs come from layer 2 versions', () => {
    const image = resultsOf('dockerSave', 'debian');
    for (const { definitionId, binary, installedVersion } of expectedTrueDefinitions('2layer')) {
      const versions = itemsOfChangedTests(resultsOf('root', 'debian'), image, definitionId)
        .filter((item) => item.type === 'dpkginfo_item' && entityValue(item, 'name') === binary)
        .map((item) => entityValue(item, 'evr'));
      const epochVersion = installedVersion.includes(':') ? installedVersion : `0:${installedVersion}`;
      expect(versions, `${definitionId} ${binary}`).toContain(epochVersion);
    }
  });

  it('release and architecture tests hold', () => {
    for (const form of ['root', 'dockerSave'] as const) {
      const tests = resultsOf(form, 'debian').tests;
      expect(tests.get('oval:org.debian.oval:tst:1')?.result, `${form} release`).toBe('true');
      expect(tests.get('oval:org.debian.oval:tst:2')?.result, `${form} uname`).toBe('true');
    }
  });
});

describe('login.defs with XCCDF values', () => {
  // SSG takes the thresholds from XCCDF values, so with none given both definitions are 'error'.
  // With 60 and 1, only layer 2's login.defs (PASS_MAX_DAYS 60, PASS_MIN_DAYS 1) meets them.
  const definitionIds = ['oval:ssg-accounts_maximum_age_login_defs:def:1', 'oval:ssg-accounts_minimum_age_login_defs:def:1'];
  const externalVariables = new Map<string, ExternalVariableValue>([
    ['oval:ssg-var_accounts_maximum_age_login_defs:var:1', { values: ['60'] }],
    ['oval:ssg-var_accounts_minimum_age_login_defs:var:1', { values: ['1'] }],
  ]);

  async function evaluateLoginDefs(options: OpenTargetOptions): Promise<string[]> {
    const target = await openTarget(options);
    try {
      const evaluation = await evaluateOval(definitions.get('ssg')!, { target, registry: createDefaultRegistry(), definitionIds, externalVariables });
      return definitionIds.map((id) => evaluation.definitions.get(id)!.result);
    } finally {
      await target.close();
    }
  }

  it('are error without values', () => {
    for (const form of ['root', 'dockerSave'] as const) {
      expect(definitionIds.map((id) => resultsOf(form, 'ssg').definitions.get(id)!.result), form).toEqual(['error', 'error']);
    }
  });

  it('base root fails the thresholds', async () => {
    expect(await evaluateLoginDefs({ root: rootDir })).toEqual(['false', 'false']);
  });

  it('image meets the thresholds', async () => {
    expect(await evaluateLoginDefs({ image: resolve(bookwormDir, 'bookworm-docker-save.tar') })).toEqual(['true', 'true']);
  });
});
