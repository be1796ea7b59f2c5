#!/usr/bin/env node
// Entry point of the scapula command. `npm run build`, which `npm install` runs through the
// prepare script, compiles lib/ into dist/lib and bundles the command line into dist/cli/main.js,
// which loads faster. The bundle runs unless dist/lib is newer: after a `tsc` alone, the
// compiled modules are the current code.
import { statSync } from 'node:fs';

const bundled = new URL('../dist/cli/main.js', import.meta.url);
const compiled = new URL('../dist/lib/cli/main.js', import.meta.url);

/** Returns the modification time of a file in milliseconds, or undefined when it is missing. */
function modified(url) {
  try {
    return statSync(url).mtimeMs;
  } catch {
    return undefined;
  }
}

const bundleTime = modified(bundled);
const compiledTime = modified(compiled);
if (bundleTime === undefined && compiledTime === undefined) {
  process.stderr.write('scapula: the compiled code in dist/ is missing; run `npm run build` in the scapula folder\n');
  process.exit(1);
}
const entry = bundleTime !== undefined && (compiledTime === undefined || bundleTime >= compiledTime) ? bundled : compiled;
const cli = await import(entry.href);
await cli.runCli();
