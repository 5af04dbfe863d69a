/**
 * Approve / Reject modal submits. The workflow checks everything again now — the approver role as it is now, not
 * the requester, not twice, still pending, not expired, same workspace — and records it atomically.
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { actorOf, type Deps, EXPIRED_FORM, sessionFor } from '../context.ts';
import { ids } from '../ids.ts';
import { messageView, REASON_MAX } from '../views/modals.ts';
import { esc } from '../views/text.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

export function decisionListener(deps: Deps, kind: 'approve' | 'reject') {
  return async ({ ack, body, view }: Args): Promise<void> => {
    const actor = actorOf(body);
    const session = await sessionFor(deps.store, view.id, actor);
    if (!session?.requestId) {
      await ack({ response_action: 'update', view: messageView(EXPIRED_FORM) });
      return;
    }
    const comment = view.state.values[ids.block.comment]?.[ids.action.comment]?.value?.trim() ?? '';
    if ([...comment].length > REASON_MAX) {
      await ack({ response_action: 'errors', errors: { [ids.block.comment]: `Use at most ${REASON_MAX} characters.` } });
      return;
    }
    if (kind === 'reject' && !comment) {
      await ack({ response_action: 'errors', errors: { [ids.block.comment]: 'Say why you reject it: the requester will see this.' } });
      return;
    }
    const result =
      kind === 'approve'
        ? await deps.workflow.approve(actor, session.requestId, comment)
        : await deps.workflow.reject(actor, session.requestId, comment);
    if (!result.ok) {
      await ack({ response_action: 'update', view: messageView(esc(result.message)) });
      return;
    }
    await ack();
    await deps.store.deleteModal(session.viewId);
  };
}
