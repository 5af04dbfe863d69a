/**
 * PostgreSQL's schema, one ordered list, applied at start each in its own transaction under an advisory lock, so
 * replicas starting together apply each step once. Times are timestamptz, JSON is jsonb; the shapes match SQLite's.
 */
import { checkOrder, type Migration } from './types.ts';

export const POSTGRES_MIGRATIONS: readonly Migration[] = checkOrder([
  {
    version: 1,
    name: 'requests with claims, approvals, append-only audit chain, outbox with leases, modals, once-only keys',
    sql: `
CREATE TABLE requests (
  id text PRIMARY KEY,
  team_id text NOT NULL,
  enterprise_id text,
  channel_id text NOT NULL,
  card_channel_id text NOT NULL,
  card_ts text,
  response_url text,
  requester_id text NOT NULL,
  account_id text NOT NULL,
  before_json jsonb NOT NULL,
  change_json jsonb NOT NULL,
  reason text,
  state text NOT NULL,
  approvals_required integer NOT NULL,
  decided_by text,
  outcome_detail text,
  aws_request_id text,
  revert_of text,
  claim_owner text,
  claim_until timestamptz,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX requests_by_state ON requests (state, expires_at);

CREATE TABLE approvals (
  request_id text NOT NULL REFERENCES requests (id),
  user_id text NOT NULL,
  at timestamptz NOT NULL,
  comment text,
  PRIMARY KEY (request_id, user_id)
);

CREATE TABLE audit (
  seq bigint PRIMARY KEY,
  at timestamptz NOT NULL,
  action text NOT NULL,
  actor_id text NOT NULL,
  team_id text NOT NULL,
  channel_id text,
  account_id text,
  request_id text,
  before_json jsonb,
  change_json jsonb,
  detail text,
  aws_request_id text,
  prev_hash text NOT NULL UNIQUE,
  hash text NOT NULL
);
CREATE INDEX audit_by_account ON audit (account_id, seq);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit rows are append-only';
END
$$;
CREATE TRIGGER audit_no_update_or_delete BEFORE UPDATE OR DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
  FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

CREATE TABLE outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  channel_id text NOT NULL,
  item_json jsonb NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_at timestamptz NOT NULL,
  last_error text,
  done_at timestamptz,
  created_at timestamptz NOT NULL,
  lease_owner text,
  lease_until timestamptz
);
CREATE INDEX outbox_due ON outbox (done_at, next_at);
CREATE INDEX outbox_by_channel ON outbox (channel_id, done_at, id);

CREATE TABLE modals (
  view_id text PRIMARY KEY,
  session_json jsonb NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX modals_by_age ON modals (created_at);

CREATE TABLE once_keys (
  key text PRIMARY KEY,
  at timestamptz NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'indexes for the App Home inbox: one workspace by state and age, one requester by last change',
    sql: `
CREATE INDEX requests_by_team ON requests (team_id, state, created_at);
CREATE INDEX requests_by_requester ON requests (team_id, requester_id, updated_at);
`,
  },
]);
