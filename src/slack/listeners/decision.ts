/**
 * Approve / Reject modal submits. The workflow checks everything again now — the approver role read fresh from
 * Slack, not the requester, not twice, still pending, not expired, same workspace — and records it atomically.
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { actorOf, type Deps, fieldErrors, inputValue, refusalText } from '../context.ts';
import { ids } from '../ids.ts';
import { messageView } from '../views/modals.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

export function decisionListener(deps: Deps, kind: 'approve' | 'reject') {
  return async ({ ack, body, view }: Args): Promise<void> => {
    const comment = inputValue(view, ids.block.comment, ids.action.comment);
    const result = await deps.workflow.decide(actorOf(body), view.id, kind, comment);
    if (result.ok) return ack();
    const errors = fieldErrors(result);
    await ack(errors ? { response_action: 'errors', errors } : { response_action: 'update', view: messageView(refusalText(result)) });
  };
}
