/**
 * The shared store: PostgreSQL through a pg Pool, for several replicas. The same contract and behaviour as
 * SqliteStore, row for row; what SQLite gets from one writer at a time, this gets from locks:
 * - the audit chain is appended under a transaction-scoped advisory lock (and UNIQUE seq and prev_hash), so two
 *   replicas can never fork it;
 * - approve() locks the request row (SELECT … FOR UPDATE), so concurrent approvals complete it once;
 * - transitions and claims are conditional UPDATEs; claimOutbox serialises claimers with an advisory lock and takes
 *   rows FOR UPDATE SKIP LOCKED under a lease;
 * - lead() holds a session advisory lock on its own unpooled connection: it goes when that connection does.
 * Times come from the caller's clock (as in SQLite), never the server's now(), so both stores agree.
 */
import pg from 'pg';
import { type AuditEntry, type AuditRow, chainRow, GENESIS_HASH } from '../domain/audit.ts';
import { approvalBlocker, type ChangeRequest, type RequestState } from '../domain/request.ts';
import { POSTGRES_MIGRATIONS } from './migrations/postgres.ts';
import { type Migration, newerThanCode } from './migrations/types.ts';
import {
  type ApproveResult,
  checkTransition,
  type Effects,
  type ModalSession,
  type OutboxEntry,
  type OutboxItem,
  type RequestQuery,
  type Store,
  StoreUnavailableError,
  type TransitionPatch,
} from './store.ts';

/** Advisory lock keys (per database). Below 2^32, so pg_locks shows them as classid 0, objid = key. */
export const LOCKS = { migrate: 0x6368_0001, audit: 0x6368_0002, outbox: 0x6368_0003, lead: 0x6368_0004 } as const;

const MODAL_TTL_MS = 24 * 3_600_000;

type Row = Record<string, unknown>;
type Queryable = Pick<pg.PoolClient, 'query'>;

export interface PostgresOptions {
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /**
   * How long to wait for a connection before the call fails with StoreUnavailableError (default 2 s): short enough
   * that a view submission can still be answered within Slack's 3 s when the server does not answer at all.
   */
  connectTimeoutMs?: number;
  migrations?: readonly Migration[];
}

/** Errors that mean "the database can't be reached now", as opposed to a bad query. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  const e = error as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  if (/^08/.test(code) || ['57P01', '57P02', '57P03', '53300'].includes(code)) return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'].includes(code))
    return true;
  return /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Query read timeout|ended/i.test(
    message,
  );
}

/**
 * pg 8 reads sslmode=prefer, require and verify-ca as verify-full (certificate and host name checked) and prints a
 * nine-line warning saying so at every start. The bot asks for what pg does anyway, so a start-up stays one line; the
 * README says what each sslmode means here. `uselibpqcompat=true` (libpq's meanings) is left alone.
 */
export function sslmodeAsPgReadsIt(url: string): string {
  if (/[?&]uselibpqcompat=true(&|$)/.test(url)) return url;
  return url.replace(/([?&]sslmode=)(prefer|require|verify-ca)(?=&|$)/, '$1verify-full');
}

function unavailable(error: unknown): unknown {
  if (error instanceof StoreUnavailableError || !isConnectionError(error)) return error;
  return new StoreUnavailableError('the database is unavailable', { cause: error });
}

export class PostgresStore implements Store {
  readonly #pool: pg.Pool;
  readonly #config: pg.ClientConfig;
  readonly #connectTimeoutMs: number;
  #leader: { client: pg.Client; held: boolean; dead: boolean } | undefined;
  #leading: Promise<boolean> | undefined;
  #closed = false;

  private constructor(config: pg.ClientConfig, options: PostgresOptions) {
    this.#config = config;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 2_000;
    this.#pool = new pg.Pool({
      ...config,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: this.#connectTimeoutMs,
      idleTimeoutMillis: 30_000,
    });
    // An idle connection that the server drops (restart, failover) is removed by the pool, which reports it here;
    // without a listener it would crash the process. The next call opens a new connection.
    this.#pool.on('error', () => {});
    // A connection that dies while checked out emits 'error' on its client, where nothing else listens: without this,
    // Node would end the process. Its query fails on its own (StoreUnavailableError), and the pool discards it.
    this.#pool.on('connect', (client) => client.on('error', () => {}));
  }

  /** Connects, applies migrations, and returns the store; the caller (openStore) words any error. */
  static async open(url: string, options: PostgresOptions = {}): Promise<PostgresStore> {
    const config: pg.ClientConfig = {
      application_name: 'chime-account',
      keepAlive: true,
      ...{ connectionString: sslmodeAsPgReadsIt(url) },
    };
    const store = new PostgresStore(config, options);
    try {
      await store.#migrate(options.migrations ?? POSTGRES_MIGRATIONS);
      return store;
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  /** Each step in its own transaction under the migration lock: replicas starting together apply it once. */
  async #migrate(migrations: readonly Migration[]): Promise<void> {
    for (;;) {
      const applied = await this.#txRaw(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.migrate]);
        await c.query(
          'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)',
        );
        const { rows } = await c.query('SELECT coalesce(max(version), 0) AS v FROM schema_migrations');
        const current = Number(rows[0].v);
        if (current > migrations.length) throw newerThanCode(current, migrations.length);
        const next = migrations[current];
        if (!next) return false;
        await c.query(next.sql);
        await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          next.version,
          next.name,
          new Date(),
        ]);
        return true;
      });
      if (!applied) return;
    }
  }

  async #query(text: string, values?: unknown[]): Promise<pg.QueryResult<Row>> {
    try {
      return await this.#pool.query<Row>(text, values);
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** A transaction on one pooled connection; a connection that failed is discarded, not returned to the pool. */
  async #txRaw<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
        client.release();
      } catch {
        client.release(true);
      }
      throw error;
    }
  }

  async #tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    try {
      return await this.#txRaw(fn);
    } catch (error) {
      throw unavailable(error);
    }
  }

  // ── modals ──────────────────────────────────────────────────────────────────────────────────────────────────
  async saveModal(session: ModalSession): Promise<void> {
    await this.#query(
      `INSERT INTO modals (view_id, session_json, created_at) VALUES ($1, $2, $3)
       ON CONFLICT (view_id) DO UPDATE SET session_json = excluded.session_json, created_at = excluded.created_at`,
      [session.viewId, JSON.stringify(session), session.createdAt],
    );
    await this.#query('DELETE FROM modals WHERE created_at < $1', [new Date(Date.now() - MODAL_TTL_MS)]);
  }

  async getModal(viewId: string): Promise<ModalSession | undefined> {
    const { rows } = await this.#query('SELECT session_json FROM modals WHERE view_id = $1', [viewId]);
    if (!rows[0]) return undefined;
    const s = rows[0].session_json as ModalSession;
    const account = s.account && { ...s.account, createdAt: s.account.createdAt && new Date(s.account.createdAt) };
    return { ...s, account, createdAt: new Date(s.createdAt) };
  }

  async deleteModal(viewId: string): Promise<boolean> {
    return (await this.#query('DELETE FROM modals WHERE view_id = $1', [viewId])).rowCount === 1;
  }

  // ── requests ────────────────────────────────────────────────────────────────────────────────────────────────
  async createRequest(request: ChangeRequest, effects: (r: ChangeRequest) => Effects): Promise<ChangeRequest> {
    return this.#tx(async (c) => {
      const { rows } = await c.query<Row>(
        `INSERT INTO requests (id, team_id, enterprise_id, channel_id, card_channel_id, card_ts, response_url, requester_id,
             account_id, before_json, change_json, reason, state, approvals_required, decided_by, outcome_detail,
             aws_request_id, revert_of, created_at, expires_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
           RETURNING *`,
        [
          request.id,
          request.teamId,
          request.enterpriseId ?? null,
          request.channelId,
          request.cardChannelId,
          request.cardTs ?? null,
          request.responseUrl ?? null,
          request.requesterId,
          request.accountId,
          JSON.stringify(request.before),
          JSON.stringify(request.change),
          request.reason ?? null,
          request.state,
          request.approvalsRequired,
          request.decidedBy ?? null,
          request.outcomeDetail ?? null,
          request.awsRequestId ?? null,
          request.revertOf ?? null,
          request.createdAt,
          request.expiresAt,
          request.updatedAt,
        ],
      );
      const stored = toRequest(rows[0]!, []); // a new request has no approvals yet
      await writeEffects(c, effects(stored));
      return stored;
    });
  }

  async getRequest(id: string): Promise<ChangeRequest | undefined> {
    return readRequest(this.#queryable(), id);
  }

  async transition(
    id: string,
    from: readonly RequestState[],
    to: RequestState,
    patch: TransitionPatch,
    effects: (r: ChangeRequest) => Effects,
    guard: { owner?: string } = {},
  ): Promise<ChangeRequest | undefined> {
    checkTransition(from, to);
    return this.#tx(async (c) => {
      const changed = await c.query<Row>(
        `UPDATE requests SET state = $1, updated_at = $2,
             decided_by = COALESCE($3, decided_by), outcome_detail = COALESCE($4, outcome_detail),
             aws_request_id = COALESCE($5, aws_request_id),
             claim_owner = CASE WHEN $1 = 'applying' THEN claim_owner END,
             claim_until = CASE WHEN $1 = 'applying' THEN claim_until END
           WHERE id = $6 AND state = ANY($7::text[]) AND ($8::text IS NULL OR claim_owner = $8)
           RETURNING *`,
        [
          to,
          new Date(),
          patch.decidedBy ?? null,
          patch.outcomeDetail ?? null,
          patch.awsRequestId ?? null,
          id,
          [...from],
          guard.owner ?? null,
        ],
      );
      // The row as updated; its approvals in a statement of their own, after any wait for the row's lock.
      // (A request that needs no approval has none to read.)
      const row = changed.rows[0];
      const updated = row && toRequest(row, Number(row.approvals_required) === 0 ? [] : await approvalsOf(c, id));
      if (!updated) return undefined;
      await writeEffects(c, effects(updated));
      return updated;
    });
  }

  async claimApply(
    id: string,
    from: 'approved' | 'expired-claim',
    owner: string,
    until: Date,
    now: Date,
  ): Promise<ChangeRequest | undefined> {
    // One statement, atomic on its own: no BEGIN/COMMIT round trips on the way to UpdateAccount. Its approvals can be
    // read in the same statement: only a request past pending matches, and approvals stop when it leaves pending.
    const which = from === 'approved' ? "state = 'approved'" : "state = 'applying' AND (claim_until IS NULL OR claim_until <= $5)";
    const { rows } = await this.#query(
      `WITH r AS (UPDATE requests SET state = 'applying', claim_owner = $1, claim_until = $2, updated_at = $3
                  WHERE id = $4 AND ${which} RETURNING *)
       SELECT r.*, ${WITH_APPROVALS} FROM r`,
      from === 'approved' ? [owner, until, new Date(), id] : [owner, until, new Date(), id, now],
    );
    return rows[0] && aggregated(rows[0]);
  }

  async renewClaim(id: string, owner: string, until: Date): Promise<boolean> {
    const changed = await this.#query("UPDATE requests SET claim_until = $1 WHERE id = $2 AND state = 'applying' AND claim_owner = $3", [
      until,
      id,
      owner,
    ]);
    return changed.rowCount === 1;
  }

  async claimOnce(key: string, effects: Effects): Promise<boolean> {
    return this.#tx(async (c) => {
      const inserted = await c.query('INSERT INTO once_keys (key, at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, new Date()]);
      if (inserted.rowCount !== 1) return false;
      await writeEffects(c, effects);
      return true;
    });
  }

  async approve(
    id: string,
    teamId: string,
    approval: ChangeRequest['approvals'][number],
    effects: (r: ChangeRequest, complete: boolean) => Effects,
  ): Promise<ApproveResult> {
    return this.#tx(async (c): Promise<ApproveResult> => {
      // The row lock makes concurrent approvals of one request take turns: each sees the approvals before it.
      const request = await readRequest(c, id, 'FOR UPDATE');
      if (!request) return { ok: false, reason: 'There is no such request.' };
      const blocker = approvalBlocker(request, approval.userId, teamId, approval.at);
      if (blocker) return { ok: false, reason: blocker };
      await c.query('INSERT INTO approvals (request_id, user_id, at, comment) VALUES ($1, $2, $3, $4)', [
        id,
        approval.userId,
        approval.at,
        approval.comment ?? null,
      ]);
      const complete = request.approvals.length + 1 >= request.approvalsRequired;
      if (complete)
        await c.query("UPDATE requests SET state = 'approved', updated_at = $1 WHERE id = $2 AND state = 'pending'", [new Date(), id]);
      const updated = (await readRequest(c, id))!;
      await writeEffects(c, effects(updated, complete));
      return { ok: true, request: updated, complete };
    });
  }

  async requestsIn(state: RequestState): Promise<ChangeRequest[]> {
    return readRequests(this.#queryable(), 'WHERE state = $1 ORDER BY created_at, id', [state]);
  }

  async findRequests(query: RequestQuery): Promise<ChangeRequest[]> {
    const order = query.order === 'oldest' ? 'created_at ASC, id ASC' : 'updated_at DESC, id DESC';
    return readRequests(
      this.#queryable(),
      `WHERE team_id = $1 AND ($2::text IS NULL OR requester_id = $2) AND ($3::text[] IS NULL OR state = ANY($3::text[]))
       ORDER BY ${order} LIMIT $4`,
      [query.teamId, query.requesterId ?? null, query.states ? [...query.states] : null, Math.max(0, Math.floor(query.limit))],
    );
  }

  async expiredPending(now: Date): Promise<ChangeRequest[]> {
    return readRequests(this.#queryable(), "WHERE state = 'pending' AND expires_at <= $1 ORDER BY expires_at, id", [now]);
  }

  async setCardTs(requestId: string, ts: string): Promise<void> {
    await this.#query('UPDATE requests SET card_ts = $1 WHERE id = $2 AND card_ts IS NULL', [ts, requestId]);
  }

  /** The pool as a Queryable whose errors say "unavailable" when they mean it. */
  #queryable(): Queryable {
    return { query: ((text: string, values?: unknown[]) => this.#query(text, values)) as Queryable['query'] };
  }

  // ── audit ───────────────────────────────────────────────────────────────────────────────────────────────────
  async record(effects: Effects): Promise<void> {
    await this.#tx((c) => writeEffects(c, effects));
  }

  async history(filter: { teamId?: string; accountId?: string; limit: number }): Promise<AuditRow[]> {
    const { rows } = filter.accountId
      ? await this.#query('SELECT * FROM audit WHERE account_id = $1 AND ($2::text IS NULL OR team_id = $2) ORDER BY seq DESC LIMIT $3', [
          filter.accountId,
          filter.teamId ?? null,
          filter.limit,
        ])
      : await this.#query('SELECT * FROM audit WHERE ($1::text IS NULL OR team_id = $1) ORDER BY seq DESC LIMIT $2', [
          filter.teamId ?? null,
          filter.limit,
        ]);
    return rows.map(toAuditRow);
  }

  async auditRows(filter: { since?: Date; accountId?: string } = {}): Promise<AuditRow[]> {
    const { rows } = await this.#query(
      `SELECT * FROM audit WHERE ($1::timestamptz IS NULL OR at >= $1) AND ($2::text IS NULL OR account_id = $2) ORDER BY seq`,
      [filter.since ?? null, filter.accountId ?? null],
    );
    return rows.map(toAuditRow);
  }

  // ── outbox ──────────────────────────────────────────────────────────────────────────────────────────────────
  async dueOutbox(now: Date, limit: number): Promise<OutboxEntry[]> {
    const { rows } = await this.#query(
      `SELECT o.id, o.channel_id, o.item_json, o.attempts FROM outbox o
       WHERE o.done_at IS NULL AND o.next_at <= $1
         AND NOT EXISTS (SELECT 1 FROM outbox w WHERE w.channel_id = o.channel_id AND w.done_at IS NULL AND w.id < o.id AND w.next_at > $1)
       ORDER BY o.id LIMIT $2`,
      [now, limit],
    );
    return rows.map(toOutboxEntry);
  }

  async claimOutbox(owner: string, now: Date, limit: number, leaseUntil: Date): Promise<OutboxEntry[]> {
    // SKIP LOCKED alone is not enough for per-channel order: a claimer that skips another's locked row would not see
    // its uncommitted lease and could take the row behind it. Claimers take turns (a short transaction), so each sees
    // the leases committed before it; SKIP LOCKED then only passes rows being settled right now (leased, not due).
    const rows = await this.#tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.outbox]);
      const { rows } = await c.query(
        `UPDATE outbox SET lease_owner = $1, lease_until = $2
         WHERE id IN (
           SELECT o.id FROM outbox o
           WHERE o.done_at IS NULL AND o.next_at <= $3 AND (o.lease_until IS NULL OR o.lease_until <= $3)
             AND NOT EXISTS (SELECT 1 FROM outbox w WHERE w.channel_id = o.channel_id AND w.done_at IS NULL AND w.id < o.id
                               AND (w.next_at > $3 OR w.lease_until > $3))
           ORDER BY o.id LIMIT $4
           FOR UPDATE SKIP LOCKED)
         RETURNING id, channel_id, item_json, attempts`,
        [owner, leaseUntil, now, limit],
      );
      return rows;
    });
    return rows.map(toOutboxEntry).sort((a, b) => a.id - b.id);
  }

  async outboxDone(id: number, error?: string): Promise<void> {
    await this.#query(
      'UPDATE outbox SET done_at = $1, last_error = $2, attempts = attempts + 1, lease_owner = NULL, lease_until = NULL WHERE id = $3',
      [new Date(), error ?? null, id],
    );
  }

  async outboxRetry(id: number, nextAt: Date, error: string): Promise<void> {
    await this.#query(
      'UPDATE outbox SET next_at = $1, last_error = $2, attempts = attempts + 1, lease_owner = NULL, lease_until = NULL WHERE id = $3',
      [nextAt, error, id],
    );
  }

  async pendingOutboxCount(): Promise<number> {
    const { rows } = await this.#query('SELECT count(*) AS n FROM outbox WHERE done_at IS NULL');
    return Number(rows[0]!.n);
  }

  async outboxStats(now: Date): Promise<{ pending: number; oldestAgeMs: number }> {
    const { rows } = await this.#query('SELECT count(*) AS n, min(created_at) AS oldest FROM outbox WHERE done_at IS NULL');
    const oldest = rows[0]!.oldest as Date | null;
    return { pending: Number(rows[0]!.n), oldestAgeMs: oldest ? Math.max(0, now.getTime() - oldest.getTime()) : 0 };
  }

  // ── health and leadership ───────────────────────────────────────────────────────────────────────────────────
  async ping(): Promise<void> {
    try {
      await this.#pool.query('SELECT 1');
    } catch (error) {
      throw error instanceof StoreUnavailableError ? error : new StoreUnavailableError('the database is unavailable', { cause: error });
    }
  }

  /**
   * Leadership of the sweep: a session advisory lock held on a connection of its own (a pooled one would hand the
   * lock to whoever borrows it next, and a transaction-mode PgBouncer would drop it). Tried again on each call; when
   * the connection has died — the server ended it, the network failed — the lock is gone with it, so this call says
   * false and the next one reconnects and tries again. Calls take turns.
   */
  lead(): Promise<boolean> {
    const previous = this.#leading ?? Promise.resolve(false);
    const next = previous.then(
      () => this.#tryLead(),
      () => this.#tryLead(),
    );
    this.#leading = next;
    return next;
  }

  async #tryLead(): Promise<boolean> {
    if (this.#closed) return false;
    const current = this.#leader;
    if (current && !current.dead) {
      try {
        if (current.held) {
          await current.client.query('SELECT 1');
          return true;
        }
        const { rows } = await current.client.query('SELECT pg_try_advisory_lock($1) AS held', [LOCKS.lead]);
        current.held = rows[0].held === true;
        return current.held;
      } catch {
        this.#dropLeader(current);
        return false;
      }
    }
    const wasHeld = current?.held === true;
    if (current) this.#dropLeader(current);
    if (wasHeld) return false; // the lock went with the connection: say so once before trying again
    const client = new pg.Client({
      ...this.#config,
      application_name: 'chime-account-lead',
      connectionTimeoutMillis: this.#connectTimeoutMs,
    });
    const leader = { client, held: false, dead: false };
    const lost = () => {
      leader.dead = true;
    };
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.connect();
      this.#leader = leader;
      const { rows } = await client.query('SELECT pg_try_advisory_lock($1) AS held', [LOCKS.lead]);
      leader.held = rows[0].held === true;
      return leader.held;
    } catch {
      this.#dropLeader(leader);
      return false;
    }
  }

  #dropLeader(leader: { client: pg.Client; dead: boolean; held: boolean }): void {
    leader.dead = true;
    if (this.#leader === leader) this.#leader = undefined;
    leader.client.end().catch(() => {});
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#leading?.catch(() => {});
    const leader = this.#leader;
    this.#leader = undefined;
    if (leader) await leader.client.end().catch(() => {});
    await this.#pool.end();
  }
}

// ── rows ──────────────────────────────────────────────────────────────────────────────────────────────────────
/**
 * A request's row with its approvals as one more column of the same statement: a round trip to the server costs more
 * than the query, and every write of a change reads the request back. Not for a row read under a lock it may have
 * waited for: the subquery sees the statement's snapshot, taken before the wait, so it could miss the approval the
 * lock holder just committed (that read takes the approvals in a statement of their own, see readRequest).
 */
const WITH_APPROVALS = `coalesce((SELECT json_agg(json_build_object('user_id', a.user_id, 'at', a.at, 'comment', a.comment)
    ORDER BY a.at, a.user_id) FROM approvals a WHERE a.request_id = r.id), '[]'::json) AS approvals_agg`;

async function readRequest(c: Queryable, id: string, lock?: 'FOR UPDATE'): Promise<ChangeRequest | undefined> {
  if (lock) {
    const { rows } = await c.query<Row>(`SELECT * FROM requests WHERE id = $1 ${lock}`, [id]);
    return rows[0] && toRequest(rows[0], await approvalsOf(c, id));
  }
  const { rows } = await c.query<Row>(`SELECT r.*, ${WITH_APPROVALS} FROM requests r WHERE r.id = $1`, [id]);
  return rows[0] && aggregated(rows[0]);
}

/** The request of a row read with WITH_APPROVALS (JSON: its times come as strings). */
function aggregated(row: Row): ChangeRequest {
  return toRequest(
    row,
    (row.approvals_agg as Row[]).map((a) => ({ ...a, at: new Date(String(a.at)) })),
  );
}

/** A request's approvals, read now (a statement of its own: a fresh snapshot). */
async function approvalsOf(c: Queryable, id: string): Promise<Row[]> {
  const { rows } = await c.query<Row>('SELECT request_id, user_id, at, comment FROM approvals WHERE request_id = $1 ORDER BY at, user_id', [
    id,
  ]);
  return rows;
}

/** Requests matching `where`, with their approvals in one more query (not one per request). */
async function readRequests(c: Queryable, where: string, values: unknown[]): Promise<ChangeRequest[]> {
  const { rows } = await c.query<Row>(`SELECT * FROM requests ${where}`, values);
  if (rows.length === 0) return [];
  const approvals = await c.query<Row>(
    'SELECT request_id, user_id, at, comment FROM approvals WHERE request_id = ANY($1::text[]) ORDER BY at, user_id',
    [rows.map((r) => r.id)],
  );
  const byRequest = new Map<string, Row[]>();
  for (const a of approvals.rows) {
    const list = byRequest.get(String(a.request_id)) ?? [];
    list.push(a);
    byRequest.set(String(a.request_id), list);
  }
  return rows.map((r) => toRequest(r, byRequest.get(String(r.id)) ?? []));
}

function toRequest(r: Row, approvals: Row[]): ChangeRequest {
  return {
    id: String(r.id),
    teamId: String(r.team_id),
    enterpriseId: optional(r.enterprise_id),
    channelId: String(r.channel_id),
    cardChannelId: String(r.card_channel_id),
    cardTs: optional(r.card_ts),
    responseUrl: optional(r.response_url),
    requesterId: String(r.requester_id),
    accountId: String(r.account_id),
    before: r.before_json as ChangeRequest['before'],
    change: r.change_json as ChangeRequest['change'],
    reason: optional(r.reason),
    state: String(r.state) as RequestState,
    approvalsRequired: Number(r.approvals_required),
    approvals: approvals.map((a) => ({ userId: String(a.user_id), at: a.at as Date, comment: optional(a.comment) })),
    decidedBy: optional(r.decided_by),
    outcomeDetail: optional(r.outcome_detail),
    awsRequestId: optional(r.aws_request_id),
    claim: r.claim_owner == null ? undefined : { owner: String(r.claim_owner), until: r.claim_until as Date },
    revertOf: optional(r.revert_of),
    createdAt: r.created_at as Date,
    expiresAt: r.expires_at as Date,
    updatedAt: r.updated_at as Date,
  };
}

async function writeEffects(c: Queryable, { audit, posts }: Effects): Promise<void> {
  if (audit.length > 0) await appendAudit(c, audit);
  if (posts.length === 0) return;
  // Every post in one statement (a round trip each would cost more than the insert), in order: ids follow the VALUES
  // rows. A card goes to its request's card channel ('' if the request is gone).
  const values: unknown[] = [new Date(0), new Date()];
  const rows = posts.map((item) => {
    values.push(item.kind === 'card' ? item.requestId : item.channelId, JSON.stringify(item));
    const [key, json] = [`$${values.length - 1}`, `$${values.length}`];
    const channel = item.kind === 'card' ? `coalesce((SELECT card_channel_id FROM requests WHERE id = ${key}), '')` : key;
    return `(${channel}, ${json}::jsonb, $1::timestamptz, $2::timestamptz)`;
  });
  await c.query(`INSERT INTO outbox (channel_id, item_json, next_at, created_at) VALUES ${rows.join(', ')}`, values);
}

/**
 * Appends under the audit lock, held to the end of the transaction: the next appender waits, then reads the head
 * this one committed (READ COMMITTED takes a new snapshot per statement). UNIQUE seq and prev_hash back it up.
 */
async function appendAudit(c: Queryable, entries: readonly AuditEntry[]): Promise<void> {
  await c.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.audit]);
  const { rows } = await c.query<Row>('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
  let prevHash = rows[0] ? String(rows[0].hash) : GENESIS_HASH;
  let seq = rows[0] ? Number(rows[0].seq) : 0;
  for (const entry of entries) {
    const row = chainRow(prevHash, ++seq, entry);
    await c.query(
      `INSERT INTO audit (seq, at, action, actor_id, team_id, channel_id, account_id, request_id, before_json,
           change_json, detail, aws_request_id, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        row.seq,
        row.at,
        row.action,
        row.actorId,
        row.teamId,
        row.channelId ?? null,
        row.accountId ?? null,
        row.requestId ?? null,
        row.before ? JSON.stringify(row.before) : null,
        row.change ? JSON.stringify(row.change) : null,
        row.detail ?? null,
        row.awsRequestId ?? null,
        row.prevHash,
        row.hash,
      ],
    );
    prevHash = row.hash;
  }
}

function optional(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

function toOutboxEntry(r: Row): OutboxEntry {
  return { id: Number(r.id), channelId: String(r.channel_id), item: r.item_json as OutboxItem, attempts: Number(r.attempts) };
}

function toAuditRow(r: Row): AuditRow {
  return {
    seq: Number(r.seq),
    at: r.at as Date,
    action: String(r.action) as AuditRow['action'],
    actorId: String(r.actor_id),
    teamId: String(r.team_id),
    channelId: optional(r.channel_id),
    accountId: optional(r.account_id),
    requestId: optional(r.request_id),
    before: (r.before_json ?? undefined) as AuditRow['before'],
    change: (r.change_json ?? undefined) as AuditRow['change'],
    detail: optional(r.detail),
    awsRequestId: optional(r.aws_request_id),
    prevHash: String(r.prev_hash),
    hash: String(r.hash),
  };
}
