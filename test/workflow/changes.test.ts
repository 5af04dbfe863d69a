/** The workflow through its ports, with in-memory fakes: every rule it decides, each in milliseconds. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccountsFailure } from '../../src/workflow/ports.ts';
import { ACCOUNT_ID, ALICE, approveAs, BOB, CAROL, EVE, requestChange, world } from './fakes.ts';

const STRANGER = { userId: 'U0NOBODY', teamId: 'T0TEAM' };

describe('reading', () => {
  it('show, list and history need the viewer role; each refusal is audited once, with a code', async () => {
    const w = world({ roles: { viewers: ['U0ALICE'] } });
    assert.equal((await w.workflow.show(ALICE, ACCOUNT_ID)).ok, true);
    for (const outcome of [
      await w.workflow.show(STRANGER, ACCOUNT_ID),
      await w.workflow.list(STRANGER, { pageSize: 20 }),
      await w.workflow.history(STRANGER),
      await w.workflow.list(STRANGER, { pageSize: 20, nextToken: 'page-2' }),
    ])
      assert.equal(!outcome.ok && outcome.code, 'no-role');
    const refused = (await w.store.auditRows()).filter((r) => r.action === 'refused');
    assert.equal(refused.length, 4);
    assert.ok(refused.every((r) => r.actorId === STRANGER.userId && /viewers role/.test(r.detail ?? '')));
    assert.equal(w.accounts.count('get') + w.accounts.count('list'), 1, 'nothing read for a refused person');
  });

  it('a role lookup that fails refuses (role-unknown) and is audited', async () => {
    const w = world({ roles: { viewers: ['S0VIEWERS'] } });
    w.directory.down = true;
    const shown = await w.workflow.show(ALICE, ACCOUNT_ID);
    assert.equal(!shown.ok && shown.code, 'role-unknown');
    assert.equal((await w.store.auditRows()).filter((r) => r.action === 'refused').length, 1);
  });

  it('the picker needs a form this person opened and the requester role', async () => {
    const w = world();
    assert.equal(((r) => !r.ok && r.code)(await w.workflow.accountOptions(ALICE, 'VNOTOPEN', '')), 'form-expired');
    await w.workflow.formOpened(ALICE, 'VFORM', { channelId: 'C0OPS' });
    const mine = await w.workflow.accountOptions(ALICE, 'VFORM', 'Ac');
    assert.deepEqual(mine.ok && mine.value.map((a) => a.accountId), [ACCOUNT_ID]);
    assert.equal(((r) => !r.ok && r.code)(await w.workflow.accountOptions(BOB, 'VFORM', '')), 'form-expired', 'not Bob’s form');
    await w.workflow.formOpened(STRANGER, 'VSTRANGER', { channelId: 'C0OPS' });
    assert.equal(((r) => !r.ok && r.code)(await w.workflow.accountOptions(STRANGER, 'VSTRANGER', '')), 'no-role');
  });

  it('a Chime failure is a chime-failed outcome with the failure attached', async () => {
    const w = world();
    w.accounts.fail.get = [new AccountsFailure({ kind: 'Throttled', userMessage: 'Amazon Chime is throttling the bot.' })];
    const shown = await w.workflow.show(ALICE, ACCOUNT_ID);
    assert.ok(!shown.ok && shown.code === 'chime-failed' && shown.failure?.kind === 'Throttled');
  });
});

describe('requesting', () => {
  it('validation errors name the field and change nothing', async () => {
    const w = world();
    const r = await requestChange(w, ALICE, { name: '   ' });
    assert.ok(!r.ok && r.code === 'invalid-input' && r.errors?.name);
    const same = await requestChange(w, ALICE, {});
    assert.ok(!same.ok && same.code === 'invalid-input' && /Nothing to change/.test(same.errors?.name ?? ''));
    assert.equal(await w.store.requestsIn('pending').then((x) => x.length), 0);
  });

  it('the reason rule: required by the policy, and at most 500 characters', async () => {
    const w = world({ approval: { reason: 'required' } });
    const none = await requestChange(w, ALICE, { name: 'New' }, { reason: '  ' });
    assert.ok(!none.ok && none.code === 'invalid-input' && none.errors?.reason);
    const long = await requestChange(w, ALICE, { name: 'New' }, { reason: 'x'.repeat(501) });
    assert.ok(!long.ok && long.errors?.reason);
    assert.equal((await requestChange(w, ALICE, { name: 'New' }, { reason: 'rename' })).ok, true);
  });

  it('the policy’s accounts lock refuses at the form, at review and at confirm, audited', async () => {
    const w = world({ accounts: ['acct-other'] });
    await w.workflow.formOpened(ALICE, 'VLOCK', { channelId: 'C0OPS' });
    const form = await w.workflow.fillForm(ALICE, 'VLOCK', ACCOUNT_ID);
    assert.equal(form.ok && form.value.lock?.code, 'account-not-allowed');
    const review = await w.workflow.review(ALICE, 'VLOCK', { name: 'New', license: 'Pro' });
    assert.equal(!review.ok && review.code, 'account-not-allowed');
    // The policy tightened between review and confirm.
    w.setPolicy({});
    await w.workflow.fillForm(ALICE, 'VLOCK', ACCOUNT_ID);
    assert.equal((await w.workflow.review(ALICE, 'VLOCK', { name: 'New', license: 'Pro' })).ok, true);
    w.setPolicy({ accounts: ['acct-other'] });
    const confirmed = await w.workflow.confirm(ALICE, 'VLOCK', undefined);
    assert.equal(!confirmed.ok && confirmed.code, 'account-not-allowed');
    assert.equal((await w.store.auditRows()).filter((r) => r.action === 'refused').length, 2);
  });

  it('a confirm delivered twice creates one request', async () => {
    const w = world();
    await w.workflow.formOpened(ALICE, 'VTWICE', { channelId: 'C0OPS' });
    await w.workflow.fillForm(ALICE, 'VTWICE', ACCOUNT_ID);
    await w.workflow.review(ALICE, 'VTWICE', { name: 'New', license: 'Pro' });
    const [a, b] = await Promise.all([w.workflow.confirm(ALICE, 'VTWICE', ''), w.workflow.confirm(ALICE, 'VTWICE', '')]);
    assert.deepEqual([a.ok, b.ok].sort(), [false, true]);
    assert.equal((await w.store.requestsIn('pending')).length, 1);
  });

  it('the requester role is read fresh at confirm: removed from the group after review → refused', async () => {
    const w = world({ roles: { requesters: ['S0OPS'] } });
    w.directory.groups.set('S0OPS', ['U0ALICE']);
    await w.workflow.formOpened(ALICE, 'VFRESH', { channelId: 'C0OPS' });
    await w.workflow.fillForm(ALICE, 'VFRESH', ACCOUNT_ID);
    assert.equal((await w.workflow.review(ALICE, 'VFRESH', { name: 'New', license: 'Pro' })).ok, true);
    w.directory.cached.set('S0OPS', ['U0ALICE']);
    w.directory.groups.set('S0OPS', []);
    const confirmed = await w.workflow.confirm(ALICE, 'VFRESH', '');
    assert.equal(!confirmed.ok && confirmed.code, 'no-role');
  });

  it('a direct change (approval never) is applied once, under the requester, and reported as committed', async () => {
    const w = world({ approval: { required: 'never' } });
    const r = await requestChange(w, ALICE, { name: 'Renamed' });
    assert.ok(r.ok && r.value.state === 'approved');
    await w.workflow.idle();
    const done = await w.store.getRequest(r.value.id);
    assert.equal(done?.state, 'applied');
    assert.equal(w.accounts.accounts.get(ACCOUNT_ID)?.name, 'Renamed');
    const update = w.accounts.calls.find((c) => c.op === 'update');
    assert.deepEqual(update?.change, { name: 'Renamed' }, 'only the changed field');
    assert.equal(update?.on?.requesterId, 'U0ALICE');
    assert.deepEqual(
      w.recorded.map((e) => e.action),
      ['requested', 'applied'],
    );
  });
});

describe('approving', () => {
  it('four-eyes: the requester can’t approve their own request (audited); another approver can', async () => {
    const w = world({ roles: { approvers: ['U0ALICE', 'U0BOB'] } });
    const r = await requestChange(w, ALICE, { name: 'New' });
    assert.ok(r.ok);
    const own = await approveAs(w, ALICE, r.value.id);
    assert.equal(!own.ok && own.code, 'own-request');
    assert.equal((await w.store.auditRows()).filter((x) => x.action === 'refused').length, 1);
    const bob = await approveAs(w, BOB, r.value.id, 'ok');
    assert.ok(bob.ok);
    await w.workflow.idle();
    assert.equal((await w.store.getRequest(r.value.id))?.state, 'applied');
    assert.deepEqual(w.accounts.calls.find((c) => c.op === 'update')?.on?.approverIds, ['U0BOB']);
  });

  it('N of M: two approvals needed; the same person twice counts once', async () => {
    const w = world({ approval: { approvers_required: 2 } });
    const r = await requestChange(w, ALICE, { license: 'Basic' });
    assert.ok(r.ok);
    assert.ok((await approveAs(w, BOB, r.value.id)).ok);
    const again = await approveAs(w, BOB, r.value.id);
    assert.equal(!again.ok && again.code, 'already-approved');
    assert.equal((await w.store.getRequest(r.value.id))?.state, 'pending');
    assert.ok((await approveAs(w, CAROL, r.value.id)).ok);
    await w.workflow.idle();
    assert.equal((await w.store.getRequest(r.value.id))?.state, 'applied');
    assert.equal(w.accounts.count('update'), 1);
  });

  it('20 concurrent approval submits → one approval, one UpdateAccount', async () => {
    const w = world();
    const r = await requestChange(w, ALICE, { name: 'New' });
    assert.ok(r.ok);
    const viewIds = Array.from({ length: 20 }, (_, i) => `VC${i}`);
    const allowed = await w.workflow.canDecide(BOB, r.value.id);
    assert.ok(allowed.ok);
    for (const v of viewIds) await w.workflow.decisionOpened(BOB, v, allowed.value);
    const results = await Promise.all(viewIds.map((v) => w.workflow.decide(BOB, v, 'approve', '')));
    assert.equal(results.filter((x) => x.ok).length, 1);
    await w.workflow.idle();
    assert.equal(w.accounts.count('update'), 1);
    assert.equal((await w.store.getRequest(r.value.id))?.approvals.length, 1);
  });

  it('an approver removed from the group just now is refused at submit, though a recent answer still lists them', async () => {
    const w = world();
    const r = await requestChange(w, ALICE, { name: 'New' });
    assert.ok(r.ok);
    const allowed = await w.workflow.canDecide(BOB, r.value.id);
    assert.ok(allowed.ok, 'at the click, Bob is an approver');
    await w.workflow.decisionOpened(BOB, 'VBOB', allowed.value);
    w.directory.cached.set('S0APPROVERS', ['U0BOB', 'U0CAROL']);
    w.directory.groups.set('S0APPROVERS', ['U0CAROL']);
    const before = w.directory.freshReads;
    const submitted = await w.workflow.decide(BOB, 'VBOB', 'approve', '');
    assert.equal(!submitted.ok && submitted.code, 'no-role');
    assert.ok(w.directory.freshReads > before, 'asked Slack now');
    assert.equal((await w.store.getRequest(r.value.id))?.state, 'pending');
  });

  it('reject needs a reason; reject and cancel end the request; a stranger can’t cancel (audited)', async () => {
    const w = world();
    const r = await requestChange(w, ALICE, { name: 'New' });
    assert.ok(r.ok);
    const allowed = await w.workflow.canDecide(BOB, r.value.id);
    assert.ok(allowed.ok);
    await w.workflow.decisionOpened(BOB, 'VREJ', allowed.value);
    const bare = await w.workflow.decide(BOB, 'VREJ', 'reject', ' ');
    assert.ok(!bare.ok && bare.errors?.comment);
    const eve = await w.workflow.cancel(EVE, r.value.id);
    assert.equal(!eve.ok && eve.code, 'not-requester');
    assert.ok((await w.workflow.decide(BOB, 'VREJ', 'reject', 'not now')).ok);
    assert.equal((await w.store.getRequest(r.value.id))?.state, 'rejected');
    const late = await w.workflow.cancel(ALICE, r.value.id);
    assert.equal(!late.ok && late.code, 'not-pending');

    const r2 = await requestChange(w, ALICE, { name: 'Other' });
    assert.ok(r2.ok);
    assert.ok((await w.workflow.cancel(ALICE, r2.value.id)).ok);
    assert.equal((await w.store.getRequest(r2.value.id))?.state, 'cancelled');
  });

  it('another workspace sees no such request', async () => {
    const w = world();
    const r = await requestChange(w, ALICE, { name: 'New' });
    assert.ok(r.ok);
    const other = await w.workflow.canDecide({ userId: 'U0BOB', teamId: 'T0OTHER' }, r.value.id);
    assert.equal(!other.ok && other.code, 'other-workspace');
  });

  it('expiry: past expires_after, the sweep expires it and nobody can approve it', async () => {
    const w = world({ approval: { expires_after: '1h' } });
    const r = await requestChange(w, ALICE, { name: 'New' });
    assert.ok(r.ok);
    w.clock.now = new Date(w.clock.now.getTime() + 3_600_001);
    const late = await w.workflow.canDecide(BOB, r.value.id);
    assert.equal(!late.ok && late.code, 'expired');
    assert.equal(await w.workflow.expireDue(), 1);
    assert.equal(await w.workflow.expireDue(), 0, 'once');
    assert.equal((await w.store.getRequest(r.value.id))?.state, 'expired');
  });
});

describe('applying', () => {
  it('drift: the account changed since the review → stale, nothing applied', async () => {
    const w = world({ approval: { required: 'never' } });
    await w.workflow.formOpened(ALICE, 'VDRIFT', { channelId: 'C0OPS' });
    await w.workflow.fillForm(ALICE, 'VDRIFT', ACCOUNT_ID);
    await w.workflow.review(ALICE, 'VDRIFT', { name: 'Mine', license: 'Pro' });
    w.accounts.accounts.get(ACCOUNT_ID)!.name = 'Changed elsewhere';
    const r = await w.workflow.confirm(ALICE, 'VDRIFT', '');
    assert.ok(r.ok);
    await w.workflow.idle();
    const done = await w.store.getRequest(r.value.id);
    assert.equal(done?.state, 'stale');
    assert.match(done?.outcomeDetail ?? '', /Changed elsewhere/);
    assert.equal(w.accounts.count('update'), 0);
  });

  it('a failed UpdateAccount is recorded failed with Chime’s words and request id', async () => {
    const w = world({ approval: { required: 'never' } });
    w.accounts.fail.update = [new AccountsFailure({ kind: 'Forbidden', userMessage: 'not allowed', requestId: 'aws-req-9' })];
    const r = await requestChange(w, ALICE, { name: 'New' });
    assert.ok(r.ok);
    await w.workflow.idle();
    const done = await w.store.getRequest(r.value.id);
    assert.equal(done?.state, 'failed');
    assert.equal(done?.awsRequestId, 'aws-req-9');
  });

  it('revert: only an applied change, by a requester; the prefill restores only what it touched', async () => {
    const w = world({ approval: { required: 'never' } });
    const r = await requestChange(w, ALICE, { name: 'Renamed' });
    assert.ok(r.ok);
    const early = await w.workflow.revert(ALICE, r.value.id);
    assert.equal(!early.ok && early.code, 'not-applied');
    await w.workflow.idle();
    const back = await w.workflow.revert(ALICE, r.value.id);
    assert.deepEqual(back.ok && back.value.prefill, { name: 'Acme' });
    const stranger = await w.workflow.revert(STRANGER, r.value.id);
    assert.equal(!stranger.ok && stranger.code, 'no-role');
  });
});

describe('reconcile: a request a dead process left applying', () => {
  /** A pending request approved and claimed by a process named "dead" whose claim ran out `agoMs` ago (or lasts). */
  async function leftApplying(w: ReturnType<typeof world>, untilOffsetMs: number) {
    const r = await requestChange(w, ALICE, { name: 'Renamed' });
    assert.ok(r.ok);
    const allowed = await w.workflow.canDecide(BOB, r.value.id);
    assert.ok(allowed.ok);
    // Approved straight in the store, so that no background apply of this process claims it first.
    await w.store.approve(r.value.id, BOB.teamId, { userId: BOB.userId, at: w.clock.now }, () => ({ audit: [], posts: [] }));
    const claimed = await w.store.claimApply(r.value.id, 'approved', 'dead', new Date(w.clock.now.getTime() + untilOffsetMs), w.clock.now);
    assert.ok(claimed);
    return r.value.id;
  }

  for (const [label, chimeShows, state, detail] of [
    ['Chime shows the change → applied', 'Renamed', 'applied', /shows the change/],
    ['Chime shows the before → failed, request it again', 'Acme', 'failed', /not applied\. Request it again/],
    ['Chime shows something else → stale', 'Someone Else', 'stale', /neither before nor after/],
  ] as const)
    it(label, async () => {
      const w = world();
      const id = await leftApplying(w, -1);
      w.accounts.accounts.get(ACCOUNT_ID)!.name = chimeShows;
      await w.workflow.reconcile();
      const done = await w.store.getRequest(id);
      assert.equal(done?.state, state);
      assert.match(done?.outcomeDetail ?? '', detail);
      assert.equal(w.accounts.count('update'), 0, 'never sent again');
      await w.workflow.reconcile();
      assert.equal((await w.store.auditRows()).filter((r) => r.requestId === id && r.action === state).length, 1, 'recorded once');
    });

  it('apply never takes over: a request left applying is settled by reconcile from a read, never sent again', async () => {
    const w = world();
    const id = await leftApplying(w, -1);
    assert.equal(await w.workflow.apply(id), undefined, 'apply claims only approved requests');
    assert.equal(w.accounts.count('update'), 0);
    assert.equal((await w.store.getRequest(id))?.claim?.owner, 'dead', 'the claim is untouched');
  });

  it('under a live claim: not settled; once held 2 s, "being checked" is recorded once; settled when the claim runs out', async () => {
    const w = world({}, { applyLeaseMs: 10_000 });
    const id = await leftApplying(w, 10_000);
    await w.workflow.reconcile();
    assert.equal((await w.store.getRequest(id))?.state, 'applying');
    assert.equal((await w.store.auditRows()).filter((r) => r.action === 'reconciled').length, 0, 'a fresh claim is a live apply');
    w.clock.now = new Date(w.clock.now.getTime() + 3_000);
    const next = await w.workflow.reconcile();
    await w.workflow.reconcile();
    assert.equal((await w.store.auditRows()).filter((r) => r.action === 'reconciled').length, 1, 'said once');
    assert.ok(next && next.getTime() > w.clock.now.getTime(), 'asks to run again when the claim runs out');
    w.clock.now = new Date(w.clock.now.getTime() + 7_001);
    w.accounts.accounts.get(ACCOUNT_ID)!.name = 'Renamed';
    await w.workflow.reconcile();
    assert.equal((await w.store.getRequest(id))?.state, 'applied');
  });
});
