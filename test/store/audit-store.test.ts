/**
 * The audit store through the bot and the CLI: it survives restarts, and `npm run audit-log` exports and verifies it.
 * (Append-only triggers and the chain under concurrent appends are in the store contract, contract.test.ts.)
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { verifyChain } from '../../src/domain/audit.ts';
import { SAMPLE } from '../../src/emulators/chime/seed.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { type Harness, requestChange, startHarness } from '../helpers/harness.ts';

const run = promisify(execFile);
const auditCli = (db: string, ...args: string[]) =>
  run(process.execPath, ['src/cli/audit.ts', ...args], { env: { ...process.env, DATABASE_URL: `sqlite:${db}` } }).then(
    (r) => ({ code: 0, ...r }),
    (e) => ({ code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
  );

describe('audit store', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(() => h.close());

  it('survives a restart and keeps an intact chain', async () => {
    await requestChange(h, 'U0ALICE', SAMPLE.team, { name: 'Acme Persisted' });
    await h.settle();
    const before = await h.bot.store.auditRows();
    assert.ok(before.some((r) => r.action === 'applied' && r.change?.name === 'Acme Persisted'));
    await h.restart();
    const afterRestart = await h.bot.store.auditRows();
    assert.deepEqual(
      afterRestart.map((r) => r.hash),
      before.map((r) => r.hash),
    );
    assert.equal(verifyChain(afterRestart).problem, undefined);
  });

  it('npm run audit-log: export as JSON Lines (filtered) and verify', async () => {
    const db = join(h.dir, 'bot.db');
    const all = await auditCli(db, 'export');
    assert.equal(all.code, 0);
    const lines = all.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(lines.length >= 2 && lines.every((l) => l.hash && l.prevHash));
    const one = await auditCli(db, 'export', '--account', SAMPLE.team, '--since', '2000-01-01');
    assert.ok(
      one.stdout
        .trim()
        .split('\n')
        .every((l) => JSON.parse(l).accountId === SAMPLE.team),
    );
    const verify = await auditCli(db, 'verify');
    assert.equal(verify.code, 0);
    assert.match(verify.stdout, /intact/);
  });
});

describe('tamper evidence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-tamper-'));
  const db = join(dir, 'audit.db');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('verify names the first altered row even when the triggers are dropped', async () => {
    const store = new SqliteStore(db);
    for (let i = 0; i < 5; i++)
      await store.record({
        audit: [{ at: new Date(), action: 'refused', actorId: 'U0EVE', teamId: 'T0TEAM', detail: `try ${i}` }],
        posts: [],
      });
    await store.close();
    const raw = new DatabaseSync(db);
    raw.exec('DROP TRIGGER audit_no_update');
    raw.exec("UPDATE audit SET detail = 'nothing to see' WHERE seq = 3");
    raw.close();
    const verify = await auditCli(db, 'verify');
    assert.equal(verify.code, 1);
    assert.match(verify.stdout, /row 3.*altered/);
  });
});
