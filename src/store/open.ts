/**
 * DATABASE_URL → a Store with its schema up to date. `sqlite:<path>` is the embedded store for one process;
 * `postgres://…` or `postgresql://…` the shared one for several replicas (libpq-style URL: sslmode, host, port…).
 * Any problem is one line naming DATABASE_URL, never the password.
 */
import { isConnectionError, type PostgresOptions, PostgresStore } from './postgres.ts';
import { SqliteStore } from './sqlite.ts';
import type { Store } from './store.ts';

export const DEFAULT_DATABASE_URL = 'sqlite:./data/chime-account.db';
export const DATABASE_URL_FORMS = 'sqlite:<path> or postgres://user:password@host:5432/database';

export type DatabaseKind = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** Which store a URL names, or undefined when it names neither. */
export function databaseKind(url: string): DatabaseKind | undefined {
  if (/^sqlite:.+/.test(url)) return { kind: 'sqlite', path: url.slice('sqlite:'.length) };
  if (/^postgres(ql)?:\/\/./.test(url)) {
    try {
      new URL(url);
    } catch {
      return undefined;
    }
    return { kind: 'postgres', url };
  }
  return undefined;
}

export async function openStore(url: string, options: PostgresOptions = {}): Promise<Store> {
  const target = databaseKind(url);
  if (!target) throw new Error(`DATABASE_URL must be ${DATABASE_URL_FORMS}`);
  if (target.kind === 'sqlite') {
    try {
      return new SqliteStore(target.path);
    } catch (error) {
      throw new Error(oneLine(describeSqlite(error as Error, target.path)));
    }
  }
  try {
    return await PostgresStore.open(target.url, options);
  } catch (error) {
    throw new Error(redact(oneLine(describePostgres(error, target.url)), target.url));
  }
}

function describeSqlite(error: Error, path: string): string {
  if (error.message.startsWith('DATABASE_URL')) return error.message;
  return `DATABASE_URL: cannot open the SQLite file ${path}: ${error.message}`;
}

/** Words for what went wrong, naming the server and database but not the user's password. */
export function describePostgres(error: unknown, url: string): string {
  const e = error as { code?: string; message?: string };
  const message = e?.message ?? String(error);
  if (message.startsWith('DATABASE_URL')) return message;
  const parsed = new URL(url);
  const where = `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}`;
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username) || 'postgres';
  switch (e?.code) {
    case '28P01':
      return `DATABASE_URL: PostgreSQL at ${where} refused the user name or password`;
    case '28000':
      return `DATABASE_URL: PostgreSQL at ${where} does not let this user connect (pg_hba.conf)`;
    case '3D000':
      return `DATABASE_URL: PostgreSQL at ${where} has no database "${database}"`;
    case '42501':
      return `DATABASE_URL: the user may not create the bot's tables in "${database}" (${message})`;
    case 'ECONNREFUSED':
      return `DATABASE_URL: cannot reach PostgreSQL at ${where} (connection refused): is it running?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `DATABASE_URL: cannot resolve the PostgreSQL host ${parsed.hostname}`;
  }
  if (/connection timeout|timeout exceeded when trying to connect/i.test(message))
    return `DATABASE_URL: PostgreSQL at ${where} did not answer in time (connection timeout): is the host or port wrong, or a firewall dropping the connection?`;
  if (/self[- ]signed|certificate|SSL|TLS/i.test(message)) return `DATABASE_URL: TLS to PostgreSQL at ${where} failed: ${message}`;
  if (isConnectionError(error)) return `DATABASE_URL: cannot reach PostgreSQL at ${where}: ${message}`;
  return `DATABASE_URL: PostgreSQL at ${where}: ${message}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Takes the password (as written and decoded) out of a line, whatever produced it. */
export function redact(text: string, url: string): string {
  let password = '';
  try {
    password = new URL(url).password;
  } catch {
    return text;
  }
  if (!password) return text;
  let out = text;
  for (const secret of new Set([password, safeDecode(password)])) if (secret) out = out.split(secret).join('***');
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
