import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration } from '../../src/domain/duration.ts';
import { checkRole, type Directory, describePolicyErrors, needsApproval, policySchema, roleMembers } from '../../src/domain/policy.ts';

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

  describe('reminders and escalation', () => {
    const roles = { requesters: ['U0ALICE'], approvers: ['U0BOB'] };
    const parse = (approval: Record<string, unknown>) => policySchema.safeParse({ roles, approval });
    const problems = (approval: Record<string, unknown>) => {
      const r = parse(approval);
      assert.equal(r.success, false, `expected ${JSON.stringify(approval)} to be refused`);
      return describePolicyErrors(r.error!).join('\n');
    };

    it('parses remind_before, escalate_after and escalate_to (a group, or user IDs)', () => {
      const group = policySchema.parse({
        roles,
        approval: { expires_after: '8h', remind_before: '4h', escalate_after: '6h', escalate_to: 'S0SECLEADS' },
      });
      assert.equal(group.approval.remind_before, 4 * 3_600_000);
      assert.equal(group.approval.escalate_after, 6 * 3_600_000);
      assert.deepEqual(group.approval.escalate_to, ['S0SECLEADS']);
      const users = policySchema.parse({
        roles,
        approval: { expires_after: '8h', escalate_after: '6h', escalate_to: ['U0LEAD', 'W0BOSS'] },
      });
      assert.deepEqual(users.approval.escalate_to, ['U0LEAD', 'W0BOSS']);
      const none = policySchema.parse({ roles });
      assert.equal(none.approval.remind_before, undefined);
      assert.equal(none.approval.escalate_after, undefined);
      assert.equal(none.approval.escalate_to, undefined);
    });

    it('a reminder alone, before expiry, is fine; at or past expiry it is refused', () => {
      assert.equal(parse({ expires_after: '24h', remind_before: '2h' }).success, true);
      assert.match(
        problems({ expires_after: '2h', remind_before: '2h' }),
        /approval\.remind_before: must be shorter than expires_after \(2 h\)/,
      );
      assert.match(problems({ expires_after: '2h', remind_before: '3h' }), /approval\.remind_before/);
    });

    it('refuses escalate_after without escalate_to, and escalate_to without escalate_after', () => {
      assert.match(problems({ escalate_after: '4h' }), /approval\.escalate_to: is required with escalate_after/);
      assert.match(problems({ escalate_to: 'S0SECLEADS' }), /approval\.escalate_after: is required with escalate_to/);
    });

    it('refuses an escalation at or after expiry', () => {
      assert.match(
        problems({ expires_after: '4h', escalate_after: '4h', escalate_to: 'S0X' }),
        /approval\.escalate_after: must be shorter than expires_after/,
      );
    });

    it('refuses escalation before the reminder', () => {
      // expires 24h, reminder 2h before expiry = 22h after the request; escalating at 4h would come first.
      const lines = problems({ expires_after: '24h', remind_before: '2h', escalate_after: '4h', escalate_to: 'S0SECLEADS' });
      assert.match(lines, /approval\.escalate_after: escalation \(4 h after the request\) would come before the reminder \(22 h after it/);
      assert.equal(parse({ expires_after: '24h', remind_before: '2h', escalate_after: '22h', escalate_to: 'S0SECLEADS' }).success, true);
      assert.equal(parse({ expires_after: '24h', remind_before: '2h', escalate_after: '23h', escalate_to: 'S0SECLEADS' }).success, true);
    });

    it('refuses escalation targets that are not a group or user IDs', () => {
      assert.match(problems({ escalate_after: '4h', escalate_to: '*' }), /approval\.escalate_to/);
      assert.match(problems({ escalate_after: '4h', escalate_to: ['workspace_admins'] }), /approval\.escalate_to/);
      assert.match(problems({ escalate_after: '4h', escalate_to: [] }), /approval\.escalate_to/);
    });

    it('escalate_to members may approve like approvers (the role check the workflow uses)', async () => {
      const p = policySchema.parse({
        roles,
        approval: { expires_after: '8h', escalate_after: '6h', escalate_to: ['S0SECLEADS', 'U0LEAD'] },
      });
      const d = directory({ S0SECLEADS: ['U0CAROL'] });
      assert.deepEqual(await checkRole(p, 'approvers', 'U0LEAD', d), { ok: true });
      assert.deepEqual(await checkRole(p, 'approvers', 'U0CAROL', d), { ok: true });
      assert.deepEqual(await checkRole(p, 'approvers', 'U0BOB', d), { ok: true });
      assert.deepEqual(await checkRole(p, 'approvers', 'U0EVE', d), { ok: false, role: 'approvers', reason: 'not-member' });
      // Escalation grants approving only: not requesting or viewing beyond what the roles say.
      assert.deepEqual(await checkRole(p, 'requesters', 'U0LEAD', d), { ok: false, role: 'requesters', reason: 'not-member' });
      assert.deepEqual(roleMembers(p, 'approvers'), ['U0BOB', 'S0SECLEADS', 'U0LEAD']);
    });
  });
});
