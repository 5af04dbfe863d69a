/** Four-eyes approvals: cards, approve / reject modals, checks at click and submit, exactly-once apply, drift, revert. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SAMPLE } from '../../src/emulators/chime/seed.ts';
import type { EmuMessage, EmuView } from '../../src/emulators/slack/server.ts';
import { type Harness, modalOf, requestChange, startHarness, viewText } from '../helpers/harness.ts';
import { cardFor, hasButtons, updates } from '../helpers/proof.ts';
import { noEffects as none } from '../helpers/requests.ts';

const POLICY = {
  roles: { viewers: ['*'], requesters: ['U0ALICE', 'S0CHIMEOPS'], approvers: ['U0BOB', 'S0SECOPS'] },
  approval: { required: 'always', approvers_required: 1, expires_after: '24h', reason: 'optional' },
};

const latest = (h: Harness, m: EmuMessage) => h.slack.messages.find((x) => x.ts === m.ts && x.channel === m.channel)!;
/** The request ID on a card's buttons (to click a button the card no longer shows: a late or forged click). */
const requestIdOf = (m: EmuMessage) => JSON.stringify(m.blocks).match(/"request_approve".*?"value":"([0-9a-f-]{36})"/)![1]!;

async function approve(h: Harness, approver: string, card: EmuMessage, comment?: string) {
  const click = await h.user.clickButton(approver, { message: card, actionId: 'request_approve' });
  assert.equal(click.status, 200);
  const modal = await modalOf(h, approver, 'chime_approve');
  return h.user.submitView(approver, modal.id, comment ? { comment: { comment_input: comment } } : {});
}

describe('approvals', () => {
  let h: Harness;
  before(async () => (h = await startHarness({ policy: POLICY })));
  after(() => h.close());
  beforeEach(() => h.chime.reset());

  it('a confirmed change waits on a card; a second person approves in a modal; then it is applied and the thread says so', async () => {
    await requestChange(h, 'U0ALICE', SAMPLE.team, { name: 'Acme Revenue', reason: 'new org chart' });
    const card = await cardFor(h, SAMPLE.team);
    assert.ok(hasButtons(card));
    assert.match(JSON.stringify(card.blocks), /new org chart/);
    await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === 'U0ALICE' && /waiting for approval/.test(e.text)));
    assert.equal(updates(h).length, 0, 'nothing applied before approval');

    const click = await h.user.clickButton('U0BOB', { message: card, actionId: 'request_approve' });
    assert.equal(click.status, 200);
    const modal = await modalOf(h, 'U0BOB', 'chime_approve');
    assert.match(viewText(modal), /Acme Sales.*Acme Revenue/);
    assert.match(viewText(modal), /new org chart/);
    await h.user.submitView('U0BOB', modal.id, { comment: { comment_input: 'ok' } });
    await h.settle();

    assert.equal(updates(h).length, 1);
    assert.equal(h.chime.accounts.get(SAMPLE.team)!.Name, 'Acme Revenue');
    const updated = latest(h, card);
    assert.ok(updated.edited && !hasButtons(updated), 'card updated, buttons gone');
    assert.match(JSON.stringify(updated.blocks), /Applied/);
    const summary = h.slack.messages.find((m) => m.thread_ts === card.ts && m.reply_broadcast && /updated/.test(m.text));
    assert.ok(summary, 'summary in the thread, broadcast to the channel');
    assert.ok(h.slack.messages.some((m) => m.thread_ts === card.ts && /approved/.test(m.text)));
  });

  it('refuses self-approval and non-approvers at the click, ephemerally, changing nothing', async () => {
    await requestChange(h, 'U0ALICE', SAMPLE.lwa, { name: 'Support 2' });
    const card = await cardFor(h, SAMPLE.lwa);
    await h.user.clickButton('U0ALICE', { message: card, actionId: 'request_approve' });
    await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === 'U0ALICE' && /your own request/.test(e.text)));
    await h.user.clickButton('U0EVE', { message: card, actionId: 'request_approve' });
    await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === 'U0EVE' && /approvers/.test(e.text)));
    assert.equal(updates(h).length, 0);
    assert.ok(hasButtons(latest(h, card)));
  });

  it('checks the approver role again at the modal submit, read fresh: removed from the group after the click → refused, no restart needed', async () => {
    await requestChange(h, 'U0ALICE', SAMPLE.oidc, { name: 'Globex 2' });
    const card = await cardFor(h, SAMPLE.oidc);
    // Carol is in S0SECOPS when she clicks: the bot reads (and may remember) the group.
    await h.user.clickButton('U0CAROL', { message: card, actionId: 'request_approve' });
    const modal = await modalOf(h, 'U0CAROL', 'chime_approve');
    h.slack.usergroups.set('S0SECOPS', ['U0BOB']);
    try {
      const lists = () => h.slack.calls.filter((c) => c.method === 'usergroups.users.list').length;
      const before = lists();
      const res = await h.user.submitView('U0CAROL', modal.id, {});
      assert.equal(res.json.response_action, 'update');
      assert.match(JSON.stringify(res.json.view), /approvers role/);
      assert.ok(lists() > before, 'asked Slack at the submit');
      await h.settle();
      assert.equal(updates(h).length, 0);
      assert.ok(hasButtons(latest(h, card)), 'still pending');
    } finally {
      h.slack.usergroups.set('S0SECOPS', ['U0BOB', 'U0CAROL']);
    }
  });

  it('reject needs a reason; the card and thread say who rejected it and why', async () => {
    await requestChange(h, 'U0ALICE', SAMPLE.directory, { license: 'Basic' });
    const card = await cardFor(h, SAMPLE.directory);
    const requestId = requestIdOf(card);
    await h.user.clickButton('U0BOB', { message: card, actionId: 'request_reject' });
    const modal = await modalOf(h, 'U0BOB', 'chime_reject');
    const empty = await h.user.submitView('U0BOB', modal.id, { comment: { comment_input: ' ' } }, { skipClientChecks: true });
    assert.equal(empty.json.response_action, 'errors');
    await h.user.submitView('U0BOB', modal.id, { comment: { comment_input: 'not this quarter' } });
    await h.settle();
    const updated = latest(h, card);
    assert.match(JSON.stringify(updated.blocks), /Rejected.*U0BOB.*not this quarter/);
    assert.equal(updates(h).length, 0);
    const late = await h.user.clickButton('U0CAROL', { message: card, actionId: 'request_approve', forge: true, value: requestId });
    assert.equal(late.status, 200);
    await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === 'U0CAROL' && /already rejected/.test(e.text)));
  });

  it('the requester can cancel their own pending request; nobody else can', async () => {
    await requestChange(h, 'U0ALICE', SAMPLE.noLicenses, { name: 'Umbrella R&D' });
    const card = await cardFor(h, SAMPLE.noLicenses);
    await h.user.clickButton('U0BOB', { message: card, actionId: 'request_cancel' });
    await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === 'U0BOB' && /Only the person/.test(e.text)));
    await h.user.clickButton('U0ALICE', { message: card, actionId: 'request_cancel' });
    await h.settle();
    assert.match(JSON.stringify(latest(h, card).blocks), /Cancelled/);
  });

  it('20 concurrent approvals of one request cause exactly one UpdateAccount', async () => {
    await requestChange(h, 'U0ALICE', SAMPLE.team, { name: 'Acme Concurrency' });
    const card = await cardFor(h, SAMPLE.team);
    // Bob opens the approve modal 20 times (double clicks, retries) and submits them all at once.
    const modals: EmuView[] = [];
    for (let i = 0; i < 20; i++) {
      const click = await h.user.clickButton('U0BOB', { message: card, actionId: 'request_approve', forge: true });
      assert.equal(click.status, 200);
      modals.push(await modalOf(h, 'U0BOB', 'chime_approve', (v) => !modals.some((m) => m.id === v.id)));
    }
    const results = await Promise.all(modals.map((m) => h.user.submitView('U0BOB', m.id, {})));
    assert.ok(results.every((r) => r.status === 200));
    await h.settle();
    assert.equal(updates(h).filter((c) => c.accountId === SAMPLE.team).length, 1);
    const request = (await h.bot.store.requestsIn('applied')).find((r) => r.change.name === 'Acme Concurrency')!;
    assert.equal(request.approvals.length, 1);
  });

  it('drift: an account changed since the review is not overwritten — marked stale, and the thread says so', async () => {
    await requestChange(h, 'U0ALICE', SAMPLE.lwa, { name: 'Support Drift' });
    const card = await cardFor(h, SAMPLE.lwa);
    h.chime.accounts.get(SAMPLE.lwa)!.Name = 'Changed Elsewhere';
    await approve(h, 'U0BOB', card);
    await h.settle();
    assert.equal(updates(h).length, 0);
    assert.equal(h.chime.accounts.get(SAMPLE.lwa)!.Name, 'Changed Elsewhere');
    assert.ok(h.slack.messages.some((m) => m.thread_ts === card.ts && /changed since/.test(m.text + JSON.stringify(m.blocks))));
  });

  it('revert opens the form prefilled with the recorded before values, as a new request', async () => {
    await requestChange(h, 'U0ALICE', SAMPLE.oidc, { name: 'Globex Revert Me' });
    const card = await cardFor(h, SAMPLE.oidc);
    await approve(h, 'U0BOB', card);
    await h.settle();
    const summary = h.slack.messages.find((m) => m.thread_ts === card.ts && JSON.stringify(m.blocks ?? []).includes('change_revert'))!;
    await h.user.clickButton('U0ALICE', { message: summary, actionId: 'change_revert' });
    const form = await modalOf(h, 'U0ALICE', 'chime_change', (v) => /Reverting/.test(viewText(v)));
    const name = form.view.blocks.find((b) => b.block_id === 'name') as any;
    assert.equal(name.element.initial_value, 'Globex');
    await h.user.submitView('U0ALICE', form.id, {});
    await h.user.submitView('U0ALICE', h.slack.topView('U0ALICE')!.id, {});
    const pending = await h.bot.store.requestsIn('pending');
    assert.ok(pending.some((r) => r.revertOf && r.change.name === 'Globex'));
  });
});

describe('two approvers, expiry, and restart', () => {
  let h: Harness;
  before(
    async () =>
      (h = await startHarness({ policy: { ...POLICY, approval: { ...POLICY.approval, approvers_required: 2, expires_after: '2s' } } })),
  );
  after(() => h.close());

  it('needs two distinct approvers; the same one twice is refused', async () => {
    await requestChange(h, 'U0ALICE', SAMPLE.team, { name: 'Two Keys' });
    const card = await cardFor(h, SAMPLE.team);
    await approve(h, 'U0BOB', card);
    await h.settle();
    assert.equal(updates(h).length, 0);
    await h.user.clickButton('U0BOB', { message: latest(h, card), actionId: 'request_approve' });
    await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === 'U0BOB' && /already approved/.test(e.text)));
    await approve(h, 'U0CAROL', latest(h, card));
    await h.settle();
    assert.equal(updates(h).length, 1);
  });

  it('pending requests survive a restart, then expire: the card is updated and a late click refused', async () => {
    await requestChange(h, 'U0ALICE', SAMPLE.directory, { name: 'Will Expire' });
    const card = await cardFor(h, SAMPLE.directory);
    const requestId = requestIdOf(card);
    await h.restart();
    assert.equal((await h.bot.store.requestsIn('pending')).length >= 1, true);
    await h.slack.waitFor(() => /Expired/.test(JSON.stringify(latest(h, card).blocks)), 6_000);
    await h.user.clickButton('U0BOB', { message: card, actionId: 'request_approve', forge: true, value: requestId });
    await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === 'U0BOB' && /expired/.test(e.text)));
    assert.equal(h.chime.accounts.get(SAMPLE.directory)!.Name, 'Acme Engineering');
  });
});

describe('approval channel, group mention, and a crash left in applying', () => {
  let h: Harness;
  before(
    async () =>
      (h = await startHarness({
        policy: { ...POLICY, approval: { ...POLICY.approval, mention: 'S0SECOPS' } },
        env: { APPROVAL_CHANNEL_ID: 'C0APPROVALS' },
      })),
  );
  after(() => h.close());

  it('posts the card in APPROVAL_CHANNEL_ID mentioning the approvers’ group, and the summary where the command was typed', async () => {
    await requestChange(h, 'U0ALICE', SAMPLE.team, { name: 'Acme Elsewhere' });
    const card = await cardFor(h, SAMPLE.team);
    assert.equal(card.channel, 'C0APPROVALS');
    assert.match(JSON.stringify(card.blocks), /<!subteam\^S0SECOPS>/);
    await approve(h, 'U0BOB', card);
    await h.settle();
    assert.ok(
      h.slack.messages.some((m) => m.channel === 'C0OPS' && !m.thread_ts && /updated/.test(m.text)),
      'summary in the invoking channel',
    );
    assert.ok(
      h.slack.messages.some((m) => m.channel === 'C0APPROVALS' && m.thread_ts === card.ts && /updated/.test(m.text)),
      'and in the card’s thread',
    );
  });

  it('reconciles requests a crash left applying (applied when Chime shows the change, failed when not) and applies approved ones', async () => {
    const base = {
      teamId: 'T0TEAM',
      channelId: 'C0OPS',
      cardChannelId: 'C0OPS',
      requesterId: 'U0ALICE',
      state: 'applying' as const,
      approvalsRequired: 0,
      approvals: [],
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 3_600_000),
      updatedAt: new Date(),
    };
    h.chime.accounts.get(SAMPLE.lwa)!.Name = 'Landed Before Crash';
    await h.bot.store.createRequest(
      {
        ...base,
        id: '00000000-0000-4000-8000-00000000000a',
        accountId: SAMPLE.lwa,
        before: { name: 'Acme Support', license: 'Basic' },
        change: { name: 'Landed Before Crash' },
      },
      none,
    );
    await h.bot.store.createRequest(
      {
        ...base,
        id: '00000000-0000-4000-8000-00000000000b',
        accountId: SAMPLE.oidc,
        before: { name: 'Globex', license: 'Pro' },
        change: { name: 'Never Arrived' },
      },
      none,
    );
    // Approved, but the process died before it claimed the request: applied at start-up, once.
    await h.bot.store.createRequest(
      {
        ...base,
        state: 'approved',
        id: '00000000-0000-4000-8000-00000000000c',
        accountId: SAMPLE.directory,
        before: { name: 'Acme Engineering', license: 'Pro' },
        change: { license: 'Plus' },
      },
      none,
    );
    const callsBefore = updates(h).length;
    await h.restart();
    await h.slack.waitFor(
      () => h.slack.messages.filter((m) => /applying was interrupted/.test(JSON.stringify(m.blocks ?? []))).length >= 2,
    );
    assert.equal((await h.bot.store.getRequest('00000000-0000-4000-8000-00000000000a'))!.state, 'applied');
    assert.equal((await h.bot.store.getRequest('00000000-0000-4000-8000-00000000000b'))!.state, 'failed');
    await h.settle();
    assert.equal((await h.bot.store.getRequest('00000000-0000-4000-8000-00000000000c'))!.state, 'applied');
    assert.equal(h.chime.accounts.get(SAMPLE.directory)!.DefaultLicense, 'Plus');
    assert.deepEqual(
      updates(h)
        .slice(callsBefore)
        .map((c) => c.accountId),
      [SAMPLE.directory],
      'reconciling never calls UpdateAccount; the approved one is applied once',
    );
  });
});
