/**
 * Bodies that break inside Bolt itself, sent to the bot as a real process (`node src/main.ts`): the process must
 * stay up and answer the next valid request. A correctly signed `payload=null` makes Bolt's HTTPReceiver throw
 * outside any handler (an unhandled rejection), which by Node's default would end the process.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { type ChimeEmulator, startChimeEmulator } from '../../src/emulators/chime/server.ts';
import { signRequest } from '../../src/emulators/slack/client.ts';
import { type SlackEmulator, startSlackEmulator } from '../../src/emulators/slack/server.ts';
import { type Harness, SIGNING_SECRET } from '../helpers/harness.ts';
import { commandBody, FORM } from '../helpers/hostile.ts';
import { auditActions, type BotProcess, rawPost, rawPostOnce, startBotProcess, texts } from '../helpers/proof.ts';

describe('the bot process survives bodies that break inside Bolt', () => {
  let chime: ChimeEmulator;
  let slack: SlackEmulator;
  let dir: string;
  let bot: BotProcess;

  before(async () => {
    chime = await startChimeEmulator();
    slack = await startSlackEmulator();
    dir = mkdtempSync(join(tmpdir(), 'chime-account-hostile-'));
    writeFileSync(
      join(dir, 'policy.yml'),
      stringify({ roles: { viewers: ['*'], requesters: ['U0ALICE'], approvers: ['U0BOB'] }, approval: { required: 'never' } }),
    );
    bot = await startBotProcess({ dir, slack, chimeUrl: chime.url, policyFile: join(dir, 'policy.yml') });
  });
  after(async () => {
    if (bot.child.exitCode === null && bot.child.signalCode === null) bot.kill('SIGTERM');
    await bot.exited;
    await Promise.all([chime.close(), slack.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('signed bodies Bolt cannot type or handle (payload null, a string, a number, an array, true, a null view): refused; the process stays up', async () => {
    const nullView = new URLSearchParams({
      payload: JSON.stringify({ type: 'view_submission', user: { id: 'U0ALICE' }, team: { id: 'T0TEAM' }, view: null }),
    }).toString();
    const bodies = ['payload=null', 'payload=%22text%22', 'payload=42', 'payload=%5B%5D', 'payload=true', nullView];
    // All at once: Bolt answers those it cannot type with 404 after its 3 s ack timeout, a null view with 500, and
    // null not at all (its receiver throws before any timer is set): each is given up after 3.5 s, as Slack does.
    const results = await Promise.all(
      bodies.map((body) =>
        rawPostOnce(bot.port, body, { 'content-type': FORM, ...signRequest(SIGNING_SECRET, body) }, 3_500).catch((e: Error) => ({
          status: 0,
          body: e.message,
        })),
      ),
    );
    results.forEach((r, i) => assert.notEqual(r.status, 200, `${bodies[i]} is not accepted`));
    assert.equal(bot.child.exitCode, null, `the process is still running:\n${bot.output().slice(-2_000)}`);
    assert.match(bot.output(), /unhandled rejection \(the bot keeps running\)/, 'the null body was logged, not fatal');

    const h = { slack } as Harness;
    const help = commandBody(h, 'U0ALICE', 'help');
    const m = slack.ephemerals.length;
    const ok = await rawPost(bot.port, help, { 'content-type': FORM, ...signRequest(SIGNING_SECRET, help) });
    assert.equal(ok.status, 200, 'the next valid request is answered');
    await slack.waitFor(() => slack.ephemerals.slice(m).find((e) => /history \[account-id\]/.test(texts(e))));
    assert.equal(chime.calls.length, 0);
    assert.deepEqual(auditActions(dir), []);
  });
});
