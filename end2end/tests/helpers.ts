import AxeBuilder from '@axe-core/playwright';
import { expect, Page } from '@playwright/test';

export const DEMO_PASSWORD = 'postclear-demo';

export const ROLES = {
  merchant: { email: 'merchant@demo.postclear.test', title: 'Merchant dashboard' },
  recipient: { email: 'recipient@demo.postclear.test', title: 'Your parcels' },
  postal_clerk: { email: 'clerk@demo.postclear.test', title: 'Postal office dashboard' },
  customs_officer: { email: 'officer@demo.postclear.test', title: 'Customs work queue' },
  customs_supervisor: { email: 'supervisor@demo.postclear.test', title: 'Customs supervision' },
  admin: { email: 'admin@demo.postclear.test', title: 'Administration' },
} as const;

export type Role = keyof typeof ROLES;

/** Fails on any serious or critical accessibility violation (axe-core). */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
  expect(bad, `accessibility violations on ${page.url()}`).toEqual([]);
}

export async function signIn(page: Page, role: Role) {
  await page.goto('/sign-in');
  await page.getByLabel('E-mail address').fill(ROLES[role].email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Signed in once the form's redirect has landed somewhere else.
  await page.waitForURL((url) => url.pathname !== '/sign-in');
}

/** Collects what the page's console reports as errors, from now on. */
export function consoleErrors(page: Page): string[] {
  const said: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') said.push(m.text());
  });
  page.on('pageerror', (e) => said.push(e.message));
  return said;
}

/**
 * Waits until the page's islands (its interactive parts) have hydrated; on
 * failure says what the console said. A page without an island loads no
 * browser bundle at all, so there is nothing to wait for: it says so instead.
 */
export async function hydrated(page: Page, said: string[] = []) {
  const islands = await page.locator('leptos-island').count();
  if (islands === 0) {
    expect(await page.locator('script[type="module"]').count(), `${page.url()} has no island but loads the bundle`).toBe(0);
    return;
  }
  try {
    await page.locator('html[data-hydrated="true"]').waitFor({ state: 'attached', timeout: 20_000 });
  } catch {
    throw new Error(`${page.url()} did not hydrate; console errors: ${JSON.stringify(said)}`);
  }
}
