/**
 * The embedded store: one SQLite file through node:sqlite. Calls are synchronous inside, so each transaction runs
 * whole before any other JavaScript; BEGIN IMMEDIATE also keeps a second process on the same file out.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { type AuditEntry, type AuditRow, chainRow, GENESIS_HASH } from '../domain/audit.ts';
import { approvalBlocker, type ChangeRequest, type RequestState } from '../domain/request.ts';
import type { ApproveResult, Effects, ModalSession, OutboxEntry, OutboxItem, Store } from './store.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS requests (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL,
  enterprise_id TEXT,
  channel_id TEXT NOT NULL,
  card_channel_id TEXT NOT NULL,
  card_ts TEXT,
  response_url TEXT,
  requester_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  before_json TEXT NOT NULL,
  change_json TEXT NOT NULL,
  reason TEXT,
  state TEXT NOT NULL,
  approvals_required INTEGER NOT NULL,
  decided_by TEXT,
  outcome_detail TEXT,
  aws_request_id TEXT,
  revert_of TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_by_state ON requests (state, expires_at);
CREATE TABLE IF NOT EXISTS approvals (
  request_id TEXT NOT NULL REFERENCES requests (id),
  user_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  comment TEXT,
  PRIMARY KEY (request_id, user_id)
);
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  action TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  channel_id TEXT,
  account_id TEXT,
  request_id TEXT,
  before_json TEXT,
  change_json TEXT,
  detail TEXT,
  aws_request_id TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_account ON audit (account_id, seq);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  channel_id TEXT NOT NULL,
  item_json TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  last_error TEXT,
  done_at INTEGER
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (done_at, next_at);
CREATE INDEX IF NOT EXISTS outbox_by_channel ON outbox (channel_id, done_at, id);
CREATE TABLE IF NOT EXISTS modals (
  view_id TEXT PRIMARY KEY,
  session_json TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS modals_by_age ON modals (created_at);
`;

type Row = Record<string, SQLInputValue>;

const MODAL_TTL_MS = 24 * 3_600_000;

export class SqliteStore implements Store {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path);
    // WAL with synchronous=NORMAL survives a killed process (not a power cut); FULL would fsync every commit.
    this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
    this.#db.exec(SCHEMA);
  }

  /**
   * A prepared statement, made once per SQL text. Preparing on every call leaves each statement's native memory to
   * the garbage collector, which doesn't see it: under load the process grew by hundreds of MB.
   */
  #sql(text: string): StatementSync {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  #tx<T>(fn: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  // ── modals ──────────────────────────────────────────────────────────────────────────────────────────────────
  async saveModal(session: ModalSession): Promise<void> {
    this.#sql('INSERT OR REPLACE INTO modals (view_id, session_json, created_at) VALUES (?, ?, ?)').run(
      session.viewId,
      JSON.stringify(session),
      session.createdAt.getTime(),
    );
    this.#sql('DELETE FROM modals WHERE created_at < ?').run(Date.now() - MODAL_TTL_MS);
  }

  async getModal(viewId: string): Promise<ModalSession | undefined> {
    const row = this.#sql('SELECT session_json FROM modals WHERE view_id = ?').get(viewId) as Row | undefined;
    if (!row) return undefined;
    const s = JSON.parse(String(row.session_json)) as ModalSession;
    const account = s.account && { ...s.account, createdAt: s.account.createdAt && new Date(s.account.createdAt) };
    return { ...s, account, createdAt: new Date(s.createdAt) };
  }

  async deleteModal(viewId: string): Promise<boolean> {
    return this.#sql('DELETE FROM modals WHERE view_id = ?').run(viewId).changes === 1;
  }

  // ── requests ────────────────────────────────────────────────────────────────────────────────────────────────
  async createRequest(request: ChangeRequest, effects: (r: ChangeRequest) => Effects): Promise<ChangeRequest> {
    return this.#tx(() => {
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
    patch: Partial<Pick<ChangeRequest, 'decidedBy' | 'outcomeDetail' | 'awsRequestId'>>,
    effects: (r: ChangeRequest) => Effects,
  ): Promise<ChangeRequest | undefined> {
    return this.#tx(() => {
      const changed = this.#sql(
        `UPDATE requests SET state = ?, updated_at = ?,
             decided_by = COALESCE(?, decided_by), outcome_detail = COALESCE(?, outcome_detail),
             aws_request_id = COALESCE(?, aws_request_id)
           WHERE id = ? AND state IN (${from.map(() => '?').join(', ')})`,
      ).run(to, Date.now(), patch.decidedBy ?? null, patch.outcomeDetail ?? null, patch.awsRequestId ?? null, id, ...from);
      if (changed.changes !== 1) return undefined;
      const updated = this.#readRequest(id)!;
      this.#writeEffects(effects(updated));
      return updated;
    });
  }

  async approve(
    id: string,
    teamId: string,
    approval: ChangeRequest['approvals'][number],
    effects: (r: ChangeRequest, complete: boolean) => Effects,
  ): Promise<ApproveResult> {
    return this.#tx((): ApproveResult => {
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
    const rows = this.#sql('SELECT id FROM requests WHERE state = ? ORDER BY created_at').all(state) as Row[];
    return rows.map((r) => this.#readRequest(String(r.id))!);
  }

  async expiredPending(now: Date): Promise<ChangeRequest[]> {
    const rows = this.#sql("SELECT id FROM requests WHERE state = 'pending' AND expires_at <= ? ORDER BY expires_at").all(
      now.getTime(),
    ) as Row[];
    return rows.map((r) => this.#readRequest(String(r.id))!);
  }

  async setCardTs(requestId: string, ts: string): Promise<void> {
    this.#sql('UPDATE requests SET card_ts = ? WHERE id = ? AND card_ts IS NULL').run(ts, requestId);
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
      revertOf: optional(r.revert_of),
      createdAt: new Date(Number(r.created_at)),
      expiresAt: new Date(Number(r.expires_at)),
      updatedAt: new Date(Number(r.updated_at)),
    };
  }

  // ── audit ───────────────────────────────────────────────────────────────────────────────────────────────────
  async record(effects: Effects): Promise<void> {
    this.#tx(() => this.#writeEffects(effects));
  }

  #writeEffects({ audit, posts }: Effects): void {
    for (const entry of audit) this.#appendAudit(entry);
    const insert = this.#sql('INSERT INTO outbox (channel_id, item_json, next_at) VALUES (?, ?, ?)');
    const cardChannel = this.#sql('SELECT card_channel_id FROM requests WHERE id = ?');
    for (const item of posts) {
      const channel =
        item.kind === 'post' ? item.channelId : String((cardChannel.get(item.requestId) as Row | undefined)?.card_channel_id ?? '');
      insert.run(channel, JSON.stringify(item), 0);
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
    return rows.map((r) => ({
      id: Number(r.id),
      channelId: String(r.channel_id),
      item: JSON.parse(String(r.item_json)) as OutboxItem,
      attempts: Number(r.attempts),
    }));
  }

  async outboxDone(id: number, error?: string): Promise<void> {
    this.#sql('UPDATE outbox SET done_at = ?, last_error = ?, attempts = attempts + 1 WHERE id = ?').run(Date.now(), error ?? null, id);
  }

  async outboxRetry(id: number, nextAt: Date, error: string): Promise<void> {
    this.#sql('UPDATE outbox SET next_at = ?, last_error = ?, attempts = attempts + 1 WHERE id = ?').run(nextAt.getTime(), error, id);
  }

  async pendingOutboxCount(): Promise<number> {
    const row = this.#sql('SELECT count(*) AS n FROM outbox WHERE done_at IS NULL').get() as Row;
    return Number(row.n);
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
}

function optional(value: SQLInputValue | undefined): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
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
