import { expect, test } from '@playwright/test';
import { consoleErrors, expectAccessible, hydrated, signIn } from './helpers';

const field = (id: string) => `[id="${id}"]`;

test('a merchant declares a parcel, fixing an HS code the page flags while typing', async ({ page }) => {
  const said = consoleErrors(page);
  await signIn(page, 'merchant');
  await page.goto('/declarations/new');
  await hydrated(page, said);
  // The company's sender address is filled in.
  await expect(page.locator(field('sender.city'))).toHaveValue('Lyon');
  await page.locator(field('addressee.name')).fill('Alice Walker');
  await page.locator(field('addressee.address1')).fill('1 High Street');
  await page.locator(field('addressee.postcode')).fill('SW1A 1AA');
  await page.locator(field('addressee.city')).fill('London');
  await page.locator(field('addressee.country')).fill('GB');
  await page.locator(field('lines.0.description')).fill('Cotton T-shirt');
  await page.locator(field('lines.0.quantity')).fill('2');
  await page.locator(field('lines.0.net_weight_kg')).fill('0.3');
  await page.locator(field('lines.0.value')).fill('39.80');
  // A wrong HS code is flagged as soon as the field is left…
  await page.locator(field('lines.0.hs_code')).fill('6109');
  await page.locator(field('lines.0.hs_code')).press('Tab');
  const message = page.locator('[id="lines.0.hs_code-error"]');
  await expect(message).toHaveText('An HS code has 6 to 10 digits; this one has 4.');
  await expect(page.locator(field('lines.0.hs_code'))).toHaveAttribute('aria-invalid', 'true');
  // …and the message goes while the right one is typed.
  await page.locator(field('lines.0.hs_code')).fill('6109.10');
  await expect(message).toHaveCount(0);
  await page.locator(field('gross_weight_kg')).fill('0.5');
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Submit the declaration' }).click();
  await expect(page).toHaveURL(/\/parcels\/\d+$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(/LX\d{9}FR/);
  await expect(page.locator('#customs-status')).toHaveText('Assessed');
  await expect(page.locator('#timeline li')).toHaveCount(5);
  await expectAccessible(page);
  const parcelUrl = page.url();
  const itemId = (await page.locator('.item-id').textContent())!.trim();
  // The printable label shows the item id under its barcode.
  await page.getByRole('link', { name: 'Print the label' }).click();
  await expect(page.locator('#item-id')).toHaveText(itemId);
  await expect(page.getByRole('img', { name: itemId })).toBeVisible();
  await expectAccessible(page);
  await page.goto(parcelUrl);
  await hydrated(page, said);
  // It is in the list.
  await page.getByRole('link', { name: 'Declarations', exact: true }).click();
  await expect(page.locator('#declarations-table')).toContainText('Alice Walker');
  await expectAccessible(page);
});

test('a refused submission comes back with every problem and keeps what was typed', async ({ page }) => {
  await signIn(page, 'merchant');
  await page.goto('/declarations/new');
  await page.locator(field('addressee.name')).fill('Bob Stone');
  await page.locator(field('lines.0.description')).fill('gift');
  await page.getByRole('button', { name: 'Submit the declaration' }).click();
  await expect(page).toHaveURL(/\/declarations\/\d+\/edit\?error=/);
  const summary = page.getByRole('alert');
  await expect(summary).toContainText('Say exactly what the goods are');
  await expect(summary).toContainText('Enter this information.');
  await expect(page.locator(field('addressee.name'))).toHaveValue('Bob Stone');
  await expectAccessible(page);
});

test('a merchant makes an API key, sees it once, and reads the API reference', async ({ page }) => {
  await signIn(page, 'merchant');
  await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'API keys' }).click();
  await page.getByLabel('Name').fill('Web shop');
  await page.getByRole('button', { name: 'Make a new key' }).click();
  await expect(page.locator('#new-api-key')).toHaveText(/^pck_[0-9a-f]{12}_/);
  await expectAccessible(page);
  await page.reload();
  await expect(page.locator('#new-api-key')).toHaveCount(0);
  await expect(page.locator('#api-keys-table')).toContainText('Web shop');
  await page.goto('/api/v1/docs');
  // Swagger UI, served by the portal itself, renders the document.
  await expect(page.getByText('Postclear API', { exact: false }).first()).toBeVisible();
  await expect(page.getByText('/api/v1/declarations/batch')).toBeVisible();
});

test('a merchant says it sells through a registered cross-border platform', async ({ page }) => {
  await signIn(page, 'merchant');
  await page.goto('/company');
  const box = page.getByLabel('We sell through a registered cross-border e-commerce platform (China)');
  await expect(box).not.toBeChecked();
  await expectAccessible(page);
  await box.check();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL(/\/company\?saved=1$/);
  await expect(page.getByRole('status')).toBeVisible();
  await expect(box).toBeChecked();
  await expectAccessible(page);
  // And back, as the other tests expect.
  await box.uncheck();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL(/\/company\?saved=1$/);
  await expect(box).not.toBeChecked();
});
