import { expect, test } from '@playwright/test';
// axe-core needs scripts to run, so the accessibility checks of these same
// pages are in the other specs.
import { DEMO_PASSWORD, ROLES } from './helpers';

test.use({ javaScriptEnabled: false });

test('sign-in, the error summary and sign-out work with JavaScript disabled', async ({ page }) => {
  await page.goto('/sign-in');
  await page.getByLabel('E-mail address').fill(ROLES.merchant.email);
  await page.getByLabel('Password').fill('wrong password, no script');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('The e-mail address or password is wrong.');

  await page.getByLabel('E-mail address').fill(ROLES.merchant.email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/home$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Merchant dashboard');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/$/);
});

test('the language switch works with JavaScript disabled', async ({ page }) => {
  await page.goto('/sign-in');
  await page.getByRole('button', { name: 'Français' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Se connecter');
});
