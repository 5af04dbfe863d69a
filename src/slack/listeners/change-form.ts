/** The form's submit: the workflow checks role, lock and input; the review (before → after) replaces the form. */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { actorOf, type Deps, fieldErrors, inputValue, refusalText } from '../context.ts';
import { ids } from '../ids.ts';
import { messageView, reviewView } from '../views/modals.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

export function changeFormListener(deps: Deps) {
  return async ({ ack, body, view }: Args): Promise<void> => {
    const actor = actorOf(body);
    const result = await deps.workflow.review(actor, view.id, {
      name: inputValue(view, ids.block.name, ids.action.name),
      license: inputValue(view, ids.block.license, ids.action.license, 'selected'),
    });
    if (result.ok) return ack({ response_action: 'update', view: reviewView(result.value) });
    const errors = fieldErrors(result);
    if (errors) return ack({ response_action: 'errors', errors });
    const text = refusalText(result);
    await ack({ response_action: 'update', view: messageView(text) });
    if (result.code === 'no-role' || result.code === 'role-unknown')
      await deps.notifier.tell({ userId: actor.userId, ...result.replyTo }, text);
  };
}
