/** inbox(): what one person's App Home holds, decided from the policy now and the store — never from the listener. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Directory, policySchema } from '../../src/domain/policy.ts';
import type { ChangeRequest } from '../../src/domain/request.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { INBOX_LIMITS, inbox } from '../../src/workflow/inbox.ts';
import { noEffects, sampleRequest } from '../helpers/requests.ts';

const NOW = new Date('2026-12-02T12:00:00Z');
const none = noEffects;
let n = 0;
/** The next request, made an hour before NOW (a second apart), expiring an hour after it, needing two approvals. */
function request(over: Partial<ChangeRequest>): ChangeRequest {
  n++;
  const at = new Date(NOW.getTime() - 3_600_000 + n * 1000);
  return sampleRequest(n, { approvalsRequired: 2, createdAt: at, updatedAt: at, expiresAt: new Date(NOW.getTime() + 3_600_000), ...over });
}

const policy = policySchema.parse({
  roles: { viewers: ['S0VIEW'], requesters: ['U0ALICE', 'U0CAROL'], approvers: ['U0BOB', 'S0SEC'] },
  approval: { expires_after: '8h', escalate_after: '6h', escalate_to: ['U0OWEN'] },
});
const directory = (fail = false): Directory => ({
  async groupMembers(id) {
    if (fail) throw new Error('slack down');
    return ({ S0VIEW: ['U0DAVE', 'U0ALICE', 'U0BOB'], S0SEC: ['U0CAROL'] } as Record<string, string[]>)[id] ?? [];
  },
  async isWorkspaceAdmin() {
    return false;
  },
});

describe('inbox', async () => {
  const store = new SqliteStore(':memory:');
  const mine = await store.createRequest(request({}), none);
  const approvedByBob = await store.createRequest(request({}), none);
  await store.approve(approvedByBob.id, 'T0TEAM', { userId: 'U0BOB', at: NOW }, none);
  const expired = await store.createRequest(request({ expiresAt: new Date(NOW.getTime() - 1) }), none);
  const otherTeam = await store.createRequest(request({ teamId: 'T0OTHER' }), none);
  const carols = await store.createRequest(request({ requesterId: 'U0CAROL' }), none);
  const applied = await store.createRequest(request({ state: 'applied' }), none);
  const rejected = await store.createRequest(request({ state: 'rejected', requesterId: 'U0CAROL' }), none);
  const ports = (fail = false) => ({ store, directory: directory(fail), policy: () => policy });
  const ids = (rs: ChangeRequest[]) => rs.map((r) => r.id);

  it('an approver is offered only what they may approve now: not their own, not approved by them, pending, unexpired, this workspace', async () => {
    const bob = await inbox(ports(), { userId: 'U0BOB', teamId: 'T0TEAM' }, NOW);
    assert.deepEqual(ids(bob.waiting.requests), [mine.id, carols.id]);
    assert.equal(bob.waiting.total, 2);
    assert.equal(bob.mayRequest, false);
    assert.deepEqual(ids(bob.recentChanges), [applied.id]);
    const carol = await inbox(ports(), { userId: 'U0CAROL', teamId: 'T0TEAM' }, NOW);
    assert.deepEqual(ids(carol.waiting.requests), [mine.id, approvedByBob.id], 'not her own');
    assert.deepEqual(ids(carol.mine.pending), [carols.id]);
    assert.deepEqual(ids(carol.mine.recent), [rejected.id]);
    assert.deepEqual(carol.recentChanges, [], 'Carol is no viewer');
    assert.ok(!ids(bob.waiting.requests).includes(expired.id) && !ids(bob.waiting.requests).includes(otherTeam.id));
  });

  it('escalate_to members are offered requests like approvers', async () => {
    const owen = await inbox(ports(), { userId: 'U0OWEN', teamId: 'T0TEAM' }, NOW);
    assert.equal(owen.roles.approvers, true);
    assert.deepEqual(ids(owen.waiting.requests), [mine.id, approvedByBob.id, carols.id]);
  });

  it('a requester sees their requests and may request and revert; a viewer only recent changes; a stranger nothing', async () => {
    const alice = await inbox(ports(), { userId: 'U0ALICE', teamId: 'T0TEAM' }, NOW);
    assert.equal(alice.roles.approvers, false);
    assert.deepEqual(alice.waiting.requests, []);
    assert.deepEqual(ids(alice.mine.pending), [mine.id, approvedByBob.id, expired.id]);
    assert.deepEqual(ids(alice.mine.recent), [applied.id]);
    assert.equal(alice.mayRequest && alice.mayRevert, true);
    const dave = await inbox(ports(), { userId: 'U0DAVE', teamId: 'T0TEAM' }, NOW);
    assert.deepEqual([dave.hasRole, dave.mayRevert, ids(dave.recentChanges)], [true, false, [applied.id]]);
    const eve = await inbox(ports(), { userId: 'U0EVE', teamId: 'T0TEAM' }, NOW);
    assert.deepEqual([eve.hasRole, eve.lookupFailed, eve.waiting.total, eve.mine.pendingTotal], [false, false, 0, 0]);
  });

  it('fails closed when Slack cannot say who is in a group, and says so', async () => {
    const dave = await inbox(ports(true), { userId: 'U0DAVE', teamId: 'T0TEAM' }, NOW);
    assert.deepEqual([dave.hasRole, dave.lookupFailed, dave.recentChanges.length], [false, true, 0]);
  });

  it('caps each list and counts the rest', async () => {
    for (let i = 0; i < INBOX_LIMITS.waiting + 5; i++) await store.createRequest(request({ requesterId: 'U0CAROL' }), none);
    const bob = await inbox(ports(), { userId: 'U0BOB', teamId: 'T0TEAM' }, NOW);
    assert.equal(bob.waiting.requests.length, INBOX_LIMITS.waiting);
    assert.equal(bob.waiting.total, INBOX_LIMITS.waiting + 7);
    assert.equal(bob.waiting.requests[0]!.id, mine.id, 'oldest first');
  });
});
