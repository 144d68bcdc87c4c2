#!/usr/bin/env node
/**
 * Bytes of the core (dist/rejoiner.js) per source file, so that the next feature knows what it
 * costs in the 4,608-byte budget (CONTRACTS.md "Size budget over time").
 *
 *   npm run build && node scripts/size-by-file.mjs [dist/rejoiner.js]
 *
 * Each character of the minified file belongs to the source file of the last source-map segment
 * at or before it (rollup writes the map next to the file). Two figures per file:
 *   - min: its characters in the minified file;
 *   - gzip: what gzip -9 of the whole file loses without them (the file's marginal cost; the
 *     column sums to about the total, not exactly: gzip shares repeated text between files).
 * "(no source)" is the glue the bundler and terser write themselves (the IIFE, joined
 * declarations).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

const file = process.argv[2] || 'dist/rejoiner.js';
const code = readFileSync(file, 'utf8');
const map = JSON.parse(readFileSync(file + '.map', 'utf8'));
// gzip itself (not zlib): the figure scripts/check-size.mjs enforces.
const gzip = (text) => execFileSync('gzip', ['-9c'], { input: text }).length;

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** The numbers of one segment of the mappings (base64 VLQ, source map v3). */
function decodeSegment(text) {
  const values = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

/** The source index of every character of `code` (-1: none). */
function ownerOfEachChar() {
  const lines = code.split('\n');
  const owners = [];
  let source = 0;
  map.mappings.split(';').forEach((line, lineIndex) => {
    const length = (lines[lineIndex] ?? '').length;
    const owner = new Array(length + 1).fill(-1); // + the newline
    let column = 0;
    let current = -1;
    let last = 0;
    for (const segment of line ? line.split(',') : []) {
      const [columnDelta, sourceDelta] = decodeSegment(segment);
      column += columnDelta;
      owner.fill(current, last, column);
      last = column;
      if (sourceDelta === undefined) current = -1;
      else current = source += sourceDelta;
    }
    owner.fill(current, last, length);
    owners.push(...(lineIndex < lines.length - 1 ? owner : owner.slice(0, length)));
  });
  return owners;
}

const owners = ownerOfEachChar();
const total = gzip(code);
const name = (index) => (index < 0 ? '(no source)' : relative(process.cwd(), resolve(dirname(file), map.sources[index])));
const rows = [...new Set(owners)].map((index) => {
  let without = '';
  let chars = 0;
  for (let i = 0; i < code.length; i++) {
    if (owners[i] == index) chars++;
    else without += code[i];
  }
  return { name: name(index), chars, gzip: total - gzip(without) };
});
rows.sort((a, b) => b.gzip - a.gzip || b.chars - a.chars);

console.log(`${file}: ${code.length} bytes, ${execFileSync('gzip', ['-9c', file]).length} gzip -9\n`);
console.log('| source file                    |   min |  gzip |');
console.log('|--------------------------------|------:|------:|');
for (const row of rows) console.log(`| ${row.name.padEnd(30)} | ${String(row.chars).padStart(5)} | ${String(row.gzip).padStart(5)} |`);
const sum = rows.reduce((s, row) => s + row.gzip, 0);
console.log(`| ${'sum'.padEnd(30)} | ${String(code.length).padStart(5)} | ${String(sum).padStart(5)} |`);
