/**
 * Measures whether per-change Chime clients (one AssumeRole each) leak: 200 warm-up calls, then 4 rounds of 1,000
 * AssumeRole + GetAccount against the STS and Chime emulators in this process, printing heap and RSS after each.
 * Run: node_modules/.bin/node --expose-gc --max-semi-space-size=8 test/chime/measure-clients.ts [--no-roles]
 */
import { createAccounts } from '../../src/chime/accounts.ts';
import { SAMPLE } from '../../src/emulators/chime/seed.ts';
import { startChimeEmulator } from '../../src/emulators/chime/server.ts';
import { startStsEmulator } from '../../src/emulators/sts/server.ts';

const ROLE = 'arn:aws:iam::111122223333:role/bot';
const sts = await startStsEmulator({ roles: { [ROLE]: {} } });
const chime = await startChimeEmulator({ sts: sts.sessions });
const roles = process.argv.includes('--no-roles') ? undefined : { '111122223333': { role_arn: ROLE } };
const accounts = createAccounts(
  {
    region: 'us-east-1',
    timeoutMs: 2000,
    endpoint: chime.url,
    stsEndpoint: sts.url,
    credentials: { accessKeyId: 'AKID', secretAccessKey: 's' },
    maxAttempts: 1,
  },
  roles,
);
const mb = () => {
  global.gc?.();
  const m = process.memoryUsage();
  return `heap ${(m.heapUsed / 1e6).toFixed(1)} MB rss ${(m.rss / 1e6).toFixed(1)} MB`;
};
let n = 0;
const round = async (count: number) => {
  const t = performance.now();
  for (let i = 0; i < count; i++, n++) {
    const on = {
      requestId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      teamId: 'T1',
      requesterId: `U${n}`,
      approverIds: ['U0B'],
    };
    await accounts.get(SAMPLE.team, on);
  }
  return (performance.now() - t) / count;
};
await round(200);
console.log('after warm-up 200:', mb());
for (let r = 1; r <= 4; r++) {
  const ms = await round(1000);
  sts.sessions.clear();
  chime.calls.length = 0;
  chime.trail.length = 0;
  sts.calls.length = 0;
  console.log(`after ${r}k more: ${mb()}, ${ms.toFixed(2)} ms per call`);
}
await chime.close();
await sts.close();
