import { expect, test } from '@playwright/test';
import { consoleErrors, expectAccessible, hydrated, ROLES, Role, signIn, DEMO_PASSWORD } from './helpers';

test.describe('every demo role', () => {
  for (const role of Object.keys(ROLES) as Role[]) {
    test(`${role} signs in and lands on their own dashboard`, async ({ page }) => {
      await signIn(page, role);
      await expect(page).toHaveURL(/\/home$/);
      const h1 = page.getByRole('heading', { level: 1 });
      await expect(h1).toHaveText(ROLES[role].title);
      await expect(h1).toHaveAttribute('data-role', role);
      await expectAccessible(page);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await expect(page).toHaveURL(/\/$/);
      await expect(page.getByRole('link', { name: 'Sign in' }).first()).toBeVisible();
    });
  }
});

test('the public pages are accessible and the landing page has the tracking box', async ({ page }) => {
  for (const path of ['/', '/sign-in', '/sign-up', '/sign-up/sent', '/track?id=RR123456785FR', '/no-such-page']) {
    await page.goto(path);
    await expectAccessible(page);
  }
  await page.goto('/');
  await expect(page.getByLabel('Item number')).toBeVisible();
  const notFound = await page.goto('/no-such-page');
  expect(notFound?.status()).toBe(404);
});

test('a signed-out visitor opening a staff page is sent to sign-in, then back', async ({ page }) => {
  await page.goto('/admin/users');
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fadmin%2Fusers$/);
  await page.getByLabel('E-mail address').fill(ROLES.admin.email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('User accounts');
  await expectAccessible(page);
});

test('a wrong password is explained, in an accessible error summary', async ({ page }) => {
  await page.goto('/sign-in');
  await page.getByLabel('E-mail address').fill(ROLES.recipient.email);
  await page.getByLabel('Password').fill('not the right password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('The e-mail address or password is wrong.');
  await expectAccessible(page);
});

test('a form sent back with errors keeps what was typed, but not the password', async ({ page }) => {
  await page.goto('/sign-up');
  await page.getByLabel('Send parcels as a business (merchant)').check();
  await page.getByLabel('Your full name').fill('Inès Garnier');
  await page.getByLabel('E-mail address').fill('ines@atelier.example');
  await page.getByLabel('Password').fill('short');
  await page.getByLabel('Company name').fill('Atelier Garnier');
  await page.getByLabel('Country of your company').fill('FR');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/sign-up\?error=password\.password_too_short$/);
  await expect(page.getByRole('alert')).toContainText('The password must be at least 12 characters.');
  await expect(page.getByLabel('E-mail address')).toHaveValue('ines@atelier.example');
  await expect(page.getByLabel('Your full name')).toHaveValue('Inès Garnier');
  await expect(page.getByLabel('Company name')).toHaveValue('Atelier Garnier');
  await expect(page.getByLabel('Send parcels as a business (merchant)')).toBeChecked();
  await expect(page.getByLabel('Password')).toHaveValue('');
  await expectAccessible(page);

  await page.getByLabel('Password').fill('a long enough passphrase');
  await page.getByRole('button', { name: 'Create account' }).click();
  // The same page whether or not the address had an account; then sign in.
  await expect(page).toHaveURL(/\/sign-up\/sent$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Check your e-mail');
  await expectAccessible(page);
  await page.getByRole('link', { name: 'Sign in' }).last().click();
  await page.getByLabel('E-mail address').fill('ines@atelier.example');
  await page.getByLabel('Password').fill('a long enough passphrase');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/home$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Merchant dashboard');
  await expect(page.locator('.summary-list')).toContainText('Atelier Garnier');
});

test('sign-up shows the company questions only to merchants, with no browser bundle', async ({ page }) => {
  const wasm: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('.wasm') || r.url().endsWith('.js')) wasm.push(r.url());
  });
  await page.goto('/sign-up');
  // The style sheet shows them (`:has`): no script runs on this page.
  const company = page.getByLabel('Company name');
  await expect(company).toBeHidden();
  await page.getByLabel('Send parcels as a business (merchant)').check();
  await expect(company).toBeVisible();
  await page.getByLabel('Receive parcels (recipient)').check();
  await expect(company).toBeHidden();
  expect(wasm).toEqual([]);
});

test('a page with an island hydrates it without breaking the content security policy', async ({ page }) => {
  const problems = consoleErrors(page);
  await signIn(page, 'merchant');
  await page.goto('/declarations/new');
  await hydrated(page, problems);
  expect(problems).toEqual([]);
});

test('the bundle is served compressed, and its hashed files are kept for a year', async ({ page, request }) => {
  const said = consoleErrors(page);
  await signIn(page, 'merchant');
  const bundle: string[] = [];
  page.on('request', (r) => {
    if (/\/pkg\/.+\.(wasm|js|css)$/.test(r.url())) bundle.push(r.url());
  });
  await page.goto('/declarations/new');
  await hydrated(page, said);
  expect(bundle.some((u) => u.endsWith('.wasm'))).toBe(true);
  for (const url of bundle) {
    // postclear.<hash>.wasm: the name changes whenever the content does.
    expect(url).toMatch(/\/pkg\/postclear\.[^./]+\.(wasm|js|css)$/);
    const r = await request.get(url, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(r.status()).toBe(200);
    expect(r.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(['br', 'gzip']).toContain(r.headers()['content-encoding']);
  }
  // Pages themselves are compressed too, and never cached as immutable.
  const home = await request.get('/', { headers: { 'accept-encoding': 'gzip' } });
  expect(home.headers()['content-encoding']).toBe('gzip');
  expect(home.headers()['cache-control'] ?? '').not.toContain('immutable');
});

test('the language switch works, with the account remembering the choice', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Clear your parcel through customs');
  await page.getByRole('button', { name: 'Français' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Dédouanez votre colis');
  await expect(page.locator('html')).toHaveAttribute('lang', 'fr');
  await expectAccessible(page);
  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Clear your parcel through customs');
});

test('staff tables sort from the keyboard', async ({ page }) => {
  const said = consoleErrors(page);
  await signIn(page, 'admin');
  await page.goto('/admin/users');
  await hydrated(page, said);
  const header = page.getByRole('columnheader', { name: 'E-mail address' });
  await expect(header).toHaveAttribute('aria-sort', 'ascending');
  const firstEmail = () => page.locator('#users-table tbody tr').first().getAttribute('data-email');
  const before = await firstEmail();
  await header.getByRole('button').focus();
  await page.keyboard.press('Enter');
  await expect(header).toHaveAttribute('aria-sort', 'descending');
  expect(await firstEmail()).not.toBe(before);
});

test('an admin adds a post with an office and a clerk who can sign in there', async ({ page, browser }) => {
  await signIn(page, 'admin');
  await page.goto('/admin/organisations/new');
  await expectAccessible(page);
  await page.getByLabel('Kind').selectOption('post');
  await page.getByLabel('Name').fill('Poste Italiane (e2e)');
  await page.getByLabel('Country code').fill('IT');
  await page.getByRole('button', { name: 'Create organisation' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Poste Italiane (e2e)');
  await page.getByLabel('Office code').fill('ITMXPA');
  await page.getByLabel('Office name').fill('Milano Malpensa office of exchange');
  await page.getByRole('button', { name: 'Add an office' }).click();
  await expect(page.getByRole('status')).toContainText('Your changes were saved.');
  await expect(page.locator('#offices-table')).toContainText('ITMXPA');
  await expectAccessible(page);

  await page.getByRole('link', { name: 'ITMXPA' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Milano Malpensa office of exchange');
  await expectAccessible(page);
  await page.getByLabel('Office name').fill('');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('alert')).toContainText('Enter this information.');
  await page.getByLabel('Office name').fill('Milano Malpensa office of exchange');
  await page.getByLabel('Postcode').fill('21010');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status')).toContainText('Your changes were saved.');
  await expect(page.locator('#offices-table')).toContainText('21010');

  await page.goto('/admin/users/new');
  await expectAccessible(page);
  await page.getByLabel('Name', { exact: true }).fill('Giulia Rossi');
  await page.getByLabel('E-mail address').fill('giulia@poste.example');
  await page.getByLabel('Role').selectOption('postal_clerk');
  await page.getByLabel('Office', { exact: true }).selectOption({ label: 'Poste Italiane (e2e) – Milano Malpensa office of exchange (ITMXPA)' });
  await page.getByLabel('Initial password').fill('a long enough passphrase');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/admin\/users\?created=1$/);
  await expect(page.locator('#users-table')).toContainText('giulia@poste.example');

  const clerk = await browser.newPage();
  await clerk.goto('/sign-in');
  await clerk.getByLabel('E-mail address').fill('giulia@poste.example');
  await clerk.getByLabel('Password').fill('a long enough passphrase');
  await clerk.getByRole('button', { name: 'Sign in' }).click();
  await expect(clerk.getByRole('heading', { level: 1 })).toHaveText('Postal office dashboard');
  await expect(clerk.locator('.summary-list')).toContainText('Milano Malpensa office of exchange');
});
