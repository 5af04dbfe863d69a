/**
 * SQLite's schema, one ordered list. Version 1 is the schema the bot had before migrations were versioned (every
 * statement IF NOT EXISTS), so a file from then is adopted as version 1 by running it again and recording it.
 */
import { checkOrder, type Migration } from './types.ts';

export const SQLITE_MIGRATIONS: readonly Migration[] = checkOrder([
  {
    version: 1,
    name: 'requests, approvals, audit, outbox, modals',
    sql: `
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
`,
  },
  {
    version: 2,
    name: 'claims on applying requests, once-only keys, outbox leases and age, one successor per audit row',
    sql: `
ALTER TABLE requests ADD COLUMN claim_owner TEXT;
ALTER TABLE requests ADD COLUMN claim_until INTEGER;
CREATE TABLE once_keys (
  key TEXT PRIMARY KEY,
  at INTEGER NOT NULL
);
ALTER TABLE outbox ADD COLUMN created_at INTEGER;
UPDATE outbox SET created_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000;
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
ALTER TABLE outbox ADD COLUMN lease_until INTEGER;
CREATE UNIQUE INDEX audit_one_successor ON audit (prev_hash);
`,
  },
  {
    version: 3,
    name: 'indexes for the App Home inbox: one workspace by state and age, one requester by last change',
    sql: `
CREATE INDEX requests_by_team ON requests (team_id, state, created_at);
CREATE INDEX requests_by_requester ON requests (team_id, requester_id, updated_at);
`,
  },
]);
