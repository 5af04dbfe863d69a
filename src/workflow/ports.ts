/**
 * What the workflow needs of the outside world, in one place, so it can be read (and tested) without Slack or AWS:
 * the store, Amazon Chime's accounts, who is in which group, how an event becomes posts, a logger and a clock.
 * The Slack edge and the Chime adapter implement them; test/workflow uses in-memory fakes.
 */
import type { Account, AccountChange } from '../domain/account.ts';
import type { AuditEntry } from '../domain/audit.ts';
import type { Directory, Policy } from '../domain/policy.ts';
import type { ChangeRequest } from '../domain/request.ts';
import type { OutboxItem, Store } from '../store/store.ts';

export type { Directory, Store };

/** Who a call to Chime is made for: the change's request, the person who asked and who approved it. */
export interface OnBehalfOf {
  requestId: string;
  teamId: string;
  requesterId: string;
  approverIds: readonly string[];
}

export interface AccountPage {
  accounts: Account[];
  nextToken?: string;
  /** With several AWS accounts: those whose accounts could not be listed, in words; the others' rows are still here. */
  failures?: { awsAccountId: string; message: string }[];
}

export interface Accounts {
  /** `on` is given for the drift check before a change, so it runs under the same identity as the change. */
  get(accountId: string, on?: OnBehalfOf): Promise<Account>;
  update(accountId: string, change: AccountChange, on?: OnBehalfOf): Promise<{ account: Account; requestId?: string }>;
  list(query: { namePrefix?: string; maxResults?: number; nextToken?: string }): Promise<AccountPage>;
}

export const FAILURE_KINDS = [
  'BadRequest',
  'Unauthorized',
  'Forbidden',
  'NotFound',
  'Conflict',
  'Throttled',
  'ServiceFailure',
  'ServiceUnavailable',
  'Timeout',
  'Unreachable',
  'NoCredentials',
  'Unknown',
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** A failed call to Amazon Chime, already put in plain words an admin can act on. */
export class AccountsFailure extends Error {
  readonly kind: FailureKind;
  readonly userMessage: string;
  readonly requestId?: string;
  readonly status?: number;

  constructor(init: { kind: FailureKind; userMessage: string; requestId?: string; status?: number; cause?: unknown }) {
    super(`${init.kind}: ${init.userMessage}`, { cause: init.cause });
    this.name = 'AccountsFailure';
    this.kind = init.kind;
    this.userMessage = init.userMessage;
    this.requestId = init.requestId;
    this.status = init.status;
  }
}

/** Turns what happened into posts for the outbox: which channel, which thread, whether broadcast (the Slack edge). */
export interface Announcer {
  /** `people`: whom a reminder or an escalation mentions (user and group IDs), and whom it messages directly. */
  announce(
    entry: AuditEntry,
    request?: ChangeRequest,
    account?: Account,
    people?: { mention?: readonly string[]; direct?: readonly string[] },
  ): OutboxItem[];
}

export interface Logger {
  debug?(...msg: unknown[]): void;
  info(...msg: unknown[]): void;
  warn(...msg: unknown[]): void;
  error(...msg: unknown[]): void;
}

export interface WorkflowPorts {
  store: Store;
  accounts: Accounts;
  directory: Directory;
  announcer: Announcer;
  logger: Logger;
  /** The policy as it is now (read on every decision). */
  policy: () => Policy;
  /** This process's name in claims (host, pid and a random part): unique among the replicas. */
  owner?: string;
  /**
   * How long a claim on an `applying` request lasts: at least the longest time its calls to Chime could still land
   * (attempts × timeout, plus backoff and a margin). Nobody settles a request under a live claim.
   */
  applyLeaseMs?: number;
  /** Where approval cards go; the invoking channel when unset. */
  approvalChannelId?: string;
  now?: () => Date;
  /** Called after anything is queued in the outbox, so it is sent now rather than at the next poll. */
  onQueued?: () => void;
  /** Called after each commit with the audit entries it wrote (metrics, the audit anchor, App Home refreshes). */
  onRecorded?: (entries: readonly AuditEntry[]) => void;
}
