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
