import { defineConfig } from '@playwright/test';

// E2E_PORT moves the test server (e2e/support/test-server.ts), so that two runs can share a machine.
const BASE = `http://127.0.0.1:${Number(process.env.E2E_PORT) || 4317}`;

// Debian's browsers: Playwright's own downloads are not reachable here (TOOLCHAIN.md).
const args = ['--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update'];

export default defineConfig({
  testDir: 'e2e',
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  timeout: 30_000,
  reporter: process.env.CI ? [['list'], ['json', { outputFile: 'test-results/e2e.json' }]] : [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  use: { baseURL: BASE },
  webServer: {
    command: 'npx tsx e2e/support/test-server.ts',
    url: `${BASE}/__beacons/ping`,
    reuseExistingServer: false,
    stdout: 'ignore',
  },
  projects: [
    {
      name: 'chromium',
      use: { browserName: 'chromium', launchOptions: { executablePath: '/usr/bin/chromium', args } },
    },
    {
      name: 'firefox',
      use: {
        browserName: 'firefox',
        channel: 'moz-firefox',
        launchOptions: { executablePath: '/usr/bin/firefox-esr' },
      },
    },
  ],
});
