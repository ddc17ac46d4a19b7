import { expect, test } from '@playwright/test';
import { consoleErrors, expectAccessible, hydrated, signIn } from './helpers';

// Dates far ahead, so today's assessments in the other tests stay as they are.
test('an admin adds a tariff rate from a later date, sorts the table and imports a CSV file', async ({ page }) => {
  const said = consoleErrors(page);
  await signIn(page, 'admin');
  await page.getByRole('link', { name: 'Tariffs and rates' }).first().click();
  await expect(page).toHaveURL(/\/admin\/rates$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Tariffs and rates');
  await hydrated(page, said);
  await expectAccessible(page);

  await page.getByRole('navigation', { name: 'Tables of rates' }).getByRole('link', { name: 'Tariff' }).click();
  await expect(page).toHaveURL(/\/admin\/rates\/tariff$/);
  await page.getByLabel('Find rows').fill('EU 950300');
  await page.getByRole('button', { name: 'Find', exact: true }).click();
  await expect(page).toHaveURL(/q=EU\+950300/);
  const table = page.locator('#rates-table');
  await expect(table.locator('tbody tr')).toHaveCount(2);

  // A new rate from 2031 ends the open one on that day.
  await page.getByRole('link', { name: 'Add a row' }).click();
  await expect(page).toHaveURL(/\/admin\/rates\/tariff\/new$/);
  await expectAccessible(page);
  await page.getByLabel('Territory').fill('EU');
  await page.getByLabel('HS prefix').fill('9503.00');
  await page.getByLabel('Goods', { exact: true }).fill('Toys (rate from 2031)');
  await page.getByLabel('Duty (%)').fill('4.7');
  await page.getByLabel('From', { exact: true }).fill('2031-01-01');
  await page.getByLabel('Source').fill('E2E');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL(/\/admin\/rates\/tariff\?saved=\d+$/);
  await expect(page.getByRole('status')).toContainText('Saved.');

  await page.getByLabel('Find rows').fill('950300 2031');
  await page.getByRole('button', { name: 'Find', exact: true }).click();
  await expect(table.locator('tbody tr')).toHaveCount(2);
  const later = table.locator('tbody tr', { hasText: 'Toys (rate from 2031)' });
  await expect(later).toContainText('Later');
  await expect(table.locator('tbody tr', { hasText: '2010-01-01' })).toContainText('2031-01-01');

  // Sorting by the duty puts 0 % before 4.7 %, and back.
  await hydrated(page, said);
  const duty = table.getByRole('columnheader', { name: 'Duty (%)' });
  await duty.getByRole('button').click();
  await expect(duty).toHaveAttribute('aria-sort', 'ascending');
  await expect(table.locator('tbody tr').last()).toContainText('Toys (rate from 2031)');
  await duty.getByRole('button').click();
  await expect(duty).toHaveAttribute('aria-sort', 'descending');
  await expect(table.locator('tbody tr').first()).toContainText('Toys (rate from 2031)');

  // An import with a wrong row changes nothing and says where the problem is.
  await page.getByRole('link', { name: 'Import from a CSV file' }).click();
  await expect(page).toHaveURL(/\/admin\/rates\/tariff\/import$/);
  await expectAccessible(page);
  const file = (text: string) => ({ name: 'tariff.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
  await page.getByLabel('CSV file').setInputFiles(
    file('territory,hs_prefix,ad_valorem_percent,valid_from\nEU,950450,2.5,2031-01-01\nEU,95x,3,2031-01-01\n'),
  );
  await page.getByRole('button', { name: 'Import the file' }).click();
  await expect(page.locator('#import-problems')).toContainText('Nothing was imported');
  await expect(page.locator('#import-problems tbody tr')).toHaveCount(1);
  await expect(page.locator('#import-problems tbody tr')).toContainText('3');
  await expect(page.locator('#import-problems tbody tr')).toContainText('hs_prefix');
  await expectAccessible(page);

  await page.getByLabel('CSV file').setInputFiles(
    file('territory,hs_prefix,ad_valorem_percent,valid_from,source\nEU,950450,2.5,2031-01-01,E2E import\n'),
  );
  await page.getByRole('button', { name: 'Import the file' }).click();
  await expect(page).toHaveURL(/\/admin\/rates\/tariff\?added=1&replaced=0&ended=1$/);
  await expect(page.locator('#import-done')).toHaveText('Imported: 1 rows added, 0 replaced, 1 earlier rows ended.');
  expect(said).toEqual([]);
});

test('a country without an import VAT rate is listed for the admin until a rate is added', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/admin/rates');
  await expect(page.locator('#vat-gaps')).toHaveCount(0);
  // Malta's only VAT row is deleted…
  await page.goto('/admin/rates/vat?q=MT');
  const table = page.locator('#rates-table');
  await expect(table.locator('tbody tr')).toHaveCount(1);
  await table.locator('tbody tr').first().getByRole('link').click();
  await page.getByRole('button', { name: 'Delete the row' }).click();
  await expect(page.getByRole('status')).toContainText('The row was deleted.');
  // …so the overview says parcels to Malta are refused, from today.
  await page.goto('/admin/rates');
  const gaps = page.locator('#vat-gaps');
  await expect(gaps).toContainText('Import VAT rates are missing');
  await expect(gaps).toContainText('Malta (MT): none from');
  await expectAccessible(page);
  // The admin adds it back from the warning's link.
  await gaps.getByRole('link', { name: 'Add the VAT rates' }).click();
  await page.getByRole('link', { name: 'Add a row' }).click();
  await page.getByLabel('Country').fill('MT');
  await page.getByLabel('VAT (%)').fill('18');
  await page.getByLabel('From', { exact: true }).fill('2010-01-01');
  await page.getByLabel('Source').fill('E2E: ibericode/vat-rates');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('Saved.');
  await page.goto('/admin/rates');
  await expect(page.locator('#vat-gaps')).toHaveCount(0);
});
