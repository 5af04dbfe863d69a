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

  it('signed bodies Bolt cannot handle (null, a string, a number, an array, true, nulls and wrong types inside): 400 within Slack’s 3 s; the process stays up', async () => {
    const payload = (p: unknown) => new URLSearchParams({ payload: JSON.stringify(p) }).toString();
    const who = { user: { id: 'U0ALICE' }, team: { id: 'T0TEAM' } };
    const bodies: [string, string][] = [
      ['payload=null', FORM],
      ['payload=%22text%22', FORM],
      ['payload=42', FORM],
      ['payload=%5B%5D', FORM],
      ['payload=true', FORM],
      [payload({ type: 'view_submission', ...who, view: null }), FORM],
      [payload({ type: 'view_submission', ...who, view: { id: 'V1', callback_id: 'chime_review', state: 'x' } }), FORM],
      [payload({ type: 'block_actions', ...who, actions: null }), FORM],
      [payload({ type: 'block_actions', ...who, actions: [null] }), FORM],
      [payload({ type: 'block_actions', user: null, team: { id: 'T0TEAM' }, actions: [] }), FORM],
      [payload({ type: 'block_actions', user: 'U0ALICE', team: 7, actions: [] }), FORM],
      [payload({ type: 7, ...who }), FORM],
      [payload({ type: 'block_actions', ...who, container: 'x', actions: [] }), FORM],
      ['null', 'application/json'],
      ['[1,2]', 'application/json'],
      ['"event"', 'application/json'],
      [JSON.stringify({ type: 'event_callback', event: null }), 'application/json'],
    ];
    const results = await Promise.all(
      bodies.map(([body, type]) =>
        rawPostOnce(bot.port, body, { 'content-type': type, ...signRequest(SIGNING_SECRET, body) }, 3_000).catch((e: Error) => ({
          status: 0,
          body: e.message,
        })),
      ),
    );
    results.forEach((r, i) => {
      assert.equal(r.status, 400, `${bodies[i]![0]}: answered ${r.status || `nothing (${r.body})`}`);
    });
    const unsigned = await rawPostOnce(bot.port, 'payload=null', { 'content-type': FORM }, 3_000);
    assert.equal(unsigned.status, 401, 'an unsigned one is refused as before');
    assert.equal(bot.child.exitCode, null, `the process is still running:\n${bot.output().slice(-2_000)}`);
    assert.doesNotMatch(bot.output(), /unhandled rejection/, 'nothing escaped a handler');

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
