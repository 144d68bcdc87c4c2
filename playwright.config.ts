import { defineConfig } from '@playwright/test';

// Debian's browsers: Playwright's own downloads are not reachable here (TOOLCHAIN.md).
const args = ['--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update'];

export default defineConfig({
  testDir: 'e2e',
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  timeout: 30_000,
  reporter: process.env.CI ? [['list'], ['json', { outputFile: 'test-results/e2e.json' }]] : [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  use: { baseURL: 'http://127.0.0.1:4317' },
  webServer: {
    command: 'npx tsx e2e/support/test-server.ts',
    url: 'http://127.0.0.1:4317/__beacons/ping',
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
