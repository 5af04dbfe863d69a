/**
 * The bot in Socket Mode (SLACK_APP_TOKEN), end to end: the simulated user's commands, clicks, submissions and
 * events reach it as envelopes over its WebSocket connection to the Slack emulator, and the ack payloads (the
 * review view, the picker's options) come back the same way. Hostile envelopes are acked or ignored and the bot stays
 * up. Two replicas (real processes) on one PostgreSQL share the app's connections: envelopes spread over both, an
 * approval delivered 20 times at once ends in one UpdateAccount, and a connection Slack refreshes is reopened while
 * the other replica carries the traffic.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import pg from 'pg';
import { stringify } from 'yaml';
import { createBot } from '../../src/app.ts';
import { SAMPLE } from '../../src/emulators/chime/seed.ts';
import { type ChimeEmulator, startChimeEmulator } from '../../src/emulators/chime/server.ts';
import { DEFAULT_APP_TOKEN, type SlackEmulator, startSlackEmulator } from '../../src/emulators/slack/server.ts';
import { StartupError } from '../../src/ops/startup.ts';
import { DEFAULT_POLICY, type Harness, isForm, modalOf, requestChange, startHarness, testBot, viewText } from '../helpers/harness.ts';
import { postgresUrl } from '../helpers/postgres.ts';
import { assertChain, type BotProcess, cardFor, startBotProcess, until, updates, updatesOf } from '../helpers/proof.ts';
import { socketUserClient } from '../helpers/slack.ts';

const overSocket = (slack: SlackEmulator) => socketUserClient(slack);

describe('Socket Mode: one bot', () => {
  let h: Harness;
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  before(async () => {
    h = await startHarness({ env: { SLACK_APP_TOKEN: DEFAULT_APP_TOKEN } });
    h.user = overSocket(h.slack);
    await h.slack.socketMode.waitForConnections(1);
    process.on('unhandledRejection', onRejection);
  });
  after(async () => {
    process.off('unhandledRejection', onRejection);
    await h.close();
  });
  beforeEach(() => {
    h.chime.reset();
    h.chime.calls.length = 0;
  });

  it('command → form → review → confirm → UpdateAccount → summary, every step an envelope over the socket', async () => {
    const { confirm } = await requestChange(h, 'U0ALICE', SAMPLE.lwa, { name: 'Acme Over Sockets' });
    assert.equal(confirm.status, 200);
    assert.equal(confirm.body, '', 'the ack closes the modal');
    const summary = await h.slack.waitFor(() => h.slack.messages.find((m) => m.channel === 'C0OPS' && /updated/.test(m.text)));
    assert.match(JSON.stringify(summary.blocks), /Acme Support[\s\S]*Acme Over Sockets/);
    assert.deepEqual(
      updates(h).map((u) => u.body),
      [{ Name: 'Acme Over Sockets' }],
      'one UpdateAccount, the changed field only',
    );
    const envelopes = h.slack.socketMode.envelopes;
    assert.deepEqual(
      [...new Set(envelopes.map((e) => e.type))].sort(),
      ['interactive', 'slash_commands'],
      'the command and the submissions went as envelopes',
    );
    assert.ok(
      envelopes.every((e) => e.acked),
      'each acked',
    );
    assert.equal(h.slack.socketMode.strayAcks.length, 0, 'no ack for an envelope that was not sent');
  });

  it('the picker’s options (block_suggestion) and the Home tab (events_api) work over the socket too', async () => {
    await h.user.command('U0CAROL', '');
    const picker = await modalOf(h, 'U0CAROL', 'chime_change', (v) => /account_picker/.test(viewText(v)));
    const suggestions = await h.user.suggest('U0CAROL', picker.id, 'pick_account', 'account_picker', 'Acme');
    const values = (suggestions.options as { value: string }[]).map((o) => o.value);
    assert.ok(values.includes(SAMPLE.team) && !values.includes(SAMPLE.oidc), 'the ack carried the options');
    await h.user.selectOption('U0CAROL', picker.id, 'pick_account', 'account_picker', SAMPLE.team);
    await modalOf(h, 'U0CAROL', 'chime_change', (v) => isForm(v) && /Acme Sales/.test(viewText(v)));

    const opened = await h.user.openHome('U0CAROL');
    assert.equal(opened.status, 200);
    await h.slack.waitFor(() => h.slack.homeViews.get('U0CAROL'));
  });

  it('/healthz answers on the port it reports; POST /slack/events is not served in Socket Mode', async () => {
    const health = await fetch(`http://127.0.0.1:${h.port}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');
    const post = await fetch(`http://127.0.0.1:${h.port}/slack/events`, { method: 'POST', body: 'command=%2Fchime-account' });
    assert.equal(post.status, 404);
  });

  it('hostile envelopes are acked or ignored; the bot stays up, changes nothing, and answers the next command', async () => {
    const acked = (id: string) => h.slack.socketMode.strayAcks.some((a) => (a as { envelope_id?: string })?.envelope_id === id);
    // Raw frames no SDK would accept: not JSON, not an object, an unknown type, no payload, a payload of the wrong type.
    const raw = [
      '{"envelope_id": "E-cut-short", "type": "interactive", "payl',
      '[1, 2, 3]',
      'null',
      JSON.stringify({ envelope_id: 'E-mystery', type: 'mystery', payload: {} }),
      JSON.stringify({ envelope_id: 'E-no-payload', type: 'interactive' }),
      JSON.stringify({ envelope_id: 'E-string-payload', type: 'slash_commands', payload: 'chime-account' }),
      JSON.stringify({ envelope_id: 'E-no-event', type: 'events_api', payload: { type: 'event_callback' } }),
      JSON.stringify({ envelope_id: 'E-null-event', type: 'events_api', payload: { type: 'event_callback', event: null } }),
      JSON.stringify({ type: 'interactive', payload: { type: 'block_actions' } }),
    ];
    for (const text of raw) assert.ok(h.slack.socketMode.sendRaw(text), 'sent on the bot’s connection');
    for (const id of ['E-mystery', 'E-no-payload', 'E-string-payload', 'E-no-event', 'E-null-event'])
      await h.slack.waitFor(() => acked(id), 3_000);
    // Well-formed envelopes Bolt can dispatch but no listener handles: answered once by the guard where it knows the
    // kind (acked at their first delivery); an interaction of a type nobody knows is left unacked, as over HTTP.
    const unknownKind = await h.slack.socketMode.deliver('interactive', { type: 'something_new', user: { id: 'U0ALICE' } });
    assert.equal(unknownKind.acked, false, 'an unknown interaction type is not acked as if it had worked');
    const odd = [
      await h.slack.socketMode.deliver('interactive', { type: 'block_actions', user: 'U0ALICE', actions: [] }),
      await h.slack.socketMode.deliver('interactive', { type: 'view_submission', view: 'V0NOTANOBJECT' }),
      await h.slack.socketMode.deliver('slash_commands', { text: 'update x', user_id: 'U0ALICE' }),
      await h.slack.socketMode.deliver('events_api', { type: 'event_callback', event: { type: 'reaction_added' } }),
      await h.slack.socketMode.deliver('interactive', {
        type: 'view_submission',
        user: { id: 'U0ALICE' },
        view: { callback_id: 'made_up' },
      }),
    ];
    assert.deepEqual(
      odd.map((d) => [d.acked, d.attempts]),
      odd.map(() => [true, 1]),
      'each acked at its first delivery',
    );
    assert.equal(h.slack.socketMode.live().length, 1, 'the connection stayed up');
    const seen = h.slack.ephemerals.length;
    const res = await h.user.command('U0ALICE', `show ${SAMPLE.team}`);
    assert.equal(res.status, 200, 'the bot still answers');
    await h.slack.waitFor(() => h.slack.ephemerals.slice(seen).some((e) => e.user === 'U0ALICE' && /Acme Sales/.test(JSON.stringify(e))));
    await h.settle();
    assert.equal(updates(h).length, 0, 'nothing changed in Chime');
    assert.deepEqual(rejections, [], 'no unhandled rejection');
    await assertChain(h);
  });

  it('Slack refreshes the connection: /healthz says so until the bot has reconnected, then it answers again', async () => {
    const health = async () => {
      const res = await fetch(`http://127.0.0.1:${h.port}/healthz`);
      return { status: res.status, body: (await res.json()) as { checks: { slack: { ok: boolean; problem?: string } } } };
    };
    const [before] = h.slack.socketMode.live();
    h.slack.socketMode.disconnect('refresh_requested');
    await until(async () => (await health()).status === 503, 3_000, '/healthz to notice');
    const down = await health();
    assert.match(down.body.checks.slack.problem ?? '', /Socket Mode connection to Slack is not open/);
    const [after] = await h.slack.socketMode.waitForConnections(1, 15_000);
    assert.notEqual(after!.id, before!.id);
    await until(async () => (await health()).status === 200, 3_000, '/healthz to be ok again');
    assert.equal((await h.user.command('U0ALICE', 'help')).status, 200);
  });
});

describe('Socket Mode: start-up', () => {
  it('an app-level token Slack refuses stops the start with one line naming SLACK_APP_TOKEN, never the token', async () => {
    const [slack, chime] = await Promise.all([startSlackEmulator(), startChimeEmulator()]);
    const dir = mkdtempSync(join(tmpdir(), 'chime-account-socket-'));
    writeFileSync(join(dir, 'policy.yml'), stringify(DEFAULT_POLICY));
    try {
      const revoked = 'xapp-1-A0APP-1-revoked-token';
      const { config, options } = testBot({ slack, chimeUrl: chime.url, dir, env: { SLACK_APP_TOKEN: revoked } });
      const bot = await createBot(config, options);
      await assert.rejects(bot.start(), (e: Error) => {
        assert.ok(e instanceof StartupError);
        assert.match(e.message, /^SLACK_APP_TOKEN: Slack refused the app-level token \(invalid_auth\);/);
        assert.ok(!e.message.includes(revoked) && !e.message.includes('\n'));
        return true;
      });
      await bot.stop();
      assert.equal(slack.socketMode.connections.length, 0, 'no connection was opened');
    } finally {
      await Promise.all([slack.close(), chime.close()]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Socket Mode: two replicas on one PostgreSQL', () => {
  const POLICY = {
    roles: { viewers: ['*'], requesters: ['U0ALICE'], approvers: ['U0BOB', 'S0SECOPS'] },
    approval: { required: 'always', approvers_required: 1, expires_after: '24h' },
  };
  let chime: ChimeEmulator;
  let slack: SlackEmulator;
  let dir: string;
  let url: string;
  const bots: BotProcess[] = [];
  before(async () => {
    chime = await startChimeEmulator();
    slack = await startSlackEmulator();
  });
  after(() => Promise.all([chime.close(), slack.close()]));
  beforeEach(async () => {
    chime.reset();
    slack.reset();
    url = await postgresUrl();
    dir = mkdtempSync(join(tmpdir(), 'chime-account-socket-'));
    writeFileSync(join(dir, 'policy.yml'), stringify(POLICY));
    for (let i = 0; i < 2; i++)
      bots.push(
        await startBotProcess({
          dir,
          slack,
          chimeUrl: chime.url,
          policyFile: join(dir, 'policy.yml'),
          env: { DATABASE_URL: url, SWEEP_INTERVAL_MS: '500', SLACK_APP_TOKEN: slack.appToken },
        }),
      );
    await slack.socketMode.waitForConnections(2);
  });
  afterEach(async () => {
    for (const b of bots.splice(0)) {
      if (b.child.exitCode === null && b.child.signalCode === null) b.kill('SIGTERM');
      await b.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const rows = async <T>(sql: string): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  };
  const user = () => overSocket(slack);

  it('envelopes spread over both replicas; 20 approvals at once → one approval, one UpdateAccount, one summary', async () => {
    assert.equal(slack.socketMode.live().length, 2, 'one connection per replica');
    assert.equal((await user().command('U0ALICE', `update ${SAMPLE.team}`)).status, 200);
    const form = await modalOf({ slack }, 'U0ALICE', 'chime_change', (v) => isForm(v));
    const review = await user().submitView('U0ALICE', form.id, { name: { name_input: 'Acme Two Sockets' } });
    assert.equal(review.json?.view?.callback_id, 'chime_review', review.body);
    assert.equal((await user().submitView('U0ALICE', slack.topView('U0ALICE')!.id, {})).status, 200);
    const pending = await cardFor({ slack }, SAMPLE.team);

    await user().clickButton('U0BOB', { message: pending, actionId: 'request_approve' });
    const modal = await modalOf({ slack }, 'U0BOB', 'chime_approve');
    const results = await Promise.all(
      Array.from({ length: 20 }, () => user().submitView('U0BOB', modal.id, {}, { skipClientChecks: true })),
    );
    assert.ok(
      results.every((r) => r.status === 200),
      'every delivery acked',
    );
    const used = new Set(results.map((r) => r.connectionId));
    assert.equal(used.size, 2, 'the approvals went to both replicas');
    const perConnection = slack.socketMode.live().map((c) => c.delivered);
    assert.ok(
      perConnection.every((n) => n >= 10),
      `envelopes spread: ${perConnection.join(' / ')}`,
    );

    await until(async () => (await rows<{ state: string }>('SELECT state FROM requests'))[0]?.state === 'applied', 15_000, 'the change');
    assert.equal(updatesOf(chime.calls).length, 1, 'exactly one UpdateAccount');
    assert.equal(chime.accounts.get(SAMPLE.team)!.Name, 'Acme Two Sockets');
    assert.equal(Number((await rows<{ n: string }>('SELECT count(*) AS n FROM approvals'))[0]!.n), 1, 'one approval');
    await until(() => slack.messages.some((m) => m.thread_ts === pending.ts && /updated/.test(m.text)), 10_000, 'the summary');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(slack.messages.filter((m) => m.thread_ts === pending.ts && /updated/.test(m.text)).length, 1, 'one summary');
  });

  it('Slack refreshes one replica’s connection: the other carries the traffic until it is back', async (t) => {
    const [first] = slack.socketMode.live();
    const refreshedAt = Date.now();
    assert.equal(slack.socketMode.disconnect('refresh_requested', { connectionId: first!.id }), 1);
    await until(() => slack.socketMode.live().length === 1, 5_000, 'the refreshed connection to retire');
    // Bolt's client closes at once and reconnects after its clientPingTimeout (5 s): meanwhile the other answers.
    const during = await user().command('U0ALICE', `show ${SAMPLE.team}`);
    assert.equal(during.status, 200);
    assert.notEqual(during.connectionId, first!.id);
    const back = await slack.socketMode.waitForConnections(2, 20_000);
    t.diagnostic(`the refreshed replica was connected again ${Date.now() - refreshedAt} ms after refresh_requested`);
    assert.ok(!back.some((c) => c.id === first!.id), 'a new connection replaced the refreshed one');
    const answered = new Set<string | undefined>();
    for (let i = 0; i < 4; i++) answered.add((await user().command('U0ALICE', 'help')).connectionId);
    assert.equal(answered.size, 2, 'both replicas take envelopes again');
    assert.ok(bots.every((b) => b.child.exitCode === null));
    // SIGTERM: each lets its envelopes in flight be acked, closes its connection and exits 0.
    for (const b of bots) b.kill('SIGTERM');
    assert.deepEqual(await Promise.all(bots.map((b) => b.exited)), [0, 0]);
    await until(() => slack.socketMode.live().length === 0, 5_000, 'both connections closed');
  });
});
