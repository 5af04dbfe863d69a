/**
 * The durable store: change requests, the append-only audit log, the outbox of Slack posts, and open modals.
 * Every state change is written together with its audit row and the posts that announce it, in one transaction,
 * so a crash or a Slack outage can delay a post but never lose the record.
 */
import type { Account, AccountChange } from '../domain/account.ts';
import type { AuditEntry, AuditRow } from '../domain/audit.ts';
import { type Approval, type ChangeRequest, type RequestState, TRANSITIONS } from '../domain/request.ts';

/** A Slack post waiting in the outbox. */
export type OutboxItem =
  | {
      kind: 'post';
      channelId: string;
      text: string;
      blocks?: unknown[];
      /** Post in the thread of this request's card (waits until the card has a ts). */
      threadOf?: string;
      /** With threadOf: also show the reply in the channel. */
      broadcast?: boolean;
      /** Add a link to this request's card thread (chat.getPermalink) when it has one: the requester's DM. */
      linkTo?: string;
      /** Who to tell, and how, when the channel can't be posted to. */
      fallback?: { userId: string; responseUrl?: string };
    }
  /** Post the request's card, or update it when it has one: rendered from the request as it is when sent. */
  | { kind: 'card'; requestId: string };

export interface OutboxEntry {
  id: number;
  item: OutboxItem;
  attempts: number;
  /** The channel it goes to (a card's channel for card updates): posts to one channel keep their order. */
  channelId: string;
}

/** What a change writes besides itself. */
export interface Effects {
  audit: AuditEntry[];
  posts: OutboxItem[];
}

/** An open modal: who opened it, for which account, what it showed, and (after review) the change proposed. */
export interface ModalSession {
  viewId: string;
  teamId: string;
  enterpriseId?: string;
  userId: string;
  channelId: string;
  responseUrl?: string;
  accountId?: string;
  /** The account as the form showed it: the "before" of the change. */
  account?: Account;
  change?: AccountChange;
  /** Set when the modal was opened to revert a request. */
  revertOf?: string;
  /** Set on approve / reject modals. */
  requestId?: string;
  createdAt: Date;
}

/**
 * Thrown by every method when the database can't be reached (refused, terminated, timed out). Listeners say "the bot's
 * database is unavailable, nothing was changed": a transaction that failed so was rolled back whole.
 */
export class StoreUnavailableError extends Error {
  constructor(message = 'the database is unavailable', options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** A programming error: a move that TRANSITIONS (domain/request.ts) does not allow. */
export class IllegalTransitionError extends Error {
  constructor(from: readonly RequestState[], to: RequestState) {
    super(`illegal transition ${from.join('|')} → ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

/** Throws IllegalTransitionError unless every `from` may move to `to`. */
export function checkTransition(from: readonly RequestState[], to: RequestState): void {
  if (from.length === 0 || from.some((f) => !TRANSITIONS[f].includes(to))) throw new IllegalTransitionError(from, to);
}

export type TransitionPatch = Partial<Pick<ChangeRequest, 'decidedBy' | 'outcomeDetail' | 'awsRequestId'>>;

/** Which requests `findRequests` returns: always one workspace's. */
export interface RequestQuery {
  teamId: string;
  /** Only these states (all when omitted). */
  states?: readonly RequestState[];
  /** Only this person's requests. */
  requesterId?: string;
  /** `oldest`: by creation, oldest first (what waits longest); `newest`: by last change, newest first. */
  order: 'oldest' | 'newest';
  limit: number;
}

export type ApproveResult = { ok: true; request: ChangeRequest; complete: boolean } | { ok: false; reason: string };

export interface Store {
  saveModal(session: ModalSession): Promise<void>;
  getModal(viewId: string): Promise<ModalSession | undefined>;
  /** True when this call removed it: of concurrent deletes, exactly one wins (a confirm claims its session so). */
  deleteModal(viewId: string): Promise<boolean>;

  createRequest(request: ChangeRequest, effects: (r: ChangeRequest) => Effects): Promise<ChangeRequest>;
  getRequest(id: string): Promise<ChangeRequest | undefined>;
  /**
   * Moves the request from one of `from` to `to`, atomically: undefined when it was in none of them
   * (someone else got there first). `effects` sees the request as updated. Throws IllegalTransitionError unless every
   * from → to is in TRANSITIONS. With `guard.owner`, moves only while the request's claim is that owner's (a replica
   * whose claim was taken over can't record its late result). Leaving `applying` clears the claim.
   */
  transition(
    id: string,
    from: readonly RequestState[],
    to: RequestState,
    patch: TransitionPatch,
    effects: (r: ChangeRequest) => Effects,
    guard?: { owner?: string },
  ): Promise<ChangeRequest | undefined>;
  /**
   * With `from: 'approved'`, approved → applying with claim {owner, until}: the one claim that may send the change.
   * With `from: 'expired-claim'`, applying whose claim has run out (claim.until <= now, or no claim at all) → applying
   * under the new owner: a takeover, which only settles from what Chime shows. Undefined when the request is not in
   * that state. Atomic across replicas. The two are kept apart so that a takeover can never become a second apply.
   */
  claimApply(id: string, from: 'approved' | 'expired-claim', owner: string, until: Date, now: Date): Promise<ChangeRequest | undefined>;
  /** Extends the claim; false when `owner` no longer holds it (taken over, or the request left `applying`). */
  renewClaim(id: string, owner: string, until: Date): Promise<boolean>;
  /**
   * Inserts `key` (a primary key) and writes `effects` in the same transaction: true only for the first caller ever,
   * across restarts and replicas (reminders, escalations: exactly once however many sweeps run).
   */
  claimOnce(key: string, effects: Effects): Promise<boolean>;
  /**
   * Records one approval if `approvalBlocker` allows it now, and moves the request to `approved` when it has enough,
   * all in one transaction: two approvers at once can never both complete it.
   */
  approve(
    id: string,
    teamId: string,
    approval: Approval,
    effects: (r: ChangeRequest, complete: boolean) => Effects,
  ): Promise<ApproveResult>;
  requestsIn(state: RequestState): Promise<ChangeRequest[]>;
  /** One workspace's requests, filtered and ordered as `query` says (the App Home inbox). */
  findRequests(query: RequestQuery): Promise<ChangeRequest[]>;
  expiredPending(now: Date): Promise<ChangeRequest[]>;
  setCardTs(requestId: string, ts: string): Promise<void>;

  /** Audit rows and posts with no request change (refusals). */
  record(effects: Effects): Promise<void>;
  history(filter: { teamId?: string; accountId?: string; limit: number }): Promise<AuditRow[]>;
  auditRows(filter?: { since?: Date; accountId?: string }): Promise<AuditRow[]>;

  /** The oldest posts due now, in order, leaving out any behind an earlier post to its channel that waits to retry. */
  dueOutbox(now: Date, limit: number): Promise<OutboxEntry[]>;
  /**
   * Claims up to `limit` due posts for `owner` until `leaseUntil`, oldest first: never a post under another live
   * lease, nor one behind an earlier undone post of its channel that waits to retry or is under a live lease. So two
   * replicas never send one post twice and one channel's posts keep their order. An expired lease is claimable again.
   */
  claimOutbox(owner: string, now: Date, limit: number, leaseUntil: Date): Promise<OutboxEntry[]>;
  /** Settles the post (sent, or given up with `error`) and releases its claim. */
  outboxDone(id: number, error?: string): Promise<void>;
  /** The post waits until `nextAt` (its channel's later posts wait behind it) and its claim is released. */
  outboxRetry(id: number, nextAt: Date, error: string): Promise<void>;
  pendingOutboxCount(): Promise<number>;
  /** Posts not yet settled, and how long the oldest of them has waited (0 when none). */
  outboxStats(now: Date): Promise<{ pending: number; oldestAgeMs: number }>;

  /**
   * True while this process holds the sweep's leadership. SQLite: always (one process). PostgreSQL: a session
   * advisory lock on a dedicated, unpooled connection, tried again on each call; false when that connection died.
   */
  lead(): Promise<boolean>;
  /** Health: resolves when the database answers; throws StoreUnavailableError when it can't. */
  ping(): Promise<void>;

  close(): Promise<void>;
}
