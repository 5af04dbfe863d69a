import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { BlockAction, ButtonAction, StaticSelectAction, ViewClosedAction } from '@slack/bolt';
import { App, LogLevel } from '@slack/bolt';
import { ErrorCode, WebClient } from '@slack/web-api';
import type { SlackUserClient } from '../../src/emulators/slack/client.ts';
import { signRequest } from '../../src/emulators/slack/payloads.ts';
import type { SlackEmulator } from '../../src/emulators/slack/server.ts';
import { startSlackEmulator } from '../../src/emulators/slack/server.ts';
import { quietLogger, SIGNING_SECRET, slackError, userClient } from '../helpers/slack.ts';

/** WebClient logs Slack's response_metadata `[ERROR]` messages at error level; keep test output clean. */

const modal = (title = 'Rename account', extra: Record<string, unknown> = {}) => ({
  type: 'modal' as const,
  callback_id: 'rename',
  title: { type: 'plain_text' as const, text: title },
  submit: { type: 'plain_text' as const, text: 'Rename' },
  blocks: [
    {
      type: 'input',
      block_id: 'name_block',
      label: { type: 'plain_text', text: 'New name' },
      element: { type: 'plain_text_input', action_id: 'name', initial_value: 'Old' },
    },
    {
      type: 'input',
      block_id: 'license_block',
      optional: true,
      label: { type: 'plain_text', text: 'License' },
      element: {
        type: 'static_select',
        action_id: 'license',
        options: ['Basic', 'Pro'].map((l) => ({ text: { type: 'plain_text', text: l }, value: l })),
      },
    },
  ],
  ...extra,
});

describe('Slack Web API emulator, driven by the real WebClient', () => {
  let emu: SlackEmulator;
  let clock = Date.now();
  let web: WebClient;

  before(async () => {
    emu = await startSlackEmulator({ now: () => clock });
    web = new WebClient(emu.botToken, {
      slackApiUrl: emu.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logger: quietLogger,
    });
  });
  after(() => emu.close());
  beforeEach(() => {
    emu.reset();
    clock = Date.now();
  });

  it('auth.test answers with the bot identity; the token came in the Authorization header', async () => {
    const res = await web.auth.test();
    assert.equal(res.user_id, 'U0BOT');
    assert.equal(res.bot_id, 'B0BOT');
    assert.equal(res.team_id, 'T0TEAM');
    assert.equal(emu.calls[0]?.method, 'auth.test');
    assert.equal(emu.calls[0]?.args.token, undefined);
  });

  it('refuses a wrong token (invalid_auth) or none (not_authed); accepts a token form field', async () => {
    const wrong = new WebClient('xoxb-wrong', { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 }, logger: quietLogger });
    assert.equal(await slackError(wrong.auth.test()), 'invalid_auth');
    const none = await (await fetch(`${emu.apiUrl}auth.test`, { method: 'POST' })).json();
    assert.deepEqual(none, { ok: false, error: 'not_authed' });
    const form = await fetch(`${emu.apiUrl}auth.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${emu.botToken}`,
    });
    assert.equal(((await form.json()) as { ok: boolean }).ok, true);
    assert.equal(await slackError(web.apiCall('nope.nothing')), 'unknown_method');
  });

  it('views.open takes a fresh trigger once; reused, expired and unknown triggers fail as on Slack', async () => {
    const trigger = emu.issueTrigger('U0ALICE');
    const res = await web.views.open({ trigger_id: trigger, view: modal() });
    const view = res.view as { id: string; hash: string; state: { values: object }; callback_id: string };
    assert.match(view.id, /^V/);
    assert.ok(view.hash);
    assert.deepEqual(view.state.values, {});
    assert.equal(emu.views.get(view.id)?.user, 'U0ALICE');
    assert.equal(await slackError(web.views.open({ trigger_id: trigger, view: modal() })), 'exchanged_trigger_id');
    const old = emu.issueTrigger('U0ALICE');
    clock += 3001;
    assert.equal(await slackError(web.views.open({ trigger_id: old, view: modal() })), 'expired_trigger_id');
    assert.equal(await slackError(web.views.open({ trigger_id: '123.456.abc', view: modal() })), 'invalid_trigger_id');
  });

  it('views.open refuses views Slack refuses, saying why', async () => {
    const err = await web.views
      .open({ trigger_id: emu.issueTrigger('U0BOB'), view: modal('A title that is far too long for Slack') })
      .catch((e: unknown) => e);
    const data = (err as { data: { error: string; response_metadata: { messages: string[] } } }).data;
    assert.equal(data.error, 'invalid_arguments');
    assert.deepEqual(data.response_metadata.messages, ['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]']);
    const noSubmit = { ...modal(), submit: undefined };
    assert.equal(await slackError(web.views.open({ trigger_id: emu.issueTrigger('U0BOB'), view: noSubmit })), 'invalid_arguments');
  });

  it('views.update checks the hash, gives a new one, keeps typed values of unchanged inputs', async () => {
    const opened = await web.views.open({ trigger_id: emu.issueTrigger('U0ALICE'), view: modal('Loading…', { external_id: 'ext-1' }) });
    const { id, hash } = opened.view as { id: string; hash: string };
    emu.views.get(id)!.view.state.values = { name_block: { name: { type: 'plain_text_input', value: 'typed' } } };
    const updated = await web.views.update({ view_id: id, hash, view: modal() });
    const newHash = (updated.view as { hash: string }).hash;
    assert.notEqual(newHash, hash);
    assert.equal(emu.views.get(id)?.view.state.values.name_block?.name?.value, 'typed');
    assert.equal(await slackError(web.views.update({ view_id: id, hash, view: modal() })), 'hash_conflict');
    await web.views.update({ external_id: 'ext-1', view: modal('By external id') });
    assert.equal((emu.views.get(id)!.view.title as { text: string }).text, 'By external id');
    assert.equal(await slackError(web.views.update({ view_id: 'V0NOPE', view: modal() })), 'not_found');
  });

  it('views.push stacks up to 3 views', async () => {
    const root = await web.views.open({ trigger_id: emu.issueTrigger('U0ALICE'), view: modal() });
    const rootId = (root.view as { id: string }).id;
    await web.views.push({ trigger_id: emu.issueTrigger('U0ALICE', rootId), view: modal('Second') });
    await web.views.push({ trigger_id: emu.issueTrigger('U0ALICE', rootId), view: modal('Third') });
    assert.equal(emu.views.get(rootId)?.stack.length, 3);
    assert.equal(
      await slackError(web.views.push({ trigger_id: emu.issueTrigger('U0ALICE', rootId), view: modal('Fourth') })),
      'push_limit_reached',
    );
  });

  it('chat.postMessage posts to member channels and DMs; refuses the rest like Slack', async () => {
    const first = await web.chat.postMessage({ channel: 'C0OPS', text: 'hello' });
    const second = await web.chat.postMessage({ channel: 'C0OPS', text: 'again', thread_ts: first.ts });
    assert.match(first.ts ?? '', /^\d{10}\.\d{6}$/);
    assert.ok(Number(second.ts) > Number(first.ts));
    assert.equal(emu.messages[1]?.thread_ts, first.ts);
    const dm = await web.chat.postMessage({ channel: 'U0ALICE', text: 'psst' });
    assert.equal(dm.channel, 'D0U0ALICE');
    assert.equal(await slackError(web.chat.postMessage({ channel: 'C0RANDOM', text: 'x' })), 'not_in_channel');
    assert.equal(await slackError(web.chat.postMessage({ channel: 'C0NOPE', text: 'x' })), 'channel_not_found');
    assert.equal(await slackError(web.chat.postMessage({ channel: 'C0OPS', text: '' })), 'no_text');
    assert.equal(await slackError(web.chat.postMessage({ channel: 'C0OPS', text: 'x'.repeat(40001) })), 'msg_too_long');
    await web.chat.update({ channel: 'C0OPS', ts: first.ts!, text: 'edited' });
    assert.equal(emu.messages[0]?.text, 'edited');
    assert.equal(emu.messages[0]?.edited, true);
    assert.equal(await slackError(web.chat.update({ channel: 'C0OPS', ts: '1.000001', text: 'x' })), 'message_not_found');
  });

  it('faults: a 429 becomes WebClient’s rate-limited error; 500 an HTTP error; error-only a platform error', async () => {
    emu.addFault({ method: 'chat.postMessage', status: 429, retryAfterSeconds: 7, times: 1 });
    const limited = await web.chat.postMessage({ channel: 'C0OPS', text: 'x' }).catch((e: unknown) => e);
    assert.equal((limited as { code: string }).code, ErrorCode.RateLimitedError);
    assert.equal((limited as { retryAfter: number }).retryAfter, 7);
    await web.chat.postMessage({ channel: 'C0OPS', text: 'x' }); // times: 1 — gone

    emu.addFault({ method: 'users.info', status: 503, times: 1 });
    const http = await web.users.info({ user: 'U0BOB' }).catch((e: unknown) => e);
    assert.equal((http as { code: string; statusCode: number }).code, ErrorCode.HTTPError);
    assert.equal((http as { statusCode: number }).statusCode, 503);

    emu.addFault({ method: '*', error: 'fatal_error' });
    assert.equal(await slackError(web.auth.test()), 'fatal_error');
    emu.clearFaults();
    await web.auth.test();
  });

  it('usergroups, users.info and conversations.open read the (mutable) workspace', async () => {
    assert.deepEqual((await web.usergroups.users.list({ usergroup: 'S0CHIMEOPS' })).users, ['U0ALICE', 'U0CAROL']);
    emu.usergroups.set('S0CHIMEOPS', ['U0CAROL']);
    assert.deepEqual((await web.usergroups.users.list({ usergroup: 'S0CHIMEOPS' })).users, ['U0CAROL']);
    assert.equal(await slackError(web.usergroups.users.list({ usergroup: 'S0NOPE' })), 'no_such_subteam');
    const dave = await web.users.info({ user: 'U0DAVE' });
    assert.equal(dave.user?.is_admin, true);
    assert.equal(dave.user?.name, 'dave');
    assert.equal(await slackError(web.users.info({ user: 'U0NOPE' })), 'user_not_found');
    assert.equal((await web.conversations.open({ users: 'U0EVE' })).channel?.id, 'D0U0EVE');
  });

  it('response_url: ephemeral by default, in_channel as a message, 5 uses, unknown → 404', async () => {
    const url = emu.issueResponseUrl('C0OPS', 'U0ALICE');
    const post = (body: object) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const res = await post({ text: 'only you' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'ok');
    assert.deepEqual(
      emu.ephemerals.map((e) => [e.user, e.text, e.via]),
      [['U0ALICE', 'only you', 'response_url']],
    );
    await post({ text: 'everyone', response_type: 'in_channel' });
    assert.equal(emu.messages[0]?.text, 'everyone');
    for (let i = 0; i < 3; i++) assert.equal((await post({ text: `${i}` })).status, 200);
    assert.equal((await post({ text: 'sixth' })).status, 404);
    assert.equal((await fetch(`${emu.url}/response/nope`, { method: 'POST', body: '{}' })).status, 404);
  });
});

describe('SlackUserClient against a real Bolt app', () => {
  let emu: SlackEmulator;
  let app: App;
  let user: SlackUserClient;
  const submissions: Record<string, unknown>[] = [];
  const clicks: string[] = [];

  before(async () => {
    emu = await startSlackEmulator();
    app = new App({
      token: emu.botToken,
      signingSecret: SIGNING_SECRET,
      clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } },
      logLevel: LogLevel.ERROR,
    });
    app.command('/chime-account', async ({ ack, body, client, respond }) => {
      if (body.text === 'help') return ack('Usage: /chime-account');
      await ack();
      if (body.text === 'later') return void (await respond({ text: 'Done later' }));
      await client.views.open({ trigger_id: body.trigger_id, view: modal() });
    });
    app.view('rename', async ({ ack, view }) => {
      const name = view.state.values.name_block?.name?.value;
      submissions.push(view.state.values);
      if (name === 'bad') return ack({ response_action: 'errors', errors: { name_block: 'Not a valid name' } });
      if (name === 'next') return ack({ response_action: 'update', view: modal('Confirm rename', { callback_id: 'confirm' }) });
      return ack();
    });
    app.action<BlockAction<ButtonAction>>('approve', async ({ ack, body, action, client }) => {
      await ack();
      clicks.push(action.value ?? '');
      await client.chat.update({ channel: body.container.channel_id, ts: body.container.message_ts, text: `approved ${action.value}` });
    });
    app.action<BlockAction<StaticSelectAction>>('env', async ({ ack, action }) => {
      await ack();
      clicks.push(`env=${action.selected_option.value}`);
    });
    app.action<BlockAction<ButtonAction>>('more', async ({ ack, body, client }) => {
      await ack();
      await client.views.push({ trigger_id: body.trigger_id, view: modal('More') });
    });
    app.view<ViewClosedAction>({ callback_id: 'tools', type: 'view_closed' }, async ({ ack, body }) => {
      await ack();
      clicks.push(`closed cleared=${body.is_cleared}`);
    });
    app.options('account', async ({ ack, options }) => {
      await ack({ options: [{ text: { type: 'plain_text', text: `Account ${options.value}` }, value: `acc-${options.value}` }] });
    });
    // Bolt's HTTPReceiver takes listen options; port 0 picks a free port, the returned http.Server tells which.
    const server = await app.start({ port: 0, host: '127.0.0.1' });
    const { port } = server.address() as AddressInfo;
    user = userClient(emu, port);
  });
  after(async () => {
    await app.stop();
    await emu.close();
  });

  it('a signed slash command is accepted and the app opens its modal with the trigger', async () => {
    const res = await user.command('U0ALICE', 'rename');
    assert.equal(res.status, 200);
    const view = await emu.waitFor(() => emu.topView('U0ALICE'));
    assert.equal(view.view.callback_id, 'rename');
    const open = emu.calls.find((c) => c.method === 'views.open');
    assert.equal(open?.args.trigger_id, res.triggerId);
    assert.deepEqual(open?.response && (open.response as { ok: boolean }).ok, true);
  });

  it('a wrong signature or a stale timestamp gets 401', async () => {
    const body = 'command=%2Fchime-account&text=x';
    assert.equal((await user.send(body, { 'x-slack-signature': 'v0=deadbeef' })).status, 401);
    const stale = signRequest(SIGNING_SECRET, body, Math.floor(Date.now() / 1000) - 600);
    assert.equal((await user.send(body, stale)).status, 401);
  });

  it('submitView sends the typed and initial values; an errors ack keeps the view open with the errors', async () => {
    await user.command('U0BOB', '');
    const view = await emu.waitFor(() => emu.topView('U0BOB'));
    const res = await user.submitView('U0BOB', view.id, { name_block: { name: 'bad' }, license_block: { license: 'Pro' } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { response_action: 'errors', errors: { name_block: 'Not a valid name' } });
    assert.deepEqual(submissions.at(-1), {
      name_block: { name: { type: 'plain_text_input', value: 'bad' } },
      license_block: {
        license: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Pro', emoji: true }, value: 'Pro' } },
      },
    });
    assert.equal(view.closed, false);
    assert.deepEqual(view.errors, { name_block: 'Not a valid name' });

    const again = await user.submitView('U0BOB', view.id, { name_block: { name: 'Good name' } });
    assert.equal(again.status, 200);
    const last = submissions.at(-1) as { license_block: { license: { selected_option: { value: string } } } };
    assert.equal(last.license_block.license.selected_option.value, 'Pro', 'Slack keeps what was chosen before');
    assert.equal(view.closed, true, 'an empty ack closes the modal');
  });

  it('an update ack replaces the view (same id, new hash)', async () => {
    await user.command('U0CAROL', '');
    const view = await emu.waitFor(() => emu.topView('U0CAROL'));
    const oldHash = view.hash;
    await user.submitView('U0CAROL', view.id, { name_block: { name: 'next' } });
    assert.equal(view.closed, false);
    assert.equal(view.view.callback_id, 'confirm');
    assert.notEqual(view.hash, oldHash);
  });

  it('Slack’s client refuses to submit an empty required input', async () => {
    await user.command('U0EVE', '');
    const view = await emu.waitFor(() => emu.topView('U0EVE'));
    const res = await user.submitView('U0EVE', view.id, { name_block: { name: '' } });
    assert.equal(res.status, 0);
    assert.deepEqual(res.blocked, { name_block: 'Please fill out this field.' });
  });

  it('clickButton sends block_actions for a message; the app sees the value and edits the message', async () => {
    const posted = await app.client.chat.postMessage({
      channel: 'C0APPROVALS',
      text: 'Approve?',
      blocks: [
        {
          type: 'actions',
          block_id: 'approval',
          elements: [{ type: 'button', action_id: 'approve', text: { type: 'plain_text', text: 'Approve' }, value: 'req-1' }],
        },
      ],
    });
    const message = emu.messages.find((m) => m.ts === posted.ts)!;
    const res = await user.clickButton('U0DAVE', { message, actionId: 'approve' });
    assert.equal(res.status, 200);
    assert.deepEqual(clicks, ['req-1']);
    await emu.waitFor(() => message.edited);
    assert.equal(message.text, 'approved req-1');
    await assert.rejects(user.clickButton('U0DAVE', { message, actionId: 'reject' }), /no button/);
  });

  it('suggest sends block_suggestion and returns the options', async () => {
    const opened = await app.client.views.open({
      trigger_id: emu.issueTrigger('U0OWEN'),
      view: {
        type: 'modal',
        callback_id: 'pick',
        title: { type: 'plain_text', text: 'Pick' },
        submit: { type: 'plain_text', text: 'Go' },
        blocks: [
          {
            type: 'input',
            block_id: 'acc',
            label: { type: 'plain_text', text: 'Account' },
            element: { type: 'external_select', action_id: 'account', min_query_length: 1 },
          },
        ],
      },
    });
    const viewId = (opened.view as { id: string }).id;
    const res = await user.suggest('U0OWEN', viewId, 'account', 'acc', 'ops');
    assert.deepEqual(res.options, [{ text: { type: 'plain_text', text: 'Account ops' }, value: 'acc-ops' }]);
    assert.deepEqual(res.problems, []);
    assert.equal((await user.suggest('U0OWEN', viewId, 'account', 'acc', '')).status, 0);
  });

  it('a command answer body and respond() reach the user as ephemerals', async () => {
    assert.equal((await user.command('U0EVE', 'help')).body, 'Usage: /chime-account');
    await user.command('U0EVE', 'later', { channelId: 'C0RANDOM' });
    await emu.waitFor(() => emu.ephemerals.length >= 2);
    assert.deepEqual(
      emu.ephemerals.slice(-2).map((e) => [e.channel, e.text, e.via]),
      [
        ['C0OPS', 'Usage: /chime-account', 'command_ack'],
        ['C0RANDOM', 'Done later', 'response_url'],
      ],
    );
  });

  it('selectOption: input menus only change state, others send block_actions; buttons in modals give push triggers; view_closed', async () => {
    const tools = {
      ...modal('Tools', { callback_id: 'tools', notify_on_close: true }),
      blocks: [
        ...modal().blocks,
        {
          type: 'actions',
          block_id: 'env_block',
          elements: [{ type: 'static_select', action_id: 'env', options: [{ text: { type: 'plain_text', text: 'Prod' }, value: 'prod' }] }],
        },
        {
          type: 'actions',
          block_id: 'more_block',
          elements: [{ type: 'button', action_id: 'more', text: { type: 'plain_text', text: 'More' } }],
        },
      ],
    };
    const opened = await app.client.views.open({ trigger_id: emu.issueTrigger('U0OWEN'), view: tools });
    const viewId = (opened.view as { id: string }).id;
    const view = emu.views.get(viewId)!;

    assert.equal((await user.selectOption('U0OWEN', viewId, 'license', 'license_block', 'Basic')).status, 0);
    assert.equal(view.view.state.values.license_block?.license?.selected_option?.value, 'Basic');
    assert.equal((await user.selectOption('U0OWEN', viewId, 'env', 'env_block', 'prod')).status, 200);
    assert.equal(clicks.at(-1), 'env=prod');

    await user.clickButton('U0OWEN', { viewId, actionId: 'more' });
    await emu.waitFor(() => view.stack.length === 2);
    const pushed = emu.topView('U0OWEN')!;
    assert.equal((pushed.view.title as { text: string }).text, 'More');

    assert.equal((await user.closeView('U0OWEN', pushed.id)).status, 0, 'no notify_on_close: Slack sends nothing');
    assert.deepEqual(view.stack, [viewId]);
    const closed = await user.closeView('U0OWEN', viewId);
    assert.equal(closed.status, 200);
    assert.equal(clicks.at(-1), 'closed cleared=false');
    assert.equal(view.closed, true);
  });
});

describe('view_submission acks applied by the emulator', () => {
  let emu: SlackEmulator;
  let web: WebClient;
  before(async () => {
    emu = await startSlackEmulator();
    web = new WebClient(emu.botToken, { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 }, logger: quietLogger });
  });
  after(() => emu.close());

  it('push stacks a view, clear closes them all, bad errors/updates are refused and recorded', async () => {
    const opened = await web.views.open({ trigger_id: emu.issueTrigger('U0ALICE'), view: modal() });
    const root = emu.views.get((opened.view as { id: string }).id)!;
    emu.applyViewResponse(root.id, { response_action: 'errors', errors: { no_such_block: 'x' } });
    assert.match(root.ackErrors?.[0] ?? '', /not the block_id of an input block/);
    emu.applyViewResponse(root.id, { response_action: 'update', view: modal('x'.repeat(25)) });
    assert.match(root.ackErrors?.[0] ?? '', /less than 25 characters/);
    emu.applyViewResponse(root.id, { response_action: 'push', view: modal('Pushed') });
    assert.equal(root.stack.length, 2);
    const pushed = emu.topView('U0ALICE')!;
    assert.equal(pushed.view.previous_view_id, root.id);
    emu.applyViewResponse(pushed.id, { response_action: 'clear' });
    assert.equal(root.closed && pushed.closed, true);
  });

  it('a hanging fault lets the WebClient timeout fire', async () => {
    emu.addFault({ method: 'auth.test', hang: true, times: 1 });
    const impatient = new WebClient(emu.botToken, {
      slackApiUrl: emu.apiUrl,
      retryConfig: { retries: 0 },
      timeout: 200,
      logger: quietLogger,
    });
    const err = await impatient.auth.test().catch((e: unknown) => e);
    assert.equal((err as { code: string }).code, ErrorCode.RequestError);
    assert.equal((await web.auth.test()).ok, true);
  });
});
