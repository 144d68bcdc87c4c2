// Builds the browser library: dist/rejoiner.js (minified IIFE for the snippet, with source map)
// and dist/rejoiner.mjs (ESM for bundlers). Type declarations come from `tsc` (npm run build).
import replace from '@rollup/plugin-replace';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

const plugins = () => [
  replace({ preventAssignment: true, values: { __VERSION__: JSON.stringify(version) } }),
  typescript({ tsconfig: './tsconfig.json', include: ['src/**/*.ts'], compilerOptions: { noEmit: false, sourceMap: true } }),
];

/** Prints the gzip -9 size of the snippet bundle, the figure the budget is about. */
const printSize = () => ({
  name: 'print-size',
  writeBundle(options) {
    const bytes = execFileSync('gzip', ['-9c', options.file]).length;
    console.log(`${options.file}: ${readFileSync(options.file).length} bytes, ${bytes} gzip -9 (budget 5120)`);
  },
});

export default [
  {
    input: 'src/browser/entry.ts',
    // No "use strict" prologue: the code does not depend on it, and it costs bytes. The source
    // map is written but not linked from the file (a `sourceMappingURL` comment would count in
    // every page's download): load dist/rejoiner.js.map in the browser's devtools to debug.
    output: { file: 'dist/rejoiner.js', format: 'iife', sourcemap: 'hidden', strict: false },
    plugins: [
      ...plugins(),
      terser({
        ecma: 2020,
        compress: { passes: 4, unsafe_arrows: true },
        format: { comments: false },
        mangle: {
          properties: {
            // Internal members start with `_`; the public globals below must keep their names.
            regex: /^_/,
            reserved: [
              '_rejoiner', // the snippet's queue (seed 003)
              '_rejoinerDispatch', // the double-load guard, shared by copies of different versions
              '__proto__', // null-prototype object literals
            ],
          },
        },
      }),
      printSize(),
    ],
  },
  {
    input: 'src/index.ts',
    output: { file: 'dist/rejoiner.mjs', format: 'es', sourcemap: true },
    plugins: plugins(),
  },
  {
    // The server client for merchants' backends (`rejoiner-v4/server`).
    input: 'src/node/index.ts',
    output: { file: 'dist/server.mjs', format: 'es', sourcemap: true },
    external: (id) => id.startsWith('node:'),
    plugins: plugins(),
  },
];
