/**
 * The account picker in a form opened without an ID: type-ahead options from ListAccounts' name prefix, and the
 * choice, which fills the form for that account.
 */
import type { AllMiddlewareArgs, BlockAction, BlockSuggestion, SlackActionMiddlewareArgs, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import type { PlainTextOption } from '@slack/types';
import { roleMessage } from '../../workflow/changes.ts';
import { ACCOUNT_ID } from '../command-text.ts';
import { actorOf, type Deps, EXPIRED_FORM, sessionFor } from '../context.ts';
import { messageView } from '../views/modals.ts';
import { clip, plain } from '../views/text.ts';
import { fillChangeModal } from './change-modal.ts';

export function accountOptionsListener(deps: Deps) {
  return async ({ ack, body }: SlackOptionsMiddlewareArgs<'block_suggestion'> & AllMiddlewareArgs): Promise<void> => {
    const actor = actorOf(body as BlockSuggestion);
    const session = await sessionFor(deps.store, (body as BlockSuggestion).view?.id, actor);
    const role = session ? await deps.workflow.checkRole('requesters', actor.userId) : undefined;
    if (!role?.ok) {
      await ack({ options: [] });
      return;
    }
    try {
      const { accounts } = await deps.accounts.list({ namePrefix: body.value.trim() || undefined, maxResults: 100 });
      const options: PlainTextOption[] = accounts
        .filter((a) => a.accountId.length <= 75)
        .map((a) => ({ text: plain(clip(`${a.name} (${a.status ?? '?'})`, 75), 75), value: a.accountId }));
      await ack({ options });
    } catch (error) {
      deps.logger.warn(`account options failed: ${(error as Error).message}`);
      await ack({ options: [] });
    }
  };
}

export function accountPickedListener(deps: Deps) {
  return async ({ ack, body, client, action }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const actor = actorOf(body);
    const viewId = body.view?.id;
    const session = await sessionFor(deps.store, viewId, actor);
    if (!session || !viewId) return;
    const accountId = action.type === 'external_select' ? action.selected_option?.value : undefined;
    if (!accountId || !ACCOUNT_ID.test(accountId)) {
      await client.views.update({ view_id: viewId, view: messageView(EXPIRED_FORM) });
      return;
    }
    const role = await deps.workflow.checkRole('requesters', actor.userId);
    if (!role.ok) {
      await client.views.update({ view_id: viewId, view: messageView(roleMessage(role)) });
      return;
    }
    await fillChangeModal(deps, client, session, accountId, body.view?.hash);
  };
}
