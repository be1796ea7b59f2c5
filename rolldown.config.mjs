// Bundles the command line into dist/cli after `tsc` has compiled lib/ into dist/lib. Node.js
// otherwise loads its modules one by one (about 100 for ssg-debian11), and the bundle made that
// run about 6 % faster (docs/benchmarks.md). Packages stay external. bin/scapula.js runs the
// bundle unless dist/lib is newer, and the library itself is always dist/lib.
import { rmSync } from 'node:fs';

import { defineConfig } from 'rolldown';

// Both outputs name their files, so the folder is emptied here of what older builds left.
rmSync('dist/cli', { recursive: true, force: true });

const external = (id) => !id.startsWith('.') && !id.startsWith('/');

export default defineConfig([
  {
    input: 'dist/lib/cli/main.js',
    external,
    platform: 'node',
    logLevel: 'warn',
    // One file: the probes that main.js imports on first use are parsed up front instead.
    output: { file: 'dist/cli/main.js', format: 'esm', codeSplitting: false },
  },
  {
    // kept-copy.js starts its worker from ./definitions-copy-worker.js next to itself.
    input: 'dist/lib/oval/definitions-copy-worker.js',
    external,
    platform: 'node',
    logLevel: 'warn',
    output: { file: 'dist/cli/definitions-copy-worker.js', format: 'esm' },
  },
]);
