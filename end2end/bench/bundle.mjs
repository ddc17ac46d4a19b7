// `make bench`: what the first load of each page costs, from the release
// build, and Lighthouse's performance score of the public pages.
//
// Starts the release server (SERVER_BIN, with SITE_ROOT) on a fresh SQLite
// database with the demo data, opens every page in a new browser context
// (an empty cache: a first visit), waits until its islands have hydrated, and
// adds up everything it fetched: the document, CSS, JavaScript and wasm.
// Each resource is counted gzipped (level 6, as a server compresses), and as
// it crossed the wire (what the server actually sent). Targets (issue "A
// light browser bundle"): public and recipient pages <= 300 KB gzipped,
// staff pages <= 600 KB.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '../..');
const port = Number(process.env.BENCH_PORT ?? 3200);
const base = `http://127.0.0.1:${port}`;
const server = process.env.SERVER_BIN ?? path.join(root, 'target/release/server');
const siteRoot = process.env.SITE_ROOT ?? path.join(root, 'target/site');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-quic', '--no-first-run', '--disable-sync'];

const PUBLIC_LIMIT = 300 * 1024;
const STAFF_LIMIT = 600 * 1024;
const PASSWORD = 'postclear-demo';

// Who opens which pages. Recipients count as public (phones, slow links).
const VISITS = [
  { who: null, limit: PUBLIC_LIMIT, pages: ['/', '/track', '/track?id=RR123456785FR', '/sign-in', '/sign-up', '/forgot-password'] },
  { who: 'recipient@demo.postclear.test', limit: PUBLIC_LIMIT, pages: ['/home', '/account'] },
  { who: 'merchant@demo.postclear.test', limit: STAFF_LIMIT, pages: ['/home', '/declarations', '/declarations/new', '/declarations/upload', '/company', '/api-keys'] },
  { who: 'clerk@demo.postclear.test', limit: STAFF_LIMIT, pages: ['/home'] },
  { who: 'officer@demo.postclear.test', limit: STAFF_LIMIT, pages: ['/home', '/customs/parcels'] },
  { who: 'supervisor@demo.postclear.test', limit: STAFF_LIMIT, pages: ['/customs/rules', '/customs/lists'] },
  { who: 'admin@demo.postclear.test', limit: STAFF_LIMIT, pages: ['/admin/users', '/admin/organisations', '/admin/routing', '/admin/rates', '/admin/rates/tariff', '/admin/jobs', '/admin/audit'] },
];

async function startServer() {
  const dir = mkdtempSync(path.join(tmpdir(), 'postclear-bench-'));
  const child = spawn(server, [], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      APP_ENV: 'development',
      DATABASE_URL: `sqlite://${path.join(dir, 'bench.db')}`,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: siteRoot,
      LEPTOS_OUTPUT_NAME: 'postclear',
      LOG: 'warn',
      PUBLIC_URL: base,
      MAIL_OUTBOX_DIR: path.join(dir, 'outbox'),
      API_DOCS_DIR: path.join(root, 'vendor/node_modules/swagger-ui-dist'),
      STAFF_TWO_FACTOR: 'optional',
      DEMO_TWO_FACTOR: 'false',
    },
  });
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { child, dir };
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`${server} did not answer on ${base}/healthz`);
}

/** Signs in through the form and returns the session cookies. */
async function cookiesOf(browser, email) {
  const context = await browser.newContext({ baseURL: base });
  const page = await context.newPage();
  await page.goto('/sign-in');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname !== '/sign-in');
  const cookies = await context.cookies();
  await context.close();
  return cookies;
}

/** One first visit: every resource with its gzipped and transferred size. */
async function firstLoad(browser, cookies, url) {
  const context = await browser.newContext({ baseURL: base });
  if (cookies) await context.addCookies(cookies);
  const page = await context.newPage();
  const seen = [];
  const pending = [];
  page.on('requestfinished', (request) => pending.push((async () => {
    const response = await request.response();
    if (!response) return;
    const sizes = await request.sizes();
    let body = Buffer.alloc(0);
    try { body = await response.body(); } catch { /* redirects have none */ }
    seen.push({
      url: request.url(),
      type: request.resourceType(),
      raw: body.length,
      gzip: body.length ? gzipSync(body, { level: 6 }).length : 0,
      wire: sizes.responseBodySize + sizes.responseHeadersSize,
      encoding: response.headers()['content-encoding'] ?? '',
    });
  })()));
  await page.goto(url);
  // Only a page with an island (an interactive part) loads the bundle.
  if (await page.locator('leptos-island').count() > 0) {
    await page.locator('html[data-hydrated="true"]').waitFor({ state: 'attached', timeout: 60_000 });
  }
  await page.waitForLoadState('networkidle');
  await Promise.all(pending);
  await context.close();
  return seen;
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

async function lighthouse(url) {
  const bin = path.join(here, '../node_modules/.bin/lighthouse');
  const out = await new Promise((resolve, reject) => {
    const p = spawn(bin, [url, '--quiet', '--output=json', '--only-categories=performance',
      `--chrome-path=${chromiumPath}`, `--chrome-flags=${flags.join(' ')}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    p.stdout.on('data', (d) => { text += d; });
    p.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`lighthouse exited ${code}`))));
  });
  const report = JSON.parse(out);
  const audit = (id) => report.audits[id]?.displayValue ?? '';
  return {
    score: Math.round(report.categories.performance.score * 100),
    fcp: audit('first-contentful-paint'),
    lcp: audit('largest-contentful-paint'),
    tbt: audit('total-blocking-time'),
    tti: audit('interactive'),
    bytes: report.audits['total-byte-weight']?.numericValue ?? 0,
  };
}

const { child, dir } = await startServer();
let failed = 0;
try {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: flags });
  console.log('first load of each page (release build; gzip level 6 | over the wire):');
  for (const visit of VISITS) {
    const cookies = visit.who ? await cookiesOf(browser, visit.who) : null;
    for (const url of visit.pages) {
      const seen = await firstLoad(browser, cookies, url);
      const sum = (f, pick = () => true) => seen.filter(pick).reduce((a, r) => a + r[f], 0);
      const wasm = (r) => r.url.endsWith('.wasm');
      const total = sum('gzip');
      const ok = total <= visit.limit;
      if (!ok) failed++;
      console.log(`  ${(visit.who ?? 'anyone').split('@')[0].padEnd(10)} ${url.padEnd(26)} ${kb(total).padStart(10)} gzipped `
        + `(wasm ${kb(sum('gzip', wasm))}, ${seen.length} files) | ${kb(sum('wire')).padStart(10)} sent `
        + `| limit ${kb(visit.limit)} ${ok ? 'met' : 'MISSED'}`);
    }
  }
  await browser.close();
  console.log('Lighthouse 12 performance (simulated mobile):');
  for (const url of ['/', '/track?id=RR123456785FR']) {
    const r = await lighthouse(`${base}${url}`);
    console.log(`  ${url.padEnd(26)} score ${r.score} (target >= 95) | FCP ${r.fcp}, LCP ${r.lcp}, TBT ${r.tbt}, TTI ${r.tti}, ${kb(r.bytes)} transferred`);
    if (r.score < 95) failed++;
  }
} finally {
  child.kill();
  rmSync(dir, { recursive: true, force: true });
}
console.log(failed ? `bundle: ${failed} target(s) missed` : 'bundle: every target met');
