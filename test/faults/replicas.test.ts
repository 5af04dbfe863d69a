/**
 * Several replicas on one real PostgreSQL, as real processes (`node src/main.ts` each, configured only by its
 * environment), with requests spread across them: the command on one, the form's submit on a second, the confirm on
 * a third. Exactly one UpdateAccount per approved request whatever the interleaving; a replica killed while applying
 * is settled once by another; the sweep moves to another replica when its leader dies; posts under Slack 429s and
 * 5xx go out once each, in order.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import pg from 'pg';
import { stringify } from 'yaml';
import { verifyChain } from '../../src/domain/audit.ts';
import { SAMPLE } from '../../src/emulators/chime/seed.ts';
import { type ChimeEmulator, startChimeEmulator } from '../../src/emulators/chime/server.ts';
import type { SlackUserClient } from '../../src/emulators/slack/client.ts';
import { type EmuMessage, type SlackEmulator, startSlackEmulator } from '../../src/emulators/slack/server.ts';
import { openStore } from '../../src/store/open.ts';
import { type Driver, modalOf } from '../helpers/harness.ts';
import { postgresUrl } from '../helpers/postgres.ts';
import { type BotProcess, startBotProcess, texts, until, updatesOf } from '../helpers/proof.ts';
import { userClient } from '../helpers/slack.ts';

const POLICY = {
  roles: { viewers: ['*'], requesters: ['U0ALICE'], approvers: ['U0BOB', 'S0SECOPS'] },
  approval: { required: 'always', approvers_required: 1, expires_after: '24h' },
};

describe('replicas on one PostgreSQL', () => {
  let chime: ChimeEmulator;
  let slack: SlackEmulator;
  let dir: string;
  let url: string;
  const bots: BotProcess[] = [];

  before(async () => {
    chime = await startChimeEmulator();
    slack = await startSlackEmulator();
  });
  after(async () => {
    await Promise.all([chime.close(), slack.close()]);
  });
  beforeEach(async () => {
    chime.reset();
    slack.reset();
    url = await postgresUrl();
    dir = mkdtempSync(join(tmpdir(), 'chime-account-replicas-'));
  });
  afterEach(async () => {
    for (const b of bots.splice(0)) {
      if (b.child.exitCode === null && b.child.signalCode === null) b.kill('SIGKILL');
      await b.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (n: number, policy: object = POLICY, env: Record<string, string> = {}) => {
    writeFileSync(join(dir, 'policy.yml'), stringify(policy));
    const started: BotProcess[] = [];
    // One after the other: the first to start is the sweep's first leader.
    for (let i = 0; i < n; i++) {
      const b = await startBotProcess({
        dir,
        slack,
        chimeUrl: chime.url,
        policyFile: join(dir, 'policy.yml'),
        env: { DATABASE_URL: url, SWEEP_INTERVAL_MS: '500', ...env },
      });
      bots.push(b);
      started.push(b);
    }
    return started;
  };
  const as = (b: BotProcess): SlackUserClient => userClient(slack, b.port);
  const driver = (b: BotProcess): Driver => ({ slack, user: as(b) });
  const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };
  const requests = () =>
    query<{ id: string; state: string; outcome_detail: string | null }>(
      'SELECT id, state, outcome_detail FROM requests ORDER BY created_at',
    );
  const chainOk = async () => {
    const store = await openStore(url);
    try {
      const rows = await store.auditRows();
      assert.equal(verifyChain(rows).problem, undefined, 'one unbroken audit chain');
      return rows;
    } finally {
      await store.close();
    }
  };
  const card = (accountId: string) =>
    slack.waitFor(() =>
      slack.messages.findLast(
        (m) =>
          !m.thread_ts &&
          m.text.startsWith('Change request') &&
          m.text.includes(accountId) &&
          JSON.stringify(m.blocks).includes('request_approve'),
      ),
    );

  /** The command on `a`, the form's submit on `b`, the confirm on `c`. */
  async function requestAcross(a: BotProcess, b: BotProcess, c: BotProcess, accountId: string, name: string) {
    const before = slack.topView('U0ALICE')?.id;
    assert.equal((await as(a).command('U0ALICE', `update ${accountId}`)).status, 200);
    const form = await modalOf(
      driver(a),
      'U0ALICE',
      'chime_change',
      (v) => v.id !== before && JSON.stringify(v.view).includes('name_input'),
    );
    const review = await as(b).submitView('U0ALICE', form.id, { name: { name_input: name } });
    assert.equal(review.json?.view?.callback_id, 'chime_review', review.body);
    const confirm = await as(c).submitView('U0ALICE', slack.topView('U0ALICE')!.id, {});
    assert.equal(confirm.status, 200);
    return card(accountId);
  }

  it('a request spread over three replicas, then 20 concurrent approvals split among them → one approval, one UpdateAccount', async () => {
    const [a, b, c] = await start(3);
    const pending = await requestAcross(a!, b!, c!, SAMPLE.team, 'Acme Everywhere');
    // Bob opens the approve modal from replica A; the submit is delivered 20 times at once, to all three.
    await as(a!).clickButton('U0BOB', { message: pending, actionId: 'request_approve' });
    const modal = await modalOf(driver(a!), 'U0BOB', 'chime_approve');
    const replicas = [a!, b!, c!];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        as(replicas[i % 3]!)
          .submitView('U0BOB', modal.id, {}, { skipClientChecks: true })
          .catch((e: Error) => e),
      ),
    );
    assert.ok(
      results.every((r) => !(r instanceof Error) && r.status === 200),
      'every delivery answered',
    );
    await until(async () => (await requests())[0]?.state === 'applied', 15_000, 'the change to be applied');
    assert.equal(updatesOf(chime.calls).length, 1, 'exactly one UpdateAccount');
    assert.equal(chime.accounts.get(SAMPLE.team)!.Name, 'Acme Everywhere');
    const approvals = await query<{ n: string }>('SELECT count(*) AS n FROM approvals');
    assert.equal(Number(approvals[0]!.n), 1, 'one approval');
    await until(() => slack.messages.some((m) => m.thread_ts === pending.ts && /updated/.test(m.text)), 10_000, 'the summary');
    const summaries = slack.messages.filter((m) => m.thread_ts === pending.ts && /updated/.test(m.text));
    assert.equal(summaries.length, 1, 'one summary');
    await chainOk();
  });

  it('the replica applying the change is killed (Chime slowed): another settles it once, from what Chime shows', async () => {
    const [a, b] = await start(2);
    const pending = await requestAcross(a!, b!, a!, SAMPLE.lwa, 'Landed While Its Replica Died');
    chime.addFault({ operation: 'UpdateAccount', latencyMs: 1_500, times: 1 });
    // Approved on B: B applies it.
    await as(b!).clickButton('U0BOB', { message: pending, actionId: 'request_approve' });
    const modal = await modalOf(driver(b!), 'U0BOB', 'chime_approve');
    await as(b!).submitView('U0BOB', modal.id, {});
    await until(() => updatesOf(chime.calls).length === 1, 10_000, 'UpdateAccount to reach Chime');
    // Whichever replica claimed it (the approver's, or the leader's sweep) is killed mid-call.
    const [claim] = await query<{ claim_owner: string }>('SELECT claim_owner FROM requests');
    const applier = [a!, b!].find((x) => claim!.claim_owner.split(':')[1] === String(x.child.pid))!;
    const other = applier === a ? b! : a!;
    applier.kill('SIGKILL');
    assert.equal(await applier.exited, 'SIGKILL');
    assert.equal((await requests())[0]!.state, 'applying', 'it died between UpdateAccount and its record');
    // The other replica (now the leader) waits out the dead one's claim (APPLY_LEASE_MS 3 s), then records what Chime
    // shows.
    await until(async () => (await requests())[0]!.state !== 'applying', 15_000, 'the other replica to settle it');
    assert.equal(other.child.exitCode, null);
    const [request] = await requests();
    assert.equal(request!.state, 'applied');
    assert.match(request!.outcome_detail ?? '', /Amazon Chime shows the change/);
    assert.equal(updatesOf(chime.calls).length, 1, 'never sent again');
    const outcomes = (await chainOk()).filter((r) => r.requestId === request!.id && ['applied', 'failed', 'stale'].includes(r.action));
    assert.equal(outcomes.length, 1, 'one outcome recorded');
  });

  it('the sweep’s leader is killed: another replica expires requests within a bounded time', async () => {
    const [a, b] = await start(2, { ...POLICY, approval: { ...POLICY.approval, expires_after: '4s' } });
    const pending = await requestAcross(a!, b!, b!, SAMPLE.oidc, 'Nobody Approves This');
    a!.kill('SIGKILL'); // the first replica started holds the sweep's leadership
    assert.equal(await a!.exited, 'SIGKILL');
    const killedAt = Date.now();
    await until(async () => (await requests())[0]!.state === 'expired', 15_000, 'B to take the lead and expire it');
    const tookMs = Date.now() - killedAt;
    assert.ok(tookMs < 15_000, `expired ${tookMs} ms after the leader died`);
    await until(
      () => slack.messages.some((m) => m.ts === pending.ts && m.edited && /Expired/.test(JSON.stringify(m.blocks))),
      10_000,
      'the card to say so',
    );
    const expired = (await chainOk()).filter((r) => r.action === 'expired');
    assert.equal(expired.length, 1, 'expired once');
  });

  it('posts queued by two replicas under Slack 429s and 5xx: each posted exactly once, in order', async () => {
    const policy = { ...POLICY, roles: { ...POLICY.roles, viewers: ['U0ALICE'] } };
    const [c, d] = await start(2, policy, { AUDIT_CHANNEL_ID: 'C0AUDIT' });
    slack.addFault({ method: 'chat.postMessage', status: 429, retryAfterSeconds: 1, times: 3 });
    slack.addFault({ method: 'chat.postMessage', status: 503, times: 3 });
    // Strangers are refused; each refusal is an audit row posted to C0AUDIT, queued by whichever replica refused.
    const strangers = Array.from({ length: 8 }, (_, i) => `U0STRANGER${i}`);
    for (const [i, who] of strangers.entries()) {
      const res = await as(i % 2 ? d! : c!).command(who, `show ${SAMPLE.team}`);
      assert.equal(res.status, 200);
    }
    const audit = () => slack.messages.filter((m: EmuMessage) => m.channel === 'C0AUDIT');
    await until(() => audit().length >= strangers.length, 30_000, 'every refusal to reach the audit channel');
    await new Promise((r) => setTimeout(r, 1_500)); // anything doubled would have arrived by now
    const posted = audit().map((m) => strangers.find((s) => texts(m).includes(s)));
    const rows = await chainOk();
    const recorded = rows.filter((r) => r.action === 'refused').map((r) => r.actorId);
    assert.equal(recorded.length, strangers.length);
    assert.deepEqual(posted, recorded, 'each once, in the order the replicas recorded them');
  });
});
