/**
 * Compares scapula's definition and package test results with OpenSCAP's on one root.
 *
 *   node dist/bench/packages-oscap-tests.js ROOT DEFINITIONS OSCAP_RESULTS
 *
 * Evaluates DEFINITIONS (plain or compressed) on the directory ROOT with every built-in probe,
 * then reads the `definition` and `test` results of oscap's `--results` file for the same
 * document and root. Prints one JSON line with the definition counts and the package test
 * (rpminfo, rpmverifyfile, rpmverifypackage, dpkginfo) counts, then up to 15 differing
 * definitions and up to 15 differing package tests.
 */
import { readFile } from 'node:fs/promises';

import { evaluateOval } from '../lib/oval/evaluate/index.js';
import { parseOvalDefinitions } from '../lib/oval/parser.js';
import { createDefaultRegistry } from '../lib/probes/builtin.js';
import { openDirectoryTarget } from '../lib/targets/directory.js';

const PACKAGE_TESTS = new Set(['rpminfo_test', 'rpmverifyfile_test', 'rpmverifypackage_test', 'dpkginfo_test']);
const MAX_SHOWN = 15;

async function main(): Promise<void> {
  const [root, definitionsFile, resultsFile] = process.argv.slice(2);
  if (resultsFile === undefined) {
    process.stderr.write('usage: node dist/bench/packages-oscap-tests.js ROOT DEFINITIONS OSCAP_RESULTS\n');
    process.exit(2);
  }

  const start = Date.now();
  const definitions = await parseOvalDefinitions(definitionsFile);
  const target = await openDirectoryTarget(root);
  const results = await evaluateOval(definitions, { registry: createDefaultRegistry(), target });
  const milliseconds = Date.now() - start;
  await target.close();

  const xml = await readFile(resultsFile, 'utf8');
  const oscapDefinitions = resultsByAttribute(xml, 'definition', 'definition_id');
  const oscapTests = resultsByAttribute(xml, 'test', 'test_id');

  const summary = { milliseconds, definitions: 0, definitionsSame: 0, packageTests: 0, packageTestsSame: 0 };
  const differentDefinitions: string[] = [];
  for (const [id, result] of results.definitions) {
    summary.definitions++;
    if (oscapDefinitions.get(id) === result.result) summary.definitionsSame++;
    else differentDefinitions.push(`${id}: scapula ${result.result}, oscap ${oscapDefinitions.get(id)}`);
  }

  const differentTests: string[] = [];
  for (const [id, result] of results.tests) {
    const type = definitions.tests.get(id)?.type ?? '';
    if (!PACKAGE_TESTS.has(type)) continue;
    summary.packageTests++;
    if (oscapTests.get(id) === result.result) summary.packageTestsSame++;
    else differentTests.push(`${id} (${type}): scapula ${result.result}, oscap ${oscapTests.get(id)}`);
  }

  process.stdout.write(`${JSON.stringify(summary)}\n`);
  for (const line of [...differentDefinitions.slice(0, MAX_SHOWN), ...differentTests.slice(0, MAX_SHOWN)]) process.stdout.write(`${line}\n`);
}

/** Reads `<element id_attribute="..." ... result="...">` pairs from oscap's machine-written results. */
function resultsByAttribute(xml: string, element: string, idAttribute: string): Map<string, string> {
  const results = new Map<string, string>();
  const pattern = new RegExp(`<${element} ${idAttribute}="([^"]+)"[^>]*?result="([^"]+)"`, 'g');
  for (const match of xml.matchAll(pattern)) results.set(match[1], match[2]);
  return results;
}

await main();
