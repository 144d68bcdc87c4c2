#!/usr/bin/env node
// Writes brotli (.br) and gzip (.gz) copies beside every script of dist/ (the collector serves
// the best one a browser accepts, README "Serving the snippet"), at the highest levels: they are
// made once per build and downloaded on every page view.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = process.argv[2] ?? 'dist';
const scripts = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name == 'types' ? [] : scripts(path);
    return /\.m?js$/.test(name) ? [path] : [];
  });

let count = 0;
for (const path of scripts(root)) {
  const source = readFileSync(path);
  writeFileSync(`${path}.gz`, gzipSync(source, { level: 9 }));
  writeFileSync(
    `${path}.br`,
    brotliCompressSync(source, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: source.length } }),
  );
  count++;
}
console.log(`compressed ${count} scripts in ${root}/ (.br and .gz)`);
