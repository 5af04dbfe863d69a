/**
 * `npm test`'s global setup (node --test-global-setup): one PostgreSQL server for the whole run, its address in
 * CHIME_TEST_POSTGRES for every test file (test/helpers/postgres.ts gives each its own database), stopped and
 * deleted at the end.
 */
import { POSTGRES_ENV, type PostgresServer, startPostgres } from './postgres.ts';

let server: PostgresServer | undefined;

export async function globalSetup(): Promise<void> {
  server = await startPostgres();
  process.env[POSTGRES_ENV] = server.adminUrl;
}

export async function globalTeardown(): Promise<void> {
  await server?.close();
  server = undefined;
}
