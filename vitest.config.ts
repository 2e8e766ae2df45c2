import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // ext4 and registry tests spawn real processes; two cores cannot run many at once.
    maxWorkers: 2,
    // The example base images are made once per run, outside the repository, and the run must
    // leave the checkout as it found it.
    globalSetup: ['test/setup/clean-tree.ts', 'test/setup/example-images.ts'],
  },
});
