/**
 * Every start-up failure of the bot process is one line naming the setting, exit 1, never a stack trace: a token
 * Slack refuses, a DATABASE_URL file that cannot be opened, a port in use, a policy that can't be read, a Node
 * older than 22.18 (dist/main.js, when an old Node is on this machine). Real processes, the Slack emulator.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { type SlackEmulator, startSlackEmulator } from '../../src/emulators/slack/server.ts';
import { nodeTooOld } from '../../src/ops/runtime.ts';
import { DEFAULT_POLICY } from '../helpers/harness.ts';
import { botProcessEnv, ROOT, runBotToExit } from '../helpers/proof.ts';

const run = promisify(execFile);

describe('start-up failures: one line naming the setting', () => {
  let slack: SlackEmulator;
  let dir: string;
  let busy: Server;
  let busyPort: number;

  before(async () => {
    slack = await startSlackEmulator();
    dir = mkdtempSync(join(tmpdir(), 'chime-account-startup-'));
    writeFileSync(join(dir, 'policy.yml'), stringify(DEFAULT_POLICY));
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, () => r()));
    busyPort = (busy.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise((r) => busy.close(r));
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `node src/main.ts` with a deployment's environment plus `env`, to its exit. */
  const start = (env: Record<string, string>) => runBotToExit(botProcessEnv({ dir, slack, policyFile: join(dir, 'policy.yml'), env }), dir);

  const assertOneLine = (r: { code: number; stderr: string }, setting: RegExp) => {
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
    assert.match(lines[0]!, /^chime-account cannot start: /);
    assert.match(lines[0]!, setting);
    assert.doesNotMatch(r.stderr, /\bat .*:\d+:\d+/, 'no stack trace');
  };

  it('a bot token Slack refuses (invalid_auth)', async () => {
    const r = await start({ SLACK_BOT_TOKEN: 'xoxb-SECRET-wrong' });
    assertOneLine(r, /SLACK_BOT_TOKEN: Slack refused the bot token \(invalid_auth\)/);
    assert.doesNotMatch(r.stderr, /SECRET-wrong/);
  });

  it('a DATABASE_URL file that cannot be opened (sqlite:/proc/x.db)', async () => {
    assertOneLine(await start({ DATABASE_URL: 'sqlite:/proc/x.db' }), /DATABASE_URL.*\/proc\/x\.db/);
  });

  it('a port in use', async () => {
    assertOneLine(await start({ PORT: String(busyPort) }), new RegExp(`PORT ${busyPort}: the port is already in use`));
  });

  it('a policy file that cannot be read (a directory)', async () => {
    const r = await start({ POLICY_FILE: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /POLICY_FILE .* cannot be read \(EISDIR\)/);
    assert.doesNotMatch(r.stderr, /\bat .*:\d+:\d+/);
  });

  it('a Node older than 22.18: refused in words', async (t) => {
    assert.equal(nodeTooOld('24.1.0'), undefined);
    assert.equal(nodeTooOld('22.18.0'), undefined);
    assert.equal(nodeTooOld('23.0.0'), undefined);
    assert.match(nodeTooOld('22.17.1') ?? '', /needs Node\.js 22\.18\.0 or newer.*this is Node 22\.17\.1/);
    assert.match(nodeTooOld('20.20.2') ?? '', /needs Node\.js 22\.18\.0/);
    // The real launcher under the machine's own old Node, when it has one (Debian's is 20 here).
    const old = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => existsSync(p));
    const version = old ? (await run(old, ['--version'])).stdout.trim().slice(1) : undefined;
    if (!old || !version || !nodeTooOld(version)) return t.skip('no Node older than 22.18 on this machine');
    const out = join(dir, 'dist');
    await run(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--outdir', out]);
    const r = await run(old, [join(out, 'main.js')]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`needs Node\\.js 22\\.18\\.0 or newer .*this is Node ${version.replaceAll('.', '\\.')}`));
  });
});
