// Builds the browser library: dist/rejoiner.js (minified IIFE for the snippet, with source map),
// dist/rejoiner-extensions.js (the extension commands, an ES module the snippet loads on demand),
// dist/rejoiner-debug.js (debug mode's messages, an ES module loaded once debug mode is on),
// dist/rejoiner-forms.js (the form scanner, an ES module loaded once a form is used),
// dist/rejoiner-adopt.js (adoption of the outbox of pages that have gone, loaded when there is one),
// dist/rejoiner.mjs (ESM for bundlers, with those as lazy chunks), dist/server.mjs, the
// type declarations of the package's entries, one bundled file each (dist/*.d.mts): no relative
// import without an extension is left, so they work under every `moduleResolution`; and the
// collector for Node (collector/cli.mjs, the `rejoiner-collector` bin), so that running it needs
// no TypeScript tooling.
import replace from '@rollup/plugin-replace';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

const plugins = ({ sourceMap = true } = {}) => [
  replace({ preventAssignment: true, values: { __VERSION__: JSON.stringify(version) } }),
  typescript({ tsconfig: './tsconfig.json', include: ['src/**/*.ts'], compilerOptions: { noEmit: false, sourceMap } }),
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
  {
    // The collector. Outside dist/, which the collector serves to browsers at /dist/. Packages
    // (pino, send, the database drivers…) stay imports resolved from node_modules at run time;
    // each storage engine becomes a chunk of its own, loaded only when chosen, so that only the
    // driver of the engine in use needs to be installed.
    input: { cli: 'src/collector/cli.ts' },
    output: {
      dir: 'collector',
      format: 'es',
      // Not minified, so a stack trace reads without a source map (and the package is 277 KB lighter).
      entryFileNames: '[name].mjs',
      chunkFileNames: 'chunks/[name]-[hash].mjs',
      banner: (chunk) => (chunk.isEntry ? '#!/usr/bin/env node' : ''),
    },
    external: (id) => !id.startsWith('.') && !id.startsWith('\0') && !isAbsolute(id),
    plugins: [...plugins({ sourceMap: false }), executableEntry()],
  },
  ...declarations(),
];

/** Marks the entry executable, as npm does when it links a bin: a clone can run `collector/cli.mjs` itself. */
function executableEntry() {
  return {
    name: 'executable-entry',
    writeBundle(options, bundle) {
      for (const chunk of Object.values(bundle)) if (chunk.type == 'chunk' && chunk.isEntry) chmodSync(join(options.dir, chunk.fileName), 0o755);
    },
  };
}

/**
 * `rejoiner-v4` and `rejoiner-v4/global` share one declaration chunk (dist/types/): the global
 * `_rejoiner` must be declared once with one `RejoinerQueue` type, whichever of the two a
 * program imports. `rejoiner-v4/server` stands alone, so a server program sees no browser global.
 */
function declarations() {
  const dtsPlugin = () => dts({ tsconfig: './tsconfig.json', compilerOptions: { noEmit: false, declaration: true, emitDeclarationOnly: true } });
  return [
    {
      input: { rejoiner: 'src/index.ts', global: 'src/global.ts' },
      output: { dir: 'dist', format: 'es', entryFileNames: '[name].d.mts', chunkFileNames: 'types/[name].d.mts', manualChunks: (id) => (/[\\/]src[\\/](index|global)\.ts$/.test(id) ? undefined : 'shared') },
      plugins: [dtsPlugin()],
    },
    {
      input: { server: 'src/node/index.ts' },
      output: { dir: 'dist', format: 'es', entryFileNames: '[name].d.mts' },
      plugins: [dtsPlugin()],
    },
  ];
}
