/**
 * The Slack emulator's App Home, driven by the real WebClient and a real Bolt app: views.publish as Slack checks it,
 * app_home_opened delivered as a signed Events API event_callback, and Home buttons as block_actions from a view.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { App, type BlockAction, type ButtonAction, LogLevel } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { SlackUserClient } from '../../src/emulators/slack/client.ts';
import { type SlackEmulator, startSlackEmulator } from '../../src/emulators/slack/server.ts';
import { quietLogger, SIGNING_SECRET, slackError, userClient } from '../helpers/slack.ts';

const section = (text: string, i = 0) => ({ type: 'section', block_id: `b${i}`, text: { type: 'mrkdwn', text } });
const home = (blocks: unknown[] = [section('Hello')]) => ({ type: 'home' as const, blocks: blocks as never[] });

describe('Slack emulator: App Home', () => {
  let emu: SlackEmulator;
  let web: WebClient;
  let app: App;
  let user: SlackUserClient;
  const events: { user: string; tab?: string; channel: string; hash?: string; teamId?: string }[] = [];
  const clicks: { value?: string; container: unknown; viewType?: string; triggerId: string }[] = [];

  before(async () => {
    emu = await startSlackEmulator();
    web = new WebClient(emu.botToken, { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 }, logger: quietLogger });
    app = new App({
      token: emu.botToken,
      signingSecret: SIGNING_SECRET,
      clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } },
      logLevel: LogLevel.ERROR,
    });
    app.event('app_home_opened', async ({ event, context, client }) => {
      const view = event.view as { hash?: string } | undefined;
      events.push({ user: event.user, tab: event.tab, channel: event.channel, hash: view?.hash, teamId: context.teamId });
      if (event.tab === 'home')
        await client.views.publish({
          user_id: event.user,
          view: home([
            section(`Home of ${event.user}`),
            { type: 'actions', elements: [{ type: 'button', action_id: 'go', text: { type: 'plain_text', text: 'Go' }, value: 'v1' }] },
          ]),
        });
    });
    app.action<BlockAction<ButtonAction>>('go', async ({ ack, body, action, client }) => {
      await ack();
      clicks.push({ value: action.value, container: body.container, viewType: body.view?.type, triggerId: body.trigger_id });
      await client.views.open({
        trigger_id: body.trigger_id,
        view: { type: 'modal', title: { type: 'plain_text', text: 'Opened' }, blocks: [section('from home')] },
      });
    });
    const server = await app.start({ port: 0, host: '127.0.0.1' });
    user = userClient(emu, (server.address() as AddressInfo).port);
  });
  after(async () => {
    await app.stop();
    await emu.close();
  });
  beforeEach(() => {
    emu.reset();
    emu.homeTabEnabled = true;
    events.length = 0;
    clicks.length = 0;
  });

  it('views.publish stores the user’s Home view: same id on every publish, a new hash each time', async () => {
    const first = await web.views.publish({ user_id: 'U0ALICE', view: home() });
    const second = await web.views.publish({ user_id: 'U0ALICE', view: home([section('Again')]), hash: first.view?.hash });
    assert.equal(second.view?.id, first.view?.id);
    assert.notEqual(second.view?.hash, first.view?.hash);
    assert.equal(second.view?.type, 'home');
    assert.equal(
      emu.homeViews.get('U0ALICE')?.view.blocks[0]?.text && JSON.stringify(emu.homeViews.get('U0ALICE')?.view.blocks[0]),
      JSON.stringify(section('Again')),
    );
    const bob = await web.views.publish({ user_id: 'U0BOB', view: home() });
    assert.notEqual(bob.view?.id, first.view?.id);
  });

  it('answers hash_conflict for a stale hash (or a hash before any publish), as Slack does', async () => {
    assert.equal(await slackError(web.views.publish({ user_id: 'U0ALICE', view: home(), hash: '123.abc' })), 'hash_conflict');
    const first = await web.views.publish({ user_id: 'U0ALICE', view: home() });
    await web.views.publish({ user_id: 'U0ALICE', view: home() });
    assert.equal(await slackError(web.views.publish({ user_id: 'U0ALICE', view: home(), hash: first.view?.hash })), 'hash_conflict');
  });

  it('checks Block Kit limits: 100 blocks, 250 kB, a home type; not_enabled without a Home tab', async () => {
    const many = Array.from({ length: 101 }, (_, i) => section(`x${i}`, i));
    assert.equal(await slackError(web.views.publish({ user_id: 'U0ALICE', view: home(many) })), 'invalid_arguments');
    assert.ok(await web.views.publish({ user_id: 'U0ALICE', view: home(many.slice(0, 100)) }));
    const big = Array.from({ length: 90 }, (_, i) => section('y'.repeat(2900), i)); // ≈ 270 kB of JSON
    assert.equal(await slackError(web.views.publish({ user_id: 'U0ALICE', view: home(big) })), 'view_too_large');
    assert.equal(
      await slackError(web.views.publish({ user_id: 'U0ALICE', view: { type: 'modal', blocks: [] } as never })),
      'invalid_arguments',
    );
    assert.equal(await slackError(web.views.publish({ user_id: 'U0NOBODY', view: home() })), 'user_not_found');
    emu.homeTabEnabled = false;
    assert.equal(await slackError(web.views.publish({ user_id: 'U0ALICE', view: home() })), 'not_enabled');
  });

  it('openHome sends a signed app_home_opened event_callback; the view is included once one was published', async () => {
    const res = await user.openHome('U0ALICE');
    assert.equal(res.status, 200);
    const published = await emu.waitFor(() => emu.homeViews.get('U0ALICE'));
    assert.deepEqual(events[0], { user: 'U0ALICE', tab: 'home', channel: 'D0U0ALICE', hash: undefined, teamId: emu.teamId });
    await user.openHome('U0ALICE');
    await emu.waitFor(() => events.length === 2);
    assert.equal(events[1]?.hash, published.hash);
    await user.openHome('U0ALICE', 'messages');
    await emu.waitFor(() => events.length === 3);
    assert.equal(events[2]?.tab, 'messages');
    assert.equal(events[2]?.hash, undefined);
  });

  it('a wrongly signed event is refused; url_verification gets its challenge back', async () => {
    const body = JSON.stringify({ type: 'event_callback', event: { type: 'app_home_opened', user: 'U0EVE' } });
    const res = await user.send(body, { 'content-type': 'application/json', 'x-slack-signature': 'v0=00' });
    assert.equal(res.status, 401);
    const check = await user.urlVerification('abc123');
    assert.equal(check.status, 200);
    assert.match(check.body, /abc123/);
  });

  it('clickHome sends block_actions from the Home view, with container.type view and a trigger that opens a modal', async () => {
    await user.openHome('U0BOB');
    const published = await emu.waitFor(() => emu.homeViews.get('U0BOB'));
    const res = await user.clickHome('U0BOB', { actionId: 'go' });
    assert.equal(res.status, 200);
    await emu.waitFor(() => clicks.length === 1);
    assert.deepEqual(clicks[0]?.container, { type: 'view', view_id: published.id });
    assert.equal(clicks[0]?.viewType, 'home');
    assert.equal(clicks[0]?.value, 'v1');
    const modal = await emu.waitFor(() => emu.topView('U0BOB'));
    assert.equal(modal.view.type, 'modal');
    await assert.rejects(user.clickHome('U0CAROL', { actionId: 'go' }), /no Home tab/);
  });
});
