/**
 * A change request and its life. Every change is one — a direct change is simply created `approved`.
 *
 *   pending ──approve×N──▶ approved ──claim──▶ applying ──▶ applied | failed | stale
 *      └──▶ rejected | expired | cancelled
 */
import type { AccountChange, AccountValues } from './account.ts';

/** Longest reason or comment, in characters (the inputs' max_length; checked again on the server). */
export const REASON_MAX = 500;

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
  pending: ['approved', 'rejected', 'expired', 'cancelled'],
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

/** Whether the request has an approval card (and so a thread): every request that needed approval. */
export function hasCard(request: Pick<ChangeRequest, 'approvalsRequired'>): boolean {
  return request.approvalsRequired > 0;
}

export type ApprovalBlock = {
  code: 'other-workspace' | 'not-pending' | 'expired' | 'own-request' | 'already-approved';
  message: string;
};

/** Why `userId` can't approve or reject `request` now, or undefined when they can. The role is checked separately. */
export function approvalBlock(request: ChangeRequest, userId: string, teamId: string, now: Date): ApprovalBlock | undefined {
  if (request.teamId !== teamId) return { code: 'other-workspace', message: 'This request belongs to another workspace.' };
  if (request.state !== 'pending') return { code: 'not-pending', message: `This request is already ${request.state}.` };
  if (request.expiresAt.getTime() <= now.getTime()) return { code: 'expired', message: 'This request has expired.' };
  if (request.requesterId === userId)
    return { code: 'own-request', message: 'You can’t approve or reject your own request: another approver must.' };
  if (request.approvals.some((a) => a.userId === userId))
    return { code: 'already-approved', message: 'You have already approved this request.' };
  return undefined;
}

/** `approvalBlock`'s words alone (the store checks it again inside the approval's transaction). */
export function approvalBlocker(request: ChangeRequest, userId: string, teamId: string, now: Date): string | undefined {
  return approvalBlock(request, userId, teamId, now)?.message;
}
