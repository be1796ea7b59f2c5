import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import libxml from 'libxmljs2';
import { describe, expect, it } from 'vitest';

import type { CriteriaNode, OvalDefinitions } from '../../lib/oval/model.js';
import { parseOvalDefinitions } from '../../lib/oval/parser.js';
import { fixturesDir, skipWithoutShared } from '../fixtures.js';

const fixtures = fixturesDir;
const ssgContent = '/usr/share/xml/scap/ssg/content';

/**
 * Element counts of each section, taken with xmllint (libxml2), independent of this parser:
 * xmllint --xpath 'count(//*[local-name()="tests"]/*)' FILE, and the same for the other sections.
 * Two files repeat ids (counted with Python's ElementTree): the Alma excerpt has one definition
 * five times, and the SLE excerpt one test twice. The parser keeps the first of each, so the
 * table gives the distinct counts for those two and the duplicates are checked separately.
 */
const FEEDS: [file: string, definitions: number, tests: number, objects: number, states: number, variables: number][] = [
  ['oval/alma/alma8-alsa-mocked-excerpt.xml', 1, 12, 6, 4, 1],
  ['oval/azure-linux/azure-linux-3.0-oval-truncated.xml', 3, 3, 3, 3, 0],
  ['oval/azure-linux/cbl-mariner-2.0-oval-truncated.xml', 5, 6, 6, 6, 0],
  ['oval/debian/debian-buster-excerpt.xml', 1, 3, 3, 2, 0],
  ['oval/oracle/ELSA-2007-0057.xml', 1, 17, 9, 3, 0],
  ['oval/oracle/oracle-elsa-excerpt-1.xml', 1, 7, 4, 3, 0],
  ['oval/oracle/oracle-elsa-excerpt-2.xml', 1, 9, 2, 8, 0],
  ['oval/oracle/oracle-elsa-excerpt-vunnel.xml', 2, 2, 2, 6, 0],
  ['oval/redhat/rhel-8-rpm-unpatched-excerpt.xml', 1, 34, 18, 4, 1],
  ['oval/suse/opensuse-excerpt.xml', 1, 3, 3, 2, 0],
  ['oval/suse/sle-excerpt.xml', 1, 2, 2, 3, 0],
  ['oval/ubuntu/ubuntu-xenial-cve-excerpt.xml', 2, 4, 4, 3, 0],
  ['oval/debian/oval-definitions-bookworm-changelogs.xml.bz2', 275, 429, 62, 156, 0],
  ['oval/photon/com.vmware.phsa-photon3.xml.bz2', 222, 1778, 1000, 1778, 0],
  ['oval/redhat/com.redhat.rhsa-RHEL8.xml.bz2', 129, 3307, 1204, 612, 1],
  ['oval/redhat/rhel-8-including-unpatched.oval.xml.bz2', 4130, 15386, 3525, 2093, 1],
  ['oval/ubuntu/com.ubuntu.focal.cve.oval.xml.bz2', 7761, 3586, 1538, 2147, 766],
  ['rpmlab/feeds/com.redhat.rhsa-RHEL8.labkey.xml.bz2', 169, 3914, 1336, 746, 1],
  ['rpmlab/feeds/com.redhat.rhsa-RHEL8.xml.bz2', 169, 3914, 1336, 746, 1],
  ['rpmlab/feeds/rhel-8-including-unpatched.labkey.oval.xml.bz2', 4130, 15386, 3525, 2093, 1],
  ['rpmlab/feeds/rhel-8-including-unpatched.oval.xml.bz2', 4130, 15386, 3525, 2093, 1],
];

const DUPLICATES: Record<string, number> = {
  'oval/alma/alma8-alsa-mocked-excerpt.xml': 4,
  'oval/suse/sle-excerpt.xml': 1,
};

const SSG: [file: string, definitions: number, tests: number, objects: number, states: number, variables: number][] = [
  ['ssg-debian11-oval.xml', 487, 918, 998, 469, 241],
  ['ssg-ubuntu2204-oval.xml', 760, 1455, 1612, 730, 346],
  ['ssg-rhel8-oval.xml', 1629, 2971, 3328, 1501, 1140],
];

describe('parseOvalDefinitions on vendor feeds', () => {
  for (const [file, definitions, tests, objects, states, variables] of FEEDS) {
    it(`reads every item of ${file}`, { timeout: 60_000 }, async (context) => {
      skipWithoutShared(context, path.join(fixtures, file));
      const document = await parseOvalDefinitions(path.join(fixtures, file));
      expect(document.definitions.size).toBe(definitions);
      expect(document.tests.size).toBe(tests);
      expect(document.objects.size).toBe(objects);
      expect(document.states.size).toBe(states);
      expect(document.variables.size).toBe(variables);
      const duplicates = DUPLICATES[file] ?? 0;
      expect(document.warnings.map((warning) => warning.message.includes('appears more than once; the first one is kept'))).toEqual(
        new Array(duplicates).fill(true),
      );
      expect(document.span).toBeDefined();
    });
  }
});

describe('parseOvalDefinitions on SSG content', () => {
  const present = existsSync(ssgContent);
  if (!present) console.warn(`skipping SSG parse tests: ${ssgContent} is absent`);
  for (const [file, definitions, tests, objects, states, variables] of SSG) {
    it.skipIf(!present)(`reads every item of ${file}`, { timeout: 60_000 }, async () => {
      const document = await parseOvalDefinitions(path.join(ssgContent, file));
      expect(document.definitions.size).toBe(definitions);
      expect(document.tests.size).toBe(tests);
      expect(document.objects.size).toBe(objects);
      expect(document.states.size).toBe(states);
      expect(document.variables.size).toBe(variables);
      expect(document.warnings).toEqual([]);
    });
  }
});

/** Counts taken with libxml2 XPath on the same file, to check the model element by element. */
function independentCounts(text: string) {
  const document = libxml.parseXml(text, { huge: true });
  const count = (xpath: string) => document.find(xpath).length;
  const notEntity = "local-name()='set' or local-name()='filter' or local-name()='behaviors' or local-name()='notes' or local-name()='Signature'";
  return {
    criteria: count("//*[local-name()='definitions']//*[local-name()='criteria']"),
    criterion: count("//*[local-name()='definitions']//*[local-name()='criterion']"),
    extendDefinition: count("//*[local-name()='definitions']//*[local-name()='extend_definition']"),
    objectEntities: count(`//*[local-name()='objects']/*/*[not(${notEntity})]`),
    objectFilters: count("//*[local-name()='objects']/*/*[local-name()='filter']"),
    objectSets: count("//*[local-name()='objects']/*/*[local-name()='set']"),
    stateEntities: count(`//*[local-name()='states']/*/*[not(${notEntity})]`),
    stateRefs: count("//*[local-name()='tests']/*/*[local-name()='state']"),
    localVariables: count("//*[local-name()='variables']/*[local-name()='local_variable']"),
    varRefs: count("//*[local-name()='objects' or local-name()='states']/*/*[@var_ref]"),
  };
}

function modelCounts(document: OvalDefinitions) {
  const counts = { criteria: 0, criterion: 0, extendDefinition: 0, objectEntities: 0, objectFilters: 0, objectSets: 0, stateEntities: 0, stateRefs: 0, localVariables: 0, varRefs: 0 };
  for (const definition of document.definitions.values()) {
    const pending: CriteriaNode[] = definition.criteria === undefined ? [] : [definition.criteria];
    while (pending.length > 0) {
      const node = pending.pop()!;
      if (node.kind === 'criteria') {
        counts.criteria++;
        pending.push(...node.children);
      } else if (node.kind === 'criterion') {
        counts.criterion++;
      } else {
        counts.extendDefinition++;
      }
    }
  }
  for (const object of document.objects.values()) {
    counts.objectEntities += object.entities.length;
    counts.objectFilters += object.filters.length;
    if (object.set !== undefined) counts.objectSets++;
    counts.varRefs += object.entities.filter((entity) => entity.varRef !== undefined).length;
  }
  for (const state of document.states.values()) {
    counts.stateEntities += state.entities.length;
    counts.varRefs += state.entities.filter((entity) => entity.varRef !== undefined).length;
  }
  for (const test of document.tests.values()) counts.stateRefs += test.stateRefs.length;
  for (const variable of document.variables.values()) if (variable.kind === 'local_variable') counts.localVariables++;
  return counts;
}

describe('parseOvalDefinitions against libxml2', () => {
  const files = [
    path.join(ssgContent, 'ssg-rhel8-oval.xml'),
    path.join(ssgContent, 'ssg-ubuntu2204-oval.xml'),
    path.join(fixtures, 'oval/ubuntu/com.ubuntu.focal.cve.oval.xml.bz2'),
    path.join(fixtures, 'oval/redhat/com.redhat.rhsa-RHEL8.xml.bz2'),
  ];
  for (const file of files) {
    it.skipIf(!existsSync(file))(`agrees on ${path.basename(file)}`, { timeout: 120_000 }, async () => {
      const text = file.endsWith('.bz2') ? execFileSync('bzip2', ['-dc', file], { maxBuffer: 1 << 30 }).toString('utf8') : readFileSync(file, 'utf8');
      const expected = independentCounts(text);
      const document = await parseOvalDefinitions(file);
      expect(modelCounts(document)).toEqual(expected);
      expect(expected.criterion).toBeGreaterThan(100);
    });
  }
});
