import { defineConfig } from '@playwright/test';
import * as os from 'os';
import * as path from 'path';

// The real server binary of the same build as the wasm bundle, on a fresh
// SQLite database with the demo data, on its own port.
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
const server = process.env.SERVER_BIN ?? path.resolve(__dirname, '../target/debug/server');
const siteRoot = process.env.SITE_ROOT ?? path.resolve(__dirname, '../target/site');
const db = path.join(os.tmpdir(), `postclear-e2e-${port}.db`);
/** Where the server writes e-mails as .eml files (tests read the links from them). */
export const outboxDir = path.join(os.tmpdir(), `postclear-e2e-${port}-outbox`);

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 2,
  // In CI a failed test runs once more; a pass on the second try is reported
  // as flaky in the summary line of `make test`, never hidden.
  retries: process.env.CI === 'true' ? 1 : 0,
  reporter: [['list']],
  use: {
    baseURL,
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-quic',
        '--no-first-run',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: `rm -rf "${db}" "${db}-wal" "${db}-shm" "${outboxDir}" && exec "${server}"`,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    // The server's warnings (LOG=warn) appear in the test output.
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      APP_ENV: 'development',
      DATABASE_URL: `sqlite://${db}`,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: siteRoot,
      LEPTOS_OUTPUT_NAME: 'postclear',
      LOG: 'warn',
      PUBLIC_URL: baseURL,
      MAIL_OUTBOX_DIR: outboxDir,
      API_DOCS_DIR: path.resolve(__dirname, '../vendor/node_modules/swagger-ui-dist'),
      JOB_POLL_MS: '100',
      // Demo staff sign in with a password only here; the enrolment and code
      // steps are tested with an account the tests make (and in server/tests).
      STAFF_TWO_FACTOR: 'optional',
      DEMO_TWO_FACTOR: 'false',
    },
  },
});
