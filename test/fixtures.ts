/**
 * The shared data folder beside the repository (`../shared`), which holds the fixtures and the
 * OpenSCAP conformance data, and guards that skip a test with the reason when that data is
 * missing, in place of failing on the missing path.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, it, type TestContext } from 'vitest';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const sharedDir = path.resolve(repoRoot, '../shared');
export const fixturesDir = path.join(sharedDir, 'fixtures');
export const conformanceDir = path.join(sharedDir, 'conformance/openscap');

/**
 * Returns null when every path exists, else the reason a test that reads them is skipped,
 * naming the first missing path.
 */
export function missingSharedReason(...paths: string[]): string | null {
  const missing = paths.find((file) => !existsSync(file));
  if (missing === undefined) return null;
  return `missing shared data ${path.relative(repoRoot, missing)}: this test reads the shared folder beside the repository`;
}

/**
 * Declares a suite that needs these shared paths. When one is missing, the suite contains one
 * skipped test that gives the reason, and `factory` is never called, so neither its hooks nor
 * the code that collects its tests read the missing data.
 */
export function describeWithShared(name: string, paths: string[], factory: () => void | Promise<void>): void {
  const reason = missingSharedReason(...paths);
  if (reason === null) {
    describe(name, factory);
    return;
  }
  describe(name, () => {
    it('needs the shared data', (context) => {
      context.skip(reason);
    });
  });
}

/** Skips the running test, with the reason, when one of these shared paths is missing. */
export function skipWithoutShared(context: TestContext, ...paths: string[]): void {
  const reason = missingSharedReason(...paths);
  if (reason !== null) context.skip(reason);
}

/** The OVAL 5.11.2 schemas that Debian's openscap-common installs, which results must validate against. */
export const ovalSchemaDirectory = '/usr/share/openscap/schemas/oval/5.11.2';
export const haveOvalSchemas = existsSync(ovalSchemaDirectory);

/** True when oscap runs on this machine, for tests that compare with it. */
export const haveOscap = (() => {
  try {
    execFileSync('oscap', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
