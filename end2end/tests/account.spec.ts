import { expect, Page, test } from '@playwright/test';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { expectAccessible, ROLES, signIn } from './helpers';
import { outboxDir } from '../playwright.config';

/** The newest e-mail to `to` with a link to `linkPath`, waiting for the job runner to write it. */
async function linkFromEmail(to: string, linkPath: string): Promise<string> {
  const pattern = new RegExp(`https?://[^\\s"<>]+${linkPath}\\?token=[A-Za-z0-9_-]+`);
  for (let i = 0; i < 100; i++) {
    const files = fs.existsSync(outboxDir)
      ? fs.readdirSync(outboxDir).filter((f) => f.endsWith('.eml') && !f.startsWith('.'))
      : [];
    const matches = files
      .map((f) => fs.readFileSync(path.join(outboxDir, f), 'utf8'))
      .filter((eml) => eml.includes(`<${to}>`))
      .map((eml) => eml.match(pattern)?.[0])
      .filter((link): link is string => !!link);
    if (matches.length > 0) return matches[matches.length - 1];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no e-mail to ${to} with a ${linkPath} link in ${outboxDir}`);
}

/** RFC 6238 (HMAC-SHA1, 30 s, 6 digits) from a base32 secret, at `offsetSteps` steps from now. */
function totp(secretBase32: string, offsetSteps = 0): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secretBase32.replace(/\s+/g, '').toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  }
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Math.floor(Date.now() / 1000 / 30) + offsetSteps;
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = crypto.createHmac('sha1', key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, '0');
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/$/);
}

test('a new recipient confirms their address from the e-mail and resets their password', async ({ page }) => {
  const email = `newcomer-${Date.now()}@example.test`;
  await page.goto('/sign-up');
  await page.getByLabel('Receive parcels (recipient)').check();
  await page.getByLabel('Your full name').fill('Noor Haddad');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill('my first passphrase');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/sign-up\/sent$/);
  await page.goto('/sign-in');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill('my first passphrase');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/home$/);
  await expect(page.locator('#verify-banner')).toBeVisible();

  // The link from the .eml file in the outbox.
  const verify = await linkFromEmail(email, '/verify-email');
  await page.goto(verify);
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Confirm my e-mail address' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('E-mail address confirmed');
  await page.goto('/home');
  await expect(page.locator('#verify-banner')).toHaveCount(0);
  await page.goto('/account');
  await expect(page.locator('#email-status')).toHaveText('Confirmed');
  await expectAccessible(page);
  // A second use of the same link is refused with the reason.
  await page.goto(verify);
  await page.getByRole('button', { name: 'Confirm my e-mail address' }).click();
  await expect(page.getByRole('alert')).toContainText('already used');
  await signOut(page);

  // Forgotten password: the same answer for any address, and a link by e-mail.
  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Forgotten your password?' }).click();
  await expectAccessible(page);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Check your e-mail');
  const reset = await linkFromEmail(email, '/reset-password');
  await page.goto(reset);
  await expectAccessible(page);
  await page.getByLabel('New password').fill('my second passphrase');
  await page.getByRole('button', { name: 'Save the new password' }).click();
  await expect(page).toHaveURL(/\/sign-in\?reset=1$/);
  await expect(page.getByRole('status')).toContainText('Your password was changed');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill('my second passphrase');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/home$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(ROLES.recipient.title);

  // On the account page, a new password needs the current one and must not
  // be a common one.
  await page.goto('/account');
  await page.getByLabel('Current password').fill('my second passphrase');
  await page.getByLabel('New password').fill('password1234');
  await page.getByRole('button', { name: 'Change the password' }).click();
  await expect(page.locator('#error-summary')).toContainText('too common');
  await expectAccessible(page);
  await page.getByLabel('Current password').fill('my second passphrase');
  await page.getByLabel('New password').fill('copper kettle on a windy dune');
  await page.getByRole('button', { name: 'Change the password' }).click();
  await expect(page).toHaveURL(/\/account\?password_changed=1$/);
  await expect(page.getByRole('status')).toContainText('Your password was changed');
});

test('a customs officer sets up an authenticator app and signs in with a code', async ({ page }) => {
  const email = `officer-${Date.now()}@douane.example`;
  // A supervisor makes the officer's account.
  await signIn(page, 'customs_supervisor');
  await page.goto('/admin/users/new');
  await page.getByLabel('Name', { exact: true }).fill('Camille Bernard');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Role').selectOption('customs_officer');
  await page.getByLabel('Office', { exact: true }).selectOption({ label: 'Direction générale des douanes (demo) – Roissy-Charles de Gaulle customs (FRCDG1)' });
  await page.getByLabel('Initial password').fill('officer passphrase');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/admin\/users\?created=1$/);
  await signOut(page);

  // The officer turns on two-step sign-in from their account page.
  await page.goto('/sign-in');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill('officer passphrase');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/home$/);
  await page.goto('/account');
  await page.getByRole('link', { name: 'Set up two-step sign-in' }).click();
  await expect(page.getByRole('img', { name: /QR code/ })).toBeVisible();
  await expectAccessible(page);
  const secret = (await page.locator('#totp-secret').textContent())!.trim();
  await page.getByLabel('Code').fill('000000');
  await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await expect(page.getByRole('alert')).toContainText('That code is not right');
  await page.getByLabel('Code').fill(totp(secret));
  await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Save your recovery codes');
  await expect(page.locator('#recovery-codes li')).toHaveCount(10);
  await expectAccessible(page);
  await page.getByRole('link', { name: 'I have saved them' }).click();
  await signOut(page);

  // Next time: the password, then a code from the app.
  await page.goto('/sign-in');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill('officer passphrase');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/sign-in\/code$/);
  await expectAccessible(page);
  // The code used at set-up cannot be used again; the next step's code is accepted.
  await page.getByLabel('Code').fill(totp(secret, 1));
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/home$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(ROLES.customs_officer.title);
  await page.goto('/account');
  await expect(page.locator('#two-factor-status')).toHaveText('On');
});

test('an admin sees the job queue and the audit log', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/admin/jobs');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Background jobs');
  await expectAccessible(page);
  await page.goto('/admin/audit');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Audit log');
  await expectAccessible(page);
});

test('a merchant uploads a document and downloads it', async ({ page }) => {
  await signIn(page, 'merchant');
  await page.goto('/documents');
  await expectAccessible(page);
  await page.getByLabel('File').setInputFiles({
    name: 'invoice 42.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.4\n%%EOF\n'),
  });
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page).toHaveURL(/\/documents\?uploaded=1$/);
  const link = page.getByRole('link', { name: 'invoice 42.pdf' });
  await expect(link).toBeVisible();
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toBe('invoice 42.pdf');
  // A file that is not a PDF, JPEG or PNG is refused with the reason.
  await page.getByLabel('File').setInputFiles({ name: 'notes.pdf', mimeType: 'application/pdf', buffer: Buffer.from('just text') });
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page.getByRole('alert')).toContainText('must be a PDF, JPEG or PNG');
});

