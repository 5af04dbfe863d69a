/** `/chime-account …`: acks at once, then opens the change form or answers ephemerally (show, list, history, help). */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { Actor } from '../../workflow/changes.ts';
import { parseCommand, USAGE } from '../command-text.ts';
import { actorOf, type Deps, refusalText } from '../context.ts';
import { type Respond, responder } from '../response-url.ts';
import { accountBlocks, accountListBlocks, LIST_PAGE_SIZE } from '../views/account.ts';
import { historyBlocks } from '../views/requests.ts';
import { esc, md } from '../views/text.ts';
import { openChangeForm } from './change-modal.ts';

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
        return openChangeForm(deps, {
          client,
          triggerId: command.trigger_id,
          actor,
          context: { channelId: command.channel_id, responseUrl: command.response_url },
          accountId: sub.accountId,
        });
      case 'help':
        await reply(sub.problem ? `${esc(sub.problem)}\n\n${USAGE}` : USAGE);
        return;
      case 'show': {
        const shown = await deps.workflow.show(actor, sub.accountId);
        await (shown.ok ? reply(`Amazon Chime account ${esc(shown.value.name)}`, accountBlocks(shown.value)) : reply(refusalText(shown)));
        return;
      }
      case 'list':
        return listPage(deps, respond, actor, sub.prefix);
      case 'history': {
        const rows = await deps.workflow.history(actor, sub.accountId);
        if (!rows.ok) return void (await reply(refusalText(rows)));
        const { text, blocks } = historyBlocks(rows.value, sub.accountId);
        await reply(text, blocks);
        return;
      }
    }
  };
}

/** One page of accounts; `nextToken` continues an earlier page (its Next page button replaces the message). */
export async function listPage(deps: Deps, respond: Respond, actor: Actor, prefix?: string, nextToken?: string): Promise<void> {
  const page = await deps.workflow.list(actor, { prefix, nextToken, pageSize: LIST_PAGE_SIZE });
  if (!page.ok) return respond({ response_type: 'ephemeral', replace_original: false, text: refusalText(page) });
  await respond({
    response_type: 'ephemeral',
    replace_original: Boolean(nextToken),
    text: `${page.value.accounts.length} Chime account(s)`,
    blocks: accountListBlocks(page.value.accounts, { prefix, nextToken: page.value.nextToken, failures: page.value.failures }),
  });
}
