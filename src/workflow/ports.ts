/** What the workflow needs of the outside world, so it can be read (and tested) without Slack or AWS. */
import type { Account, AccountChange } from '../domain/account.ts';

/** Who a call to Chime is made for: the change's request, the person who asked and who approved it. */
export interface OnBehalfOf {
  requestId: string;
  teamId: string;
  requesterId: string;
  approverIds: readonly string[];
}

export interface Accounts {
  /** `on` is given for the drift check before a change, so it runs under the same identity as the change. */
  get(accountId: string, on?: OnBehalfOf): Promise<Account>;
  update(accountId: string, change: AccountChange, on?: OnBehalfOf): Promise<{ account: Account; requestId?: string }>;
  list(query: { namePrefix?: string; maxResults?: number; nextToken?: string }): Promise<{ accounts: Account[]; nextToken?: string }>;
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

/** A failed call to Amazon Chime, already put in words a Slack admin can act on. */
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
