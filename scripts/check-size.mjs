#!/usr/bin/env node
// The size budget of DESIGN.md: dist/rejoiner.js at most 5,120 bytes after `gzip -9`.
import { execFileSync } from 'node:child_process';

const BUDGET_BYTES = 5120;
const gzipped = execFileSync('gzip', ['-9c', 'dist/rejoiner.js']).length;
console.log(`dist/rejoiner.js: ${gzipped} bytes gzip -9 (budget ${BUDGET_BYTES})`);
if (gzipped > BUDGET_BYTES) {
  console.error(`Over budget by ${gzipped - BUDGET_BYTES} bytes.`);
  process.exit(1);
}
