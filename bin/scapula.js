#!/usr/bin/env node
// Entry point of the scapula command. The code is compiled from lib/cli/main.ts into dist/ by
// `npm run build`, which `npm install` runs through the prepare script.
let cli;
try {
  cli = await import('../dist/lib/cli/main.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/lib/cli/main.js')) {
    process.stderr.write('scapula: the compiled code in dist/ is missing; run `npm run build` in the scapula folder\n');
    process.exit(1);
  }
  throw error;
}

await cli.runCli();
