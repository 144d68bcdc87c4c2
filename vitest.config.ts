import { defineConfig } from 'vitest/config';

/** Tests that run on every storage engine: one conformance suite (README "Scaling out"). */
const CONFORMANCE = ['test/conformance/**/*.test.ts'];
/** Tests of the package as npm ships it: they need `npm run build` first (npm test does it). */
const PACKAGE = ['test/package/**/*.test.ts'];

export default defineConfig({
  define: { __VERSION__: '"1.0.0"' },
  test: {
    environment: 'node',
    // CI machines are shared and slow at times: a test fails on what it asserts, not on a 5 s default.
    testTimeout: 20_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...CONFORMANCE, ...PACKAGE, 'test/postgres/**'], provide: { engine: 'sqlite' } },
      },
      { extends: true, test: { name: 'sqlite', include: CONFORMANCE, provide: { engine: 'sqlite' } } },
      // npm installs and type checks take seconds each, more on a busy machine.
      { extends: true, test: { name: 'package', include: PACKAGE, testTimeout: 180_000, hookTimeout: 180_000 } },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: [...CONFORMANCE, 'test/postgres/**/*.test.ts'],
          provide: { engine: 'postgres' },
          globalSetup: ['test/support/postgres-global.ts'],
        },
      },
    ],
  },
});
