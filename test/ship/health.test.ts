/**
 * /healthz tells the truth: 200 with every check ok only while Slack, the store and Chime's credentials work; 503
 * with a JSON body naming the broken part (and no secret) while one is known broken; and start() refuses a bot
 * token Slack refuses, and waits (retrying) for a Slack it cannot reach. The real bot on loopback, the emulators.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { type Bot, createBot } from '../../src/app.ts';
import { SAMPLE } from '../../src/emulators/chime/seed.ts';
import { type ChimeEmulator, startChimeEmulator } from '../../src/emulators/chime/server.ts';
import { type SlackEmulator, startSlackEmulator } from '../../src/emulators/slack/server.ts';
import { Health, type HealthReport } from '../../src/ops/health.ts';
import { StartupError } from '../../src/ops/startup.ts';
import { DEFAULT_POLICY, testBot } from '../helpers/harness.ts';
import { closedPort } from '../helpers/ports.ts';
import { userClient } from '../helpers/slack.ts';

async function healthz(port: number): Promise<{ status: number; body: HealthReport; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as HealthReport, text };
}

describe('/healthz and start-up checks', () => {
  let chime: ChimeEmulator;
  let slack: SlackEmulator;
  let dir: string;
  let bot: Bot | undefined;

  before(async () => {
    chime = await startChimeEmulator();
    slack = await startSlackEmulator();
    dir = mkdtempSync(join(tmpdir(), 'chime-account-health-'));
    writeFileSync(join(dir, 'policy.yml'), stringify(DEFAULT_POLICY));
  });
  afterEach(async () => {
    await bot?.stop().catch(() => {});
    bot = undefined;
    chime.reset();
    slack.reset();
  });
  after(async () => {
    await Promise.all([chime.close(), slack.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const make = async (o: { env?: Record<string, string>; slackCheckMs?: number } = {}): Promise<Bot> => {
    const { config, options } = testBot({ slack, chimeUrl: chime.url, dir, env: o.env });
    const b = await createBot(config, { ...options, slackCheckMs: o.slackCheckMs });
    bot = b;
    return b;
  };

  it('200 with every check ok once running', async () => {
    const port = (await (await make()).start())!;
    const h = await healthz(port);
    assert.equal(h.status, 200);
    assert.deepEqual(h.body, { status: 'ok', checks: { slack: { ok: true }, store: { ok: true }, chime: { ok: true } } });
  });

  it('a bot token Slack refuses: start() throws one line naming SLACK_BOT_TOKEN', async () => {
    const b = await make({ env: { SLACK_BOT_TOKEN: 'xoxb-not-the-emulators-token' } });
    await assert.rejects(b.start(), (e: Error) => {
      assert.ok(e instanceof StartupError);
      assert.match(e.message, /^SLACK_BOT_TOKEN: Slack refused the bot token \(invalid_auth\)/);
      assert.doesNotMatch(e.message, /xoxb-not/);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
  });

  it('Slack answering 500 at first: start() retries auth.test until it answers, then serves', async () => {
    slack.addFault({ method: 'auth.test', status: 500, times: 4 });
    const port = (await (await make()).start())!;
    assert.ok(slack.calls.filter((c) => c.method === 'auth.test').length >= 4, 'auth.test was tried again');
    assert.equal((await healthz(port)).status, 200);
  });

  it('Slack unreachable at start: start() keeps waiting (health is not served yet); stop() ends the wait', async () => {
    const b = await make({ env: { SLACK_API_URL: `http://127.0.0.1:${await closedPort()}/api/` } });
    let settled = false;
    const starting = b.start().then(
      () => (settled = true),
      (e: Error) => e,
    );
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(settled, false, 'start() has not pretended to be ready');
    assert.deepEqual((await b.health.report()).checks.slack, { ok: false, problem: 'Slack is unreachable' });
    await b.stop();
    const outcome = await starting;
    assert.ok(outcome instanceof StartupError, 'start() gave up once stopped');
  });

  it('a token revoked while running: 503 naming slack, then 200 once Slack accepts it again', async () => {
    const port = (await (await make({ slackCheckMs: 50 })).start())!;
    slack.addFault({ method: 'auth.test', status: 200, error: 'token_revoked' });
    const broken = await waitForHealth(port, (h) => h.status === 503);
    assert.equal(broken.body.status, 'unhealthy');
    assert.deepEqual(broken.body.checks.slack, { ok: false, problem: 'Slack refused the bot token (token_revoked)' });
    assert.equal(broken.body.checks.store.ok, true);
    assert.doesNotMatch(broken.text, new RegExp(slack.botToken));
    slack.clearFaults();
    await waitForHealth(port, (h) => h.status === 200);
  });

  it('Chime refusing the credentials (403): 503 naming chime until a Chime call succeeds again', async () => {
    const port = (await (await make()).start())!;
    const user = userClient(slack, port);
    chime.addFault({ operation: 'GetAccount', error: 'Forbidden' });
    assert.equal((await user.command('U0ALICE', `show ${SAMPLE.team}`)).status, 200);
    const broken = await waitForHealth(port, (h) => h.status === 503);
    assert.deepEqual(broken.body.checks.chime, { ok: false, problem: 'Chime refused the AWS credentials (HTTP 403)' });
    chime.clearFaults();
    assert.equal((await user.command('U0ALICE', `show ${SAMPLE.team}`)).status, 200);
    await waitForHealth(port, (h) => h.status === 200);
  });

  it('no AWS credentials anywhere in the provider chain: 503 naming chime, and no secret in the body', async () => {
    const { config, options } = testBot({ slack, chimeUrl: chime.url, dir });
    const saved = { ...process.env };
    // The SDK's default chain, with nothing to find: no keys, no profile files, no container or instance role.
    Object.assign(process.env, {
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
      AWS_CONFIG_FILE: join(dir, 'none'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    for (const k of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_PROFILE',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    ])
      delete process.env[k];
    try {
      const b = await createBot(config, { ...options, chime: { ...options.chime, credentials: undefined } });
      bot = b;
      const port = (await b.start())!;
      const h = await healthz(port);
      assert.equal(h.status, 503);
      assert.equal(h.body.checks.chime.ok, false);
      assert.match(JSON.stringify(h.body.checks.chime), /no AWS credentials/);
      assert.equal(h.body.checks.slack.ok, true);
    } finally {
      process.env = saved;
    }
  });

  it('503 while stopping', async () => {
    const b = await make();
    const port = (await b.start())!;
    b.health.phase = 'stopping';
    const h = await healthz(port);
    assert.equal(h.status, 503);
    assert.equal(h.body.status, 'stopping');
  });
});

describe('Health (the store probe)', () => {
  it('a store whose ping fails or hangs is reported broken, in fixed words', async () => {
    const failing = new Health({ store: () => Promise.reject(new Error('password=hunter2 at db:5432')) }, 100);
    failing.phase = 'running';
    failing.slack({ ok: true });
    const r = await failing.report();
    assert.equal(r.status, 'unhealthy');
    assert.deepEqual(r.checks.store, { ok: false, problem: 'the database does not answer' });
    assert.doesNotMatch(JSON.stringify(r), /hunter2/);
    const hanging = new Health({ store: () => new Promise(() => {}) }, 100);
    hanging.phase = 'running';
    hanging.slack({ ok: true });
    assert.equal((await hanging.report()).checks.store.ok, false);
  });
});

async function waitForHealth(
  port: number,
  done: (h: Awaited<ReturnType<typeof healthz>>) => boolean,
  limitMs = 5_000,
): Promise<Awaited<ReturnType<typeof healthz>>> {
  const until = Date.now() + limitMs;
  for (;;) {
    const h = await healthz(port);
    if (done(h)) return h;
    if (Date.now() > until) throw new Error(`/healthz still ${h.status} ${h.text}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
