import { expect, test } from '@playwright/test';
import { consoleErrors, expectAccessible, hydrated, signIn } from './helpers';

const HEAD =
  'reference,gross_weight_kg,addressee_name,addressee_address1,addressee_city,addressee_postcode,addressee_country,description,quantity,net_weight_kg,value,hs_code,origin';

function parcel(reference: string, hs = '420231'): string {
  return (
    `${reference},0.9,Alice Walker,1 High Street,London,SW1A 1AA,GB,Cotton T-shirt,2,0.4,30.00,610910,PT\n` +
    `${reference},,,,,,,Leather wallet,1,0.2,45.00,${hs},FR\n`
  );
}

test('a merchant uploads a file, watches it saved, and gets the bad rows back to fix', async ({ page }) => {
  const said = consoleErrors(page);
  await signIn(page, 'merchant');
  await page.goto('/declarations');
  await page.getByRole('link', { name: 'Upload a file of declarations' }).click();
  await expect(page).toHaveURL(/\/declarations\/upload$/);
  await hydrated(page, said);
  await expectAccessible(page);

  // 300 good parcels and one with a bad HS code; save the good ones.
  let csv = `${HEAD}\n`;
  for (let i = 0; i < 300; i++) csv += parcel(`E2E-${i}`);
  csv += parcel('E2E-BAD', '42');
  await page.getByLabel('CSV file').setInputFiles({
    name: 'orders.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(csv),
  });
  await page.getByLabel('Save the parcels without problems, and give me the others to fix').check();
  await page.getByRole('button', { name: 'Upload and check' }).click();

  // The page follows the job until it is done.
  await expect(page).toHaveURL(/\/declarations\/uploads\/\d+$/);
  await expect(page.locator('#upload-status')).toHaveText('Status: Saved', { timeout: 30_000 });
  await expect(page.getByText('Parcels saved: 300.')).toBeVisible();
  await expect(page.getByText('Parcels not saved because of problems: 1.')).toBeVisible();
  await expect(page.locator('#rows-progress')).toHaveAttribute('value', '602');
  await expect(page.locator('#parcels-progress')).toHaveAttribute('value', '300');
  const problem = page.locator('#problems-table tbody tr');
  await expect(problem).toHaveCount(1);
  await expect(problem.locator('td').nth(0)).toHaveText('603');
  await expect(problem.locator('td').nth(1)).toHaveText('hs_code');
  await expectAccessible(page);

  // The rows not saved come back as CSV, with their problem.
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: /Download the rows not saved/ }).click();
  const file = await (await download).path();
  const text = require('fs').readFileSync(file, 'utf8') as string;
  const lines = text.trim().split('\n');
  expect(lines).toHaveLength(3);
  expect(lines[0]).toMatch(/,problems$/);
  expect(lines[2]).toContain('E2E-BAD,,,,,,,Leather wallet');
  expect(lines[2]).toContain('hs_code: An HS code has 6 to 10 digits; this one has 2.');

  // The saved parcels are in the list, and the upload in the recent ones.
  await page.goto('/declarations?q=E2E-12');
  await expect(page.locator('#declarations-table')).toContainText('E2E-12');
  await page.goto('/declarations/upload');
  await expect(page.locator('#uploads-table')).toContainText('orders.csv');
});

test('a file with problems saves nothing and lists each problem by row and column', async ({ page }) => {
  await signIn(page, 'merchant');
  await page.goto('/declarations/upload');
  await page.getByLabel('CSV file').setInputFiles({
    name: 'broken.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`${HEAD}\n${parcel('OK-1')}X-1,0.5,Bob,2 Low Road,Leeds,LS1 1AA,GB,Stuff,1,0.3,20.00,610910,FR\n`),
  });
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await expect(page.locator('#upload-status')).toHaveText('Status: Not saved: problems to fix', {
    timeout: 30_000,
  });
  await expect(page.getByRole('alert')).toContainText('Nothing was saved');
  const row = page.locator('#problems-table tbody tr');
  await expect(row).toHaveCount(1);
  await expect(row.locator('td').nth(0)).toHaveText('4');
  await expect(row.locator('td').nth(1)).toHaveText('description');
  await page.goto('/declarations?q=OK-1');
  await expect(page.locator('#declarations-table')).toHaveCount(0);
});
