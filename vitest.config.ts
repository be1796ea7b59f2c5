import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Several suites run oscap, extract image roots or parse 100 MB feeds.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
