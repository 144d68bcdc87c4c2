// Builds the browser library: dist/rejoiner.js (minified IIFE for the snippet, with source map),
// dist/rejoiner-extensions.js (the extension commands, an ES module the snippet loads on demand),
// dist/rejoiner-debug.js (debug mode's messages, an ES module loaded once debug mode is on),
// dist/rejoiner-forms.js (the form scanner, an ES module loaded once a form is used),
// dist/rejoiner-adopt.js (adoption of the outbox of pages that have gone, loaded when there is one),
// dist/rejoiner.mjs (ESM for bundlers, with those as lazy chunks) and dist/server.mjs.
// Type declarations come from `tsc` (npm run build).
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

/** Prints the gzip -9 size of a browser bundle, the figure the budget is about. */
const printSize = (budget) => ({
  name: 'print-size',
  writeBundle(options) {
    const bytes = execFileSync('gzip', ['-9c', options.file]).length;
    console.log(`${options.file}: ${readFileSync(options.file).length} bytes, ${bytes} gzip -9${budget ? ` (budget ${budget})` : ''}`);
  },
});

const minify = () =>
  terser({
    ecma: 2020,
    // The unsafe options are safe for this code: no boolean is compared with anything but a
    // boolean-or-absent value (`trackPageView` 0 counts as false), no comparison operand has a
    // custom valueOf, and no arrow function is ever called with `new`. Inlining only simple
    // functions (`inline: 1`) and hoisting function declarations change nothing the code does.
    // Each option here was kept because it made the gzipped core smaller on this code (adding
    // `inline: 1` and `hoist_funs` and dropping `unsafe_methods`: 52 bytes together). Gzip sizes
    // move unevenly: re-measure when the code changes much.
    compress: {
      passes: 4,
      inline: 1,
      hoist_funs: true,
      unsafe_arrows: true,
      booleans_as_integers: true,
      unsafe_comps: true,
      keep_fargs: false,
    },
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
  });

export default [
  {
    input: 'src/browser/entry.ts',
    // No "use strict" prologue: the code does not depend on it, and it costs bytes. The source
    // map is written but not linked from the file (a `sourceMappingURL` comment would count in
    // every page's download): load dist/rejoiner.js.map in the browser's devtools to debug.
    output: { file: 'dist/rejoiner.js', format: 'iife', sourcemap: 'hidden', strict: false },
    plugins: [...plugins(), minify(), printSize(4608)],
  },
  {
    // Loaded by dist/rejoiner.js with import() from the same folder: an ES module, so that the
    // core needs no global to receive it. `.js` because every server sends that as JavaScript.
    input: 'src/extensions/index.ts',
    output: { file: 'dist/rejoiner-extensions.js', format: 'es', sourcemap: 'hidden' },
    plugins: [...plugins(), minify(), printSize()],
  },
  {
    // Loaded by dist/rejoiner.js with import() from the same folder once debug mode is on.
    input: 'src/debug/index.ts',
    output: { file: 'dist/rejoiner-debug.js', format: 'es', sourcemap: 'hidden' },
    plugins: [...plugins(), minify(), printSize()],
  },
  {
    // Loaded by dist/rejoiner.js with import() from the same folder the first time a form is used.
    input: 'src/forms/index.ts',
    output: { file: 'dist/rejoiner-forms.js', format: 'es', sourcemap: 'hidden' },
    plugins: [...plugins(), minify(), printSize()],
  },
  {
    // Loaded by dist/rejoiner.js with import() from the same folder when another page's outbox is there.
    input: 'src/adopt/index.ts',
    output: { file: 'dist/rejoiner-adopt.js', format: 'es', sourcemap: 'hidden' },
    plugins: [...plugins(), minify(), printSize()],
  },
  {
    input: 'src/index.ts',
    // The extensions are a dynamic import: bundlers make them a chunk loaded on first use.
    output: { dir: 'dist', format: 'es', sourcemap: true, entryFileNames: 'rejoiner.mjs', chunkFileNames: 'chunks/[name].mjs' },
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
