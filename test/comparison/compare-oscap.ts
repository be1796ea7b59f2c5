/**
 * Compares scapula's definition results with oscap 1.3.7's on the same content and the same root,
 * and prints the counts, every definition where they differ and a breakdown of the differences.
 *
 *   node dist/test/comparison/compare-oscap.js --content FILE (--rootfs TAR | --scapula-root DIR | --image ARCHIVE)
 *     [--rpm-backend sqlite|bdb_ro] [--rpm-dbpath PATH] [--keep DIR] [--json FILE]
 *
 * oscap-chroot writes into the root it scans, so it gets a fresh copy of its own. For an image,
 * scapula reads the archive in place and oscap scans the tree that the fixtures' own flattener
 * extracts. Run as root (extraction keeps owners and setuid bits).
 *
 * A differing definition is classed by the test types whose results differ between the two tools
 * among the tests it uses, through extend_definition too (all its test types where oscap wrote
 * no results file). A class of "(no test differs)" means
 * that both tools gave every test the same result and combined them differently.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SaxesParser } from 'saxes';

interface Options {
  content: string;
  rootfs?: string;
  image?: string;
  rpmBackend?: string;
  rpmDbpath?: string;
  scapulaRoot?: string;
  keep?: string;
  json?: string;
}

/** Definition and test results read from one oval_results document. */
interface ResultsDocument {
  definitions: Map<string, string>;
  tests: Map<string, string>;
  testTypes: Map<string, string>;
  titles: Map<string, string>;
  /** Test ids and extended definition ids that each definition's criteria name. */
  references: Map<string, { tests: string[]; definitions: string[] }>;
}

interface Difference {
  id: string;
  title: string;
  oscap: string;
  scapula: string;
  differingTestTypes: string[];
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const sharedRoot = path.resolve(repoRoot, '../shared');

function parseArguments(argv: string[]): Options {
  const options: Partial<Options> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--content': options.content = value; break;
      case '--rootfs': options.rootfs = value; break;
      case '--image': options.image = value; break;
      case '--rpm-backend': options.rpmBackend = value; break;
      case '--rpm-dbpath': options.rpmDbpath = value; break;
      case '--scapula-root': options.scapulaRoot = value; break;
      case '--keep': options.keep = value; break;
      case '--json': options.json = value; break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  if (!options.content || (!options.rootfs && !options.image && !options.scapulaRoot)) {
    throw new Error('usage: compare-oscap --content FILE (--rootfs TAR | --image ARCHIVE | --scapula-root DIR) [--rpm-backend B] [--rpm-dbpath P] [--keep DIR] [--json FILE]');
  }
  return options as Options;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/**
 * Reads an oval_results document: the definitions' titles and the test types from its
 * oval_definitions part, and the definition and test results of its first system.
 */
function readResultsDocument(file: string): ResultsDocument {
  const document: ResultsDocument = {
    definitions: new Map(), tests: new Map(), testTypes: new Map(), titles: new Map(), references: new Map(),
  };
  const parser = new SaxesParser();
  const stack: string[] = [];
  let inResults = false;
  let systems = 0;
  let definitionId: string | undefined;
  let title: string | undefined;
  let resultDefinition: { tests: string[]; definitions: string[] } | undefined;

  parser.on('opentag', (tag) => {
    const name = localName(tag.name);
    const attributes = tag.attributes as Record<string, string>;
    stack.push(name);
    if (name === 'results') inResults = true;
    if (name === 'system' && inResults) systems++;
    if (!inResults) {
      if (name === 'definition' && stack[stack.length - 2] === 'definitions') definitionId = attributes.id;
      if (name === 'title' && definitionId && stack[stack.length - 2] === 'metadata') title = '';
      if (name.endsWith('_test') && stack[stack.length - 2] === 'tests' && attributes.id) document.testTypes.set(attributes.id, name);
      return;
    }
    if (systems !== 1) return;
    if (name === 'definition' && attributes.definition_id) {
      document.definitions.set(attributes.definition_id, attributes.result);
      resultDefinition = { tests: [], definitions: [] };
      document.references.set(attributes.definition_id, resultDefinition);
    } else if (name === 'criterion' && resultDefinition) {
      resultDefinition.tests.push(attributes.test_ref);
    } else if (name === 'extend_definition' && resultDefinition) {
      resultDefinition.definitions.push(attributes.definition_ref);
    } else if (name === 'test' && attributes.test_id) {
      document.tests.set(attributes.test_id, attributes.result);
    }
  });
  parser.on('text', (text) => {
    if (title !== undefined) title += text;
  });
  parser.on('closetag', (tag) => {
    const name = localName(tag.name);
    stack.pop();
    if (name === 'title' && title !== undefined && definitionId) {
      document.titles.set(definitionId, title.trim().replace(/\s+/g, ' '));
      title = undefined;
    }
    if (name === 'definition') {
      definitionId = undefined;
      resultDefinition = undefined;
    }
  });
  parser.write(readFileSync(file, 'utf8')).close();
  return document;
}

/** Collects the test ids that a definition uses, following extend_definition. */
function collectTests(document: ResultsDocument, id: string, seen = new Set<string>()): Set<string> {
  const tests = new Set<string>();
  if (seen.has(id)) return tests;
  seen.add(id);
  const references = document.references.get(id);
  if (!references) return tests;
  for (const test of references.tests) tests.add(test);
  for (const extended of references.definitions) {
    for (const test of collectTests(document, extended, seen)) tests.add(test);
  }
  return tests;
}

function extractRoot(options: Options, destination: string): void {
  mkdirSync(destination, { recursive: true });
  if (options.scapulaRoot) {
    execFileSync('cp', ['-a', `${options.scapulaRoot}/.`, destination]);
  } else if (options.rootfs) {
    execFileSync('tar', ['-xf', options.rootfs, '-C', destination]);
  } else {
    execFileSync('python3', [path.join(sharedRoot, 'fixtures/images/make/extract_image.py'), options.image!, destination], { stdio: 'ignore' });
  }
}

function readDefinitionLines(output: string): Map<string, string> {
  const results = new Map<string, string>();
  for (const line of output.split('\n')) {
    const match = /^Definition (\S+): (.+)$/.exec(line.trim());
    if (match) results.set(match[1], match[2]);
  }
  return results;
}

/**
 * Reads oscap's results file or, where oscap wrote none (1.3.7 fails to write it when a probe
 * dies, as its environmentvariable58 probe does on a root without /proc), the definition results
 * it printed, with no test results.
 */
function readOscapResults(work: string): ResultsDocument {
  const file = path.join(work, 'oscap-results.xml');
  if (existsSync(file)) return readResultsDocument(file);
  process.stderr.write(`oscap wrote no results file; using the definition results it printed. Its last errors:\n${readFileSync(path.join(work, 'oscap.stderr'), 'utf8').split('\n').filter((line) => !line.startsWith('W:')).slice(-4).join('\n')}\n`);
  return {
    definitions: readDefinitionLines(readFileSync(path.join(work, 'oscap.stdout'), 'utf8')),
    tests: new Map(), testTypes: new Map(), titles: new Map(), references: new Map(),
  };
}

function runOscap(options: Options, root: string, work: string): void {
  // oscap 1.3.7 writes no results file when its environmentvariable58 probe finds no /proc in
  // the chroot (the RPM lab's tar has none), so its copy gets the empty folder every system has.
  if (!existsSync(path.join(root, 'proc'))) mkdirSync(path.join(root, 'proc'));
  const home = path.join(work, 'oscap-home');
  mkdirSync(home, { recursive: true });
  const dbpath = options.rpmDbpath ?? '/var/lib/rpm';
  writeFileSync(path.join(home, '.rpmmacros'), `%_dbpath ${dbpath}\n%_db_backend ${options.rpmBackend ?? 'sqlite'}\n`);
  const run = spawnSync('oscap-chroot', [root, 'oval', 'eval', '--results', path.join(work, 'oscap-results.xml'), options.content], {
    env: { ...process.env, HOME: home },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  writeFileSync(path.join(work, 'oscap.stdout'), run.stdout);
  writeFileSync(path.join(work, 'oscap.stderr'), run.stderr);
}

function runScapula(options: Options, work: string): void {
  let target: string[];
  if (options.image) {
    target = ['--image', options.image];
  } else if (options.scapulaRoot) {
    target = ['--root', options.scapulaRoot];
  } else {
    extractRoot(options, path.join(work, 'scapula-root'));
    target = ['--root', path.join(work, 'scapula-root')];
  }
  const run = spawnSync('node', [path.join(repoRoot, 'bin/scapula.js'), 'oval', 'eval', ...target, '--results', path.join(work, 'scapula-results.xml'), options.content], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  writeFileSync(path.join(work, 'scapula.stdout'), run.stdout);
  writeFileSync(path.join(work, 'scapula.stderr'), run.stderr);
  if (run.status !== 0) process.stderr.write(`scapula exited with status ${run.status}:\n${run.stderr}`);
}

function countResults(results: Map<string, string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results.values()) counts[result] = (counts[result] ?? 0) + 1;
  return counts;
}

function findDifferences(oscap: ResultsDocument, scapula: ResultsDocument): Difference[] {
  const ids = new Set([...oscap.definitions.keys(), ...scapula.definitions.keys()]);
  const differences: Difference[] = [];
  for (const id of [...ids].sort()) {
    const ours = scapula.definitions.get(id) ?? '(absent)';
    const theirs = oscap.definitions.get(id) ?? '(absent)';
    if (ours === theirs) continue;

    // Without oscap's test results, every test type the definition uses is listed.
    const testTypes = new Set<string>();
    for (const test of collectTests(scapula, id)) {
      const theirTest = oscap.tests.size > 0 ? oscap.tests.get(test) : undefined;
      if (scapula.tests.get(test) !== theirTest) testTypes.add(scapula.testTypes.get(test) ?? oscap.testTypes.get(test) ?? test);
    }
    differences.push({
      id,
      title: scapula.titles.get(id) ?? oscap.titles.get(id) ?? '',
      oscap: theirs,
      scapula: ours,
      differingTestTypes: [...testTypes].sort(),
    });
  }
  return differences;
}

/** Groups differences by result pair and differing test types. */
function classifyDifferences(differences: Difference[]): Map<string, Difference[]> {
  const classes = new Map<string, Difference[]>();
  for (const difference of differences) {
    const types = difference.differingTestTypes.length ? difference.differingTestTypes.join('+') : '(no test differs)';
    const key = `oscap ${difference.oscap} / scapula ${difference.scapula}: ${types}`;
    const members = classes.get(key) ?? [];
    members.push(difference);
    classes.set(key, members);
  }
  return classes;
}

const RESULT_ORDER = ['true', 'false', 'error', 'unknown', 'not evaluated', 'not applicable', '(absent)'];

/** Prints the counts per result and the difference classes as Markdown tables. */
function printTables(oscap: ResultsDocument, scapula: ResultsDocument, classes: Map<string, Difference[]>): void {
  const oscapCounts = countResults(oscap.definitions);
  const scapulaCounts = countResults(scapula.definitions);
  const results = RESULT_ORDER.filter((result) => oscapCounts[result] !== undefined || scapulaCounts[result] !== undefined);
  console.log('');
  console.log('| result | oscap | scapula |');
  console.log('|---|---:|---:|');
  for (const result of results) console.log(`| ${result} | ${oscapCounts[result] ?? 0} | ${scapulaCounts[result] ?? 0} |`);
  console.log(`| all | ${oscap.definitions.size} | ${scapula.definitions.size} |`);
  if (classes.size === 0) return;

  console.log('');
  if (oscap.tests.size === 0) console.log('oscap wrote no results file, so the third column lists every test type a definition uses.');
  console.log('| oscap | scapula | tests that differ | count | examples |');
  console.log('|---|---|---|---:|---|');
  for (const members of [...classes.values()].sort((a, b) => b.length - a.length)) {
    const first = members[0];
    const types = first.differingTestTypes.length ? first.differingTestTypes.join(', ') : '(no test differs)';
    const examples = members.slice(0, 3).map((member) => `\`${member.id.replace(/^oval:/, '').replace(/:def:\d+$/, '')}\``).join(', ');
    console.log(`| ${first.oscap} | ${first.scapula} | ${types} | ${members.length} | ${examples} |`);
  }
}

function main(): void {
  const options = parseArguments(process.argv.slice(2));
  const work = mkdtempSync(path.join(tmpdir(), 'scapula-compare-'));
  try {
    const oscapRoot = path.join(work, 'oscap-root');
    extractRoot(options, oscapRoot);
    runOscap(options, oscapRoot, work);
    runScapula(options, work);
    rmSync(oscapRoot, { recursive: true, force: true });
    rmSync(path.join(work, 'scapula-root'), { recursive: true, force: true });

    const oscap = readOscapResults(work);
    const scapula = readResultsDocument(path.join(work, 'scapula-results.xml'));
    const differences = findDifferences(oscap, scapula);
    const classes = classifyDifferences(differences);

    console.log(`content: ${path.basename(options.content)}`);
    console.log(`oscap:   ${JSON.stringify(countResults(oscap.definitions))}`);
    console.log(`scapula: ${JSON.stringify(countResults(scapula.definitions))}`);
    for (const difference of differences) {
      console.log(`DIFF ${difference.id}\toscap=${difference.oscap}\tscapula=${difference.scapula}\t[${difference.differingTestTypes.join(',')}]\t${difference.title}`);
    }
    console.log(`${new Set([...oscap.definitions.keys(), ...scapula.definitions.keys()]).size} definitions, ${differences.length} differ`);
    printTables(oscap, scapula, classes);

    if (options.json) {
      const summary = {
        content: path.basename(options.content),
        oscap: countResults(oscap.definitions),
        scapula: countResults(scapula.definitions),
        definitions: oscap.definitions.size,
        differences,
      };
      writeFileSync(options.json, JSON.stringify(summary, null, 2));
    }
    if (options.keep) {
      mkdirSync(options.keep, { recursive: true });
      cpSync(work, options.keep, { recursive: true });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
