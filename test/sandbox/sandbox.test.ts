/**
 * `npm run sandbox` in a real browser: every step by clicking, as a person would, against the real bot. The README's
 * screenshots (docs/sandbox-*.png) are taken here, so they show what the page really does.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { SAMPLE } from '../../src/emulators/chime/seed.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.ts';
import { launch, openPage } from './browser.ts';

const DOCS = join(import.meta.dirname, '../../docs');

let sandbox: Sandbox;
let browser: Browser;
let page: Page;
let problems: string[];

before(async () => {
  sandbox = await startSandbox();
  browser = await launch();
  ({ page, problems } = await openPage(browser, sandbox.url));
});

after(async () => {
  await browser?.close();
  await sandbox?.close();
});

const modal = (): Locator => page.locator('#modal .modal');
const shot = (name: string) => page.screenshot({ path: join(DOCS, `sandbox-${name}.png`) });

async function become(userId: string): Promise<void> {
  await page.selectOption('#who', userId);
}

async function command(text: string): Promise<void> {
  await page.fill('#composer-text', `/chime-account ${text}`);
  await page.press('#composer-text', 'Enter');
}

async function go(channel: string): Promise<void> {
  await page.locator('#sidebar').getByRole('button', { name: channel }).click();
}

test('request → review → approval by another person → summary in the channel and in history', async () => {
  await command('');
  await modal().getByRole('heading', { name: 'Chime account' }).waitFor();
  await modal().getByRole('combobox').fill('Acme Sa');
  await modal()
    .getByRole('option', { name: /Acme Sales/ })
    .click();
  const license = modal().locator('select[name="license/license_select"]');
  await license.selectOption('Basic');
  await shot('form');
  await modal().getByRole('button', { name: 'Review' }).click();
  await modal().getByRole('heading', { name: 'Review the change' }).waitFor();
  await modal().locator('textarea[name="reason/reason_input"]').fill('Pro seats are unused since March');
  await shot('review');
  await modal().getByRole('button', { name: 'Request approval' }).click();
  await page.locator('#modal').waitFor({ state: 'hidden' });

  await go('# chime-approvals');
  const card = page.locator('#messages article.message').filter({ hasText: 'Change request' }).last();
  await card.getByRole('button', { name: 'Approve…' }).waitFor();
  await shot('approval-card');

  await become('U0BOB');
  await card.getByRole('button', { name: 'Approve…' }).click();
  await modal().getByRole('heading', { name: 'Approve the change' }).waitFor();
  await modal().locator('textarea[name="comment/comment_input"]').fill('Checked the seat report — fine.');
  await modal().getByRole('button', { name: 'Approve', exact: true }).click();
  await card.getByRole('button', { name: 'Approve…' }).waitFor({ state: 'detached' });
  await sandbox.world.settle();
  assert.equal(sandbox.world.chime.accounts.get(SAMPLE.team)?.DefaultLicense, 'Basic');
  await shot('approved-card');
  await go('# chime-ops');
  await shot('summary');
  await command(`history ${SAMPLE.team}`);
  await page.locator('#messages article.ephemeral').last().waitFor();
  await shot('history');
  assert.deepEqual(problems, []);
});
