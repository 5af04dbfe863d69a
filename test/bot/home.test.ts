/**
 * The approver's inbox, end to end through the Slack emulator: each person's App Home tab (approver, requester,
 * viewer, stranger, escalation approver), approving / rejecting / cancelling from it with the same modals and the same
 * checks at click and submit, a forged value from another workspace refused, and the tabs of the people concerned
 * republished after approve, reject, cancel and expiry.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChangeRequest } from '../../src/domain/request.ts';
import { SAMPLE } from '../../src/emulators/chime/seed.ts';
import type { EmuView } from '../../src/emulators/slack/server.ts';
import { type Harness, modalOf, requestChange, startHarness, viewText } from '../helpers/harness.ts';
import { noEffects, sampleRequest } from '../helpers/requests.ts';

const POLICY = {
  roles: {
    viewers: ['U0DAVE', 'S0CHIMEOPS', 'S0SECOPS'],
    requesters: ['U0ALICE', 'U0CAROL'],
    approvers: ['U0BOB', 'S0SECOPS'],
  },
  approval: {
    required: 'always',
    approvers_required: 1,
    expires_after: '24h',
    remind_before: '2h',
    escalate_after: '23h',
    escalate_to: ['U0OWEN'],
  },
};

const buttons = (v: EmuView) =>
  v.view.blocks
    .flatMap((b) => [
      ...((b.elements as { action_id?: string; value?: string }[] | undefined) ?? []),
      ...(b.accessory ? [b.accessory as { action_id?: string; value?: string }] : []),
    ])
    .filter((e) => e.action_id);
const actionsOf = (v: EmuView) => buttons(v).map((b) => b.action_id);
const headers = (v: EmuView) => v.view.blocks.filter((b) => b.type === 'header').map((b) => (b.text as { text: string }).text);

/** Opens the user's Home tab and waits for the bot's publish (a new hash when one was there before). */
async function openHome(h: Harness, userId: string): Promise<EmuView> {
  const before = h.slack.homeViews.get(userId)?.hash;
  const res = await h.user.openHome(userId);
  assert.equal(res.status, 200);
  return h.slack.waitFor(() => {
    const v = h.slack.homeViews.get(userId);
    return v && v.hash !== before ? v : undefined;
  });
}

/** Waits until the user's Home tab shows what `has` wants (a refresh the bot published by itself). */
const homeWhere = (h: Harness, userId: string, has: (v: EmuView) => boolean, timeoutMs = 5_000) =>
  h.slack.waitFor(() => {
    const v = h.slack.homeViews.get(userId);
    return v && has(v) ? v : undefined;
  }, timeoutMs);

async function pendingOf(h: Harness, userId: string): Promise<ChangeRequest> {
  const [r] = await h.bot.store.findRequests({ teamId: 'T0TEAM', requesterId: userId, states: ['pending'], order: 'newest', limit: 1 });
  assert.ok(r, `a pending request of ${userId}`);
  return r;
}

const dmTo = (h: Harness, userId: string, pattern: RegExp) =>
  h.slack.waitFor(() => h.slack.messages.find((m) => m.channel === `D0${userId}` && pattern.test(m.text)));

describe('App Home: the approver’s inbox', () => {
  let h: Harness;
  before(async () => (h = await startHarness({ policy: POLICY })));
  after(() => h.close());

  it('a stranger (no role) sees a short explanation and nothing else', async () => {
    const v = await openHome(h, 'U0EVE');
    assert.equal(v.view.type, 'home');
    assert.deepEqual(actionsOf(v), []);
    assert.match(viewText(v), /no role in this bot’s policy/);
    assert.equal(v.view.blocks.length, 2);
  });

  it('takes Slack’s real Events API envelope (authorizations is a list) and refuses a mistyped one with 400', async () => {
    const event = { type: 'app_home_opened', user: 'U0EVE', channel: 'D0U0EVE', tab: 'home', event_ts: '1.000001' };
    const base = { token: 'x', team_id: 'T0TEAM', api_app_id: 'A0APP', type: 'event_callback', event, event_id: 'Ev1', event_time: 1 };
    const send = (body: object) => h.user.send(JSON.stringify(body), { 'content-type': 'application/json' });
    assert.equal((await send({ ...base, authorizations: [{ team_id: 'T0TEAM', user_id: 'U0BOT', is_bot: true }] })).status, 200);
    assert.equal((await send({ ...base, authorizations: { team_id: 'T0TEAM' } })).status, 400);
    assert.equal((await send({ ...base, authorizations: ['T0TEAM'] })).status, 400);
  });

  it('the requester, the approver, the viewer and the escalation approver each see their own tab', async () => {
    await requestChange(h, 'U0ALICE', SAMPLE.team, { name: 'Acme <!channel> Revenue', reason: 'reorg <@U0BOB>' });
    const request = await pendingOf(h, 'U0ALICE');

    const alice = await openHome(h, 'U0ALICE');
    assert.deepEqual(headers(alice), ['Amazon Chime account changes', 'Your requests', 'Recent changes']);
    assert.ok(actionsOf(alice).includes('home_new_change'), 'a requester gets New change…');
    const cancel = buttons(alice).find((b) => b.action_id === 'request_cancel');
    assert.equal(cancel?.value, request.id);
    assert.ok(!actionsOf(alice).includes('request_approve'), 'nothing to approve of her own');

    const bob = await openHome(h, 'U0BOB');
    assert.deepEqual(headers(bob), ['Amazon Chime account changes', 'Waiting for your approval', 'Recent changes']);
    assert.deepEqual(
      buttons(bob)
        .filter((b) => b.value === request.id)
        .map((b) => b.action_id),
      ['request_approve', 'request_reject'],
    );
    assert.ok(!actionsOf(bob).includes('home_new_change'), 'an approver who is not a requester gets no New change…');
    const text = viewText(bob);
    assert.match(text, /Acme Sales/);
    assert.match(text, /reorg &lt;@U0BOB&gt;/, 'the reason is escaped');
    assert.match(text, /&lt;!channel&gt;/, 'the new name is escaped');
    assert.doesNotMatch(text, /<!channel>/);
    assert.match(text, /Requested by\*\\n<@U0ALICE>/);
    assert.match(text, /Expires/);

    const dave = await openHome(h, 'U0DAVE');
    assert.deepEqual(headers(dave), ['Amazon Chime account changes', 'Recent changes']);
    assert.deepEqual(actionsOf(dave), []);

    // escalate_to may approve like approvers: Owen holds no other role, and sees the request waiting.
    const owen = await openHome(h, 'U0OWEN');
    assert.deepEqual(headers(owen), ['Amazon Chime account changes', 'Waiting for your approval']);
    assert.ok(buttons(owen).some((b) => b.action_id === 'request_approve' && b.value === request.id));
  });

  it('approving from the Home tab opens the same modal and re-checks four-eyes and the role at click and at submit', async () => {
    const request = await pendingOf(h, 'U0ALICE');
    // Alice forges a click on her own request: refused at the click, by DM (a Home tab has no channel).
    await h.user.clickHome('U0ALICE', { actionId: 'request_approve', value: request.id, forge: true });
    await dmTo(h, 'U0ALICE', /your own request/);

    // Carol approves through the group; she is removed from it between the click and the submit.
    const carol = await openHome(h, 'U0CAROL');
    assert.ok(buttons(carol).some((b) => b.action_id === 'request_approve' && b.value === request.id));
    await h.user.clickHome('U0CAROL', { actionId: 'request_approve', blockId: `home_decide_${request.id}` });
    const modal = await modalOf(h, 'U0CAROL', 'chime_approve');
    const groups = h.slack.usergroups.get('S0SECOPS')!;
    h.slack.usergroups.set('S0SECOPS', ['U0BOB']);
    const refused = await h.user.submitView('U0CAROL', modal.id, {});
    h.slack.usergroups.set('S0SECOPS', groups);
    assert.match(JSON.stringify(refused.json), /approvers/);
    assert.equal((await h.bot.store.getRequest(request.id))!.state, 'pending');

    // Bob approves from his tab: the card's modal, then the change is applied.
    await h.user.clickHome('U0BOB', { actionId: 'request_approve', blockId: `home_decide_${request.id}` });
    const bobModal = await modalOf(h, 'U0BOB', 'chime_approve');
    assert.match(viewText(bobModal), /Acme Sales/);
    await h.user.submitView('U0BOB', bobModal.id, { comment: { comment_input: 'fine' } });
    await h.settle();
    assert.equal((await h.bot.store.getRequest(request.id))!.state, 'applied');
    assert.equal(h.chime.accounts.get(SAMPLE.team)!.Name, 'Acme <!channel> Revenue');

    // Refreshed without anyone reopening: Bob's queue is empty, Alice's request is applied and revertible, and
    // the viewer sees the change in Recent changes.
    await homeWhere(h, 'U0BOB', (v) => /Nothing waits for your approval/.test(viewText(v)));
    await homeWhere(h, 'U0OWEN', (v) => !viewText(v).includes(request.id));
    const alice = await homeWhere(h, 'U0ALICE', (v) => /applied/.test(viewText(v)) && !actionsOf(v).includes('request_cancel'));
    assert.ok(
      buttons(alice).some((b) => b.action_id === 'change_revert' && b.value === request.id),
      'requesters may revert',
    );
    const dave = await homeWhere(h, 'U0DAVE', (v) => viewText(v).includes(request.id));
    assert.ok(!actionsOf(dave).includes('change_revert'), 'a viewer may not revert');
  });

  it('a forged Home button value naming another workspace’s request is refused, and nothing changes', async () => {
    const other = sampleRequest(255, {
      id: '00000000-0000-4000-8000-0000000000ff',
      teamId: 'T0OTHER',
      accountId: SAMPLE.lwa,
      before: { name: 'Acme Support', license: 'Basic' },
      change: { name: 'Elsewhere' },
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 3_600_000),
      updatedAt: new Date(),
    });
    await h.bot.store.createRequest(other, noEffects);
    const bob = await openHome(h, 'U0BOB');
    assert.ok(!viewText(bob).includes(other.id), 'another workspace’s request is not offered');
    const views = h.slack.views.size;
    for (const actionId of ['request_approve', 'request_reject', 'request_cancel', 'change_revert']) {
      const res = await h.user.clickHome(actionId === 'request_cancel' ? 'U0ALICE' : 'U0BOB', { actionId, value: other.id, forge: true });
      assert.equal(res.status, 200);
    }
    await dmTo(h, 'U0BOB', /no such request in this workspace/);
    await dmTo(h, 'U0ALICE', /no such request in this workspace/);
    await h.settle();
    // Revert opens its modal at once (Slack's trigger lives 3 s) while the workflow checks: it shows only the refusal.
    const opened = [...h.slack.views.values()].slice(views);
    assert.ok(opened.length <= 1, 'at most the revert modal');
    for (const v of opened) {
      assert.match(viewText(v), /no applied change to revert/);
      assert.doesNotMatch(JSON.stringify(v.view), /name_input/, 'no form');
    }
    assert.equal((await h.bot.store.getRequest(other.id))!.state, 'pending');
  });

  it('rejecting and cancelling from the Home tab refresh the requester’s and the approver’s tabs', async () => {
    await requestChange(h, 'U0ALICE', SAMPLE.lwa, { name: 'Support North' });
    const first = await pendingOf(h, 'U0ALICE');
    await homeWhere(h, 'U0BOB', (v) => viewText(v).includes(first.id));
    await h.user.clickHome('U0BOB', { actionId: 'request_reject', blockId: `home_decide_${first.id}` });
    const modal = await modalOf(h, 'U0BOB', 'chime_reject');
    await h.user.submitView('U0BOB', modal.id, { comment: { comment_input: 'not now' } });
    await homeWhere(h, 'U0ALICE', (v) => new RegExp(`home_mine_${first.id}`).test(viewText(v)) && /rejected.*not now/.test(viewText(v)));
    await homeWhere(h, 'U0BOB', (v) => !viewText(v).includes(first.id));

    await requestChange(h, 'U0ALICE', SAMPLE.oidc, { name: 'Globex East' });
    const second = await pendingOf(h, 'U0ALICE');
    await homeWhere(h, 'U0ALICE', (v) => buttons(v).some((b) => b.action_id === 'request_cancel' && b.value === second.id));
    await homeWhere(h, 'U0BOB', (v) => viewText(v).includes(second.id));
    await h.user.clickHome('U0ALICE', { actionId: 'request_cancel', blockId: `home_mine_${second.id}` });
    await homeWhere(h, 'U0ALICE', (v) => !buttons(v).some((b) => b.value === second.id && b.action_id === 'request_cancel'));
    await homeWhere(h, 'U0BOB', (v) => !viewText(v).includes(second.id));
    assert.equal((await h.bot.store.getRequest(second.id))!.state, 'cancelled');
  });

  it('New change… opens the change form with the click’s trigger, as /chime-account does', async () => {
    await openHome(h, 'U0ALICE');
    const click = await h.user.clickHome('U0ALICE', { actionId: 'home_new_change' });
    const form = await modalOf(h, 'U0ALICE', 'chime_change', (v) => viewText(v).includes('account_picker'));
    const open = h.slack.calls.find((c) => c.method === 'views.open' && c.args.trigger_id === click.triggerId);
    assert.ok(open, 'the form opened with the click’s trigger_id');
    assert.equal(form.user, 'U0ALICE');
  });

  it('stays under 100 blocks with many requests, saying how many more wait', async () => {
    const now = Date.now();
    for (let i = 0; i < 40; i++) {
      await h.bot.store.createRequest(
        {
          id: `00000000-0000-4000-8000-${String(1000 + i).padStart(12, '0')}`,
          teamId: 'T0TEAM',
          channelId: 'C0OPS',
          cardChannelId: 'C0OPS',
          requesterId: i % 2 ? 'U0ALICE' : 'U0CAROL',
          accountId: SAMPLE.directory,
          before: { name: 'Acme Engineering', license: 'Pro' },
          change: { name: `Engineering ${i}` },
          reason: 'x'.repeat(500),
          state: 'pending',
          approvalsRequired: 1,
          approvals: [],
          createdAt: new Date(now + i),
          expiresAt: new Date(now + 3_600_000),
          updatedAt: new Date(now + i),
        },
        noEffects,
      );
    }
    const bob = await openHome(h, 'U0BOB');
    assert.ok(bob.view.blocks.length <= 100, `${bob.view.blocks.length} blocks`);
    assert.match(viewText(bob), /and 25 more waiting/);
    const carol = await openHome(h, 'U0CAROL');
    assert.ok(carol.view.blocks.length <= 100, `${carol.view.blocks.length} blocks`);
    assert.match(viewText(carol), /and \d+ more (waiting|of your requests wait)/);
    assert.ok(Buffer.byteLength(JSON.stringify(carol.view)) < 250_000);
  });
});

describe('App Home: expiry refreshes the tabs', () => {
  let h: Harness;
  before(
    async () =>
      (h = await startHarness({
        policy: { ...POLICY, approval: { required: 'always', approvers_required: 1, expires_after: '2s' } },
      })),
  );
  after(() => h.close());

  it('an expired request leaves the approver’s tab and shows as expired on the requester’s, unopened', async () => {
    await requestChange(h, 'U0ALICE', SAMPLE.team, { name: 'Too Late' });
    const request = await pendingOf(h, 'U0ALICE');
    await openHome(h, 'U0BOB');
    await homeWhere(h, 'U0BOB', (v) => viewText(v).includes(request.id));
    await openHome(h, 'U0ALICE');
    await homeWhere(h, 'U0BOB', (v) => /Nothing waits for your approval/.test(viewText(v)), 8_000);
    await homeWhere(h, 'U0ALICE', (v) => /expired/.test(viewText(v)) && !actionsOf(v).includes('request_cancel'), 8_000);
    assert.equal((await h.bot.store.getRequest(request.id))!.state, 'expired');
  });

  it('a Slack app without a Home tab: views.publish says not_enabled, and the bot goes on working', async () => {
    h.slack.homeTabEnabled = false;
    const res = await h.user.openHome('U0DAVE');
    assert.equal(res.status, 200);
    await h.slack.waitFor(() =>
      h.slack.calls.find((c) => c.method === 'views.publish' && (c.response as { error?: string })?.error === 'not_enabled'),
    );
    await requestChange(h, 'U0ALICE', SAMPLE.lwa, { name: 'Still Works' });
    await pendingOf(h, 'U0ALICE');
    h.slack.homeTabEnabled = true;
  });
});
