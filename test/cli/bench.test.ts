/**
 * `npm run bench -- --quick --store postgres --replicas 2` runs every phase and prints the figures. A smoke test: the
 * figures are not checked against the targets (timings on a shared machine are the bench's to report, not a test's
 * to assert), but what must hold whatever the timing is: every phase ran, every request ended in its summary, and
 * no approval burst caused a second UpdateAccount.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('npm run bench', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chime-account-bench-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--quick --store postgres --replicas 2: SQLite and PostgreSQL figures side by side, no doubled UpdateAccount', async () => {
    const out = join(dir, 'bench.json');
    // The TypeScript as it is (no build into dist/), the smallest sizes.
    // The sizes this test counts on, given here rather than read off --quick's defaults.
    const args = ['src/cli/bench.ts', '--quick', '--store', 'postgres', '--replicas', '2', '--flow-samples', '6', '--bursts', '2'];
    args.push('--bot-entry', 'src/main.ts');
    const { stdout } = await run(process.execPath, [...args, '--duration', '2', '--requests', '500', '--out', out], {
      timeout: 120_000,
      maxBuffer: 4 * 1024 * 1024,
    });
    for (const row of [
      'PostgreSQL ×2',
      'SQLite ×1',
      'ack p99 (ms)',
      'confirm → summary p99 (ms)',
      "Chime calls' own time p50 / p99 (ms)",
      'requests with a doubled UpdateAccount',
      'UpdateAccount calls / approved requests (all)',
    ])
      assert.ok(stdout.includes(row), `the table shows "${row}":\n${stdout}`);

    const json = JSON.parse(readFileSync(out, 'utf8'));
    for (const [store, flows] of [
      ['sqlite', json.stores.sqlite.flows],
      ['postgres', json.stores.postgres.flows],
    ]) {
      assert.equal(flows.samples, 6, `${store}: every direct change timed to its summary`);
      assert.equal(flows.updates, flows.approved, `${store}: one UpdateAccount per approved request`);
      assert.equal(flows.bursts.applied, 2, `${store}: every burst's request applied`);
      assert.deepEqual(flows.bursts.updatesPerRequest, [1, 1], `${store}: one UpdateAccount per burst`);
      assert.ok(flows.toSummaryP99 > 0 && Number.isFinite(flows.chimeP99), `${store}: confirm → summary and Chime's time measured`);
    }
    // (Not errors === 0: on a starved machine an ack can pass Slack's 3 s; the bench reports that, as FAIL.)
    assert.ok(json.stores.postgres.runs.spread.completed > 0, 'the ack run on the replicas answered');
  });
});
