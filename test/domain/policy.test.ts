import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration } from '../../src/domain/duration.ts';
import { checkRole, type Directory, describePolicyErrors, needsApproval, policySchema } from '../../src/domain/policy.ts';

const directory = (groups: Record<string, string[]>, admins: string[] = [], fail = false): Directory & { calls: string[] } => {
  const calls: string[] = [];
  return {
    calls,
    async groupMembers(id) {
      calls.push(id);
      if (fail) throw new Error('slack down');
      return groups[id] ?? [];
    },
    async isWorkspaceAdmin(user) {
      calls.push(`admin:${user}`);
      return admins.includes(user);
    },
  };
};

describe('policy', () => {
  const policy = policySchema.parse({
    roles: { viewers: ['*'], requesters: ['S0OPS', 'U0ALICE'], approvers: ['workspace_admins'] },
    approval: { required: 'license-changes', expires_after: '90m' },
  });

  it('fills defaults and parses durations', () => {
    assert.equal(policy.approval.approvers_required, 1);
    assert.equal(policy.approval.expires_after, 90 * 60_000);
    assert.deepEqual(policy.accounts, ['*']);
    assert.equal(parseDuration('1h30m'), 90 * 60_000);
    assert.equal(parseDuration('soon'), undefined);
  });

  it('names the bad key', () => {
    const r = policySchema.safeParse({ roles: { requesters: ['alice'] }, approval: { required: 'sometimes', approvers_required: 5 } });
    assert.equal(r.success, false);
    const lines = describePolicyErrors(r.error!).join('\n');
    assert.match(lines, /roles\.requesters\.0/);
    assert.match(lines, /approval\.required/);
    assert.match(lines, /approval\.approvers_required/);
  });

  it('direct user IDs need no lookup; groups and admins are looked up', async () => {
    const d = directory({ S0OPS: ['U0CAROL'] }, ['U0DAVE']);
    assert.deepEqual(await checkRole(policy, 'requesters', 'U0ALICE', d), { ok: true });
    assert.deepEqual(d.calls, []);
    assert.deepEqual(await checkRole(policy, 'requesters', 'U0CAROL', d), { ok: true });
    assert.deepEqual(await checkRole(policy, 'approvers', 'U0DAVE', d), { ok: true });
    assert.deepEqual(await checkRole(policy, 'approvers', 'U0EVE', d), { ok: false, role: 'approvers', reason: 'not-member' });
  });

  it('fails closed when Slack cannot be asked', async () => {
    assert.deepEqual(await checkRole(policy, 'requesters', 'U0CAROL', directory({}, [], true)), {
      ok: false,
      role: 'requesters',
      reason: 'lookup-failed',
    });
  });

  it('license-changes needs approval only when the license changes', () => {
    assert.equal(needsApproval(policy, { name: 'x' }), false);
    assert.equal(needsApproval(policy, { license: 'Pro' }), true);
  });
});
