/**
 * The embedded store: one SQLite file through node:sqlite, for one process. Calls are synchronous inside, so each
 * transaction runs whole before any other JavaScript; BEGIN IMMEDIATE also keeps a second process on the same file
 * out, and a write that finds another process's lock waits for it without blocking the event loop (#write). A file
 * that can't be used now (locked too long, read-only, disk full, I/O error) fails as StoreUnavailableError.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { type AuditEntry, type AuditRow, chainRow, GENESIS_HASH } from '../domain/audit.ts';
import { approvalBlocker, type ChangeRequest, type RequestState } from '../domain/request.ts';
import { SQLITE_MIGRATIONS } from './migrations/sqlite.ts';
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

type Row = Record<string, SQLInputValue>;
/** A prepared statement whose errors say StoreUnavailableError when the file can't be used now. */
interface Statement {
  run(...values: SQLInputValue[]): ReturnType<StatementSync['run']>;
  get(...values: SQLInputValue[]): ReturnType<StatementSync['get']>;
  all(...values: SQLInputValue[]): ReturnType<StatementSync['all']>;
}

/**
 * SQLite's primary result codes that mean "the file can't be used now" rather than a bad query: busy or locked
 * (another process holds the write lock past LOCK_WAIT_MS), read-only, I/O error, disk full, can't open.
 */
const UNAVAILABLE_CODES = new Set([5, 6, 8, 10, 13, 14]);

/** How long a write waits for another process's write lock (a CLI opening the file, a backup) before it gives up. */
const LOCK_WAIT_MS = 5_000;

/** SQLITE_BUSY or SQLITE_LOCKED: another connection holds the lock now, so trying again later may work. */
function isBusy(error: unknown): boolean {
  const code = ((error as { errcode?: number } | undefined)?.errcode ?? 0) & 0xff;
  return code === 5 || code === 6;
}

/** Runs one call into SQLite, turning "the file can't be used now" (or a closed store) into StoreUnavailableError. */
function guarded<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    const e = error as { code?: string; errcode?: number };
    const unavailable =
      (e?.code === 'ERR_SQLITE_ERROR' && UNAVAILABLE_CODES.has((e.errcode ?? 0) & 0xff)) || e?.code === 'ERR_INVALID_STATE';
    throw unavailable ? new StoreUnavailableError('the database is unavailable', { cause: error }) : error;
  }
}

const MODAL_TTL_MS = 24 * 3_600_000;

export class SqliteStore implements Store {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, Statement>();

  /** Opens (creating) the file and brings its schema up to date; throws one line when the file is newer than the code. */
  constructor(path: string, migrations: readonly Migration[] = SQLITE_MIGRATIONS) {
    if (path === '') throw new Error('DATABASE_URL: sqlite: needs a file path, such as sqlite:./data/chime-account.db');
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path);
    try {
      // WAL with synchronous=NORMAL survives a killed process (not a power cut); FULL would fsync every commit.
      this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
      this.#migrate(migrations);
      // From here on writes wait for a lock in #write, without blocking; reads in WAL mode need none.
      this.#db.exec('PRAGMA busy_timeout = 0');
    } catch (error) {
      this.#db.close();
      throw error;
    }
  }

  /**
   * Applies the steps this file lacks, in one transaction. A file from before versioned migrations (tables, no
   * schema_migrations) is adopted: version 1 is today's old schema, all IF NOT EXISTS, so it is run again and recorded.
   */
  #migrate(migrations: readonly Migration[]): void {
    this.#tx(() => {
      const versioned = this.#db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
      if (!versioned)
        this.#db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      const row = this.#db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as Row;
      const current = Number(row.v ?? 0);
      const known = migrations.length;
      if (current > known) throw newerThanCode(current, known);
      const record = this.#db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
      for (const m of migrations.slice(current)) {
        this.#db.exec(m.sql);
        record.run(m.version, m.name, new Date().toISOString());
      }
    });
  }

  /**
   * A prepared statement, made once per SQL text. Preparing on every call leaves each statement's native memory to
   * the garbage collector, which doesn't see it: under load the process grew by hundreds of MB.
   */
  #sql(text: string): Statement {
    let statement = this.#statements.get(text);
    if (!statement) {
      const prepared = guarded(() => this.#db.prepare(text));
      statement = {
        run: (...values: SQLInputValue[]) => guarded(() => prepared.run(...values)),
        get: (...values: SQLInputValue[]) => guarded(() => prepared.get(...values)),
        all: (...values: SQLInputValue[]) => guarded(() => prepared.all(...values)),
      };
      this.#statements.set(text, statement);
    }
    return statement;
  }

  #tx<T>(fn: () => T): T {
    guarded(() => this.#db.exec('BEGIN IMMEDIATE'));
    try {
      const result = fn();
      guarded(() => this.#db.exec('COMMIT'));
      return result;
    } catch (error) {
      // A failed COMMIT may have ended the transaction already; the first error is the one to report.
      if (this.#db.isOpen && this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  /**
   * A write transaction that waits for another process's write lock without blocking the event loop: SQLite's own
   * busy_timeout waits synchronously, which would freeze every request (and /healthz) for that long. Past
   * LOCK_WAIT_MS it fails as StoreUnavailableError. `fn` itself runs whole once the lock is had.
   */
  async #write<T>(fn: () => T): Promise<T> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        return this.#tx(fn);
      } catch (error) {
        if (!(error instanceof StoreUnavailableError && isBusy(error.cause)) || Date.now() >= deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  // ── modals ──────────────────────────────────────────────────────────────────────────────────────────────────
  async saveModal(session: ModalSession): Promise<void> {
    await this.#write(() => {
      this.#sql('INSERT OR REPLACE INTO modals (view_id, session_json, created_at) VALUES (?, ?, ?)').run(
        session.viewId,
        JSON.stringify(session),
        session.createdAt.getTime(),
      );
      this.#sql('DELETE FROM modals WHERE created_at < ?').run(Date.now() - MODAL_TTL_MS);
    });
  }

  async getModal(viewId: string): Promise<ModalSession | undefined> {
    const row = this.#sql('SELECT session_json FROM modals WHERE view_id = ?').get(viewId) as Row | undefined;
    if (!row) return undefined;
    const s = JSON.parse(String(row.session_json)) as ModalSession;
    const account = s.account && { ...s.account, createdAt: s.account.createdAt && new Date(s.account.createdAt) };
    return { ...s, account, createdAt: new Date(s.createdAt) };
  }

  async deleteModal(viewId: string): Promise<boolean> {
    return this.#write(() => this.#sql('DELETE FROM modals WHERE view_id = ?').run(viewId).changes === 1);
  }

  // ── requests ────────────────────────────────────────────────────────────────────────────────────────────────
  async createRequest(request: ChangeRequest, effects: (r: ChangeRequest) => Effects): Promise<ChangeRequest> {
    return this.#write(() => {
      this.#sql(
        `INSERT INTO requests (id, team_id, enterprise_id, channel_id, card_channel_id, card_ts, response_url, requester_id,
             account_id, before_json, change_json, reason, state, approvals_required, decided_by, outcome_detail,
             aws_request_id, revert_of, created_at, expires_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
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
        request.createdAt.getTime(),
        request.expiresAt.getTime(),
        request.updatedAt.getTime(),
      );
      const stored = this.#readRequest(request.id)!;
      this.#writeEffects(effects(stored));
      return stored;
    });
  }

  async getRequest(id: string): Promise<ChangeRequest | undefined> {
    return this.#readRequest(id);
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
    return this.#write(() => {
      const keepClaim = to === 'applying' ? 1 : 0;
      const changed = this.#sql(
        `UPDATE requests SET state = ?, updated_at = ?,
             decided_by = COALESCE(?, decided_by), outcome_detail = COALESCE(?, outcome_detail),
             aws_request_id = COALESCE(?, aws_request_id),
             claim_owner = CASE WHEN ? THEN claim_owner END, claim_until = CASE WHEN ? THEN claim_until END
           WHERE id = ? AND (? IS NULL OR claim_owner = ?) AND state IN (${from.map(() => '?').join(', ')})`,
      ).run(
        to,
        Date.now(),
        patch.decidedBy ?? null,
        patch.outcomeDetail ?? null,
        patch.awsRequestId ?? null,
        keepClaim,
        keepClaim,
        id,
        guard.owner ?? null,
        guard.owner ?? null,
        ...from,
      );
      if (changed.changes !== 1) return undefined;
      const updated = this.#readRequest(id)!;
      this.#writeEffects(effects(updated));
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
    const which = from === 'approved' ? "state = 'approved'" : "state = 'applying' AND (claim_until IS NULL OR claim_until <= ?)";
    return this.#write(() => {
      const changed = this.#sql(
        `UPDATE requests SET state = 'applying', claim_owner = ?, claim_until = ?, updated_at = ? WHERE id = ? AND ${which}`,
      ).run(owner, until.getTime(), Date.now(), id, ...(from === 'approved' ? [] : [now.getTime()]));
      return changed.changes === 1 ? this.#readRequest(id) : undefined;
    });
  }

  async renewClaim(id: string, owner: string, until: Date): Promise<boolean> {
    return this.#write(
      () =>
        this.#sql("UPDATE requests SET claim_until = ? WHERE id = ? AND state = 'applying' AND claim_owner = ?").run(
          until.getTime(),
          id,
          owner,
        ).changes === 1,
    );
  }

  async claimOnce(key: string, effects: Effects): Promise<boolean> {
    return this.#write(() => {
      if (this.#sql('INSERT OR IGNORE INTO once_keys (key, at) VALUES (?, ?)').run(key, Date.now()).changes !== 1) return false;
      this.#writeEffects(effects);
      return true;
    });
  }

  async approve(
    id: string,
    teamId: string,
    approval: ChangeRequest['approvals'][number],
    effects: (r: ChangeRequest, complete: boolean) => Effects,
  ): Promise<ApproveResult> {
    return this.#write((): ApproveResult => {
      const request = this.#readRequest(id);
      if (!request) return { ok: false, reason: 'There is no such request.' };
      const blocker = approvalBlocker(request, approval.userId, teamId, approval.at);
      if (blocker) return { ok: false, reason: blocker };
      this.#sql('INSERT INTO approvals (request_id, user_id, at, comment) VALUES (?, ?, ?, ?)').run(
        id,
        approval.userId,
        approval.at.getTime(),
        approval.comment ?? null,
      );
      const complete = request.approvals.length + 1 >= request.approvalsRequired;
      if (complete)
        this.#sql("UPDATE requests SET state = 'approved', updated_at = ? WHERE id = ? AND state = 'pending'").run(Date.now(), id);
      const updated = this.#readRequest(id)!;
      this.#writeEffects(effects(updated, complete));
      return { ok: true, request: updated, complete };
    });
  }

  async requestsIn(state: RequestState): Promise<ChangeRequest[]> {
    const rows = this.#sql('SELECT id FROM requests WHERE state = ? ORDER BY created_at, id').all(state) as Row[];
    return rows.map((r) => this.#readRequest(String(r.id))!);
  }

  async findRequests(query: RequestQuery): Promise<ChangeRequest[]> {
    const states = query.states ?? [];
    const order = query.order === 'oldest' ? 'created_at ASC, id ASC' : 'updated_at DESC, id DESC';
    const rows = this.#sql(
      `SELECT id FROM requests WHERE team_id = ? AND (? IS NULL OR requester_id = ?)
         ${states.length ? `AND state IN (${states.map(() => '?').join(', ')})` : ''}
       ORDER BY ${order} LIMIT ?`,
    ).all(query.teamId, query.requesterId ?? null, query.requesterId ?? null, ...states, Math.max(0, Math.floor(query.limit))) as Row[];
    return rows.map((r) => this.#readRequest(String(r.id))!);
  }

  async expiredPending(now: Date): Promise<ChangeRequest[]> {
    const rows = this.#sql("SELECT id FROM requests WHERE state = 'pending' AND expires_at <= ? ORDER BY expires_at, id").all(
      now.getTime(),
    ) as Row[];
    return rows.map((r) => this.#readRequest(String(r.id))!);
  }

  async setCardTs(requestId: string, ts: string): Promise<void> {
    await this.#write(() => this.#sql('UPDATE requests SET card_ts = ? WHERE id = ? AND card_ts IS NULL').run(ts, requestId));
  }

  #readRequest(id: string): ChangeRequest | undefined {
    const r = this.#sql('SELECT * FROM requests WHERE id = ?').get(id) as Row | undefined;
    if (!r) return undefined;
    const approvals = this.#sql('SELECT user_id, at, comment FROM approvals WHERE request_id = ? ORDER BY at, user_id').all(id) as Row[];
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
      before: JSON.parse(String(r.before_json)),
      change: JSON.parse(String(r.change_json)),
      reason: optional(r.reason),
      state: String(r.state) as RequestState,
      approvalsRequired: Number(r.approvals_required),
      approvals: approvals.map((a) => ({ userId: String(a.user_id), at: new Date(Number(a.at)), comment: optional(a.comment) })),
      decidedBy: optional(r.decided_by),
      outcomeDetail: optional(r.outcome_detail),
      awsRequestId: optional(r.aws_request_id),
      claim: r.claim_owner == null ? undefined : { owner: String(r.claim_owner), until: new Date(Number(r.claim_until)) },
      revertOf: optional(r.revert_of),
      createdAt: new Date(Number(r.created_at)),
      expiresAt: new Date(Number(r.expires_at)),
      updatedAt: new Date(Number(r.updated_at)),
    };
  }

  // ── audit ───────────────────────────────────────────────────────────────────────────────────────────────────
  async record(effects: Effects): Promise<void> {
    await this.#write(() => this.#writeEffects(effects));
  }

  #writeEffects({ audit, posts }: Effects): void {
    for (const entry of audit) this.#appendAudit(entry);
    const insert = this.#sql('INSERT INTO outbox (channel_id, item_json, next_at, created_at) VALUES (?, ?, ?, ?)');
    const now = Date.now();
    const cardChannel = this.#sql('SELECT card_channel_id FROM requests WHERE id = ?');
    for (const item of posts) {
      const channel =
        item.kind === 'post' ? item.channelId : String((cardChannel.get(item.requestId) as Row | undefined)?.card_channel_id ?? '');
      insert.run(channel, JSON.stringify(item), 0, now);
    }
  }

  #appendAudit(entry: AuditEntry): void {
    const last = this.#sql('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
    const row = chainRow(last ? String(last.hash) : GENESIS_HASH, last ? Number(last.seq) + 1 : 1, entry);
    this.#sql(
      `INSERT INTO audit (seq, at, action, actor_id, team_id, channel_id, account_id, request_id, before_json,
           change_json, detail, aws_request_id, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      row.seq,
      row.at.toISOString(),
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
    );
  }

  async history(filter: { teamId?: string; accountId?: string; limit: number }): Promise<AuditRow[]> {
    // Two statements, so that one account's history uses audit_by_account instead of scanning the whole log.
    const rows = (
      filter.accountId
        ? this.#sql('SELECT * FROM audit WHERE account_id = ? AND (? IS NULL OR team_id = ?) ORDER BY seq DESC LIMIT ?').all(
            filter.accountId,
            filter.teamId ?? null,
            filter.teamId ?? null,
            filter.limit,
          )
        : this.#sql('SELECT * FROM audit WHERE (? IS NULL OR team_id = ?) ORDER BY seq DESC LIMIT ?').all(
            filter.teamId ?? null,
            filter.teamId ?? null,
            filter.limit,
          )
    ) as Row[];
    return rows.map(toAuditRow);
  }

  async auditRows(filter: { since?: Date; accountId?: string } = {}): Promise<AuditRow[]> {
    const rows = this.#sql(`SELECT * FROM audit WHERE (? IS NULL OR at >= ?) AND (? IS NULL OR account_id = ?) ORDER BY seq`).all(
      filter.since?.toISOString() ?? null,
      filter.since?.toISOString() ?? null,
      filter.accountId ?? null,
      filter.accountId ?? null,
    ) as Row[];
    return rows.map(toAuditRow);
  }

  // ── outbox ──────────────────────────────────────────────────────────────────────────────────────────────────
  async dueOutbox(now: Date, limit: number): Promise<OutboxEntry[]> {
    const rows = this.#sql(
      `SELECT o.id, o.channel_id, o.item_json, o.attempts FROM outbox o
       WHERE o.done_at IS NULL AND o.next_at <= ?
         AND NOT EXISTS (SELECT 1 FROM outbox w WHERE w.channel_id = o.channel_id AND w.done_at IS NULL AND w.id < o.id AND w.next_at > ?)
       ORDER BY o.id LIMIT ?`,
    ).all(now.getTime(), now.getTime(), limit) as Row[];
    return rows.map(toOutboxEntry);
  }

  async claimOutbox(owner: string, now: Date, limit: number, leaseUntil: Date): Promise<OutboxEntry[]> {
    const rows = await this.#write(
      () =>
        this.#sql(
          `UPDATE outbox SET lease_owner = ?, lease_until = ?
         WHERE id IN (
           SELECT o.id FROM outbox o
           WHERE o.done_at IS NULL AND o.next_at <= ? AND (o.lease_until IS NULL OR o.lease_until <= ?)
             AND NOT EXISTS (SELECT 1 FROM outbox w WHERE w.channel_id = o.channel_id AND w.done_at IS NULL AND w.id < o.id
                               AND (w.next_at > ? OR w.lease_until > ?))
           ORDER BY o.id LIMIT ?)
         RETURNING id, channel_id, item_json, attempts`,
        ).all(owner, leaseUntil.getTime(), now.getTime(), now.getTime(), now.getTime(), now.getTime(), limit) as Row[],
    );
    return rows.map(toOutboxEntry).sort((a, b) => a.id - b.id);
  }

  async outboxDone(id: number, error?: string): Promise<void> {
    await this.#write(() =>
      this.#sql(
        'UPDATE outbox SET done_at = ?, last_error = ?, attempts = attempts + 1, lease_owner = NULL, lease_until = NULL WHERE id = ?',
      ).run(Date.now(), error ?? null, id),
    );
  }

  async outboxRetry(id: number, nextAt: Date, error: string): Promise<void> {
    await this.#write(() =>
      this.#sql(
        'UPDATE outbox SET next_at = ?, last_error = ?, attempts = attempts + 1, lease_owner = NULL, lease_until = NULL WHERE id = ?',
      ).run(nextAt.getTime(), error, id),
    );
  }

  async pendingOutboxCount(): Promise<number> {
    const row = this.#sql('SELECT count(*) AS n FROM outbox WHERE done_at IS NULL').get() as Row;
    return Number(row.n);
  }

  async outboxStats(now: Date): Promise<{ pending: number; oldestAgeMs: number }> {
    const row = this.#sql('SELECT count(*) AS n, min(created_at) AS oldest FROM outbox WHERE done_at IS NULL').get() as Row;
    return { pending: Number(row.n), oldestAgeMs: row.oldest == null ? 0 : Math.max(0, now.getTime() - Number(row.oldest)) };
  }

  // ── health and leadership ───────────────────────────────────────────────────────────────────────────────────
  /** One process owns the file, so it always leads. */
  async lead(): Promise<boolean> {
    return this.#db.isOpen;
  }

  /** Health: the file can be read and written now (an empty write transaction, which a foreign lock holds up). */
  async ping(): Promise<void> {
    try {
      this.#sql('SELECT 1').get();
      await this.#write(() => undefined);
    } catch (error) {
      throw error instanceof StoreUnavailableError ? error : new StoreUnavailableError('the database is unavailable', { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
}

function optional(value: SQLInputValue | undefined): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

function toOutboxEntry(r: Row): OutboxEntry {
  return {
    id: Number(r.id),
    channelId: String(r.channel_id),
    item: JSON.parse(String(r.item_json)) as OutboxItem,
    attempts: Number(r.attempts),
  };
}

function toAuditRow(r: Row): AuditRow {
  return {
    seq: Number(r.seq),
    at: new Date(String(r.at)),
    action: String(r.action) as AuditRow['action'],
    actorId: String(r.actor_id),
    teamId: String(r.team_id),
    channelId: optional(r.channel_id),
    accountId: optional(r.account_id),
    requestId: optional(r.request_id),
    before: r.before_json ? JSON.parse(String(r.before_json)) : undefined,
    change: r.change_json ? JSON.parse(String(r.change_json)) : undefined,
    detail: optional(r.detail),
    awsRequestId: optional(r.aws_request_id),
    prevHash: String(r.prev_hash),
    hash: String(r.hash),
  };
}
