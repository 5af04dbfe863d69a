/**
 * The bot as a real process (`node src/main.ts`, configured only by its environment), killed with SIGKILL at each
 * step of applying a change and started again on the same SQLite file: no change is lost and none is applied twice
 * (UpdateAccount calls are counted on the Chime emulator). Then SIGTERM while a change is in flight: the bot stops
 * taking requests, finishes the change, closes the store and exits 0.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { verifyChain } from '../../src/domain/audit.ts';
import { SAMPLE, SAMPLE_NAMES } from '../../src/emulators/chime/seed.ts';
import { type ChimeEmulator, startChimeEmulator } from '../../src/emulators/chime/server.ts';
import { type SlackEmulator, startSlackEmulator } from '../../src/emulators/slack/server.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { type Driver, openForm, requestChange } from '../helpers/harness.ts';
import { auditActions, type BotProcess, readDb, requestRows, startBotProcess, texts, until, updatesOf } from '../helpers/proof.ts';
import { userClient } from '../helpers/slack.ts';

const POLICY = {
  roles: { viewers: ['*'], requesters: ['U0ALICE'], approvers: ['U0BOB'] },
  approval: { required: 'never' },
  accounts: ['*'],
};

describe('the bot process killed (SIGKILL) while applying, then restarted', () => {
  let chime: ChimeEmulator;
  let slack: SlackEmulator;
  let dir: string;
  const running: BotProcess[] = [];

  before(async () => {
    chime = await startChimeEmulator();
    slack = await startSlackEmulator();
  });
  after(async () => {
    await Promise.all([chime.close(), slack.close()]);
  });
  beforeEach(() => {
    chime.reset();
    slack.reset();
    dir = mkdtempSync(join(tmpdir(), 'chime-account-crash-'));
    writeFileSync(join(dir, 'policy.yml'), stringify(POLICY));
  });
  afterEach(async () => {
    for (const p of running.splice(0)) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.kill('SIGKILL');
      await p.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (env?: Record<string, string>) => {
    const p = await startBotProcess({ dir, slack, chimeUrl: chime.url, policyFile: join(dir, 'policy.yml'), env });
    running.push(p);
    return p;
  };
  /** What the harness helpers need to drive a bot on this port. */
  const driver = (p: BotProcess): Driver => ({ slack, user: userClient(slack, p.port) });
  const kill = async (p: BotProcess) => {
    p.kill('SIGKILL');
    assert.equal(await p.exited, 'SIGKILL');
  };
  const stop = async (p: BotProcess) => {
    p.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.output());
  };
  const summaries = () => slack.messages.filter((m) => m.channel === 'C0OPS' && !m.thread_ts);
  const chainOk = () => {
    const store = new SqliteStore(join(dir, 'bot.db'));
    return store.auditRows().then(async (rows) => {
      await store.close();
      assert.equal(verifyChain(rows).problem, undefined);
      return rows;
    });
  };

  it('killed while UpdateAccount is delayed; Chime applies it anyway: the restart reconciles it as applied', async () => {
    const p1 = await start();
    chime.addFault({ operation: 'UpdateAccount', latencyMs: 1_000, times: 1 });
    const name = 'Applied While Dead';
    await requestChange(driver(p1), 'U0ALICE', SAMPLE.team, { name });
    await until(() => updatesOf(chime.calls).length === 1, 10_000, 'UpdateAccount to reach Chime');
    await kill(p1);
    const [request] = requestRows(dir);
    assert.equal(request!.state, 'applying', 'the process died between UpdateAccount and its record');
    await until(() => chime.accounts.get(SAMPLE.team)!.Name === name, 5_000, 'Chime to apply the delayed update');

    const p2 = await start();
    await until(() => requestRows(dir)[0]!.state !== 'applying', 10_000, 'the restart to reconcile');
    assert.equal(requestRows(dir)[0]!.state, 'applied');
    assert.match(requestRows(dir)[0]!.outcome_detail ?? '', /Amazon Chime shows the change/);
    const summary = await slack.waitFor(() => summaries()[0]);
    assert.match(texts(summary), /updated/);
    await stop(p2);
    assert.equal(summaries().length, 1, 'one summary');
    assert.equal(updatesOf(chime.calls).length, 1, 'never applied twice');
    assert.deepEqual(auditActions(dir, request!.id), ['requested', 'applied']);
    await chainOk();
  });

  it('killed while UpdateAccount is in flight; Chime commits it after the restart looked: "being checked", then applied once', async () => {
    // Chime commits 7 s after the call reached it: the restart (started 2.3 s after) has 4.7 s to look first, which a
    // loaded CI machine needs; the 10 s claim outlasts the commit.
    const p1 = await start({ APPLY_LEASE_MS: '10000' });
    chime.addFault({ operation: 'UpdateAccount', latencyMs: 7_000, times: 1 });
    const name = 'Landed After The Restart Looked';
    await requestChange(driver(p1), 'U0ALICE', SAMPLE.team, { name });
    await until(() => updatesOf(chime.calls).length === 1, 10_000, 'UpdateAccount to reach Chime');
    const reached = Date.now();
    await kill(p1);
    await new Promise((r) => setTimeout(r, 2_300 - (Date.now() - reached)));

    const p2 = await start({ APPLY_LEASE_MS: '10000' });
    // The restart looks before Chime has committed: it must not decide from that read.
    const note = await slack.waitFor(() => slack.messages.find((m) => /being checked/.test(m.text)), 6_000);
    assert.equal(chime.accounts.get(SAMPLE.team)!.Name === name, false, 'looked before the commit');
    assert.equal(requestRows(dir)[0]!.state, 'applying', 'not settled while the dead process’s call can still land');
    assert.ok(note);
    await until(() => chime.accounts.get(SAMPLE.team)!.Name === name, 8_000, 'Chime to commit the delayed update');
    await until(() => requestRows(dir)[0]!.state !== 'applying', 10_000, 'the claim to run out and the restart to settle');
    const [request] = requestRows(dir);
    assert.equal(request!.state, 'applied');
    assert.match(request!.outcome_detail ?? '', /Amazon Chime shows the change/);
    const summary = await slack.waitFor(() => summaries().find((m) => /updated/.test(texts(m))));
    assert.ok(summary);
    await stop(p2);
    assert.equal(summaries().filter((m) => /not made/.test(texts(m))).length, 0, 'never announced as not made');
    assert.equal(updatesOf(chime.calls).length, 1, 'never applied twice');
    assert.deepEqual(auditActions(dir, request!.id), ['requested', 'reconciled', 'applied']);
    await chainOk();
  });

  it('killed while UpdateAccount hangs and never arrives: the restart records it failed and says so; no retry', async () => {
    const p1 = await start();
    chime.addFault({ operation: 'UpdateAccount', hang: true, times: 1 });
    const name = 'Never Arrived';
    await requestChange(driver(p1), 'U0ALICE', SAMPLE.lwa, { name });
    await until(() => updatesOf(chime.calls).length === 1, 10_000, 'UpdateAccount to reach Chime');
    await kill(p1);
    assert.equal(requestRows(dir)[0]!.state, 'applying');

    const p2 = await start();
    await until(() => requestRows(dir)[0]!.state !== 'applying', 10_000, 'the restart to reconcile');
    const [request] = requestRows(dir);
    assert.equal(request!.state, 'failed');
    assert.match(request!.outcome_detail ?? '', /does not show the change, so it was not applied\. Request it again/);
    const post = await slack.waitFor(() => summaries()[0]);
    assert.match(texts(post), /not made/);
    assert.doesNotMatch(texts(post), /\bupdated\b/);
    await stop(p2);
    assert.equal(chime.accounts.get(SAMPLE.lwa)!.Name, SAMPLE_NAMES.lwa);
    assert.equal(updatesOf(chime.calls).length, 1, 'the bot does not silently try again after a crash');
    assert.deepEqual(auditActions(dir, request!.id), ['requested', 'failed']);
    await chainOk();
  });

  it('killed while apply re-reads the account (before UpdateAccount): failed on restart, Chime untouched', async () => {
    const p1 = await start();
    const d = driver(p1);
    const form = await openForm(d, 'U0ALICE', SAMPLE.oidc);
    await d.user.submitView('U0ALICE', form.id, { name: { name_input: 'Killed Before Update' } });
    const gets = chime.calls.length;
    chime.addFault({ operation: 'GetAccount', hang: true, times: 1 });
    await d.user.submitView('U0ALICE', slack.topView('U0ALICE')!.id, {});
    await until(() => chime.calls.slice(gets).some((c) => c.operation === 'GetAccount'), 10_000, 'the re-read');
    await kill(p1);
    assert.equal(requestRows(dir)[0]!.state, 'applying');

    const p2 = await start();
    await until(() => requestRows(dir)[0]!.state !== 'applying', 10_000, 'the restart to reconcile');
    assert.equal(requestRows(dir)[0]!.state, 'failed');
    await slack.waitFor(() => summaries()[0]);
    await stop(p2);
    assert.equal(updatesOf(chime.calls).length, 0);
    assert.equal(chime.accounts.get(SAMPLE.oidc)!.Name, SAMPLE_NAMES.oidc);
    await chainOk();
  });

  it('killed after the change is recorded but before Slack took the summary: posted once after the restart', async () => {
    const p1 = await start();
    slack.addFault({ method: 'chat.postMessage', hang: true });
    const name = 'Posted After Restart';
    await requestChange(driver(p1), 'U0ALICE', SAMPLE.directory, { name });
    await until(() => requestRows(dir)[0]?.state === 'applied', 10_000, 'the change to be recorded');
    await until(
      () => slack.calls.some((c) => c.method === 'chat.postMessage' && c.fault && c.status === 0),
      10_000,
      'the summary post to hang',
    );
    await kill(p1);
    assert.equal(summaries().length, 0, 'Slack never took the post');
    assert.equal(
      readDb(
        dir,
        (db) => (db.prepare("SELECT count(*) AS n FROM outbox WHERE done_at IS NULL AND channel_id = 'C0OPS'").get() as { n: number }).n,
      ),
      1,
      'the summary waits in the outbox',
    );

    slack.clearFaults();
    const p2 = await start();
    const summary = await slack.waitFor(() => summaries()[0], 10_000);
    assert.match(texts(summary), new RegExp(name));
    await until(
      () => readDb(dir, (db) => (db.prepare('SELECT count(*) AS n FROM outbox WHERE done_at IS NULL').get() as { n: number }).n) === 0,
      10_000,
      'the outbox to drain',
    );
    await stop(p2);
    assert.equal(summaries().length, 1, 'posted once');
    assert.equal(updatesOf(chime.calls).length, 1, 'the restart does not apply it again');
    assert.equal(chime.accounts.get(SAMPLE.directory)!.Name, name);
    await chainOk();
  });

  it('SIGTERM while UpdateAccount is in flight: stops taking requests, finishes the change, closes the store, exits 0', async () => {
    const p = await start();
    chime.addFault({ operation: 'UpdateAccount', latencyMs: 1_000, times: 1 });
    const name = 'Finished On SIGTERM';
    await requestChange(driver(p), 'U0ALICE', SAMPLE.team, { name });
    await until(() => updatesOf(chime.calls).length === 1, 10_000, 'UpdateAccount to reach Chime');
    p.kill('SIGTERM');

    // While the change is still in flight, the HTTP endpoint is already closed.
    await until(
      () =>
        fetch(`http://127.0.0.1:${p.port}/healthz`).then(
          () => false,
          () => true,
        ),
      5_000,
      'the listener to close',
    );
    assert.equal(p.child.exitCode, null, 'still running: finishing the change');
    await assert.rejects(userClient(slack, p.port).command('U0ALICE', `update ${SAMPLE.lwa}`), 'a new command is not taken');
    assert.notEqual(chime.accounts.get(SAMPLE.team)!.Name, name, 'the UpdateAccount had not landed yet when requests stopped');

    assert.equal(await p.exited, 0, p.output());
    assert.ok(!existsSync(join(dir, 'bot.db-wal')), 'the store was closed cleanly (SQLite removes the WAL on the last close)');
    assert.equal(chime.accounts.get(SAMPLE.team)!.Name, name);
    const [request] = requestRows(dir);
    assert.equal(request!.state, 'applied', 'finished and recorded before exiting');
    assert.deepEqual(auditActions(dir, request!.id), ['requested', 'applied']);
    assert.equal(summaries().length, 1, 'the outbox was flushed before exit');
    assert.equal(updatesOf(chime.calls).length, 1);
    assert.equal(chime.calls.filter((c) => c.accountId === SAMPLE.lwa).length, 0, 'the refused command reached nothing');
    await chainOk();
  });

  it('SIGTERM while a client holds a half-sent request open: the shutdown is not held up by it; exit 0', async () => {
    const p = await start();
    const socket = connect(p.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.on('error', () => {});
    // Headers and a few bytes of a 1000-byte body, then nothing more (a slow or stuck client).
    socket.write(
      'POST /slack/events HTTP/1.1\r\nHost: bot\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\npayload=',
    );
    await fetch(`http://127.0.0.1:${p.port}/healthz`); // the server has taken the connection by now
    p.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([p.exited, new Promise((r) => (timer = setTimeout(() => r('still running after 15 s'), 15_000)))]);
    clearTimeout(timer);
    socket.destroy();
    assert.equal(outcome, 0, p.output());
    assert.ok(!existsSync(join(dir, 'bot.db-wal')), 'the store was closed');
  });
});
