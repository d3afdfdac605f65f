import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The benchmark smoke test holds long transactions on the shared server, which would stall the
    // outbox readers of tests running beside it; scripts/test.ts runs it on its own afterwards.
    include: process.env.OPENIB_TEST_BENCH === '1' ? ['bench/**/*.test.ts'] : ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
