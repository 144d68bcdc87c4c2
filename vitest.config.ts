import { defineConfig } from 'vitest/config';

export default defineConfig({
  define: { __VERSION__: '"1.0.0"' },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // CI machines are shared and slow at times: a test fails on what it asserts, not on a 5 s default.
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
