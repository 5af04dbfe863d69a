/**
 * What the channel sees of a request: the approval card (rendered from the request as it is when sent), thread
 * notes, the summary after apply, failures, and the one-line audit message. All untrusted text is escaped.
 */
import type { KnownBlock } from '@slack/types';
import { applied } from '../../domain/account.ts';
import type { AuditEntry, AuditRow } from '../../domain/audit.ts';
import { type ChangeRequest, isFinal } from '../../domain/request.ts';
import { ids } from '../ids.ts';
import { arrow, esc, field, md, mention, plain, slackDate } from './text.ts';

const STATE_WORDS: Record<ChangeRequest['state'], string> = {
  pending: ':hourglass_flowing_sand: Waiting for approval',
  approved: ':white_check_mark: Approved — applying',
  applying: ':gear: Applying',
  applied: ':white_check_mark: Applied',
  failed: ':x: Failed',
  rejected: ':no_entry: Rejected',
  expired: ':alarm_clock: Expired',
  cancelled: ':heavy_multiplication_x: Cancelled by the requester',
  stale: ':warning: Not applied: the account changed since the request',
};

export function changeLines(r: Pick<ChangeRequest, 'before' | 'change'>): string[] {
  const after = applied(r.before, r.change);
  return [`*Name*\n${arrow(r.before.name, after.name)}`, `*Default license*\n${arrow(r.before.license, after.license)}`];
}

/** The approval card: the exact change, who asked and why, approvals so far, and buttons while it is pending. */
export function cardMessage(r: ChangeRequest, mentionGroup?: string): { text: string; blocks: KnownBlock[] } {
  const who = `${mention(r.requesterId)} asks to change Amazon Chime account \`${esc(r.accountId)}\``;
  const notify = mentionGroup && r.state === 'pending' ? ` <!subteam^${mentionGroup}>` : '';
  const approvals = r.approvals.length
    ? r.approvals.map((a) => `${mention(a.userId)}${a.comment ? `: “${esc(a.comment)}”` : ''}`).join('\n')
    : '_none yet_';
  let status = STATE_WORDS[r.state];
  if (r.decidedBy && (r.state === 'rejected' || r.state === 'cancelled')) status += ` by ${mention(r.decidedBy)}`;
  if (r.outcomeDetail) status += `: ${esc(r.outcomeDetail)}`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: md(`:lock: *Change request* — ${who}${notify}`) },
    {
      type: 'section',
      fields: [
        ...changeLines(r).map(field),
        field(`*Reason*\n${r.reason ? esc(r.reason) : '_none given_'}`),
        field(`*Approvals (${r.approvals.length} of ${r.approvalsRequired})*\n${approvals}`),
      ],
    },
    {
      type: 'context',
      elements: [
        md(
          isFinal(r.state)
            ? `${status} · ${slackDate(r.updatedAt)} · requested ${slackDate(r.createdAt)}`
            : `${status} · requested ${slackDate(r.createdAt)} · expires ${slackDate(r.expiresAt)}`,
        ),
      ],
    },
  ];
  if (r.state === 'pending')
    blocks.push({
      type: 'actions',
      block_id: ids.block.requestActions,
      elements: [
        { type: 'button', style: 'primary', action_id: ids.action.approve, text: plain('Approve…'), value: r.id },
        { type: 'button', style: 'danger', action_id: ids.action.reject, text: plain('Reject…'), value: r.id },
        { type: 'button', action_id: ids.action.cancel, text: plain('Cancel request'), value: r.id },
      ],
    });
  return { text: `Change request for Chime account ${esc(r.accountId)}: ${STATE_WORDS[r.state]}`, blocks };
}

const VERBS: Record<AuditEntry['action'], string> = {
  requested: 'requested a change to',
  approved: 'approved the change to',
  rejected: 'rejected the change to',
  cancelled: 'cancelled the change to',
  expired: 'expired: nobody approved the change to',
  applied: 'changed',
  failed: 'failed to change',
  stale: 'did not apply the change to',
  refused: 'was refused a change to',
  reconciled: 'is checking the outcome of the change to',
  reminded: 'reminded the approvers of the change to',
  escalated: 'escalated the change to',
};

/** One line for the audit channel: who did what to which account, with the change and any detail. */
export function auditLine(e: AuditEntry): string {
  const actor = e.actorId === 'system' ? 'The bot' : mention(e.actorId);
  const account = e.accountId ? `account \`${esc(e.accountId)}\`` : 'an account';
  const change =
    e.before && e.change
      ? ` (${changeLines({ before: e.before, change: e.change })
          .map((l) => l.replace('\n', ' '))
          .join('; ')})`
      : '';
  const detail = e.detail ? ` — ${esc(e.detail)}` : '';
  return `:memo: ${actor} ${VERBS[e.action]} ${account}${change}${detail}`;
}

/** A short note in the request's thread: the card above already shows the change. */
export function threadNote(e: AuditEntry, r: ChangeRequest): string {
  const who = mention(e.actorId);
  switch (e.action) {
    case 'approved': {
      const comment = r.approvals.find((a) => a.userId === e.actorId)?.comment;
      return `:white_check_mark: ${who} approved (${r.approvals.length} of ${r.approvalsRequired})${comment ? `: “${esc(comment)}”` : ''}`;
    }
    case 'rejected':
      return `:no_entry: ${who} rejected the change: “${esc(e.detail ?? '')}”`;
    case 'cancelled':
      return `:heavy_multiplication_x: ${who} cancelled the request.`;
    case 'expired':
      return ':alarm_clock: The request expired: nobody approved it in time. Request it again if it is still needed.';
    default:
      return auditLine(e);
  }
}

/** `/chime-account history`: the last audit entries, newest first. */
export function historyBlocks(rows: readonly AuditRow[], accountId?: string): { text: string; blocks: KnownBlock[] } {
  const title = accountId ? `Last ${rows.length} audit entries for account \`${esc(accountId)}\`` : `Last ${rows.length} audit entries`;
  if (rows.length === 0) {
    const none = accountId ? `No audit entries for account \`${esc(accountId)}\` yet.` : 'No audit entries yet.';
    return { text: none, blocks: [{ type: 'section', text: md(none) }] };
  }
  const blocks: KnownBlock[] = [
    { type: 'section', text: md(`*${title}*`) },
    ...rows.map(
      (r): KnownBlock => ({
        type: 'context',
        elements: [md(`${slackDate(r.at)} · ${auditLine(r)}${r.requestId ? ` · request \`${r.requestId.slice(0, 8)}\`` : ''}`)],
      }),
    ),
  ];
  return { text: title, blocks };
}
