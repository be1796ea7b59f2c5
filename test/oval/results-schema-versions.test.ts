import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';

import { afterAll, describe, expect, it } from 'vitest';

import { validateOvalFile } from '../../lib/cli/validate.js';
import { evaluateOval } from '../../lib/oval/evaluate/index.js';
import { parseOvalDefinitions } from '../../lib/oval/parser.js';
import { writeOvalResults } from '../../lib/oval/results-writer.js';
import { createDefaultRegistry } from '../../lib/probes/builtin.js';
import { openDirectoryTarget } from '../../lib/targets/directory.js';

const schemaRoot = '/usr/share/openscap/schemas/oval';
const temporary = mkdtempSync(path.join(os.tmpdir(), 'scapula-schema-versions-'));
afterAll(() => rmSync(temporary, { recursive: true, force: true }));

function dpkgDocument(schemaVersion: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:linux="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
  <generator><oval:schema_version>${schemaVersion}</oval:schema_version><oval:timestamp>2024-01-01T00:00:00</oval:timestamp></generator>
  <definitions>
    <definition id="oval:x:def:1" version="1" class="inventory">
      <metadata><title>bash</title><description>d</description></metadata>
      <criteria><criterion test_ref="oval:x:tst:1"/></criteria>
    </definition>
  </definitions>
  <tests>
    <linux:dpkginfo_test id="oval:x:tst:1" version="1" check="all" comment="bash"><linux:object object_ref="oval:x:obj:1"/></linux:dpkginfo_test>
  </tests>
  <objects>
    <linux:dpkginfo_object id="oval:x:obj:1" version="1"><linux:name>bash</linux:name></linux:dpkginfo_object>
  </objects>
</oval_definitions>
`;
}

// SSG's Debian and Ubuntu content declares OVAL 5.11, whose schemas know no debian_evr_string.
describe.skipIf(!existsSync(schemaRoot))('results of older schema versions', () => {
  it.each(['5.11', '5.11.2'])('validate for a dpkginfo test of OVAL %s', async (schemaVersion) => {
    const root = path.join(temporary, `root-${schemaVersion}`);
    mkdirSync(path.join(root, 'var/lib/dpkg'), { recursive: true });
    writeFileSync(path.join(root, 'var/lib/dpkg/status'), 'Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b2\n');
    const definitionsFile = path.join(temporary, `dpkg-${schemaVersion}.xml`);
    writeFileSync(definitionsFile, dpkgDocument(schemaVersion));

    const definitions = await parseOvalDefinitions(definitionsFile);
    const target = await openDirectoryTarget(root);
    const results = await evaluateOval(definitions, { target, registry: createDefaultRegistry() });
    expect(results.definitions.get('oval:x:def:1')?.result).toBe('true');

    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    await writeOvalResults(out, { definitions, results, generator: { schemaVersion } });
    const resultsFile = path.join(temporary, `results-${schemaVersion}.xml`);
    writeFileSync(resultsFile, Buffer.concat(chunks));

    const report = await validateOvalFile(resultsFile);
    expect(report.schemaVersion).toBe(schemaVersion);
    expect(report.violations).toEqual([]);
    expect(report.valid).toBe(true);
  });
});
