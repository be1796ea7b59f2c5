/**
 * Collects every object of SSG's Debian 11 OVAL on the Debian 12 root of the fixtures with
 * scapula, and with oscap-chroot 1.3.7 on a second copy, because oscap-chroot writes into the
 * root it scans. Then compares the items of the objects the independent and unix probes
 * collect. Skipped when oscap-chroot or the SSG content is not installed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import libxmljs from 'libxmljs2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { evaluateOval } from '../../lib/oval/evaluate/index.js';
import { parseOvalDefinitions } from '../../lib/oval/parser.js';
import type { ItemEntity } from '../../lib/oval/syschar.js';
import { createDefaultRegistry } from '../../lib/probes/builtin.js';
import { openDirectoryTarget } from '../../lib/targets/directory.js';
import { missingSharedReason, skipWithoutShared } from '../fixtures.js';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const archive = resolve(repoRoot, '../shared/fixtures/images/bookworm/bookworm-rootfs.tar.gz');
const ssgOval = '/usr/share/xml/scap/ssg/content/ssg-debian11-oval.xml';
const available = existsSync('/usr/bin/oscap-chroot') && existsSync(ssgOval);

/** Object types whose items are compared. */
const COMPARED_TYPES = new Set(['textfilecontent54_object', 'file_object', 'password_object', 'family_object']);
/**
 * Entities left out: access and change times differ between two copies of a root, and oscap
 * writes password_item's password empty with mask="true" because an SSG state masks it.
 */
const IGNORED_ENTITIES = new Set(['a_time', 'c_time', 'password']);

let workDir: string;
/** Object id to its items, each item as its entities joined into one sorted-comparable line. */
let oscapItems: Map<string, string[]>;
let scapulaItems: Map<string, string[]>;

function describeEntity(name: string, value: string, fields: string[]): string {
  return fields.length > 0 ? `${name}=${fields.join(',')}` : `${name}=${value}`;
}

function readOscapItems(resultsPath: string): Map<string, string[]> {
  const document = libxmljs.parseXml(readFileSync(resultsPath, 'utf8'), { huge: true });
  const namespaces = { sc: 'http://oval.mitre.org/XMLSchema/oval-system-characteristics-5' };
  const itemsById = new Map<string, string>();
  for (const item of document.find('//sc:system_data/*', namespaces) as libxmljs.Element[]) {
    const entities = (item.childNodes().filter((node) => node.type() === 'element') as libxmljs.Element[])
      .filter((entity) => !IGNORED_ENTITIES.has(entity.name()))
      .map((entity) => describeEntity(entity.name(), entity.text(), []));
    itemsById.set(item.attr('id')!.value(), entities.join('|'));
  }

  const objects = new Map<string, string[]>();
  for (const object of document.find('//sc:collected_objects/sc:object', namespaces) as libxmljs.Element[]) {
    const references = object.find('sc:reference', namespaces) as libxmljs.Element[];
    objects.set(object.attr('id')!.value(), references.map((reference) => itemsById.get(reference.attr('item_ref')!.value())!).sort());
  }
  return objects;
}

function describeItem(entities: ItemEntity[]): string {
  return entities
    .filter((entity) => !IGNORED_ENTITIES.has(entity.name))
    .map((entity) => describeEntity(entity.name, entity.value ?? '', (entity.fields ?? []).map((field) => `${field.name}:${field.value}`)))
    .join('|');
}

beforeAll(async () => {
  if (!available || missingSharedReason(archive) !== null) return;
  workDir = mkdtempSync(join(tmpdir(), 'scapula-oscap-ssg-'));
  for (const copy of ['scapula', 'oscap']) {
    mkdirSync(join(workDir, copy));
    execFileSync('tar', ['-xzf', archive, '-C', join(workDir, copy)]);
  }

  const resultsPath = join(workDir, 'oscap-results.xml');
  execFileSync('oscap-chroot', [join(workDir, 'oscap'), 'oval', 'eval', '--results', resultsPath, ssgOval], { stdio: 'ignore' });
  oscapItems = readOscapItems(resultsPath);

  const definitions = await parseOvalDefinitions(ssgOval);
  const target = await openDirectoryTarget(join(workDir, 'scapula'));
  const results = await evaluateOval(definitions, { target, registry: createDefaultRegistry() });
  scapulaItems = new Map();
  for (const [objectId, collected] of results.systemCharacteristics.collectedObjects) {
    const type = definitions.objects.get(objectId)?.type ?? '';
    if (COMPARED_TYPES.has(type)) scapulaItems.set(objectId, collected.items.map((item) => describeItem(item.entities)).sort());
  }
}, 300_000);

afterAll(() => {
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

describe.skipIf(!available)('SSG Debian 11 objects on bookworm', () => {
  beforeEach((context) => skipWithoutShared(context, archive));

  it('collects the objects oscap collects', () => {
    expect(scapulaItems.size).toBeGreaterThan(500);
    for (const objectId of scapulaItems.keys()) expect(oscapItems.has(objectId), objectId).toBe(true);
  });

  it('items equal oscap-chroot items', () => {
    let itemCount = 0;
    for (const [objectId, items] of scapulaItems) {
      expect(items, objectId).toEqual(oscapItems.get(objectId));
      itemCount += items.length;
    }
    expect(itemCount).toBeGreaterThan(20);
  });
});
