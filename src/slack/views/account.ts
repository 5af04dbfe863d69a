/** Block Kit for an account: its summary (every field), the before → after summary of a change, and the list. */
import type { KnownBlock } from '@slack/types';
import type { Account, AccountValues } from '../../domain/account.ts';
import { ids } from '../ids.ts';
import { arrow, clip, esc, field, md, mention, plain, slackDate } from './text.ts';

function accountFields(account: Account): string[] {
  return [
    `*Account ID*\n\`${esc(account.accountId)}\``,
    `*AWS account*\n${esc(account.awsAccountId || '—')}`,
    `*Type*\n${esc(account.type ?? '—')}`,
    `*Status*\n${esc(account.status ?? '—')}`,
    `*Created*\n${account.createdAt ? slackDate(account.createdAt) : '—'}`,
    `*Supported licenses*\n${esc(account.supportedLicenses.join(', ') || 'all')}`,
    `*Sign-in delegate groups*\n${esc(account.signinDelegateGroups.join(', ') || 'none')}`,
  ];
}

function fieldsSections(fields: string[]): KnownBlock[] {
  // A section holds at most 10 fields.
  const blocks: KnownBlock[] = [];
  for (let i = 0; i < fields.length; i += 10) blocks.push({ type: 'section', fields: fields.slice(i, i + 10).map(field) });
  return blocks;
}

/** `/chime-account show`: every field of the account. */
export function accountBlocks(account: Account): KnownBlock[] {
  return [
    { type: 'header', text: plain(clip(account.name, 150)) },
    ...fieldsSections([
      `*Name*\n${esc(account.name)}`,
      `*Default license*\n${esc(account.defaultLicense ?? '—')}`,
      ...accountFields(account),
    ]),
  ];
}

/** The summary posted after a change: the account as Chime now has it, and what changed, by whom, when. */
export function changeSummaryBlocks(input: {
  account: Account;
  before: AccountValues;
  requesterId: string;
  approverIds: string[];
  at: Date;
  requestId: string;
}): KnownBlock[] {
  const { account, before } = input;
  const approvedBy = input.approverIds.length ? ` · approved by ${input.approverIds.map(mention).join(', ')}` : '';
  return [
    { type: 'section', text: md(`:white_check_mark: *Amazon Chime account updated:* ${esc(account.name)}`) },
    ...fieldsSections([
      `*Name*\n${arrow(before.name, account.name)}`,
      `*Default license*\n${arrow(before.license, account.defaultLicense)}`,
      ...accountFields(account),
    ]),
    { type: 'context', elements: [md(`Changed by ${mention(input.requesterId)}${approvedBy} · ${slackDate(input.at)}`)] },
    {
      type: 'actions',
      block_id: ids.block.summaryActions,
      elements: [{ type: 'button', action_id: ids.action.revert, text: plain('Revert…'), value: input.requestId }],
    },
  ];
}

export const LIST_PAGE_SIZE = 20;

/** The account picker's option: name, AWS account and status, within Slack's 75 characters. */
export function accountOptionText(a: Account): string {
  return clip(`${a.name} (${a.awsAccountId ? `AWS ${a.awsAccountId}, ` : ''}${a.status ?? '?'})`, 75);
}

/**
 * `/chime-account list`: one line per account (naming its AWS account) with an Update button, a line for each AWS
 * account that could not be listed, and a button for the next page.
 */
export function accountListBlocks(
  accounts: Account[],
  query: { prefix?: string; nextToken?: string; failures?: { awsAccountId: string; message: string }[] },
): KnownBlock[] {
  const title = query.prefix ? `Chime accounts whose name starts with “${esc(query.prefix)}”` : 'Chime accounts';
  const failed: KnownBlock[] = (query.failures ?? []).map((f) => ({
    type: 'section',
    text: md(`:warning: *AWS account ${esc(f.awsAccountId)} could not be listed:* ${esc(f.message)}`),
  }));
  if (accounts.length === 0) return [{ type: 'section', text: md(`${title}: none found.`) }, ...failed];
  const blocks: KnownBlock[] = [{ type: 'section', text: md(`*${title}*`) }, ...failed];
  for (const a of accounts)
    blocks.push({
      type: 'section',
      text: md(
        `*${esc(a.name)}*\n\`${esc(a.accountId)}\` · AWS ${esc(a.awsAccountId || '—')} · ${esc(a.type ?? '—')} · ${esc(a.status ?? '—')} · ${esc(a.defaultLicense ?? 'no license')}`,
      ),
      accessory: { type: 'button', action_id: ids.action.updateFromList, text: plain('Update…'), value: a.accountId },
    });
  if (query.nextToken)
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: ids.action.listNext,
          text: plain('Next page'),
          value: JSON.stringify({ p: query.prefix ?? '', t: query.nextToken }).slice(0, 2000),
        },
      ],
    });
  return blocks;
}
