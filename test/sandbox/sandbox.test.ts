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

  // The bot tells alice where the card went; the channel's unread count shows it too. Its link opens the channel.
  await page.locator('#sidebar').getByRole('button', { name: '# chime-approvals' }).locator('.badge').getByText('1').waitFor();
  const told = page.locator('#messages article.ephemeral').filter({ hasText: 'waiting for approval' });
  await told.getByRole('button', { name: '#chime-approvals' }).click();
  await page.locator('#place').getByText('# chime-approvals').waitFor();
  const card = page.locator('#messages article.message').filter({ hasText: 'Change request' }).last();
  await card.getByRole('button', { name: 'Approve…' }).waitFor();
  await shot('approval-card');

  await become('U0BOB');
  await card.getByRole('button', { name: 'Approve…' }).click();
  await modal().getByRole('heading', { name: 'Approve the change' }).waitFor();
  await modal().locator('textarea[name="comment/comment_input"]').fill('Checked the seat report — fine.');
  await modal().getByRole('button', { name: 'Approve', exact: true }).click();
  // The card changes in place: no more buttons, the outcome; the account summary goes to its thread.
  await card.getByText('Applied').waitFor();
  assert.equal(await card.getByRole('button', { name: 'Approve…' }).count(), 0);
  assert.equal(sandbox.world.chime.accounts.get(SAMPLE.team)?.DefaultLicense, 'Basic');
  await card.getByRole('button', { name: /repl/ }).click();
  await page.locator('#thread').getByText('Amazon Chime account updated:').waitFor();
  await shot('summary');

  // …and to the channel where it was asked for, and the history has every step.
  await go('# chime-ops');
  const summary = page.locator('#messages article.message').filter({ hasText: 'Amazon Chime account updated:' });
  await summary.getByText('approved by @bob').waitFor();
  await command(`history ${SAMPLE.team}`);
  const history = page.locator('#messages article.ephemeral').filter({ hasText: 'audit entries' });
  await history.getByText('Only visible to you').waitFor();
  for (const step of ['requested a change', 'approved the change', 'changed account']) await history.getByText(step).first().waitFor();
  await shot('history');
});

test('a validation error is shown under its field: first by Slack’s client, then by the bot', async () => {
  await become('U0ALICE');
  await command(`update ${SAMPLE.lwa}`);
  const name = modal().locator('input[name="name/name_input"]');
  await name.waitFor();
  await name.fill('');
  await modal().getByRole('button', { name: 'Review' }).click();
  const error = modal().locator('[data-block-id="name"] .field-error');
  await error.getByText('Please fill out this field.').waitFor();

  await name.fill('   ');
  await modal().getByRole('button', { name: 'Review' }).click();
  await error.getByText('Enter a name: it can’t be blank.').waitFor();
  assert.equal(await name.inputValue(), '   ', 'what was typed stays');
  await shot('error');
  await modal().getByRole('button', { name: 'Cancel' }).click();
  await page.locator('#modal').waitFor({ state: 'hidden' });
});

test('approving your own request is refused, only to you, and changes nothing', async () => {
  await become('U0CAROL'); // requester and approver: only the four-eyes rule stops her
  await command(`update ${SAMPLE.lwa}`);
  await modal().locator('select[name="license/license_select"]').selectOption('Pro');
  await modal().getByRole('button', { name: 'Review' }).click();
  await modal().getByRole('button', { name: 'Request approval' }).click();
  await page.locator('#modal').waitFor({ state: 'hidden' });
  await go('# chime-approvals');
  const card = page.locator('#messages article.message').filter({ hasText: 'Change request' }).filter({ hasText: '@carol' });
  await card.getByRole('button', { name: 'Approve…' }).click();
  const refusal = page.locator('#messages article.ephemeral').filter({ hasText: 'your own request' });
  await refusal.getByText('Only visible to you').waitFor();
  await card.getByRole('button', { name: 'Approve…' }).waitFor(); // still pending
  assert.equal(sandbox.world.chime.accounts.get(SAMPLE.lwa)?.DefaultLicense, 'Basic');
  await shot('refused');

  await become('U0BOB');
  assert.equal(await refusal.count(), 0, 'the refusal was only visible to carol');
  await card.getByRole('button', { name: 'Cancel request' }).waitFor();
});

test('the Home tab is each person’s inbox: bob approves carol’s request from there', async () => {
  await become('U0BOB');
  await go('⌂ chime-account — Home');
  const home = page.locator('#messages .home');
  await home.getByText('Waiting for your approval').waitFor();
  const waiting = home.locator('.block').filter({ hasText: '@carol' }).first();
  await waiting.waitFor();
  await shot('home');
  await home.getByRole('button', { name: 'Approve…' }).first().click();
  await modal().getByRole('heading', { name: 'Approve the change' }).waitFor();
  await modal().getByRole('button', { name: 'Approve', exact: true }).click();
  await page.locator('#modal').waitFor({ state: 'hidden' });
  await sandbox.world.settle();
  assert.equal(sandbox.world.chime.accounts.get(SAMPLE.lwa)?.DefaultLicense, 'Pro');
  // The tab is published again without being reopened: nothing waits for bob any more.
  await home.getByRole('button', { name: 'Approve…' }).waitFor({ state: 'detached' });
});

test('the drift check: an account changed in Chime after the request is not changed again', async () => {
  await become('U0ALICE');
  await go('# chime-ops');
  await command(`update ${SAMPLE.directory}`);
  await modal().locator('select[name="license/license_select"]').selectOption('Basic');
  await modal().getByRole('button', { name: 'Review' }).click();
  await modal().getByRole('button', { name: 'Request approval' }).click();
  await page.locator('#modal').waitFor({ state: 'hidden' });

  // Someone renames the account in Chime itself, behind the bot's back.
  await page.locator('#chime input[type="search"]').fill(SAMPLE.directory);
  const row = page.locator('#chime .account').filter({ hasText: 'Acme Engineering' });
  await row.getByRole('button', { name: 'Change in Chime…' }).click();
  await page.locator('#chime input[name="chime-name"]').fill('Acme R&D');
  await page.locator('#chime').getByRole('button', { name: 'Save in Chime' }).click();
  await page.locator('#chime .account-name').getByText('Acme R&D', { exact: true }).waitFor();
  await page.locator('#chime input[type="search"]').fill('');

  await become('U0BOB');
  await go('# chime-approvals');
  const card = page.locator('#messages article.message').filter({ hasText: 'Change request' }).filter({ hasText: SAMPLE.directory });
  await card.getByRole('button', { name: 'Approve…' }).click();
  await modal().getByRole('button', { name: 'Approve', exact: true }).click();
  await card.getByText('Not applied: the account changed since the request').waitFor();
  const account = sandbox.world.chime.accounts.get(SAMPLE.directory);
  assert.deepEqual([account?.Name, account?.DefaultLicense], ['Acme R&D', 'Pro'], 'Chime was not changed');
  assert.equal(sandbox.world.chime.calls.filter((c) => c.operation === 'UpdateAccount' && c.accountId === SAMPLE.directory).length, 0);
});

test('an account name that looks like HTML or a mention is shown as the text it is', async () => {
  const evil = '<img src=x onerror=window.__pwned=1> <!channel>';
  await become('U0ALICE');
  await go('# chime-ops');
  await page.locator('#chime input[type="search"]').fill(SAMPLE.oidc);
  const row = page.locator('#chime .account').filter({ hasText: 'Globex' });
  await row.getByRole('button', { name: 'Change in Chime…' }).click();
  await page.locator('#chime input[name="chime-name"]').fill(evil);
  await page.locator('#chime').getByRole('button', { name: 'Save in Chime' }).click();
  await page.locator('#chime .account-name').getByText(evil, { exact: true }).waitFor();
  assert.equal(sandbox.world.chime.accounts.get(SAMPLE.oidc)?.Name, evil);
  await page.locator('#chime input[type="search"]').fill('');

  await command(`show ${SAMPLE.oidc}`);
  const shown = page.locator('#messages article.ephemeral').filter({ hasText: SAMPLE.oidc });
  await shown.getByText(evil).first().waitFor();
  await command(`update ${SAMPLE.oidc}`);
  await modal().getByText(evil).first().waitFor();
  assert.equal(await modal().locator('input[name="name/name_input"]').inputValue(), evil);
  assert.equal(await page.locator('img').count(), 0, 'no img element was created');
  assert.equal(await page.locator('.mention.loud').count(), 0, '<!channel> did not become an @channel mention');
  assert.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);
  await modal().getByRole('button', { name: 'Cancel' }).click();
});

test('faults from the side panel: a slow GetAccount shows the loading view, a refusal its words', async () => {
  const panel = page.locator('#chime');
  await panel.getByRole('button', { name: /Slow GetAccount/ }).click();
  await panel.locator('.faults').getByText('delay on GetAccount').waitFor();
  await command(`update ${SAMPLE.directory}`);
  await modal().getByText('Loading the account from Amazon Chime…').waitFor();
  await modal().locator('input[name="name/name_input"]').waitFor({ timeout: 8_000 }); // filled by views.update
  await modal().getByRole('button', { name: 'Cancel' }).click();

  await panel.getByRole('button', { name: 'Clear faults' }).click();
  await panel.getByRole('button', { name: 'Forbid every call' }).click();
  await panel.locator('.faults').getByText('Forbidden').waitFor();
  await command(`update ${SAMPLE.directory}`);
  await modal()
    .getByText(/refused|not allowed|permission/i)
    .first()
    .waitFor();
  await shot('fault');
  await modal().getByRole('button', { name: 'Close' }).last().click();

  await panel.getByRole('button', { name: 'Clear faults' }).click();
  await panel.locator('.faults').getByText('No faults').waitFor();
});

test('the fault list is the Chime emulator’s own: one added directly shows, and goes once used up', async () => {
  const panel = page.locator('#chime');
  sandbox.world.chime.addFault({ operation: 'GetAccount', error: 'ThrottledClient', times: 1 });
  await panel.locator('.faults').getByText('ThrottledClient on GetAccount').waitFor();
  await command(`show ${SAMPLE.oidc}`);
  await panel.locator('.faults').getByText('No faults').waitFor();
  assert.deepEqual(sandbox.world.chime.faults(), []);
});

test('the page ran without a script error or a CSP violation', () => {
  assert.deepEqual(problems, []);
});
