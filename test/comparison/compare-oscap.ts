/**
 * Compares scapula's definition results with oscap 1.3.7's on the same content and the same root,
 * and prints the counts and every definition where they differ.
 *
 *   node dist/test/comparison/compare-oscap.js --content FILE (--rootfs TAR | --image ARCHIVE) [--rpm-backend sqlite|bdb_ro]
 *
 * oscap-chroot writes into the root it scans, so it gets a fresh extraction of its own. For an
 * image, scapula reads the archive in place and oscap scans the tree that the fixtures' own
 * flattener extracts. Run as root (extraction keeps owners and setuid bits).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Options {
  content: string;
  rootfs?: string;
  image?: string;
  rpmBackend?: string;
  scapulaRoot?: string;
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
      case '--scapula-root': options.scapulaRoot = value; break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  if (!options.content || (!options.rootfs && !options.image && !options.scapulaRoot)) {
    throw new Error('usage: compare-oscap --content FILE (--rootfs TAR | --image ARCHIVE | --scapula-root DIR)');
  }
  return options as Options;
}

function readDefinitionLines(output: string): Map<string, string> {
  const results = new Map<string, string>();
  for (const line of output.split('\n')) {
    const match = /^Definition (\S+): (.+)$/.exec(line.trim());
    if (match) results.set(match[1], match[2]);
  }
  return results;
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

function runOscap(options: Options, root: string, work: string): Map<string, string> {
  const home = path.join(work, 'oscap-home');
  mkdirSync(home, { recursive: true });
  writeFileSync(path.join(home, '.rpmmacros'), `%_dbpath /var/lib/rpm\n%_db_backend ${options.rpmBackend ?? 'sqlite'}\n`);
  const run = spawnSync('oscap-chroot', [root, 'oval', 'eval', '--results', path.join(work, 'oscap-results.xml'), options.content], {
    env: { ...process.env, HOME: home },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  return readDefinitionLines(run.stdout);
}

function runScapula(options: Options, work: string): Map<string, string> {
  const targetArguments = options.image ? ['--image', options.image] : ['--root', options.scapulaRoot ?? path.join(work, 'scapula-root')];
  if (options.rootfs && !options.scapulaRoot) extractRoot(options, path.join(work, 'scapula-root'));
  const run = spawnSync('node', [path.join(repoRoot, 'bin/scapula.js'), 'oval', 'eval', ...targetArguments, '--results', path.join(work, 'scapula-results.xml'), options.content], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (run.status !== 0) process.stderr.write(run.stderr);
  return readDefinitionLines(run.stdout);
}

function countResults(results: Map<string, string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results.values()) counts[result] = (counts[result] ?? 0) + 1;
  return counts;
}

function main(): void {
  const options = parseArguments(process.argv.slice(2));
  const work = mkdtempSync(path.join(tmpdir(), 'scapula-compare-'));
  try {
    const oscapRoot = path.join(work, 'oscap-root');
    extractRoot(options, oscapRoot);
    const oscap = runOscap(options, oscapRoot, work);
    const scapula = runScapula(options, work);

    console.log(`content: ${path.basename(options.content)}`);
    console.log(`oscap:   ${JSON.stringify(countResults(oscap))}`);
    console.log(`scapula: ${JSON.stringify(countResults(scapula))}`);
    const ids = new Set([...oscap.keys(), ...scapula.keys()]);
    let differences = 0;
    for (const id of [...ids].sort()) {
      const ours = scapula.get(id) ?? '(absent)';
      const theirs = oscap.get(id) ?? '(absent)';
      if (ours === theirs) continue;
      differences++;
      console.log(`DIFF ${id}\toscap=${theirs}\tscapula=${ours}`);
    }
    console.log(`${ids.size} definitions, ${differences} differ`);
    console.log(`results kept in ${work}`);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}

main();
