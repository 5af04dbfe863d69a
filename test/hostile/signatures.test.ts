/**
 * Request signatures: missing, malformed, wrong, for other bytes, stale and future timestamps — and replays of
 * correctly signed requests. Bolt accepts a replay while its timestamp is under 5 minutes old (it keeps no memory of
 * what it saw), so the bot's own state must stop a replay from doing anything twice: trigger_ids are single-use,
 * modal sessions end when confirmed, requests move state atomically.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SAMPLE } from '../../src/emulators/chime/seed.ts';
import { signRequest } from '../../src/emulators/slack/client.ts';
import { type Harness, modalOf, openForm, requestChange, SIGNING_SECRET, startHarness } from '../helpers/harness.ts';
import { assertUnharmed, baseline, commandBody, FORM } from '../helpers/hostile.ts';
import { cardFor, mark, rawPost, recordSends, texts, updates } from '../helpers/proof.ts';

const now = () => Math.floor(Date.now() / 1000);

describe('signature checks', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(() => h.close());
  beforeEach(() => h.chime.reset());

  /** Sends a valid `update` command with these headers; asserts it was refused and nothing happened. */
  async function refused(headers: (body: string) => Record<string, string>) {
    const b = await baseline(h);
    const m = mark(h);
    const views = h.slack.views.size;
    const body = commandBody(h, 'U0ALICE', `update ${SAMPLE.team}`);
    const res = await rawPost(h.port, body, { 'content-type': FORM, ...headers(body) });
    assert.equal(res.status, 401);
    assert.equal(res.body, '', 'no detail for whoever sent it');
    await new Promise((r) => setTimeout(r, 100)); // give any (wrongly) started work a moment to show
    assert.equal(h.slack.views.size, views, 'no modal opened');
    assert.equal(h.slack.ephemerals.length, m.ephemerals, 'nobody told anything');
    assert.equal(h.chime.calls.length, 0, 'Chime not even read');
    await assertUnharmed(h, b);
  }

  it('no signature headers at all', () => refused(() => ({})));
  it('a timestamp but no signature', () =>
    refused((body) => ({ 'x-slack-request-timestamp': signRequest(SIGNING_SECRET, body)['x-slack-request-timestamp'] })));
  it('a signature but no timestamp', () =>
    refused((body) => ({ 'x-slack-signature': signRequest(SIGNING_SECRET, body)['x-slack-signature'] })));
  it('signed with another secret', () => refused((body) => signRequest('not-the-secret', body)));
  it('signed for other bytes (the body was tampered with)', () =>
    refused((body) => signRequest(SIGNING_SECRET, body.replace('update', 'show'))));
  it('an unknown signature version', () =>
    refused((body) => ({
      ...signRequest(SIGNING_SECRET, body),
      'x-slack-signature': signRequest(SIGNING_SECRET, body)['x-slack-signature'].replace('v0=', 'v1='),
    })));
  it('a signature that is not hex', () =>
    refused((body) => ({ ...signRequest(SIGNING_SECRET, body), 'x-slack-signature': 'v0=' + 'z'.repeat(64) })));
  it('a timestamp that is not a number', () =>
    refused((body) => ({ ...signRequest(SIGNING_SECRET, body), 'x-slack-request-timestamp': 'yesterday' })));
  it('correctly signed but 5 min 1 s old (stale)', () => refused((body) => signRequest(SIGNING_SECRET, body, now() - 301)));
  it('correctly signed but a day old', () => refused((body) => signRequest(SIGNING_SECRET, body, now() - 86_400)));

  it('correctly signed and 4 min 50 s old: accepted (inside Slack’s 5-minute window)', async () => {
    const body = commandBody(h, 'U0ALICE', 'help');
    const m = mark(h);
    const res = await rawPost(h.port, body, { 'content-type': FORM, ...signRequest(SIGNING_SECRET, body, now() - 290) });
    assert.equal(res.status, 200);
    await h.slack.waitFor(() => h.slack.ephemerals.slice(m.ephemerals).find((e) => /history \[account-id\]/.test(texts(e))));
  });

  it('correctly signed with a future timestamp (+1 h): Bolt accepts it — documented; it still needs the secret', async () => {
    // Bolt refuses only timestamps older than 5 minutes. Only someone holding the signing secret (or Slack with a
    // skewed clock) can produce this request, and the bot's own state checks below still stop anything twice.
    const b = await baseline(h);
    const body = commandBody(h, 'U0ALICE', 'help');
    const m = mark(h);
    const res = await rawPost(h.port, body, { 'content-type': FORM, ...signRequest(SIGNING_SECRET, body, now() + 3_600) });
    assert.equal(res.status, 200);
    await h.slack.waitFor(() => h.slack.ephemerals.slice(m.ephemerals).find((e) => /history \[account-id\]/.test(texts(e))));
    await assertUnharmed(h, b);
  });
});

describe('replays of correctly signed requests (within the 5 minutes Bolt allows)', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(() => h.close());
  beforeEach(() => h.chime.reset());

  it('a replayed slash command: its trigger_id is spent, so no second form opens; the person is told', async () => {
    const rec = recordSends(h.user);
    await openForm(h, 'U0ALICE', SAMPLE.team);
    const command = rec.sent.at(-1)!;
    const opened = h.slack.calls.filter((c) => c.method === 'views.open' && (c.response as { ok?: boolean })?.ok).length;
    const m = mark(h);
    const res = await rec.replay(command);
    assert.equal(res.status, 200, 'Bolt accepts the replay: same bytes, valid signature, fresh timestamp');
    await h.slack.waitFor(() =>
      h.slack.ephemerals.slice(m.ephemerals).find((e) => e.user === 'U0ALICE' && /did not let me open the form/.test(e.text)),
    );
    assert.equal(h.slack.calls.filter((c) => c.method === 'views.open' && (c.response as { ok?: boolean })?.ok).length, opened);
    assert.ok(h.slack.calls.some((c) => c.method === 'views.open' && (c.response as { error?: string })?.error === 'exchanged_trigger_id'));
  });

  it('a replayed confirm after the change was applied: "no longer valid", no second request, no second UpdateAccount', async () => {
    const rec = recordSends(h.user);
    const name = 'Replayed Confirm';
    await requestChange(h, 'U0ALICE', SAMPLE.lwa, { name });
    await h.settle();
    assert.equal(updates(h).length, 1);
    const b = await baseline(h);
    const confirm = rec.sent.at(-1)!;
    for (let i = 0; i < 3; i++) {
      const res = await rec.replay(confirm);
      assert.equal(res.status, 200);
      assert.match(res.body, /no longer valid/);
    }
    await h.settle();
    assert.equal((await h.bot.store.requestsIn('applied')).filter((r) => r.change.name === name).length, 1);
    await assertUnharmed(h, b);
  });

  for (const who of [
    { userId: 'U0ALICE', how: 'a requester named in the policy' },
    { userId: 'U0CAROL', how: 'a requester through a user group, looked up in Slack at confirm' },
  ])
    it(`the same confirm delivered 5 times at once (retry storm or fast replay) by ${who.how}: one request, one UpdateAccount`, async () => {
      const name = `Concurrent Confirm ${who.userId}`;
      const form = await openForm(h, who.userId, SAMPLE.oidc);
      await h.user.submitView(who.userId, form.id, { name: { name_input: name } });
      const review = h.slack.topView(who.userId)!;
      await h.restart(); // a bot whose group cache is cold, as it is a minute after the form was opened
      const original = h.user.send.bind(h.user);
      h.user.send = async (raw, headers = {}) => {
        const signed = { ...h.user.signedHeaders(raw), ...headers };
        const all = await Promise.all(Array.from({ length: 5 }, () => original(raw, signed)));
        return all[0]!;
      };
      try {
        await h.user.submitView(who.userId, review.id, {});
      } finally {
        h.user.send = original;
      }
      await h.settle();
      const requests = [];
      for (const state of ['applied', 'failed', 'stale', 'applying', 'approved'] as const)
        requests.push(...(await h.bot.store.requestsIn(state)).filter((r) => r.change.name === name));
      assert.equal(requests.length, 1, `one request, not ${requests.length} (${requests.map((r) => r.state).join(', ')})`);
      assert.equal(updates(h).length, 1, 'one UpdateAccount');
      assert.equal(h.chime.accounts.get(SAMPLE.oidc)!.Name, name);
    });
});

describe('replays in the approval flow', () => {
  let h: Harness;
  const policy = {
    roles: { viewers: ['*'], requesters: ['U0ALICE'], approvers: ['U0BOB', 'U0CAROL'] },
    approval: { required: 'always', approvers_required: 1, expires_after: '24h', reason: 'optional' },
  };
  before(async () => (h = await startHarness({ policy })));
  after(() => h.close());
  beforeEach(() => h.chime.reset());

  it('a replayed approval: the change is applied once; the replay is told the form is no longer valid', async () => {
    const m = mark(h);
    await requestChange(h, 'U0ALICE', SAMPLE.team, { name: 'Approved Once' });
    const card = await cardFor(h, SAMPLE.team, m.messages);
    const rec = recordSends(h.user);
    await h.user.clickButton('U0BOB', { message: card, actionId: 'request_approve' });
    const modal = await modalOf(h, 'U0BOB', 'chime_approve');
    await h.user.submitView('U0BOB', modal.id, { comment: { comment_input: 'ok' } });
    await h.settle();
    assert.equal(updates(h).length, 1);
    const b = await baseline(h);
    const res = await rec.replay(rec.sent.at(-1)!);
    assert.equal(res.status, 200);
    assert.match(res.body, /no longer valid/);
    await h.settle();
    const [request] = (await h.bot.store.requestsIn('applied')).filter((r) => r.change.name === 'Approved Once');
    assert.equal(request!.approvals.length, 1);
    await assertUnharmed(h, b);
  });

  it('a replayed Cancel click: the second one is told it is already cancelled; one audit row', async () => {
    const m = mark(h);
    await requestChange(h, 'U0ALICE', SAMPLE.lwa, { name: 'Cancelled Once' });
    const card = await cardFor(h, SAMPLE.lwa, m.messages);
    const rec = recordSends(h.user);
    await h.user.clickButton('U0ALICE', { message: card, actionId: 'request_cancel' });
    await h.settle();
    const m2 = mark(h);
    const res = await rec.replay(rec.sent.at(-1)!);
    assert.equal(res.status, 200);
    await h.slack.waitFor(() =>
      h.slack.ephemerals.slice(m2.ephemerals).find((e) => e.user === 'U0ALICE' && /already cancelled/.test(e.text)),
    );
    const [request] = (await h.bot.store.requestsIn('cancelled')).filter((r) => r.change.name === 'Cancelled Once');
    const rows = (await h.bot.store.auditRows()).filter((r) => r.requestId === request!.id);
    assert.deepEqual(
      rows.map((r) => r.action),
      ['requested', 'cancelled'],
    );
    assert.equal(updates(h).length, 0);
  });
});
