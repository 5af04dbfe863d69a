/**
 * The approver's inbox: what one person's App Home tab shows, decided here and only here, from the policy as it is
 * now and the store — the Slack edge only renders it. Every rule is the domain's: `checkRole` for the roles
 * (approvers include `approval.escalate_to`), `approvalBlocker` for whether this person may approve a request now.
 * Buttons on the tab run the same checks again at click and at submit; this only decides what to offer.
 */
import { checkRole, type Directory, type Policy, ROLES, type Role } from '../domain/policy.ts';
import { approvalBlocker, type ChangeRequest, REQUEST_STATES, type RequestState } from '../domain/request.ts';
import type { Store } from '../store/store.ts';

/** What the inbox reads (the workflow's ports satisfy it). */
export interface InboxPorts {
  store: Store;
  directory: Directory;
  policy: () => Policy;
}

export interface InboxActor {
  userId: string;
  teamId: string;
}

/** How much each list holds at most: together they stay well under Slack's 100 blocks per view. */
export const INBOX_LIMITS = { waiting: 15, minePending: 10, mineRecent: 5, recentChanges: 10 } as const;
/** Pending requests read to find the ones this person may approve (and count the rest). */
const PENDING_SCAN = 500;

export interface Inbox {
  /** The roles this person holds now. A lookup Slack did not answer counts as not held (fail closed). */
  roles: Record<Role, boolean>;
  /** Some role could not be checked because Slack did not answer. */
  lookupFailed: boolean;
  /** Any role at all: without one, the tab explains and shows nothing else. */
  hasRole: boolean;
  /** Approvers: the pending requests they may approve now, oldest first (at most INBOX_LIMITS.waiting), of `total`. */
  waiting: { requests: ChangeRequest[]; total: number };
  /**
   * This person's own requests: pending ones oldest first (at most INBOX_LIMITS.minePending, of `pendingTotal`),
   * and the most recently settled or applying ones, newest first. Shown to requesters, and to anyone with a role
   * who still has requests of their own.
   */
  mine: { pending: ChangeRequest[]; pendingTotal: number; recent: ChangeRequest[] };
  /** Viewers: the last INBOX_LIMITS.recentChanges applied changes in the workspace, newest first. */
  recentChanges: ChangeRequest[];
  /** Requesters: may open the change form (New change…) and revert an applied change. */
  mayRequest: boolean;
  mayRevert: boolean;
}

const NOT_PENDING: readonly RequestState[] = REQUEST_STATES.filter((s) => s !== 'pending');

export async function inbox(ports: InboxPorts, actor: InboxActor, now: Date): Promise<Inbox> {
  const policy = ports.policy();
  const checks = await Promise.all(ROLES.map((role) => checkRole(policy, role, actor.userId, ports.directory)));
  const roles = Object.fromEntries(ROLES.map((role, i) => [role, checks[i]!.ok])) as Record<Role, boolean>;
  const lookupFailed = checks.some((c) => !c.ok && c.reason === 'lookup-failed');
  const hasRole = ROLES.some((role) => roles[role]);
  const empty: Inbox = {
    roles,
    lookupFailed,
    hasRole,
    waiting: { requests: [], total: 0 },
    mine: { pending: [], pendingTotal: 0, recent: [] },
    recentChanges: [],
    mayRequest: false,
    mayRevert: false,
  };
  if (!hasRole) return empty;

  const { store } = ports;
  const team = actor.teamId;
  const [pending, minePending, mineRecent, applied] = await Promise.all([
    roles.approvers ? store.findRequests({ teamId: team, states: ['pending'], order: 'oldest', limit: PENDING_SCAN }) : [],
    store.findRequests({ teamId: team, requesterId: actor.userId, states: ['pending'], order: 'oldest', limit: PENDING_SCAN }),
    store.findRequests({ teamId: team, requesterId: actor.userId, states: NOT_PENDING, order: 'newest', limit: INBOX_LIMITS.mineRecent }),
    roles.viewers ? store.findRequests({ teamId: team, states: ['applied'], order: 'newest', limit: INBOX_LIMITS.recentChanges }) : [],
  ]);
  const approvable = pending.filter((r) => approvalBlocker(r, actor.userId, team, now) === undefined);
  return {
    ...empty,
    waiting: { requests: approvable.slice(0, INBOX_LIMITS.waiting), total: approvable.length },
    mine: { pending: minePending.slice(0, INBOX_LIMITS.minePending), pendingTotal: minePending.length, recent: mineRecent },
    recentChanges: applied,
    mayRequest: roles.requesters,
    mayRevert: roles.requesters,
  };
}
