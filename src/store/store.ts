/**
 * The durable store: change requests, the append-only audit log, the outbox of Slack posts, and open modals.
 * Every state change is written together with its audit row and the posts that announce it, in one transaction,
 * so a crash or a Slack outage can delay a post but never lose the record.
 */
import type { Account, AccountChange } from '../domain/account.ts';
import type { AuditEntry, AuditRow } from '../domain/audit.ts';
import type { Approval, ChangeRequest, RequestState } from '../domain/request.ts';

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
   * (someone else got there first). `effects` sees the request as updated.
   */
  transition(
    id: string,
    from: readonly RequestState[],
    to: RequestState,
    patch: Partial<Pick<ChangeRequest, 'decidedBy' | 'outcomeDetail' | 'awsRequestId'>>,
    effects: (r: ChangeRequest) => Effects,
  ): Promise<ChangeRequest | undefined>;
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
  expiredPending(now: Date): Promise<ChangeRequest[]>;
  setCardTs(requestId: string, ts: string): Promise<void>;

  /** Audit rows and posts with no request change (refusals). */
  record(effects: Effects): Promise<void>;
  history(filter: { teamId?: string; accountId?: string; limit: number }): Promise<AuditRow[]>;
  auditRows(filter?: { since?: Date; accountId?: string }): Promise<AuditRow[]>;

  /** The oldest posts due now, in order, leaving out any behind an earlier post to its channel that waits to retry. */
  dueOutbox(now: Date, limit: number): Promise<OutboxEntry[]>;
  outboxDone(id: number, error?: string): Promise<void>;
  outboxRetry(id: number, nextAt: Date, error: string): Promise<void>;
  pendingOutboxCount(): Promise<number>;

  close(): Promise<void>;
}
