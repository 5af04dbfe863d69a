/**
 * Slack failing under the bot: 429 with Retry-After and 5xx on chat.postMessage and chat.update (the audit row is
 * committed before anything is posted; the outbox retries until the post lands, late but never dropped nor
 * doubled), the Web API client's bounded retries (a handler never waits out Slack's default ~30 minutes), and a
 * channel the bot is not in (the requester is told by response_url, else by DM, and the audit row stays).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SAMPLE } from '../../src/emulators/chime/seed.ts';
import type { EmuMessage } from '../../src/emulators/slack/server.ts';
import { type Harness, modalOf, requestChange, startHarness } from '../helpers/harness.ts';
import { assertChain, cardFor, mark, texts, until, updates } from '../helpers/proof.ts';

const postCalls = (h: Harness, channel: string) =>
  h.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === channel);
const summaries = (h: Harness, channel: string, from = 0) =>
  h.slack.messages.slice(from).filter((m) => m.channel === channel && /updated/.test(m.text));

async function appliedRow(h: Harness, name: string) {
  const rows = await assertChain(h);
  return rows.find((r) => r.action === 'applied' && r.change?.name === name);
}

describe('Slack rate limits and outages on the outbox’s posts', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(() => h.close());
  beforeEach(() => {
    h.chime.reset();
    h.slack.clearFaults();
  });

  it('429 with Retry-After on chat.postMessage: the audit row is stored first, the summary lands after the wait, once', async () => {
    const m = mark(h);
    const calls = h.slack.calls.length;
    h.slack.addFault({ method: 'chat.postMessage', status: 429, retryAfterSeconds: 1, times: 2 });
    const name = 'Acme Rate Limited';
    await requestChange(h, 'U0ALICE', SAMPLE.team, { name });
    await h.bot.workflow.idle();
    const row = await appliedRow(h, name);
    assert.ok(row, 'the applied audit row is in the store while Slack still refuses posts');
    assert.equal(summaries(h, 'C0OPS', m.messages).length, 0, 'nothing posted yet: Slack asked the bot to wait');

    const summary = await h.slack.waitFor(() => summaries(h, 'C0OPS', m.messages)[0], 8_000);
    await h.settle();
    assert.equal(summaries(h, 'C0OPS', m.messages).length, 1, 'posted once: delayed, not dropped, not doubled');
    assert.match(texts(summary), new RegExp(name));
    const newCalls = h.slack.calls.slice(calls).filter((c) => c.method === 'chat.postMessage');
    assert.equal(newCalls.filter((c) => c.status === 429).length, 2, 'both refusals were seen');
    const landed = newCalls.find((c) => c.args.channel === 'C0OPS' && c.status === 200)!;
    assert.ok(landed.at >= row.at.getTime(), 'the post went out after its audit row was committed');
    // Retry-After was honoured: the outbox did not hammer Slack while it was told to wait.
    const refused = newCalls.find((c) => c.status === 429)!;
    assert.ok(landed.at - refused.at >= 900, `retried ${landed.at - refused.at} ms after a 1 s Retry-After`);
    assert.equal(await h.bot.store.pendingOutboxCount(), 0);
  });

  it('5xx on chat.postMessage for a while: the summary waits in the outbox and lands once Slack recovers', async () => {
    const m = mark(h);
    h.slack.addFault({ method: 'chat.postMessage', status: 500 });
    const name = 'Acme Outage';
    await requestChange(h, 'U0ALICE', SAMPLE.lwa, { name });
    await h.bot.workflow.idle();
    assert.ok(await appliedRow(h, name));
    await until(() => postCalls(h, 'C0OPS').some((c) => c.status === 500), 8_000, 'a failed summary post');
    assert.equal(summaries(h, 'C0OPS', m.messages).length, 0);
    assert.ok((await h.bot.store.pendingOutboxCount()) > 0, 'the posts wait in the outbox');
    h.slack.clearFaults(); // Slack recovers
    await h.slack.waitFor(() => summaries(h, 'C0OPS', m.messages)[0], 10_000);
    await until(async () => (await h.bot.store.pendingOutboxCount()) === 0, 10_000, 'the outbox to drain');
    assert.equal(summaries(h, 'C0OPS', m.messages).length, 1);
    assert.ok(
      h.slack.messages.slice(m.messages).some((x) => x.channel === 'C0AUDIT' && /changed/.test(x.text)),
      'the audit channel copy too',
    );
    assert.equal(updates(h).length, 1, 'a Slack outage never repeats the Chime change');
  });
});

describe('channels are posted to side by side', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(() => h.close());

  it('the audit channel answering slowly does not hold back the summary in the channel, and keeps its own order', async () => {
    const m = mark(h);
    const calls = h.slack.calls.length;
    h.slack.addFault({ method: 'chat.postMessage', channel: 'C0AUDIT', latencyMs: 3_000 });
    const name = 'Acme Audit Slow';
    await requestChange(h, 'U0ALICE', SAMPLE.team, { name });
    const summary = await h.slack.waitFor(() => summaries(h, 'C0OPS', m.messages)[0], 5_000);
    const auditAnswered = () =>
      h.slack.calls.slice(calls).filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0AUDIT' && c.status === 200);
    assert.equal(auditAnswered().length, 0, 'the summary was posted while the audit channel had not answered yet');
    assert.match(texts(summary), new RegExp(name));
    await h.slack.waitFor(() => auditAnswered().length >= 2, 15_000);
    h.slack.clearFaults();
    await h.settle();
    const audit = h.slack.messages
      .slice(m.messages)
      .filter((x) => x.channel === 'C0AUDIT')
      .map((x) => x.text);
    const requested = audit.findIndex((t) => /requested a change/.test(t));
    const changed = audit.findIndex((t) => /> changed account/.test(t));
    assert.ok(requested >= 0 && changed >= 0, 'both audit posts landed');
    assert.ok(requested < changed, 'the audit channel’s order kept');
    assert.equal(summaries(h, 'C0OPS', m.messages).length, 1);
  });
});

describe('Slack rate limits and outages on chat.update (approval cards)', () => {
  let h: Harness;
  const policy = {
    roles: { viewers: ['*'], requesters: ['U0ALICE'], approvers: ['U0BOB'] },
    approval: { required: 'always', approvers_required: 1, expires_after: '24h', reason: 'optional' },
  };
  before(async () => (h = await startHarness({ policy })));
  after(() => h.close());

  for (const fault of [
    { label: '429 with Retry-After', status: 429, retryAfterSeconds: 1, times: 2 },
    { label: '5xx', status: 503, times: 4 },
  ]) {
    it(`${fault.label} on chat.update: the card still ends up showing the outcome`, async () => {
      h.chime.reset();
      const name = `Card after ${fault.status}`;
      const m = mark(h);
      await requestChange(h, 'U0ALICE', SAMPLE.oidc, { name });
      const card = await cardFor(h, SAMPLE.oidc, m.messages);
      const calls = h.slack.calls.length;
      h.slack.addFault({ method: 'chat.update', status: fault.status, retryAfterSeconds: fault.retryAfterSeconds, times: fault.times });
      await h.user.clickButton('U0BOB', { message: card, actionId: 'request_approve' });
      const modal = await modalOf(h, 'U0BOB', 'chime_approve');
      await h.user.submitView('U0BOB', modal.id, {});
      await h.bot.workflow.idle();
      assert.equal(h.chime.accounts.get(SAMPLE.oidc)!.Name, name);
      const latest = () => h.slack.messages.find((x) => x.ts === card.ts && x.channel === card.channel) as EmuMessage;
      await h.slack.waitFor(() => /Applied/.test(JSON.stringify(latest().blocks)), 10_000);
      const updatesSeen = h.slack.calls.slice(calls).filter((c) => c.method === 'chat.update');
      assert.ok(
        updatesSeen.some((c) => c.status === fault.status),
        'Slack did refuse the update',
      );
      assert.ok(
        updatesSeen.some((c) => c.status === 200),
        'and the outbox tried again until it took',
      );
      await h.settle();
      const thread = h.slack.messages.filter((x) => x.thread_ts === card.ts && /updated/.test(x.text));
      assert.equal(thread.length, 1, 'the summary is in the thread once');
      assert.equal(updates(h).length, 1);
      await assertChain(h);
    });
  }
});

describe('the Web API client’s retries are bounded', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(() => h.close());
  beforeEach(() => {
    h.slack.clearFaults();
    h.slack.ephemerals.length = 0;
  });

  it('views.open keeps answering 500: two quick retries, then the person is told (no 30-minute retry loop)', async () => {
    const calls = h.slack.calls.length;
    h.slack.addFault({ method: 'views.open', status: 500 });
    await h.user.command('U0ALICE', `update ${SAMPLE.team}`);
    await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === 'U0ALICE' && /did not let me open the form/.test(e.text)), 8_000);
    const opens = h.slack.calls.slice(calls).filter((c) => c.method === 'views.open');
    assert.equal(opens.length, 3, 'the first try and retryConfig’s 2 retries');
    assert.equal(h.chime.calls.filter((c) => c.operation === 'GetAccount').length, 0);
  });

  it('views.open answers 429 with Retry-After 30 s: the call is rejected at once rather than waited out', async () => {
    const calls = h.slack.calls.length;
    h.slack.addFault({ method: 'views.open', status: 429, retryAfterSeconds: 30 });
    await h.user.command('U0ALICE', `update ${SAMPLE.team}`);
    // Without rejectRateLimitedCalls the client would sleep 30 s (and pause every other call) before retrying.
    await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === 'U0ALICE' && /did not let me open the form/.test(e.text)), 8_000);
    assert.equal(h.slack.calls.slice(calls).filter((c) => c.method === 'views.open').length, 1);
    // The client's queue is not paused: the next command's modal opens normally.
    h.slack.clearFaults();
    await h.user.command('U0ALICE', `update ${SAMPLE.team}`);
    await modalOf(h, 'U0ALICE', 'chime_change', (v) => v.view.blocks.some((b) => b.type === 'input'));
  });
});

describe('a channel the bot is not in (C0RANDOM)', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(() => h.close());
  beforeEach(() => {
    h.chime.reset();
    h.slack.clearFaults();
  });

  it('the requester gets the summary by response_url, with how to invite the bot; the audit row stays', async () => {
    const m = mark(h);
    const name = 'Acme Random Channel';
    await requestChange(h, 'U0ALICE', SAMPLE.team, { name }, 'C0RANDOM');
    const told = await h.slack.waitFor(() =>
      h.slack.ephemerals.slice(m.ephemerals).find((e) => e.user === 'U0ALICE' && /not a member of/.test(texts(e))),
    );
    assert.equal(told.channel, 'C0RANDOM');
    assert.equal(told.via, 'response_url');
    assert.match(texts(told), new RegExp(name), 'with the summary itself');
    assert.match(texts(told), /\/invite/);
    assert.equal(h.slack.messages.slice(m.messages).filter((x) => x.channel === 'C0RANDOM').length, 0);
    const rows = await assertChain(h);
    assert.ok(rows.some((r) => r.action === 'applied' && r.change?.name === name && r.channelId === 'C0RANDOM'));
    assert.equal(h.chime.accounts.get(SAMPLE.team)!.Name, name);
    await h.settle();
    assert.equal(await h.bot.store.pendingOutboxCount(), 0, 'given up for good, not retried forever');
  });

  it('when the response_url fails too, the requester gets a DM', async () => {
    const m = mark(h);
    const name = 'Acme Random DM';
    h.slack.addFault({ method: 'response_url', status: 404, error: 'expired_url' }); // nothing else uses it on this path
    await requestChange(h, 'U0ALICE', SAMPLE.lwa, { name }, 'C0RANDOM');
    const dm = await h.slack.waitFor(() =>
      h.slack.messages.slice(m.messages).find((x) => x.channel === 'D0U0ALICE' && /not a member of/.test(texts(x))),
    );
    assert.match(texts(dm), new RegExp(name));
    assert.ok((await assertChain(h)).some((r) => r.action === 'applied' && r.change?.name === name));
  });
});
