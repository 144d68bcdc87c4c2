#!/usr/bin/env node
// `npm test`: everything a fresh clone needs, then every suite, then one closing line
// "N passed, N failed" (totals of all suites). Exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';

const run = (command, args, options = {}) => {
  console.log(`\n$ ${command} ${args.join(' ')}`);
  return spawnSync(command, args, { stdio: 'inherit', ...options }).status;
};
const must = (command, args, options) => {
  const status = run(command, args, options);
  if (status !== 0) {
    console.log(`\n0 passed, 1 failed (${command} ${args.join(' ')} exited ${status})`);
    process.exit(1);
  }
};

// 1. npm packages (a fresh clone has none).
if (!existsSync('node_modules/.package-lock.json')) must('npm', ['ci']);

// 2. Debian's packages the suites use: browsers for Playwright (its own downloads are not
// reachable), PostgreSQL for the second storage engine, nginx for the proxy tests, openssl for
// their certificates and systemd-analyze to check the shipped unit (README "Deploy").
const needed = [
  ['chromium', () => existsSync('/usr/bin/chromium')],
  ['firefox-esr', () => existsSync('/usr/bin/firefox-esr')],
  ['postgresql', () => existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`))],
  ['nginx', () => existsSync('/usr/sbin/nginx')],
  ['openssl', () => existsSync('/usr/bin/openssl')],
  ['systemd', () => existsSync('/usr/bin/systemd-analyze')],
];
const missing = needed.filter(([, present]) => !present()).map(([name]) => name);
if (missing.length) {
  if (process.getuid?.() !== 0) {
    console.log(`\nMissing packages: ${missing.join(', ')}. Install them as root: apt-get install -y ${missing.join(' ')}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  must('apt-get', ['update']);
  must('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

// 3. Types, lint, build, and the size budget, before any test.
must('npx', ['tsc', '-p', 'tsconfig.json']);
must('npx', ['eslint', 'src', 'test', 'e2e', 'scripts']);
must('npm', ['run', 'build']);
must('node', ['scripts/check-size.mjs']);
// Compile-time tests of the published declarations (they import the package by its name).
must('npx', ['tsc', '-p', 'test/types']);

let passed = 0;
let failed = 0;
// Names of failed tests, repeated at the very end: CI logs are often read from the tail.
const failures = [];

// 4. Unit tests.
rmSync('test-results', { recursive: true, force: true });
const unitStatus = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=test-results/unit.json']);
try {
  const unit = JSON.parse(readFileSync('test-results/unit.json', 'utf8'));
  passed += unit.numPassedTests;
  failed += unit.numFailedTests + (unitStatus !== 0 && unit.numFailedTests === 0 ? 1 : 0);
  for (const file of unit.testResults) {
    for (const test of file.assertionResults) {
      if (test.status === 'failed') failures.push(`unit: ${test.fullName}\n    ${firstLine(test.failureMessages[0])}`);
    }
    if (file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed')) {
      failures.push(`unit: ${file.name}\n    ${firstLine(file.message)}`);
    }
  }
  if (unitStatus !== 0 && unit.numFailedTests === 0 && !failures.length) failures.push(`unit: vitest exited ${unitStatus}`);
} catch {
  failed += 1;
  failures.push('unit: no report (vitest did not finish)');
}

// 5. Browser tests (the config writes test-results/e2e.json).
const e2eStatus = run('npx', ['playwright', 'test']);
try {
  const { stats } = JSON.parse(readFileSync('test-results/e2e.json', 'utf8'));
  passed += stats.expected + stats.flaky;
  failed += stats.unexpected + (e2eStatus !== 0 && stats.unexpected === 0 ? 1 : 0);
  collectE2eFailures(JSON.parse(readFileSync('test-results/e2e.json', 'utf8')).suites, []);
  if (e2eStatus !== 0 && stats.unexpected === 0) failures.push(`e2e: playwright exited ${e2eStatus}`);
} catch {
  failed += 1;
  failures.push('e2e: no report (playwright did not finish)');
}

if (failures.length) console.log(`\nFailed:\n  ${failures.join('\n  ')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

function firstLine(text = '') {
  return String(text).split('\n').find((line) => line.trim()) ?? '';
}

function collectE2eFailures(suites = [], titles) {
  for (const suite of suites) {
    const path = suite.title ? [...titles, suite.title] : titles;
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        if (test.status !== 'unexpected') continue;
        const error = test.results?.at(-1)?.error?.message;
        failures.push(`e2e [${test.projectName}]: ${[...path, spec.title].join(' › ')}\n    ${firstLine(error)}`);
      }
    }
    collectE2eFailures(suite.suites, path);
  }
}
