/**
 * GET /metrics after real actions: the real bot on loopback receives Slack-signed requests, the real WebClient and
 * Chime SDK client call the emulators, and each metric moves as those actions say it must — commands by subcommand,
 * request transitions through an approval, refusals by code, a Chime fault, a Slack 429, the outbox backlog, acks.
 * No user ID, account ID or account name ever shows in the answer; a metric that fails to collect is left out
 * without an error's text; METRICS_PORT serves it on a port of its own, and a bad METRICS_PORT stops the bot with
 * one line naming it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../src/domain/audit.ts';
import { SAMPLE, SAMPLE_NAMES } from '../../src/emulators/chime/seed.ts';
import { DEFAULT_APP_TOKEN, type EmuMessage } from '../../src/emulators/slack/server.ts';
import { SUBCOMMANDS, TRANSITIONS, transitionOf } from '../../src/ops/metrics.ts';
import { REFUSAL_CODES } from '../../src/workflow/outcomes.ts';
import { type Harness, modalOf, requestChange, SIGNING_SECRET, startHarness } from '../helpers/harness.ts';
import { closedPort, freePort } from '../helpers/ports.ts';
import { botProcessEnv, cardFor, runBotToExit, swapBot, until } from '../helpers/proof.ts';
import { socketUserClient } from '../helpers/slack.ts';

const POLICY = {
  roles: { viewers: ['*'], requesters: ['U0ALICE', 'S0CHIMEOPS'], approvers: ['U0BOB', 'S0SECOPS'] },
  approval: { required: 'license-changes', approvers_required: 1, expires_after: '24h' },
  accounts: ['*'],
};

type Samples = Map<string, { labels: Record<string, string>; value: number }[]>;

/** Prometheus' text format → samples by metric name (comments skipped). */
function parse(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    const list = out.get(m[1]!) ?? [];
    list.push({ labels, value: Number(m[3]) });
    out.set(m[1]!, list);
  }
  return out;
}

/** The value of the sample of `name` whose labels include `labels` (0 when there is none). */
function value(samples: Samples, name: string, labels: Record<string, string> = {}): number {
  const found = samples.get(name)?.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found?.value ?? 0;
}

async function scrape(port: number): Promise<{ status: number; type: string | null; text: string; samples: Samples }> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text, samples: parse(text) };
}

async function approve(h: Harness, approver: string, card: EmuMessage) {
  await h.user.clickButton(approver, { message: card, actionId: 'request_approve' });
  const modal = await modalOf(h, approver, 'chime_approve');
  return h.user.submitView(approver, modal.id, {});
}

describe('/metrics after real actions', () => {
  let h: Harness;
  before(async () => (h = await startHarness({ policy: POLICY })));
  after(() => h.close());
  beforeEach(() => {
    h.chime.reset();
    h.slack.clearFaults();
  });

  it('is Prometheus text with the process metrics and every fixed series at 0 from the start', async () => {
    const m = await scrape(h.port);
    assert.equal(m.status, 200);
    assert.match(m.type ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(m.text, /^# HELP chime_account_commands_total /m);
    assert.match(m.text, /^# TYPE chime_account_chime_call_duration_seconds histogram$/m);
    assert.ok(m.samples.has('process_cpu_user_seconds_total'), 'prom-client default metrics');
    assert.ok(m.samples.has('nodejs_eventloop_lag_seconds'));
    // Each series of a fixed set is there, at 0, before anything happened.
    const atZero = (name: string, label: string, values: readonly string[]) => {
      for (const v of values) {
        const sample = m.samples.get(name)?.find((s) => s.labels[label] === v);
        assert.equal(sample?.value, 0, `${name}{${label}="${v}"} at 0`);
      }
    };
    atZero('chime_account_commands_total', 'subcommand', SUBCOMMANDS);
    atZero('chime_account_request_transitions_total', 'to', TRANSITIONS);
    atZero('chime_account_refusals_total', 'code', REFUSAL_CODES);
  });

  it('a signed command counts under its subcommand, and its ack is timed', async () => {
    const before = (await scrape(h.port)).samples;
    assert.equal((await h.user.command('U0ALICE', `show ${SAMPLE.team}`)).status, 200);
    assert.equal((await h.user.command('U0ALICE', 'help')).status, 200);
    assert.equal((await h.user.command('U0ALICE', 'list Acme')).status, 200);
    await h.settle();
    const after = (await scrape(h.port)).samples;
    for (const subcommand of ['show', 'help', 'list'])
      assert.equal(
        value(after, 'chime_account_commands_total', { subcommand }) - value(before, 'chime_account_commands_total', { subcommand }),
        1,
        subcommand,
      );
    assert.equal(
      value(after, 'chime_account_commands_total', { subcommand: 'history' }),
      value(before, 'chime_account_commands_total', { subcommand: 'history' }),
    );
    const acks =
      value(after, 'chime_account_ack_duration_seconds_count', { kind: 'command' }) -
      value(before, 'chime_account_ack_duration_seconds_count', { kind: 'command' });
    assert.equal(acks, 3);
    // Each was acked well within Slack's 3 s: all three are under the 1 s bucket.
    const fast =
      value(after, 'chime_account_ack_duration_seconds_bucket', { kind: 'command', le: '1' }) -
      value(before, 'chime_account_ack_duration_seconds_bucket', { kind: 'command', le: '1' });
    assert.equal(fast, 3);
    assert.equal(
      value(after, 'chime_account_chime_calls_total', { operation: 'GetAccount', outcome: 'ok' }) -
        value(before, 'chime_account_chime_calls_total', { operation: 'GetAccount', outcome: 'ok' }),
      1,
      'show read the account once',
    );
    assert.ok(value(after, 'chime_account_chime_calls_total', { operation: 'ListAccounts', outcome: 'ok' }) >= 1);
  });

  it('an approval flow: pending → approved → applied; a name-only change starts approved; forms, views and buttons acked', async () => {
    const before = (await scrape(h.port)).samples;
    const delta = (s: Samples, to: string) =>
      value(s, 'chime_account_request_transitions_total', { to }) - value(before, 'chime_account_request_transitions_total', { to });
    await requestChange(h, 'U0ALICE', SAMPLE.directory, { license: 'Basic' });
    const card = await cardFor(h, SAMPLE.directory);
    let now = (await scrape(h.port)).samples;
    assert.equal(delta(now, 'pending'), 1, 'a license change waits for approval');
    assert.equal(delta(now, 'approved'), 0);
    await approve(h, 'U0BOB', card);
    await h.settle();
    now = (await scrape(h.port)).samples;
    assert.equal(delta(now, 'approved'), 1);
    assert.equal(delta(now, 'applied'), 1);
    assert.equal(
      value(now, 'chime_account_chime_calls_total', { operation: 'UpdateAccount', outcome: 'ok' }) -
        value(before, 'chime_account_chime_calls_total', { operation: 'UpdateAccount', outcome: 'ok' }),
      1,
    );

    await requestChange(h, 'U0ALICE', SAMPLE.oidc, { name: 'Globex Metrics' });
    await h.settle();
    now = (await scrape(h.port)).samples;
    assert.equal(delta(now, 'pending'), 1, 'a name-only change needs no approval under license-changes');
    assert.equal(delta(now, 'approved'), 2);
    assert.equal(delta(now, 'applied'), 2);
    assert.equal(delta(now, 'rejected') + delta(now, 'failed') + delta(now, 'stale'), 0);
    for (const kind of ['view', 'action'])
      assert.ok(
        value(now, 'chime_account_ack_duration_seconds_count', { kind }) >
          value(before, 'chime_account_ack_duration_seconds_count', { kind }),
        `${kind} acks timed`,
      );
    assert.ok(value(now, 'chime_account_slack_api_calls_total', { method: 'views.open', error: 'ok' }) >= 1);
    assert.ok(value(now, 'chime_account_slack_api_calls_total', { method: 'chat.postMessage', error: 'ok' }) >= 1);
  });

  it('refusals count by code: a missing role, and a Chime fault (which also counts as a Chime error)', async () => {
    const before = (await scrape(h.port)).samples;
    await h.user.command('U0EVE', `update ${SAMPLE.team}`);
    await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === 'U0EVE' && /requesters/.test(e.text)));
    h.chime.addFault({ operation: 'GetAccount', error: 'ServiceFailure', times: 1 });
    await h.user.command('U0ALICE', `show ${SAMPLE.directory}`);
    await h.settle();
    const after = (await scrape(h.port)).samples;
    const delta = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);
    assert.equal(delta('chime_account_refusals_total', { code: 'no-role' }), 1);
    assert.equal(delta('chime_account_refusals_total', { code: 'chime-failed' }), 1);
    assert.equal(delta('chime_account_chime_calls_total', { operation: 'GetAccount', outcome: 'error' }), 1);
    assert.equal(delta('chime_account_chime_call_duration_seconds_count', { operation: 'GetAccount' }), 1);
  });

  it('a Slack 429 counts as error="ratelimited"; the outbox gauges show the post waiting, then back to 0', async () => {
    const before = (await scrape(h.port)).samples;
    h.slack.addFault({ method: 'chat.postMessage', status: 429, retryAfterSeconds: 2, times: 4 });
    await requestChange(h, 'U0ALICE', SAMPLE.team, { name: 'Acme Rate Limited' });
    await h.bot.workflow.idle();
    const waiting = await until(
      async () => {
        const s = (await scrape(h.port)).samples;
        return value(s, 'chime_account_outbox_pending') > 0 && value(s, 'chime_account_outbox_oldest_age_seconds') > 0 ? s : undefined;
      },
      5_000,
      'the outbox gauges to show the waiting post',
    );
    assert.ok(
      value(waiting, 'chime_account_slack_api_calls_total', { method: 'chat.postMessage', error: 'ratelimited' }) >
        value(before, 'chime_account_slack_api_calls_total', { method: 'chat.postMessage', error: 'ratelimited' }),
    );
    await until(async () => value((await scrape(h.port)).samples, 'chime_account_outbox_pending') === 0, 15_000, 'the outbox to drain');
    const drained = (await scrape(h.port)).samples;
    assert.equal(value(drained, 'chime_account_outbox_oldest_age_seconds'), 0);
    assert.equal(await h.bot.store.pendingOutboxCount(), 0);
  });

  it("a Slack error answered in the body (HTTP 200, ok:false) counts under Slack's error code", async () => {
    const before = (await scrape(h.port)).samples;
    h.slack.addFault({ method: 'chat.postMessage', error: 'not_in_channel', times: 1 });
    await requestChange(h, 'U0ALICE', SAMPLE.noLicenses, { name: 'Umbrella Errors' });
    await h.settle();
    const after = (await scrape(h.port)).samples;
    const labels = { method: 'chat.postMessage', error: 'not_in_channel' };
    assert.equal(
      value(after, 'chime_account_slack_api_calls_total', labels) - value(before, 'chime_account_slack_api_calls_total', labels),
      1,
    );
  });

  it('names nobody: no user ID, team ID, account ID, account name, channel or token in the answer', async () => {
    await h.user.command('U0ALICE', `history ${SAMPLE.team}`);
    await h.settle();
    const { text } = await scrape(h.port);
    for (const secret of [
      'U0ALICE',
      'U0BOB',
      'U0EVE',
      'T0TEAM',
      'C0OPS',
      'C0AUDIT',
      ...Object.values(SAMPLE),
      ...Object.values(SAMPLE_NAMES),
      'Globex Metrics',
      'Umbrella Errors',
      h.slack.botToken,
      SIGNING_SECRET,
    ])
      assert.ok(!text.includes(secret), `${secret} is not in /metrics`);
    // Every label value of the bot's own metrics is from a fixed vocabulary.
    for (const [name, list] of parse(text))
      if (name.startsWith('chime_account_'))
        for (const s of list)
          for (const [k, v] of Object.entries(s.labels))
            if (k !== 'le') assert.match(v, /^[a-z][a-zA-Z._-]*$|^[A-Z][a-zA-Z]+$/, `${name}{${k}="${v}"}`);
  });

  it('a metric that fails to collect (the database is down) is left out: 200, the rest still there, no error text', async () => {
    const store = h.bot.store;
    const original = store.outboxStats.bind(store);
    store.outboxStats = async () => {
      throw new Error('connect ECONNREFUSED postgres://chime:hunter2@db:5432/chime');
    };
    try {
      await new Promise((r) => setTimeout(r, 1_100)); // past the one-second read shared by both gauges
      const m = await scrape(h.port);
      assert.equal(m.status, 200);
      assert.ok(!m.samples.has('chime_account_outbox_pending'));
      assert.ok(!m.samples.has('chime_account_outbox_oldest_age_seconds'));
      assert.ok(m.samples.has('chime_account_commands_total'));
      assert.doesNotMatch(m.text, /ECONNREFUSED|hunter2|\bat .*:\d+:\d+/);
    } finally {
      store.outboxStats = original;
    }
  });

  it('METRICS_PORT: /metrics on a port of its own, and not on PORT', async () => {
    const metricsPort = await freePort();
    await swapBot(h, { env: { METRICS_PORT: String(metricsPort) } });
    try {
      await h.user.command('U0ALICE', 'help');
      await h.settle();
      const m = await scrape(metricsPort);
      assert.equal(m.status, 200);
      assert.equal(value(m.samples, 'chime_account_commands_total', { subcommand: 'help' }), 1, 'a new bot counts from 0');
      assert.equal((await fetch(`http://127.0.0.1:${h.port}/metrics`)).status, 404);
      assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status, 404, 'only /metrics there');
    } finally {
      await h.restart();
    }
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/metrics`).catch(() => undefined))?.status, undefined, 'closed with the bot');
  });
});

describe('/metrics in Socket Mode: on PORT beside /healthz, fed by envelopes', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ policy: POLICY, env: { SLACK_APP_TOKEN: DEFAULT_APP_TOKEN } });
    h.user = socketUserClient(h.slack);
    await h.slack.socketMode.waitForConnections(1);
  });
  after(() => h.close());

  it('a command over the socket counts, its ack is timed, its Chime read and the Web API calls (apps.connections.open too) are counted', async () => {
    await h.user.command('U0ALICE', `show ${SAMPLE.team}`);
    await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === 'U0ALICE' && /Acme Sales/.test(JSON.stringify(e))));
    await h.settle();
    const m = await scrape(h.port);
    assert.equal(m.status, 200);
    assert.equal(value(m.samples, 'chime_account_commands_total', { subcommand: 'show' }), 1);
    assert.equal(value(m.samples, 'chime_account_ack_duration_seconds_count', { kind: 'command' }), 1);
    assert.equal(value(m.samples, 'chime_account_chime_calls_total', { operation: 'GetAccount', outcome: 'ok' }), 1);
    assert.ok(value(m.samples, 'chime_account_slack_api_calls_total', { method: 'auth.test', error: 'ok' }) >= 1);
    assert.ok(
      value(m.samples, 'chime_account_slack_api_calls_total', { method: 'apps.connections.open', error: 'ok' }) >= 1,
      "the Socket Mode client's own call",
    );
  });
});

describe('which audit entries move a request', () => {
  const entry = (action: AuditEntry['action'], detail?: string): AuditEntry => ({
    at: new Date(),
    action,
    actorId: 'U1',
    teamId: 'T1',
    detail,
  });
  it('requested: pending, or approved when no approval is needed; approved only when the approvals are complete', () => {
    assert.equal(transitionOf(entry('requested', 'needs 2 approval(s)')), 'pending');
    assert.equal(transitionOf(entry('requested', 'no approval needed')), 'approved');
    assert.equal(transitionOf(entry('approved', '1 of 2')), undefined);
    assert.equal(transitionOf(entry('approved', '1 of 2: fine, complete when Bob agrees')), undefined, "a comment can't complete it");
    assert.equal(transitionOf(entry('approved', '2 of 2, complete: fine')), 'approved');
    for (const end of ['rejected', 'cancelled', 'expired', 'applied', 'failed', 'stale'] as const)
      assert.equal(transitionOf(entry(end)), end);
    for (const other of ['refused', 'reconciled', 'reminded', 'escalated'] as const) assert.equal(transitionOf(entry(other)), undefined);
  });
});

describe('METRICS_PORT at start-up', () => {
  let dir: string;
  let busy: Server;
  let busyPort: number;
  // Slack at a closed port: these start-ups end before the bot asks it anything.
  let slack: { botToken: string; apiUrl: string };
  before(async () => {
    slack = { botToken: 'xoxb-metrics-test', apiUrl: `http://127.0.0.1:${await closedPort()}/api/` };
    dir = mkdtempSync(join(tmpdir(), 'chime-account-metrics-'));
    writeFileSync(join(dir, 'policy.yml'), stringify(POLICY));
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, () => r()));
    busyPort = (busy.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise((r) => busy.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (env: Record<string, string>) => runBotToExit(botProcessEnv({ dir, slack, policyFile: join(dir, 'policy.yml'), env }), dir);

  for (const bad of ['abc', '70000', '-1', '9100.5'])
    it(`METRICS_PORT=${bad}: one line naming METRICS_PORT, exit 1`, async () => {
      const r = await start({ METRICS_PORT: bad });
      assert.equal(r.code, 1, r.stderr);
      const problems = r.stderr
        .trim()
        .split('\n')
        .filter((l) => !/^chime-account cannot start:$/.test(l));
      assert.equal(problems.length, 1, r.stderr);
      assert.match(problems[0]!, /METRICS_PORT must be a port number/);
      assert.doesNotMatch(r.stderr, /\bat .*:\d+:\d+/);
    });

  it('METRICS_PORT in use: one line naming METRICS_PORT, exit 1', async () => {
    const r = await start({ METRICS_PORT: String(busyPort) });
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, new RegExp(`^chime-account cannot start: METRICS_PORT ${busyPort}: the port is already in use`));
  });
});
