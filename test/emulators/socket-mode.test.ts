/**
 * The Slack emulator's Socket Mode: apps.connections.open with the app-level token (and Slack's errors for the
 * wrong ones), one-time WebSocket URLs, hello, envelopes whose ack payload comes back to the simulated user, Events
 * API retries of unacked envelopes, disconnect messages (the real @slack/socket-mode client reconnects), envelopes
 * spread over an app's connections, and the 10-connection limit.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { SocketModeClient } from '@slack/socket-mode';
import { WebClient } from '@slack/web-api';
import WebSocket from 'ws';
import { type SlackEmulator, startSlackEmulator } from '../../src/emulators/slack/server.ts';
import { quietLogger, slackError, socketUserClient } from '../helpers/slack.ts';

interface Raw {
  ws: WebSocket;
  /** Every message the emulator sent on it, parsed. */
  messages: Record<string, unknown>[];
  hello: Record<string, unknown>;
  close(): Promise<void>;
}

/** Opens a URL with the app token; returns it (not connected). */
async function openUrl(slack: SlackEmulator, token = slack.appToken): Promise<string> {
  const res = await fetch(`${slack.apiUrl}apps.connections.open`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { ok: boolean; url?: string; error?: string };
  if (!body.ok || !body.url) throw new Error(`apps.connections.open: ${body.error}`);
  return body.url;
}

/**
 * A bare WebSocket client of the emulator (no SDK): `answer` decides each envelope's ack — undefined: no ack,
 * true: a bare ack, an object: the ack's payload.
 */
async function rawConnection(
  slack: SlackEmulator,
  answer: (envelope: Record<string, unknown>) => unknown = () => true,
  url?: string,
): Promise<Raw> {
  const ws = new WebSocket(url ?? (await openUrl(slack)));
  const messages: Record<string, unknown>[] = [];
  const hello = new Promise<Record<string, unknown>>((resolve) => {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as Record<string, unknown>;
      messages.push(m);
      if (m.type === 'hello') resolve(m);
      if (typeof m.envelope_id !== 'string') return;
      const reply = answer(m);
      if (reply === undefined) return;
      ws.send(JSON.stringify({ envelope_id: m.envelope_id, ...(reply === true ? {} : { payload: reply }) }));
    });
  });
  return {
    ws,
    messages,
    hello: await hello,
    async close() {
      if (ws.readyState === ws.CLOSED) return;
      ws.close();
      await once(ws, 'close');
    },
  };
}

const socketUser = (slack: SlackEmulator) => socketUserClient(slack, 1_000);

describe('Slack emulator: Socket Mode', () => {
  let slack: SlackEmulator;
  const open: Raw[] = [];
  before(async () => {
    slack = await startSlackEmulator({ socketMode: { ackTimeoutMs: 300, retryDelaysMs: [0, 50, 50], pingIntervalMs: 200 } });
  });
  after(() => slack.close());
  beforeEach(() => slack.reset());
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await slack.waitFor(() => slack.socketMode.live().length === 0);
  });
  const connect = async (answer?: (envelope: Record<string, unknown>) => unknown) => {
    const c = await rawConnection(slack, answer);
    open.push(c);
    return c;
  };

  it('apps.connections.open takes the app-level token only, in the Authorization header, as Slack does', async () => {
    const url = await openUrl(slack);
    assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[0-9a-f-]{36}&app_id=A0APP$/);
    const call = (token?: string) =>
      new WebClient(undefined, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }).apps.connections.open({ token });
    assert.equal(await slackError(call(slack.botToken)), 'not_allowed_token_type', 'a bot token is the wrong type');
    assert.equal(await slackError(call('xapp-1-A0OTHER-1-nope')), 'invalid_auth');
    assert.equal(await slackError(call()), 'not_authed');
    // As a form field alone the token is refused: Slack wants it in the header for this method.
    const inBody = await fetch(`${slack.apiUrl}apps.connections.open`, {
      method: 'POST',
      body: new URLSearchParams({ token: slack.appToken }),
    });
    assert.deepEqual(await inBody.json(), { ok: false, error: 'not_authed' });
    assert.equal(((await call(slack.appToken)) as { ok: boolean }).ok, true, 'given per call, WebClient sends it in the header too');
    const appTokenElsewhere = new WebClient(slack.appToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    assert.equal(await slackError(appTokenElsewhere.chat.postMessage({ channel: 'C0OPS', text: 'x' })), 'not_allowed_token_type');
  });

  it('a URL is good for one connection, which is greeted with hello', async () => {
    const url = await openUrl(slack);
    const c = await rawConnection(slack, () => true, url);
    open.push(c);
    assert.equal(c.hello.num_connections, 1);
    assert.deepEqual(c.hello.connection_info, { app_id: 'A0APP' });
    assert.equal(typeof (c.hello.debug_info as { host?: unknown }).host, 'string');
    const again = new WebSocket(url).on('error', () => {});
    const [, res] = (await once(again, 'unexpected-response')) as [unknown, { statusCode: number }];
    assert.equal(res.statusCode, 401, 'the ticket was used');
    const made = new WebSocket(url.replace(/ticket=[^&]+/, 'ticket=made-up')).on('error', () => {});
    const [, refused] = (await once(made, 'unexpected-response')) as [unknown, { statusCode: number }];
    assert.equal(refused.statusCode, 401);
  });

  it('envelopes carry Slack’s fields, and the ack’s payload is what the simulated user gets back', async () => {
    const seen: Record<string, unknown>[] = [];
    await connect((e) => {
      seen.push(e);
      const payload = e.payload as Record<string, unknown>;
      if (e.type === 'slash_commands') return { response_type: 'ephemeral', text: `you typed ${payload.text}` };
      if (payload.type === 'block_suggestion') return { options: [{ text: { type: 'plain_text', text: 'Acme' }, value: 'a-1' }] };
      return true;
    });
    const user = socketUser(slack);
    const res = await user.command('U0ALICE', 'help');
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { response_type: 'ephemeral', text: 'you typed help' });
    assert.ok(
      slack.ephemerals.some((e) => e.via === 'command_ack' && e.text === 'you typed help'),
      'Slack shows the ack to the user',
    );
    const command = seen[0]!;
    assert.equal(command.type, 'slash_commands');
    assert.equal(command.accepts_response_payload, true);
    assert.match(String(command.envelope_id), /^[0-9a-f-]{36}$/);
    const fields = command.payload as Record<string, unknown>;
    for (const key of ['command', 'text', 'user_id', 'team_id', 'channel_id', 'trigger_id', 'response_url'])
      assert.equal(typeof fields[key], 'string', `a command's payload has ${key}`);

    const event = await user.openHome('U0ALICE');
    assert.equal(event.status, 200);
    assert.equal(event.body, '', 'a bare ack');
    const envelope = seen[1]!;
    assert.equal(envelope.type, 'events_api');
    assert.equal(envelope.accepts_response_payload, false);
    assert.equal(envelope.retry_attempt, 0);
    assert.equal((envelope.payload as { event: { type: string } }).event.type, 'app_home_opened');
    assert.equal((await user.urlVerification()).status, 0, 'url_verification never goes over a socket');
  });

  it('a view_submission’s response_action and a block_suggestion’s options come back from the ack', async () => {
    await connect((e) => {
      const payload = e.payload as Record<string, unknown>;
      if (payload.type === 'view_submission') return { response_action: 'errors', errors: { name: 'Too long' } };
      if (payload.type === 'block_suggestion') return { options: [{ text: { type: 'plain_text', text: 'Acme' }, value: 'a-1' }] };
      return true;
    });
    const submission = await slack.socketMode.deliver('interactive', { type: 'view_submission', view: { id: 'V1' } });
    assert.deepEqual(submission.payload, { response_action: 'errors', errors: { name: 'Too long' } });
    const suggestion = await slack.socketMode.deliver('interactive', { type: 'block_suggestion', value: 'Ac' });
    assert.deepEqual(suggestion.payload, { options: [{ text: { type: 'plain_text', text: 'Acme' }, value: 'a-1' }] });
  });

  it('an unacked Events API envelope is sent again with retry_attempt + 1; an unacked click is not', async () => {
    let ignore = 1;
    const c = await connect((e) => (e.type === 'events_api' && ignore-- > 0 ? undefined : true));
    const d = await slack.socketMode.deliver('events_api', { type: 'event_callback', event: { type: 'app_home_opened' } });
    assert.equal(d.acked, true);
    assert.equal(d.attempts, 2);
    const sent = c.messages.filter((m) => m.envelope_id === d.envelopeId);
    assert.deepEqual(
      sent.map((m) => [m.retry_attempt, m.retry_reason]),
      [
        [0, ''],
        [1, 'timeout'],
      ],
    );
    ignore = 99;
    const never = await slack.socketMode.deliver('events_api', { type: 'event_callback', event: { type: 'x' } });
    assert.equal(never.acked, false);
    assert.equal(never.attempts, 4, 'the first delivery and Slack’s three retries');

    await c.close();
    await connect(() => undefined);
    const click = await socketUser(slack).command('U0ALICE', 'help');
    assert.equal(click.status, 0);
    assert.equal(click.timedOut, true, 'the user sees an error, as over HTTP');
    assert.equal(click.attempts, 1);
    assert.equal(slack.socketMode.envelopes.filter((e) => e.envelopeId === click.envelopeId).length, 1, 'not retried');
  });

  it('envelopes are spread over the app’s open connections; an 11th connection is turned away', async () => {
    const conns = await Promise.all([connect(), connect(), connect()]);
    assert.equal(conns.at(-1)!.hello.num_connections, 3);
    for (let i = 0; i < 9; i++) await slack.socketMode.deliver('interactive', { type: 'block_actions', actions: [] });
    const counts = conns.map((c) => c.messages.filter((m) => typeof m.envelope_id === 'string').length);
    assert.deepEqual(counts, [3, 3, 3], 'round robin');

    const more = await Promise.all(Array.from({ length: 7 }, () => connect()));
    assert.equal(more.at(-1)!.hello.num_connections, 10);
    const ws = new WebSocket(await openUrl(slack));
    const [data] = (await once(ws, 'message')) as [Buffer];
    assert.deepEqual(JSON.parse(String(data)).reason, 'too_many_websockets');
    const [code] = (await once(ws, 'close')) as [number];
    assert.equal(code, 1008);
    assert.equal(slack.socketMode.live().length, 10);
  });

  it('disconnect (refresh_requested, warning, link_disabled): the real Socket Mode client reconnects on a new URL', async () => {
    const client = new SocketModeClient({
      appToken: slack.appToken,
      logger: quietLogger,
      clientPingTimeout: 2_000,
      clientOptions: { slackApiUrl: slack.apiUrl },
    });
    client.on('slash_commands', ({ ack, body }) => ack({ text: `pong ${body.text}` }));
    try {
      await client.start();
      for (const reason of ['refresh_requested', 'warning', 'link_disabled'] as const) {
        const [before] = await slack.socketMode.waitForConnections(1);
        const opens = slack.calls.filter((c) => c.method === 'apps.connections.open').length;
        const sent = await fetch(`${slack.url}/_emulator/socket/disconnect`, {
          method: 'POST',
          body: JSON.stringify({ reason, closeAfterMs: 5_000 }),
        });
        assert.deepEqual(await sent.json(), { ok: true, disconnected: 1 });
        // The SDK closes on the message and opens a new connection (after its clientPingTimeout).
        const [now] = await slack.socketMode.waitForConnections(1, 15_000);
        assert.notEqual(now!.id, before!.id, `a new connection after ${reason}`);
        assert.equal(slack.calls.filter((c) => c.method === 'apps.connections.open').length, opens + 1, 'on a new URL');
        assert.ok(slack.socketMode.connections.find((c) => c.id === before!.id)!.closed);
        const res = await socketUser(slack).command('U0ALICE', reason);
        assert.deepEqual(JSON.parse(res.body), { text: `pong ${reason}` });
      }
    } finally {
      await client.disconnect();
    }
  });

  it('answers the control endpoints: the connections and envelopes, and a refused disconnect reason', async () => {
    await connect();
    await slack.socketMode.deliver('interactive', { type: 'block_actions', actions: [] });
    const state = (await (await fetch(`${slack.url}/_emulator/socket`)).json()) as { connections: unknown[]; envelopes: unknown[] };
    assert.equal(state.connections.filter((c) => !(c as { closed: boolean }).closed).length, 1);
    assert.equal(state.envelopes.length, 1);
    const bad = await fetch(`${slack.url}/_emulator/socket/disconnect`, { method: 'POST', body: '{"reason":"because"}' });
    assert.equal(bad.status, 400);
  });
});
