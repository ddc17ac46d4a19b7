import { expect, test } from '@playwright/test';
import { consoleErrors, expectAccessible, hydrated, signIn } from './helpers';

test('a supervisor adds a keyword rule, back-tests it, enables it, and a new declaration with the keyword lands in the red lane', async ({
  page,
  browser,
}) => {
  const said = consoleErrors(page);
  await signIn(page, 'customs_supervisor');
  await page.getByRole('link', { name: 'Risk rules' }).click();
  await expect(page).toHaveURL(/\/customs\/rules$/);
  await hydrated(page, said);
  await expectAccessible(page);

  const word = `hoverboard${Date.now() % 100000}`;
  await page.getByLabel('Name', { exact: true }).fill(`Self-balancing boards ${word}`);
  await page.getByLabel('Kind').selectOption('keyword');
  await page.getByLabel('Keywords').fill(word);
  await page.getByLabel('Weight').fill('80');
  await page.getByLabel('Risk category').selectOption('safety');
  await page.getByRole('button', { name: 'Save the rule' }).click();
  await expect(page).toHaveURL(/\/customs\/rules\/\d+\?saved=1$/);
  await expect(page.locator('#rule-state')).toHaveText('State: Disabled');

  // Back-test it on the latest declarations.
  await page.getByLabel('Latest declarations').fill('200');
  await page.getByRole('button', { name: 'Back-test' }).click();
  await expect(page.locator('#backtest-summary')).toContainText('The rule fires on 0 of the latest');
  await expectAccessible(page);

  await page.getByRole('button', { name: 'Enable the rule' }).click();
  await expect(page.locator('#rule-state')).toHaveText('State: Enabled');

  // A merchant declares a parcel to France with the keyword in it.
  const merchant = await (await browser.newContext()).newPage();
  await signIn(merchant, 'merchant');
  const form: Record<string, string> = {
    action: 'submit',
    'input[reference]': 'E2E-RISK',
    'input[sender][name]': 'Maison Lumière SARL',
    'input[sender][address1]': '12 rue des Lilas',
    'input[sender][city]': 'Lyon',
    'input[sender][postcode]': '69001',
    'input[sender][country]': 'FR',
    'input[addressee][name]': 'Jeanne Martin',
    'input[addressee][address1]': '3 rue de la Paix',
    'input[addressee][city]': 'Paris',
    'input[addressee][postcode]': '75002',
    'input[addressee][country]': 'FR',
    'input[category]': 'sale_of_goods',
    'input[currency]': 'EUR',
    'input[gross_weight_kg]': '9',
    'input[incoterm]': 'DAP',
    'input[non_delivery]': 'return',
    'input[lines][0][description]': `${word} self-balancing scooter`,
    'input[lines][0][quantity]': '1',
    'input[lines][0][net_weight_kg]': '8',
    'input[lines][0][value]': '120.00',
    'input[lines][0][hs_code]': '871160',
    'input[lines][0][origin]': 'CN',
  };
  const r = await merchant.request.post('/api/declarations/save', { form });
  expect(r.status()).toBe(200);
  const itemId = (await r.json()).item_id as string;

  // The supervisor finds it in the red lane.
  await page.goto('/customs/parcels?lane=red');
  await expect(page.locator('#scored-parcels')).toContainText(itemId);
  await expectAccessible(page);
});

test('a supervisor adds a name to the watchlist and a reason code', async ({ page }) => {
  await signIn(page, 'customs_supervisor');
  await page.getByRole('link', { name: 'Lanes, watchlist and reason codes' }).click();
  await expect(page).toHaveURL(/\/customs\/lists$/);
  await expectAccessible(page);
  const name = `Shady Imports ${Date.now() % 100000}`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Action').selectOption('block');
  await page.getByRole('button', { name: 'Add', exact: true }).first().click();
  await expect(page).toHaveURL(/saved=watchlist/);
  await expect(page.locator('#watchlist')).toContainText(name);
  await page.getByLabel('Code', { exact: true }).fill('E2E_CHECK');
  await page.getByLabel('Label', { exact: true }).fill('Checked in a browser test');
  await page.getByRole('button', { name: 'Add', exact: true }).last().click();
  await expect(page.locator('#reason-codes')).toContainText('E2E_CHECK');
  await expectAccessible(page);
});
