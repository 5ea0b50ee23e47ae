import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'services/*/src/**/*.test.ts', 'services/*/test/**/*.test.ts', 'hotspot-sim/src/**/*.test.ts', 'hotspot-sim/test/**/*.test.ts', 'maps/src/**/*.test.ts', 'maps/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: more parallel files only make the broker and PGlite tests slower.
    maxWorkers: 2,
  },
});
