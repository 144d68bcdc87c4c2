import { defineConfig } from 'vitest/config';

export default defineConfig({
  define: { __VERSION__: '"1.0.0"' },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
