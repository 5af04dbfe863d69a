/**
 * The account picker in a form opened without an ID: type-ahead options from ListAccounts' name prefix, and the
 * choice, which fills the form for that account.
 */
import type { AllMiddlewareArgs, BlockAction, BlockSuggestion, SlackActionMiddlewareArgs, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import type { PlainTextOption } from '@slack/types';
import { FORM_EXPIRED } from '../../workflow/outcomes.ts';
import { ACCOUNT_ID } from '../command-text.ts';
import { actorOf, type Deps, refusalText } from '../context.ts';
import { accountOptionText } from '../views/account.ts';
import { messageView } from '../views/modals.ts';
import { plain } from '../views/text.ts';
import { formView, updateView } from './change-modal.ts';

export function accountOptionsListener(deps: Deps) {
  return async ({ ack, body }: SlackOptionsMiddlewareArgs<'block_suggestion'> & AllMiddlewareArgs): Promise<void> => {
    const suggestion = body as BlockSuggestion;
    const found = await deps.workflow.accountOptions(actorOf(suggestion), suggestion.view?.id, body.value ?? '');
    if (!found.ok) {
      if (found.code === 'chime-failed') deps.logger.warn(`account options failed: ${found.message}`);
      await ack({ options: [] });
      return;
    }
    const options: PlainTextOption[] = found.value
      .filter((a) => a.accountId.length <= 75)
      .map((a) => ({ text: plain(accountOptionText(a), 75), value: a.accountId }));
    await ack({ options });
  };
}

export function accountPickedListener(deps: Deps) {
  return async ({ ack, body, client, action }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const viewId = body.view?.id;
    if (!viewId) return;
    const accountId = action.type === 'external_select' ? action.selected_option?.value : undefined;
    const form = accountId && ACCOUNT_ID.test(accountId) ? await deps.workflow.pickAccount(actorOf(body), viewId, accountId) : FORM_EXPIRED;
    // A form that isn't this person's is left alone: nothing of theirs to update.
    if (!form.ok && form.code === 'form-expired' && accountId) return;
    await updateView(deps, client, viewId, body.view?.hash, form.ok ? formView(form) : messageView(refusalText(form)));
  };
}
