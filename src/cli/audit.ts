/**
 * `npm run audit-log -- export [--since DATE] [--account ID]`: the audit log as JSON Lines on stdout.
 * `npm run audit-log -- verify [--anchors FILE]`: checks the hash chain; exit 1 and the first bad row when it is broken.
 * With --anchors (the audit channel's anchor posts as Slack exports them, or a JSON list of {seq, hash}), also checks
 * the database against what Slack recorded: a chain rewritten with every hash recomputed, or its newest rows deleted,
 * fails. A database file that does not exist is an error (exit 2), not an empty, "intact" log.
 * Reads DATABASE_URL (from the environment or .env) like the bot; needs no Slack or AWS settings.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import dotenv from 'dotenv';
import { checkAnchors, parseAnchors } from '../audit/anchor.ts';
import { verifyChain } from '../domain/audit.ts';
import { DEFAULT_DATABASE_URL, databaseKind, openStore } from '../store/open.ts';

dotenv.config({ quiet: true });

const USAGE = 'usage: npm run audit-log -- export [--since YYYY-MM-DD] [--account ID] | verify [--anchors FILE]';

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { since: { type: 'string' }, account: { type: 'string' }, anchors: { type: 'string' } },
  });
  const [command] = positionals;
  if (command !== 'export' && command !== 'verify') {
    console.error(USAGE);
    return 2;
  }
  const since = values.since ? new Date(values.since) : undefined;
  if (since && Number.isNaN(since.getTime())) {
    console.error(`--since: not a date: ${values.since}`);
    return 2;
  }
  let anchors: ReturnType<typeof parseAnchors> | undefined;
  if (values.anchors) {
    try {
      anchors = parseAnchors(JSON.parse(readFileSync(values.anchors, 'utf8')));
    } catch (error) {
      console.error(`--anchors ${values.anchors}: ${(error as Error).message}`);
      return 2;
    }
    if (anchors.length === 0) {
      console.error(`--anchors ${values.anchors}: no audit anchors in it (messages with "seq=N hash=…", or {seq, hash} items)`);
      return 2;
    }
  }
  const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const target = databaseKind(url);
  // Opening a SQLite path creates it: an empty new file would report an "intact" log of 0 rows.
  if (target?.kind === 'sqlite' && target.path !== ':memory:' && !existsSync(target.path)) {
    console.error(`audit: there is no database at ${target.path} (check DATABASE_URL)`);
    return 2;
  }
  const store = await openStore(url, { poolSize: 1 });
  try {
    if (command === 'export') {
      for (const row of await store.auditRows({ since, accountId: values.account }))
        process.stdout.write(`${JSON.stringify({ ...row, at: row.at.toISOString() })}\n`);
      return 0;
    }
    const rows = await store.auditRows();
    const result = verifyChain(rows);
    if (!result.problem && anchors) {
      const problems = checkAnchors(rows, anchors);
      for (const p of problems)
        console.log(
          p.problem === 'missing'
            ? `audit log BROKEN: row ${p.seq}, anchored in Slack, is missing (rows were deleted; the log ends at row ${rows.at(-1)?.seq ?? 0})`
            : `audit log BROKEN at row ${p.seq}: its hash is not the one anchored in Slack (the chain was rewritten)`,
        );
      if (problems.length > 0) return 1;
      const newest = Math.max(...anchors.map((a) => a.seq));
      console.log(
        `audit log intact: ${result.rows} row(s), every row linked to the one before it, matching ${anchors.length} anchor(s) up to row ${newest}`,
      );
      return 0;
    }
    if (!result.problem) {
      console.log(`audit log intact: ${result.rows} row(s), every row linked to the one before it`);
      return 0;
    }
    const words = { altered: 'was altered', 'removed-or-inserted': 'follows a removed or inserted row', 'out-of-order': 'is out of order' };
    console.log(`audit log BROKEN at row ${result.problem.seq}: it ${words[result.problem.problem]}`);
    return 1;
  } finally {
    await store.close();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(`audit: ${(error as Error).message}`);
  process.exitCode = 2;
}
