/**
 * The sandbox page draws Block Kit as Slack does, and never as HTML: a message and modals with every block and
 * element the page knows, put into the Slack emulator through its Web API (as an app would), checked in a real
 * browser; and the server's own defences (CSP, content types, other origins and hosts refused).
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.ts';
import { launch, openPage } from './browser.ts';

let sandbox: Sandbox;
let browser: Browser;
let page: Page;
let problems: string[];
/** The page's requests to the sandbox's /api/click, in order. */
const clicks: unknown[] = [];

before(async () => {
  sandbox = await startSandbox();
  browser = await launch();
  ({ page, problems } = await openPage(browser, sandbox.url));
  page.on('request', (r) => {
    if (r.url().endsWith('/api/click')) clicks.push(r.postDataJSON());
  });
});

after(async () => {
  await browser?.close();
  await sandbox?.close();
});

const plain = (text: string) => ({ type: 'plain_text', text });
const md = (text: string) => ({ type: 'mrkdwn', text });
const option = (text: string, value: string) => ({ text: plain(text), value });

/** A Web API call to the Slack emulator with the bot's token, as the bot makes them. */
async function webApi(method: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { slack } = sandbox.world;
  const res = await fetch(`${slack.apiUrl}${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${slack.botToken}`, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(args),
  });
  const json = (await res.json()) as Record<string, unknown>;
  assert.equal(json.ok, true, `${method}: ${JSON.stringify(json)}`);
  return json;
}

test('a message: header, section text, fields and accessory, quotes, code, context, divider, styled buttons', async () => {
  await webApi('chat.postMessage', {
    channel: 'C0OPS',
    text: 'fixture',
    blocks: [
      { type: 'header', text: plain('Header <b>not bold</b>') },
      {
        type: 'section',
        text: md(
          '*bold* _italic_ ~struck~ `co*d*e` <@U0BOB> <#C0APPROVALS> <!subteam^S0SECOPS> <!here> <@U0CAROL|carol &amp; co> <!date^1700000000^{date_num}|the fallback> ' +
            '<https://example.com/x|a link> <javascript:alert(1)|not a link> &lt;script&gt;alert(1)&lt;/script&gt; snake_case_word :white_check_mark: :constructor: :__proto__: :toString:',
        ),
        fields: [md('*Field one*\nvalue'), plain('Field <i>two</i>')],
        accessory: { type: 'button', action_id: 'fixture_accessory', text: plain('Accessory'), value: 'acc' },
      },
      { type: 'section', text: md('&gt; a quoted line\n&gt; and another\nnot quoted\n```pre *not bold* <@U0BOB>```') },
      {
        type: 'context',
        elements: [
          md('context _italic_ <!date^1700000000^{__proto__} {constructor}|no such format>'),
          { type: 'image', image_url: 'https://example.com/i.png', alt_text: 'alt <x>' },
        ],
      },
      { type: 'divider' },
      {
        type: 'actions',
        elements: [
          { type: 'button', action_id: 'fixture_primary', style: 'primary', text: plain('Primary') },
          {
            type: 'button',
            action_id: 'fixture_danger',
            style: 'danger',
            value: 'boom',
            text: plain('Danger'),
            confirm: {
              title: plain('Sure?'),
              text: md('Really *delete* it?'),
              confirm: plain('Delete'),
              deny: plain('Keep'),
              style: 'danger',
            },
          },
        ],
      },
    ],
  });
  const m = page.locator('#messages article.message').filter({ hasText: 'Header' });
  await m.waitFor();
  assert.equal(await m.locator('h3.header').textContent(), 'Header <b>not bold</b>');
  const text = m.locator('.section-text').first();
  assert.equal(await text.locator('b').first().textContent(), 'bold');
  assert.equal(await text.locator('i').first().textContent(), 'italic');
  assert.equal(await text.locator('s').textContent(), 'struck');
  assert.equal(await text.locator('code').textContent(), 'co*d*e', 'no formatting inside code');
  assert.deepEqual(await text.locator('.mention').allTextContents(), ['@bob', '#chime-approvals', '@sec-ops', '@here', '@carol & co']);
  assert.equal(await text.locator('.mention.loud').textContent(), '@here');
  const time = text.locator('time');
  assert.equal(await time.textContent(), '2023-11-14');
  assert.equal(await time.getAttribute('title'), 'the fallback');
  const link = text.locator('a');
  assert.equal(await link.count(), 1, 'only http(s) and mailto become links');
  assert.equal(await link.getAttribute('href'), 'https://example.com/x');
  assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
  await text.getByText('not a link').waitFor();
  await text.getByText('<script>alert(1)</script>').waitFor();
  await text.getByText('snake_case_word').waitFor();
  assert.equal(await text.locator('.emoji').getAttribute('title'), ':white_check_mark:');
  // Names Object.prototype has are no emoji and no date format: shown as typed, and the page goes on drawing.
  await text.getByText(':constructor: :__proto__: :toString:').waitFor();
  assert.equal(await m.locator('.context time').textContent(), 'no such format');
  assert.deepEqual(await m.locator('.field').allTextContents(), ['Field onevalue', 'Field <i>two</i>']);
  await m.locator('.accessory').getByRole('button', { name: 'Accessory' }).waitFor();
  assert.equal(await m.locator('blockquote').textContent(), 'a quoted lineand another');
  assert.equal(await m.locator('pre').textContent(), 'pre *not bold* <@U0BOB>');
  assert.equal(await m.locator('.context .image-alt').textContent(), '[image: alt <x>]');
  assert.equal(await m.locator('hr.divider').count(), 1);
  assert.equal(await m.locator('.btn.primary').textContent(), 'Primary');
  assert.equal(await page.locator('img, script:not([src])').count(), 0, 'no element came from the text');
});

test('a button with a confirm dialog sends its click only when confirmed', async () => {
  const danger = page.locator('#messages').getByRole('button', { name: 'Danger' });
  const before = clicks.length;
  await danger.click();
  const dialog = page.getByRole('alertdialog');
  await dialog.getByRole('heading', { name: 'Sure?' }).waitFor();
  assert.equal(await dialog.locator('b').textContent(), 'delete');
  await dialog.getByRole('button', { name: 'Keep' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(clicks.length, before, 'nothing was sent');
  await danger.click();
  const answered = page.waitForResponse((r) => r.url().endsWith('/api/click'));
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await answered;
  assert.equal(clicks.length, before + 1);
  assert.deepEqual(clicks.at(-1), {
    user: 'U0ALICE',
    actionId: 'fixture_danger',
    blockId: sandbox.world.slack.messages.at(-1)?.blocks?.at(-1)?.block_id,
    where: { message: { channel: 'C0OPS', ts: sandbox.world.slack.messages.at(-1)?.ts } },
  });
});

const fixtureModal = {
  type: 'modal',
  callback_id: 'fixture',
  title: plain('Fixture'),
  submit: plain('Send'),
  close: plain('Cancel'),
  blocks: [
    {
      type: 'input',
      block_id: 'txt',
      label: plain('Text'),
      hint: plain('A hint'),
      element: { type: 'plain_text_input', action_id: 't', initial_value: 'hello' },
    },
    {
      type: 'input',
      block_id: 'sel',
      label: plain('Static'),
      element: {
        type: 'static_select',
        action_id: 's',
        options: [option('One', '1'), option('Two', '2')],
        initial_option: option('Two', '2'),
      },
    },
    {
      type: 'input',
      block_id: 'radio',
      label: plain('Radio'),
      element: { type: 'radio_buttons', action_id: 'r', options: [option('A', 'a'), option('B', 'b')] },
    },
    {
      type: 'input',
      block_id: 'checks',
      optional: true,
      label: plain('Checks'),
      element: { type: 'checkboxes', action_id: 'c', options: [option('X', 'x'), option('Y', 'y')], initial_options: [option('Y', 'y')] },
    },
    {
      type: 'input',
      block_id: 'ext',
      optional: true,
      label: plain('External'),
      element: { type: 'external_select', action_id: 'e', min_query_length: 1 },
    },
    { type: 'actions', block_id: 'more', elements: [{ type: 'button', action_id: 'in_modal', text: plain('In the modal') }] },
  ],
};

test('a modal with every input: text, static select, radio buttons, checkboxes, a type-ahead; its values are submitted', async () => {
  const { slack } = sandbox.world;
  const opened = await webApi('views.open', { trigger_id: slack.issueTrigger('U0ALICE'), view: fixtureModal });
  const viewId = (opened.view as { id: string }).id;
  const modal = page.locator('#modal .modal');
  await modal.getByRole('heading', { name: 'Fixture' }).waitFor();
  assert.equal(await modal.locator('input[name="txt/t"]').inputValue(), 'hello');
  await modal.getByText('A hint').waitFor();
  assert.equal(await modal.locator('select[name="sel/s"]').inputValue(), '2');
  assert.equal(await modal.locator('[data-block-id="checks"] .optional').textContent(), ' (optional)');
  await modal.locator('input[name="txt/t"]').fill('hello world');
  await modal.locator('select[name="sel/s"]').selectOption('1');
  await modal.getByRole('radio', { name: 'B' }).check();
  await modal.getByRole('checkbox', { name: 'X' }).check();
  const clicked = page.waitForRequest((r) => r.url().endsWith('/api/click'));
  await modal.getByRole('button', { name: 'In the modal' }).click();
  assert.deepEqual((await clicked).postDataJSON(), { user: 'U0ALICE', actionId: 'in_modal', blockId: 'more', where: { view: viewId } });
  await modal.locator('input[name="ext/e"]').fill('a'); // the bot knows no such menu: it answers no options
  await modal.getByText('No results').waitFor();
  const submitted = page.waitForRequest((r) => r.url().endsWith('/api/submit'));
  await modal.getByRole('button', { name: 'Send' }).click();
  // What the page read from its inputs; the emulator's client turns it into view.state.values, as Slack would.
  assert.deepEqual((await submitted).postDataJSON(), {
    user: 'U0ALICE',
    viewId,
    values: { txt: { t: 'hello world' }, sel: { s: '1' }, radio: { r: 'b' }, checks: { c: 'x,y' } },
  });
  // The bot does not know this form and says so (response_action: update): the modal changes in place.
  await modal.getByText('This form is no longer supported.').waitFor();
  await page.keyboard.press('Escape'); // closes the modal, as in Slack
  await page.locator('#modal').waitFor({ state: 'hidden' });
  assert.equal(slack.views.get(viewId)?.closed, true);
});

test('modals stack: a pushed view shows Back, which returns to the one below; clear closes them all', async () => {
  const { slack } = sandbox.world;
  const modal: Locator = page.locator('#modal .modal');
  const root = await webApi('views.open', { trigger_id: slack.issueTrigger('U0ALICE'), view: { ...fixtureModal, title: plain('Root') } });
  const rootId = (root.view as { id: string }).id;
  await modal.getByRole('heading', { name: 'Root' }).waitFor();
  const pushed = { type: 'modal', title: plain('Pushed'), close: plain('Back'), blocks: [{ type: 'section', text: md('on top') }] };
  await webApi('views.push', { trigger_id: slack.issueTrigger('U0ALICE', rootId), view: pushed });
  await modal.getByRole('heading', { name: 'Pushed' }).waitFor();
  await modal.getByTitle('Back').click();
  await modal.getByRole('heading', { name: 'Root' }).waitFor();

  const again = await webApi('views.push', { trigger_id: slack.issueTrigger('U0ALICE', rootId), view: pushed });
  await modal.getByRole('heading', { name: 'Pushed' }).waitFor();
  slack.applyViewResponse((again.view as { id: string }).id, { response_action: 'clear' }); // what Slack does with a `clear` ack
  await page.locator('#modal').waitFor({ state: 'hidden' });
  assert.equal(slack.views.get(rootId)?.closed, true);
});

test('the page cannot parse HTML at all: Trusted Types make innerHTML throw', async () => {
  // A string, so this file needs no DOM types: it runs in the page.
  const refused = await page.evaluate(`(() => {
    try {
      document.body.insertAdjacentHTML('beforeend', '<b>x</b>');
      return false;
    } catch {
      return true;
    }
  })()`);
  assert.equal(refused, true);
  // Chromium reports the blocked assignment; that one is expected.
  const reported = problems.findIndex((p) => p.includes('TrustedHTML'));
  assert.notEqual(reported, -1);
  problems.splice(reported, 1);
});

test('the server: a strict CSP and the right content type on every file; other origins and hosts refused', async () => {
  for (const [path, type] of [
    ['/', 'text/html; charset=utf-8'],
    ['/app.js', 'text/javascript; charset=utf-8'],
    ['/blocks.js', 'text/javascript; charset=utf-8'],
    ['/style.css', 'text/css; charset=utf-8'],
  ] as const) {
    const res = await fetch(new URL(path, sandbox.url));
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('content-type'), type, path);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  }
  for (const path of ['/../server.ts', '/%2e%2e/server.ts', '/server.ts', '/public/app.js']) {
    assert.equal((await fetch(new URL(path, sandbox.url))).status, 404, path);
  }

  const { slack } = sandbox.world;
  const ephemerals = slack.ephemerals.length;
  const body = JSON.stringify({ user: 'U0ALICE', channel: 'C0OPS', text: 'help' });
  const post = (headers: Record<string, string>) => fetch(new URL('/api/command', sandbox.url), { method: 'POST', headers, body });
  assert.equal((await post({ 'content-type': 'application/json', origin: 'http://evil.example' })).status, 403);
  assert.equal((await post({ 'content-type': 'text/plain', origin: new URL(sandbox.url).origin })).status, 415);
  assert.equal((await post({ 'content-type': 'application/json' })).status, 403, 'no Origin: not the page');
  assert.equal(slack.ephemerals.length, ephemerals, 'no command was sent');
  const ok = await post({ 'content-type': 'application/json', origin: new URL(sandbox.url).origin });
  assert.equal(ok.status, 200);

  // A step refused on purpose is a 409 with its words; a bug is a 500 that tells the page nothing more.
  const api = (name: string, args: unknown) =>
    fetch(new URL(`/api/${name}`, sandbox.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: new URL(sandbox.url).origin },
      body: JSON.stringify(args),
    });
  const gone = await api('click', { user: 'U0ALICE', actionId: 'x', where: { message: { channel: 'C0OPS', ts: '1.000001' } } });
  assert.deepEqual([gone.status, await gone.json()], [409, { error: 'That message is gone.' }]);
  const closed = [...slack.views.values()].find((v) => v.closed && v.user === 'U0ALICE');
  assert.ok(closed, 'an earlier test closed one of alice’s views');
  const refused = await api('close', { user: 'U0ALICE', viewId: closed.id });
  assert.deepEqual([refused.status, await refused.json()], [409, { error: `view ${closed.id} is closed` }]);
  const { user } = sandbox.world;
  const command = user.command;
  user.command = () => Promise.reject(new TypeError('a secret detail'));
  const logged = console.error;
  const log: unknown[][] = [];
  console.error = (...args: unknown[]) => log.push(args);
  try {
    const bug = await api('command', { user: 'U0ALICE', channel: 'C0OPS', text: 'help' });
    assert.equal(bug.status, 500);
    assert.doesNotMatch(await bug.text(), /secret|TypeError|at /);
  } finally {
    user.command = command;
    console.error = logged;
  }
  assert.match(String(log.at(-1)?.at(-1)), /a secret detail/, 'the bug is logged by the server');

  const rebound = await new Promise<number>((resolve, reject) => {
    const url = new URL(sandbox.url);
    request({ host: url.hostname, port: url.port, path: '/', headers: { host: 'attacker.example' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
  assert.equal(rebound, 421);
  const viaLocalhost = new URL(sandbox.url);
  viaLocalhost.hostname = 'localhost';
  assert.equal((await fetch(viaLocalhost)).status, 200, 'localhost is this machine too');
});

test('the page ran without a script error or a CSP violation', () => {
  assert.deepEqual(problems, []);
});
