/** `/chime-account …`: acks at once, then opens the change form or answers ephemerally (show, list, history, help). */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import { type Actor, roleMessage } from '../../workflow/changes.ts';
import { AccountsFailure } from '../../workflow/ports.ts';
import { parseCommand, USAGE } from '../command-text.ts';
import { actorOf, type Deps } from '../context.ts';
import { type Respond, responder } from '../response-url.ts';
import { accountBlocks, accountListBlocks, LIST_PAGE_SIZE } from '../views/account.ts';
import { auditLine } from '../views/requests.ts';
import { esc, md, slackDate } from '../views/text.ts';
import { openChangeModal } from './change-modal.ts';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export function commandListener(deps: Deps) {
  return async ({ command, ack, client }: Args): Promise<void> => {
    await ack();
    const respond = responder(command.response_url);
    const actor = actorOf(command);
    const sub = parseCommand(command.text ?? '');
    const reply = (text: string, blocks?: KnownBlock[]) =>
      respond({ response_type: 'ephemeral', text, blocks: blocks ?? [{ type: 'section', text: md(text) }] });

    switch (sub.kind) {
      case 'update':
        return openChangeModal(deps, {
          client,
          triggerId: command.trigger_id,
          actor,
          channelId: command.channel_id,
          responseUrl: command.response_url,
          accountId: sub.accountId,
        });
      case 'help':
        await reply(sub.problem ? `${esc(sub.problem)}\n\n${USAGE}` : USAGE);
        return;
      default:
        if (!(await viewerAllowed(deps, actor, reply))) return;
        if (sub.kind === 'show') return show(deps, sub.accountId, reply);
        if (sub.kind === 'list') return listAccounts(deps, respond, sub.prefix);
        return history(deps, actor, sub.accountId, reply);
    }
  };
}

type Reply = (text: string, blocks?: KnownBlock[]) => Promise<unknown>;

export async function viewerAllowed(deps: Deps, actor: Actor, reply: Reply): Promise<boolean> {
  const role = await deps.workflow.checkRole('viewers', actor.userId);
  if (role.ok) return true;
  await reply(roleMessage(role));
  return false;
}

async function show(deps: Deps, accountId: string, reply: Reply): Promise<void> {
  try {
    const account = await deps.accounts.get(accountId);
    await reply(`Amazon Chime account ${esc(account.name)}`, accountBlocks(account));
  } catch (error) {
    await reply(failureWords(deps, error));
  }
}

/** One page of ListAccounts; `nextToken` continues a previous page (the Next page button). */
export async function listAccounts(deps: Deps, respond: Respond, prefix?: string, nextToken?: string, replace = false): Promise<void> {
  try {
    const page = await deps.accounts.list({ namePrefix: prefix, maxResults: LIST_PAGE_SIZE, nextToken });
    await respond({
      response_type: 'ephemeral',
      replace_original: replace,
      text: `${page.accounts.length} Chime account(s)`,
      blocks: accountListBlocks(page.accounts, { prefix, nextToken: page.nextToken }),
    });
  } catch (error) {
    await respond({ response_type: 'ephemeral', replace_original: false, text: failureWords(deps, error) });
  }
}

async function history(deps: Deps, actor: Actor, accountId: string | undefined, reply: Reply): Promise<void> {
  const rows = await deps.store.history({ teamId: actor.teamId, accountId, limit: 10 });
  const title = accountId ? `Last ${rows.length} audit entries for account \`${esc(accountId)}\`` : `Last ${rows.length} audit entries`;
  if (rows.length === 0) {
    await reply(accountId ? `No audit entries for account \`${esc(accountId)}\` yet.` : 'No audit entries yet.');
    return;
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
  await reply(title, blocks);
}

export function failureWords(deps: Deps, error: unknown): string {
  if (error instanceof AccountsFailure) return esc(error.userMessage);
  deps.logger.error('unexpected error', error);
  return 'Something unexpected went wrong. The bot’s log has the details.';
}
