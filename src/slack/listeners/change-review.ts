/**
 * The review's Confirm: the requester asks for the exact change shown. The workflow checks everything again and
 * stores the request; the modal closes at once, and the change is made (or waits for approval) after the ack.
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { actorOf, type Deps, fieldErrors, inputValue, refusalText } from '../context.ts';
import { ids } from '../ids.ts';
import { messageView } from '../views/modals.ts';
import { channelLink } from '../views/text.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

export function changeReviewListener(deps: Deps) {
  return async ({ ack, body, view }: Args): Promise<void> => {
    const actor = actorOf(body);
    const reason = inputValue(view, ids.block.reason, ids.action.reason);
    const result = await deps.workflow.confirm(actor, view.id, reason);
    if (!result.ok) {
      const errors = fieldErrors(result);
      if (errors) return ack({ response_action: 'errors', errors });
      const text = refusalText(result);
      await ack({ response_action: 'update', view: messageView(text) });
      if (result.code !== 'form-expired') await deps.notifier.tell({ userId: actor.userId, ...result.replyTo }, text);
      return;
    }
    await ack();
    const request = result.value;
    if (request.state === 'pending')
      await deps.notifier.tell(
        { userId: actor.userId, channelId: request.channelId, responseUrl: request.responseUrl },
        `Your change request is waiting for approval in ${channelLink(request.cardChannelId)}. You can cancel it there.`,
      );
  };
}
