/** Settings: a missing or malformed one stops the bot with a line naming it, and never prints a secret. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { loadConfig } from '../src/config.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'config-test-'));
const policy = join(dir, 'policy.yml');
writeFileSync(policy, 'roles:\n  requesters: ["U0ALICE"]\n  approvers: ["U0BOB"]\n');

describe('configuration', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts a minimal environment and fills the defaults', () => {
    const r = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', POLICY_FILE: policy });
    assert.ok(r.ok);
    assert.equal(r.config.port, 3000);
    assert.equal(r.config.aws.region, 'us-east-1');
    assert.equal(r.config.databasePath, './data/chime-account.db');
    assert.equal(r.config.policy.approval.required, 'always');
  });

  it('names each bad variable on its own line, without the secret', () => {
    const r = loadConfig({ SLACK_BOT_TOKEN: 'xoxp-user-token-SECRET', PORT: 'eighty', DATABASE_URL: 'mysql://x', POLICY_FILE: policy });
    assert.ok(!r.ok);
    const text = r.problems.join('\n');
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'PORT', 'DATABASE_URL']) assert.match(text, new RegExp(name));
    assert.doesNotMatch(text, /user-token/, 'the token value is not echoed');
  });

  it('METRICS_PORT: unset or equal to PORT serves /metrics on PORT, another port on its own; LOG_FORMAT json or pretty', () => {
    const base = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', POLICY_FILE: policy };
    const at = (env: Record<string, string>) => {
      const r = loadConfig({ ...base, ...env });
      assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
      return r.config;
    };
    assert.equal(at({}).metricsPort, undefined);
    assert.equal(at({ METRICS_PORT: '3000' }).metricsPort, undefined, 'the same as PORT (default 3000)');
    assert.equal(at({ PORT: '8080', METRICS_PORT: '8080' }).metricsPort, undefined);
    assert.equal(at({ METRICS_PORT: '9464' }).metricsPort, 9464);
    assert.equal(at({}).logFormat, 'json');
    assert.equal(at({ LOG_FORMAT: 'pretty' }).logFormat, 'pretty');
    for (const [name, value] of [
      ['METRICS_PORT', 'nine'],
      ['METRICS_PORT', '65536'],
      ['LOG_FORMAT', 'xml'],
    ]) {
      const r = loadConfig({ ...base, [name!]: value! });
      assert.ok(!r.ok);
      assert.equal(r.problems.length, 1, r.problems.join('\n'));
      assert.match(r.problems[0]!, new RegExp(`^${name} must be`));
    }
  });

  it('names the bad key of the policy file', () => {
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'roles:\n  requesters: ["alice"]\napproval:\n  required: sometimes\n');
    const r = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', POLICY_FILE: bad });
    assert.ok(!r.ok);
    assert.match(r.problems.join('\n'), /roles\.requesters\.0/);
    assert.match(r.problems.join('\n'), /approval\.required/);
  });

  it('npm start with a broken setting exits 1 with one line per problem', async () => {
    const env = {
      PATH: process.env.PATH,
      SLACK_BOT_TOKEN: 'nope-SUPERSECRET',
      POLICY_FILE: policy,
      DOTENV_CONFIG_PATH: join(dir, 'none.env'),
    };
    const r = await run(process.execPath, ['src/main.ts'], { env, cwd: process.cwd() }).catch((e) => e);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /SLACK_BOT_TOKEN/);
    assert.match(r.stderr, /SLACK_SIGNING_SECRET/);
    assert.doesNotMatch(r.stderr, /SUPERSECRET/);
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
  });
});
