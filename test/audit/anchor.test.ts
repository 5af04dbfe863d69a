/**
 * The audit anchor and `npm run audit-log -- verify --anchors`: real SQLite files, the real CLI in a child process.
 * A chain rewritten with every hash recomputed, or with its newest rows deleted, passes the plain verify (that is
 * the gap) and fails against the anchors Slack holds.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { AuditAnchor, anchorText, checkAnchors, parseAnchors } from '../../src/audit/anchor.ts';
import { type AuditEntry, hashRow } from '../../src/domain/audit.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';

const run = promisify(execFile);
const CLI = join(import.meta.dirname, '../../src/cli/audit.ts');

async function audit(dbPath: string, ...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, DATABASE_URL: `sqlite:${dbPath}` },
      cwd: tmpdir(),
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

const entry = (i: number): AuditEntry => ({
  at: new Date(Date.UTC(2026, 11, 1, 10, i)),
  action: i % 2 ? 'applied' : 'requested',
  actorId: 'U0ALICE',
  teamId: 'T0TEST',
  accountId: 'c0ffee00-0000-4000-8000-000000000001',
  requestId: `req-${i}`,
  detail: `entry ${i}`,
});

/** A database with `n` audit rows, and the anchors the bot would have posted after each (as Slack exports them). */
async function makeDb(dir: string, name: string, n: number) {
  const path = join(dir, `${name}.db`);
  const store = new SqliteStore(path);
  const messages: unknown[] = [];
  const anchor = new AuditAnchor({
    head: async () => (await store.history({ limit: 1 }))[0],
    post: async (text) => {
      messages.push({ type: 'message', subtype: 'bot_message', bot_id: 'B0BOT', text, ts: `${1764583200 + messages.length}.000100` });
    },
    log: () => {},
    intervalMs: 0,
  });
  for (let i = 1; i <= n; i++) {
    await store.record({ audit: [entry(i)], posts: [] });
    await anchor.anchor();
  }
  await store.close();
  const anchors = join(dir, `${name}-export.json`);
  writeFileSync(anchors, JSON.stringify(messages, null, 2));
  return { path, anchors, messages };
}

/** What someone with write access to the file can do: drop the triggers and edit at will. */
function tamper(path: string, fn: (db: DatabaseSync) => void): void {
  const db = new DatabaseSync(path);
  db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
  fn(db);
  db.close();
}

describe('verify --anchors', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'chime-account-anchor-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('an untouched log matches its anchors (Slack export and {seq, hash} list alike)', async () => {
    const db = await makeDb(dir, 'clean', 5);
    const result = await audit(db.path, 'verify', '--anchors', db.anchors);
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /intact: 5 row\(s\).*matching 5 anchor\(s\) up to row 5/);
    const pairs = join(dir, 'pairs.json');
    writeFileSync(pairs, JSON.stringify(parseAnchors(db.messages)));
    assert.equal((await audit(db.path, 'verify', '--anchors', pairs)).code, 0);
  });

  it('a chain rewritten consistently (every hash recomputed) passes verify but fails against the anchors', async () => {
    const db = await makeDb(dir, 'rewritten', 5);
    tamper(db.path, (sql) => {
      sql.prepare("UPDATE audit SET detail = 'nothing to see' WHERE seq = 2").run();
      let prev = String((sql.prepare('SELECT hash FROM audit WHERE seq = 1').get() as { hash: string }).hash);
      for (let seq = 2; seq <= 5; seq++) {
        const r = sql.prepare('SELECT * FROM audit WHERE seq = ?').get(seq) as Record<string, string | null>;
        const e: AuditEntry = {
          at: new Date(String(r.at)),
          action: r.action as AuditEntry['action'],
          actorId: String(r.actor_id),
          teamId: String(r.team_id),
          accountId: r.account_id ?? undefined,
          requestId: r.request_id ?? undefined,
          detail: r.detail ?? undefined,
        };
        const hash = hashRow(prev, seq, e);
        sql.prepare('UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?').run(prev, hash, seq);
        prev = hash;
      }
    });
    const plain = await audit(db.path, 'verify');
    assert.equal(plain.code, 0, 'the hash chain alone cannot see a consistent rewrite');
    const anchored = await audit(db.path, 'verify', '--anchors', db.anchors);
    assert.equal(anchored.code, 1, anchored.out);
    assert.match(anchored.out, /BROKEN at row 2: its hash is not the one anchored in Slack \(the chain was rewritten\)/);
  });

  it('deleting the newest rows passes verify but fails against the anchors', async () => {
    const db = await makeDb(dir, 'truncated', 4);
    tamper(db.path, (sql) => sql.prepare('DELETE FROM audit WHERE seq >= 3').run());
    assert.equal((await audit(db.path, 'verify')).code, 0, 'the hash chain alone cannot see the newest rows go');
    const anchored = await audit(db.path, 'verify', '--anchors', db.anchors);
    assert.equal(anchored.code, 1);
    assert.match(anchored.out, /row 3, anchored in Slack, is missing \(rows were deleted; the log ends at row 2\)/);
    assert.match(anchored.out, /row 4, anchored in Slack, is missing/);
  });

  it('verify on a database file that does not exist says so, exits 2 and creates nothing', async () => {
    const missing = join(dir, 'nope', 'missing.db');
    const result = await audit(missing, 'verify');
    assert.equal(result.code, 2);
    assert.match(result.out, /there is no database at .*missing\.db/);
    assert.equal(existsSync(missing), false);
  });

  it('an anchors file with no anchors in it is an error, not a pass', async () => {
    const db = await makeDb(dir, 'empty-anchors', 1);
    const file = join(dir, 'no-anchors.json');
    writeFileSync(file, JSON.stringify([{ type: 'message', text: 'hello' }]));
    const result = await audit(db.path, 'verify', '--anchors', file);
    assert.equal(result.code, 2);
    assert.match(result.out, /no audit anchors/);
  });
});

describe('AuditAnchor', () => {
  it('posts the head once per change of head, in Slack-safe text the parser reads back', async () => {
    const posts: string[] = [];
    let head = { seq: 1, hash: 'a'.repeat(64) };
    const anchor = new AuditAnchor({ head: async () => head, post: async (t) => void posts.push(t), log: () => {}, intervalMs: 0 });
    await anchor.anchor();
    await anchor.anchor();
    assert.equal(posts.length, 1, 'an unchanged head is not posted again');
    anchor.recorded([{ at: new Date(), action: 'requested', actorId: 'U1', teamId: 'T1' }]);
    head = { seq: 2, hash: 'b'.repeat(64) };
    anchor.recorded([{ at: new Date(), action: 'applied', actorId: 'U1', teamId: 'T1' }]);
    await anchor.idle();
    assert.equal(posts.length, 2);
    assert.doesNotMatch(posts.join(''), /[<>&]/);
    assert.deepEqual(parseAnchors(posts.map((text) => ({ text }))), [
      { seq: 1, hash: 'a'.repeat(64) },
      { seq: 2, hash: 'b'.repeat(64) },
    ]);
    assert.equal(anchorText(head), posts[1]);
  });

  it('timed anchors come only from the replica that leads', async () => {
    const posts: string[] = [];
    const anchor = new AuditAnchor({
      head: async () => ({ seq: 1, hash: 'c'.repeat(64) }),
      post: async (t) => void posts.push(t),
      log: () => {},
      intervalMs: 60_000,
      leads: async () => false,
    });
    anchor.start();
    await new Promise((r) => setImmediate(r));
    await anchor.idle();
    anchor.stop();
    assert.equal(posts.length, 0);
  });

  it('checkAnchors: every anchored seq must be there with its hash', () => {
    const rows = [{ seq: 1, hash: 'x' }] as unknown as Parameters<typeof checkAnchors>[0];
    assert.deepEqual(checkAnchors(rows, [{ seq: 1, hash: 'x' }]), []);
    assert.equal(checkAnchors(rows, [{ seq: 2, hash: 'y' }])[0]?.problem, 'missing');
    assert.equal(checkAnchors(rows, [{ seq: 1, hash: 'y' }])[0]?.problem, 'different');
  });
});
