/**
 * A change request and its life. Every change is one — a direct change is simply created `approved`.
 *
 *   pending ──approve×N──▶ approved ──claim──▶ applying ──▶ applied | failed | stale
 *      └──▶ rejected | expired | cancelled | stale
 */
import type { AccountChange, AccountValues } from './account.ts';

export const REQUEST_STATES = [
  'pending',
  'approved',
  'applying',
  'applied',
  'failed',
  'rejected',
  'expired',
  'cancelled',
  'stale',
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export const TRANSITIONS: Record<RequestState, readonly RequestState[]> = {
  pending: ['approved', 'rejected', 'expired', 'cancelled', 'stale'],
  approved: ['applying'],
  applying: ['applied', 'failed', 'stale'],
  applied: [],
  failed: [],
  rejected: [],
  expired: [],
  cancelled: [],
  stale: [],
};

export function isFinal(state: RequestState): boolean {
  return TRANSITIONS[state].length === 0;
}

export interface Approval {
  userId: string;
  at: Date;
  comment?: string;
}

export interface ChangeRequest {
  id: string;
  teamId: string;
  enterpriseId?: string;
  /** Where the command was typed: the summary goes here. */
  channelId: string;
  /** Where the approval card lives (the invoking channel, or APPROVAL_CHANNEL_ID). */
  cardChannelId: string;
  cardTs?: string;
  /** The slash command's response_url, for telling the requester when the channel can't be posted to. */
  responseUrl?: string;
  requesterId: string;
  accountId: string;
  before: AccountValues;
  change: AccountChange;
  reason?: string;
  state: RequestState;
  approvalsRequired: number;
  approvals: Approval[];
  decidedBy?: string;
  /** Why it was rejected, why it failed, or what the reconciliation found. */
  outcomeDetail?: string;
  awsRequestId?: string;
  /** Who is applying it and until when their claim holds (set only while `applying`). */
  claim?: { owner: string; until: Date };
  /** The request this one reverts, if any. */
  revertOf?: string;
  createdAt: Date;
  expiresAt: Date;
  updatedAt: Date;
}

/** Why `userId` can't approve `request` now, or undefined when they can. The role is checked separately. */
export function approvalBlocker(request: ChangeRequest, userId: string, teamId: string, now: Date): string | undefined {
  if (request.teamId !== teamId) return 'This request belongs to another workspace.';
  if (request.state !== 'pending') return `This request is already ${request.state}.`;
  if (request.expiresAt.getTime() <= now.getTime()) return 'This request has expired.';
  if (request.requesterId === userId) return 'You can’t approve or reject your own request: another approver must.';
  if (request.approvals.some((a) => a.userId === userId)) return 'You have already approved this request.';
  return undefined;
}
