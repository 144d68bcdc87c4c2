#!/usr/bin/env node
// The size budget of DESIGN.md and CONTRACTS.md: dist/rejoiner.js at most 4,608 bytes after
// `gzip -9`. The extension module, loaded only by pages that use its commands, is reported alongside.
import { execFileSync } from 'node:child_process';

const BUDGET_BYTES = 4608;
const gzipSize = (file) => execFileSync('gzip', ['-9c', file]).length;
const gzipped = gzipSize('dist/rejoiner.js');
console.log(`dist/rejoiner.js: ${gzipped} bytes gzip -9 (budget ${BUDGET_BYTES})`);
console.log(`dist/rejoiner-extensions.js: ${gzipSize('dist/rejoiner-extensions.js')} bytes gzip -9 (loaded on demand)`);
if (gzipped > BUDGET_BYTES) {
  console.error(`Over budget by ${gzipped - BUDGET_BYTES} bytes.`);
  process.exit(1);
}
