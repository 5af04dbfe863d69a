/**
 * `npm run audit-log -- export [--since DATE] [--account ID]`: the audit log as JSON Lines on stdout.
 * `npm run audit-log -- verify`: checks the hash chain; exit 1 and the first bad row when it is broken.
 * Reads DATABASE_URL (from the environment or .env) like the bot; needs no Slack or AWS settings.
 */
import { parseArgs } from 'node:util';
import dotenv from 'dotenv';
import { verifyChain } from '../domain/audit.ts';
import { DEFAULT_DATABASE_URL, openStore } from '../store/open.ts';

dotenv.config({ quiet: true });

const USAGE = 'usage: npm run audit-log -- export [--since YYYY-MM-DD] [--account ID] | verify';

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { since: { type: 'string' }, account: { type: 'string' } },
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
  const store = await openStore(process.env.DATABASE_URL || DEFAULT_DATABASE_URL, { poolSize: 1 });
  try {
    if (command === 'export') {
      for (const row of await store.auditRows({ since, accountId: values.account }))
        process.stdout.write(`${JSON.stringify({ ...row, at: row.at.toISOString() })}\n`);
      return 0;
    }
    const result = verifyChain(await store.auditRows());
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
