/**
 * The App Home tab: Block Kit for an `Inbox` (workflow/inbox.ts decides what it holds; this only draws it).
 * Approve… / Reject… / Cancel request / Revert… carry the same action ids as the card's and the summary's buttons,
 * so a click here opens the same modals and runs the same checks. Untrusted text is escaped, as everywhere.
 */
import type { HomeView, KnownBlock } from '@slack/types';
import { formatDuration } from '../../domain/duration.ts';
import { ROLE_PURPOSE, ROLES } from '../../domain/policy.ts';
import type { ChangeRequest } from '../../domain/request.ts';
import type { Inbox } from '../../workflow/inbox.ts';
import { ids } from '../ids.ts';
import { changeLines } from './requests.ts';
import { clip, esc, field, md, mention, plain, slackDate } from './text.ts';

/** Shown on the tab as a request's state. */
const STATE: Record<ChangeRequest['state'], string> = {
  pending: ':hourglass_flowing_sand: waiting for approval',
  approved: ':white_check_mark: approved, applying',
  applying: ':gear: applying',
  applied: ':white_check_mark: applied',
  failed: ':x: failed',
  rejected: ':no_entry: rejected',
  expired: ':alarm_clock: expired',
  cancelled: ':heavy_multiplication_x: cancelled',
  stale: ':warning: not applied (the account changed)',
};

/** What the tab remembers between publishes: the App Home DM channel, where a change started here reports back. */
export interface HomeMetadata {
  dm?: string;
}

export function homeMetadata(view: { private_metadata?: string } | undefined): HomeMetadata {
  try {
    const parsed = JSON.parse(view?.private_metadata || '{}') as { dm?: unknown };
    return typeof parsed.dm === 'string' && /^D[A-Z0-9]{2,}$/.test(parsed.dm) ? { dm: parsed.dm } : {};
  } catch {
    return {};
  }
}

const reasonText = (r: ChangeRequest) => (r.reason ? esc(clip(r.reason, 300)) : '_none given_');
const account = (r: ChangeRequest) => `${esc(clip(r.before.name, 100))} (\`${esc(r.accountId)}\`)`;
const oneLine = (r: ChangeRequest) =>
  changeLines(r)
    .map((l) => l.replace('\n', ' '))
    .join(' · ');
const more = (shown: number, total: number, what: string): KnownBlock[] =>
  total > shown ? [{ type: 'context', elements: [md(`…and ${total - shown} more ${what}.`)] }] : [];

export function homeView(inbox: Inbox, now: Date, metadata: HomeMetadata = {}): HomeView {
  const blocks: KnownBlock[] = [];
  blocks.push({ type: 'header', text: plain('Amazon Chime account changes', 150) });
  if (!inbox.hasRole) {
    blocks.push({
      type: 'section',
      text: md(
        inbox.lookupFailed
          ? 'The bot could not check your roles just now (Slack did not answer). Open this tab again in a moment.'
          : `You have no role in this bot’s policy, so there is nothing for you here. The roles let people ${ROLES.map((r) => ROLE_PURPOSE[r]).join('; ')}. Ask a Chime admin if you need one.`,
      ),
    });
    return view(blocks, metadata);
  }
  const partial = inbox.lookupFailed
    ? ' Some of your roles could not be checked (Slack did not answer), so parts may be missing: open the tab again in a moment.'
    : '';
  blocks.push({ type: 'context', elements: [md(`Updated ${slackDate(now)}. This tab shows the policy as it is now.${partial}`)] });
  if (inbox.mayRequest)
    blocks.push({
      type: 'actions',
      block_id: 'home_top',
      elements: [{ type: 'button', style: 'primary', action_id: ids.action.newChange, text: plain('New change…') }],
    });

  if (inbox.roles.approvers) {
    blocks.push({ type: 'header', text: plain('Waiting for your approval', 150) });
    if (inbox.waiting.total === 0) blocks.push({ type: 'context', elements: [md('Nothing waits for your approval.')] });
    for (const r of inbox.waiting.requests) {
      blocks.push(
        {
          type: 'section',
          block_id: `home_wait_${r.id}`,
          text: md(`*${account(r)}*`),
          fields: [
            ...changeLines(r).map(field),
            field(`*Requested by*\n${mention(r.requesterId)}, ${formatDuration(now.getTime() - r.createdAt.getTime())} ago`),
            field(`*Expires*\n${slackDate(r.expiresAt)}`),
            field(`*Reason*\n${reasonText(r)}`),
            field(`*Approvals*\n${r.approvals.length} of ${r.approvalsRequired}`),
          ],
        },
        {
          type: 'actions',
          block_id: `home_decide_${r.id}`,
          elements: [
            { type: 'button', style: 'primary', action_id: ids.action.approve, text: plain('Approve…'), value: r.id },
            { type: 'button', style: 'danger', action_id: ids.action.reject, text: plain('Reject…'), value: r.id },
          ],
        },
      );
    }
    blocks.push(...more(inbox.waiting.requests.length, inbox.waiting.total, 'waiting, oldest shown first'));
  }

  const mine = inbox.mine;
  if (inbox.mayRequest || mine.pendingTotal > 0 || mine.recent.length > 0) {
    blocks.push({ type: 'header', text: plain('Your requests', 150) });
    if (mine.pendingTotal === 0 && mine.recent.length === 0) blocks.push({ type: 'context', elements: [md('You have no requests yet.')] });
    for (const r of mine.pending)
      blocks.push({
        type: 'section',
        block_id: `home_mine_${r.id}`,
        text: md(
          `*${account(r)}* · ${STATE[r.state]} (${r.approvals.length} of ${r.approvalsRequired})\n${oneLine(r)}\nRequested ${slackDate(r.createdAt)} · expires ${slackDate(r.expiresAt)}`,
        ),
        accessory: { type: 'button', action_id: ids.action.cancel, text: plain('Cancel request'), value: r.id },
      });
    blocks.push(...more(mine.pending.length, mine.pendingTotal, 'of your requests wait'));
    for (const r of mine.recent) {
      const detail = r.outcomeDetail ? `: ${esc(clip(r.outcomeDetail, 300))}` : '';
      blocks.push({
        type: 'section',
        block_id: `home_mine_${r.id}`,
        text: md(`*${account(r)}* · ${STATE[r.state]}${detail}\n${oneLine(r)}\n${slackDate(r.updatedAt)}`),
      });
    }
  }

  if (inbox.roles.viewers) {
    blocks.push({ type: 'header', text: plain('Recent changes', 150) });
    if (inbox.recentChanges.length === 0) blocks.push({ type: 'context', elements: [md('No change has been applied yet.')] });
    for (const r of inbox.recentChanges) {
      const approvedBy = r.approvals.length ? ` · approved by ${r.approvals.map((a) => mention(a.userId)).join(', ')}` : '';
      blocks.push({
        type: 'section',
        block_id: `home_recent_${r.id}`,
        text: md(`*${account(r)}*\n${oneLine(r)}\nBy ${mention(r.requesterId)}${approvedBy} · ${slackDate(r.updatedAt)}`),
        ...(inbox.mayRevert
          ? { accessory: { type: 'button' as const, action_id: ids.action.revert, text: plain('Revert…'), value: r.id } }
          : {}),
      });
    }
  }
  return view(blocks, metadata);
}

function view(blocks: KnownBlock[], metadata: HomeMetadata): HomeView {
  return { type: 'home', blocks, private_metadata: JSON.stringify(metadata) };
}
