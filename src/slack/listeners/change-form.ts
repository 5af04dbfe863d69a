/**
 * The form's submit: role checked again, input validated (errors shown on the field), then the review view with
 * before → after replaces the form — nothing is changed yet.
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { lockReason, validateChange } from '../../domain/account.ts';
import { accountAllowed, needsApproval } from '../../domain/policy.ts';
import { roleMessage } from '../../workflow/changes.ts';
import { actorOf, type Deps, EXPIRED_FORM, sessionFor, tellUser } from '../context.ts';
import { ids } from '../ids.ts';
import { messageView, reviewView } from '../views/modals.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

export function changeFormListener(deps: Deps) {
  return async ({ ack, body, view, client }: Args): Promise<void> => {
    const actor = actorOf(body);
    const session = await sessionFor(deps.store, view.id, actor);
    if (!session?.account) {
      await ack({ response_action: 'update', view: messageView(EXPIRED_FORM) });
      return;
    }
    const role = await deps.workflow.checkRole('requesters', actor.userId);
    if (!role.ok) {
      const message = roleMessage(role);
      await ack({ response_action: 'update', view: messageView(message) });
      await deps.workflow.refuse(actor, { channelId: session.channelId, accountId: session.accountId, detail: message });
      await tellUser(
        client,
        deps.logger,
        { userId: actor.userId, channelId: session.channelId, responseUrl: session.responseUrl },
        message,
      );
      return;
    }
    const policy = deps.workflow.policy;
    const lock = lockReason(session.account, accountAllowed(policy, session.account.accountId));
    if (lock) {
      await ack({ response_action: 'update', view: messageView(lock) });
      return;
    }
    const values = view.state.values;
    const result = validateChange(session.account, {
      name: values[ids.block.name]?.[ids.action.name]?.value,
      license: values[ids.block.license]?.[ids.action.license]?.selected_option?.value,
    });
    if (!result.ok) {
      await ack({ response_action: 'errors', errors: result.errors as Record<string, string> });
      return;
    }
    await deps.store.saveModal({ ...session, change: result.change });
    await ack({
      response_action: 'update',
      view: reviewView(session.account, result.change, {
        needsApproval: needsApproval(policy, result.change),
        approvals: policy.approval.approvers_required,
        reason: policy.approval.reason,
      }),
    });
  };
}
