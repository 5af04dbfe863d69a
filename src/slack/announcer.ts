/**
 * Decides where each event is told in Slack — the audit channel, the approval card and its thread, the channel
 * where the command was typed (broadcast from the thread when the card is there), the requester's fallback — and
 * queues those posts with the change itself. What the posts say is rendered by views/requests.ts.
 */
import type { KnownBlock } from '@slack/types';
import type { Account } from '../domain/account.ts';
import type { AuditEntry } from '../domain/audit.ts';
import { type ChangeRequest, hasCard } from '../domain/request.ts';
import type { OutboxItem } from '../store/store.ts';
import type { Announcer } from '../workflow/ports.ts';
import { changeSummaryBlocks } from './views/account.ts';
import { auditLine, changeLines, threadNote } from './views/requests.ts';
import { esc, field, md, mention, slackDate } from './views/text.ts';

const SETTLED = new Set<AuditEntry['action']>(['applied', 'failed', 'rejected', 'expired', 'stale']);

/** User and group IDs as Slack mentions (only ever from the policy's IDs, never typed text). */
function mentions(ids: readonly string[] = []): string {
  return ids.map((id) => (id.startsWith('S') && /^S[A-Z0-9]+$/.test(id) ? `<!subteam^${id}>` : mention(id))).join(' ');
}

/** The requester's DM when their request settles: the outcome in one line. */
function settledNote(e: AuditEntry, r: ChangeRequest): string {
  const account = `Amazon Chime account \`${esc(r.accountId)}\``;
  switch (e.action) {
    case 'applied':
      return `:white_check_mark: Your change to ${account} was applied.`;
    case 'rejected':
      return `:no_entry: Your change to ${account} was rejected by ${mention(e.actorId)}: “${esc(e.detail ?? '')}”`;
    case 'expired':
      return `:alarm_clock: Your change request for ${account} expired: nobody approved it in time.`;
    case 'stale':
      return `:warning: Your change to ${account} was not applied: the account changed since it was reviewed. ${esc(e.detail ?? '')}`;
    default:
      return `:x: Your change to ${account} was not made: ${esc(e.detail ?? '')}`;
  }
}

export class SlackAnnouncer implements Announcer {
  readonly #auditChannelId?: string;

  constructor(opts: { auditChannelId?: string }) {
    this.#auditChannelId = opts.auditChannelId;
  }

  announce(
    entry: AuditEntry,
    r?: ChangeRequest,
    account?: Account,
    people: { mention?: readonly string[]; direct?: readonly string[] } = {},
  ): OutboxItem[] {
    const posts: OutboxItem[] = [];
    if (this.#auditChannelId) posts.push({ kind: 'post', channelId: this.#auditChannelId, text: auditLine(entry) });
    if (!r) return posts;
    const card = hasCard(r);
    const inThread = (text: string, blocks?: KnownBlock[], broadcast = false): OutboxItem => ({
      kind: 'post',
      channelId: r.cardChannelId,
      threadOf: r.id,
      text,
      blocks,
      broadcast,
    });
    const fallback = { userId: r.requesterId, responseUrl: r.responseUrl };
    /** The outcome goes to the channel where the command was typed: in the card's thread when the card is there. */
    const outcome = (text: string, blocks: KnownBlock[]): OutboxItem[] => {
      if (card && r.cardChannelId === r.channelId) return [inThread(text, blocks, true)];
      const root: OutboxItem = { kind: 'post', channelId: r.channelId, text, blocks, fallback };
      return card ? [inThread(text, blocks), root] : [root];
    };
    const line = auditLine(entry);
    switch (entry.action) {
      case 'requested':
        if (card) posts.push({ kind: 'card', requestId: r.id });
        break;
      case 'approved':
      case 'rejected':
      case 'cancelled':
      case 'expired':
        posts.push({ kind: 'card', requestId: r.id }, inThread(threadNote(entry, r)));
        break;
      case 'applied': {
        if (card) posts.push({ kind: 'card', requestId: r.id });
        const blocks = account
          ? changeSummaryBlocks({
              account,
              before: r.before,
              requesterId: r.requesterId,
              approverIds: r.approvals.map((a) => a.userId),
              at: entry.at,
              requestId: r.id,
            })
          : [{ type: 'section', text: md(line) } as KnownBlock];
        if (entry.detail) blocks.splice(1, 0, { type: 'context', elements: [md(esc(entry.detail))] });
        posts.push(...outcome(`Amazon Chime account ${esc(account?.name ?? r.accountId)} updated by ${mention(r.requesterId)}`, blocks));
        break;
      }
      case 'failed':
      case 'stale': {
        if (card) posts.push({ kind: 'card', requestId: r.id });
        const title =
          entry.action === 'failed'
            ? ':x: *The change was not made.*'
            : ':warning: *The change was not applied: the account changed since it was reviewed.*';
        const blocks: KnownBlock[] = [
          { type: 'section', text: md(`${title} ${mention(r.requesterId)} asked to change account \`${esc(r.accountId)}\`.`) },
          { type: 'section', fields: changeLines(r).map(field) },
          { type: 'section', text: md(esc(entry.detail ?? '')) },
          {
            type: 'context',
            elements: [md(`${slackDate(entry.at)}${entry.awsRequestId ? ` · AWS request ${esc(entry.awsRequestId)}` : ''}`)],
          },
        ];
        posts.push(...outcome(`Change to Chime account ${esc(r.accountId)} not made: ${esc(entry.detail ?? '')}`, blocks));
        break;
      }
      case 'reconciled': {
        // Not an outcome: the outcome is not known yet, and this says so where the outcome will be posted.
        const text = `:hourglass_flowing_sand: ${esc(entry.detail ?? 'The outcome of this change is being checked.')}`;
        posts.push(card ? inThread(text) : { kind: 'post', channelId: r.channelId, text, fallback });
        break;
      }
      case 'reminded':
        posts.push(
          inThread(
            `:bell: Reminder: this request is still waiting for approval and expires ${slackDate(r.expiresAt)}. ${mentions(people.mention)}`,
          ),
        );
        break;
      case 'escalated': {
        const text = `:rotating_light: Escalated: this request is still waiting for approval (expires ${slackDate(r.expiresAt)}). ${mentions(people.mention)} — you may approve or reject it.`;
        posts.push(inThread(text));
        for (const userId of people.direct ?? [])
          posts.push({
            kind: 'post',
            channelId: userId,
            linkTo: r.id,
            text: `:rotating_light: A change request to Amazon Chime account \`${esc(r.accountId)}\` by ${mention(r.requesterId)} is still waiting for approval and was escalated to you. It expires ${slackDate(r.expiresAt)}.`,
          });
        break;
      }
      case 'refused':
        break;
    }
    // The requester hears how their request ended, directly, with a link to its thread.
    if (SETTLED.has(entry.action))
      posts.push({ kind: 'post', channelId: r.requesterId, text: settledNote(entry, r), linkTo: card ? r.id : undefined });
    return posts;
  }
}
