/** Change requests made by hand for store, workflow and view tests, and the "nothing else to write" the store takes. */
import type { ChangeRequest } from '../../src/domain/request.ts';

/** For store calls that record no audit entry and queue no post with the change. */
export const noEffects = () => ({ audit: [], posts: [] });

/**
 * Request number `n`: a pending rename of `acct-n` by U0ALICE in T0TEAM/#chime-ops, needing one approval, made and
 * last changed at 2026-12-01 00:n (UTC), expiring a day from now; `over` replaces any field.
 */
export function sampleRequest(n: number, over: Partial<ChangeRequest> = {}): ChangeRequest {
  const at = new Date(Date.UTC(2026, 11, 1, 0, n));
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    teamId: 'T0TEAM',
    channelId: 'C0OPS',
    cardChannelId: 'C0OPS',
    requesterId: 'U0ALICE',
    accountId: `acct-${n}`,
    before: { name: `Account ${n}`, license: 'Basic' },
    change: { name: `Renamed ${n}` },
    state: 'pending',
    approvalsRequired: 1,
    approvals: [],
    createdAt: at,
    expiresAt: new Date(Date.now() + 86_400_000),
    updatedAt: at,
    ...over,
  };
}
