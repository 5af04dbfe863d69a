/**
 * The review's Confirm: the requester approves the exact change shown. The workflow checks the role again and
 * stores the request; the modal closes at once, and the change is made (or waits for approval) after the ack.
 */
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { valuesOf } from '../../domain/account.ts';
import { actorOf, type Deps, EXPIRED_FORM, sessionFor, tellUser } from '../context.ts';
import { ids } from '../ids.ts';
import { messageView, REASON_MAX } from '../views/modals.ts';
import { channelLink } from '../views/text.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

export function changeReviewListener(deps: Deps) {
  return async ({ ack, body, view, client }: Args): Promise<void> => {
    const actor = actorOf(body);
    const session = await sessionFor(deps.store, view.id, actor);
    if (!session?.account || !session.change) {
      await ack({ response_action: 'update', view: messageView(EXPIRED_FORM) });
      return;
    }
    const reason = view.state.values[ids.block.reason]?.[ids.action.reason]?.value ?? undefined;
    // Slack's client enforces max_length; a request that skips it must not store (and break every card with) more.
    if (reason && [...reason].length > REASON_MAX) {
      await ack({ response_action: 'errors', errors: { [ids.block.reason]: `Use at most ${REASON_MAX} characters.` } });
      return;
    }
    if (deps.workflow.policy.approval.reason === 'required' && !reason?.trim()) {
      await ack({ response_action: 'errors', errors: { [ids.block.reason]: 'Give a reason: the policy asks for one with every change.' } });
      return;
    }
    // Claim the session before anything else: of several deliveries of this confirm (a retry, a replay), only the
    // one that removes it goes on — the others would otherwise each create and apply a request.
    if (!(await deps.store.deleteModal(session.viewId))) {
      await ack({ response_action: 'update', view: messageView(EXPIRED_FORM) });
      return;
    }
    const result = await deps.workflow.submit({
      actor,
      channelId: session.channelId,
      responseUrl: session.responseUrl,
      accountId: session.account.accountId,
      before: valuesOf(session.account),
      change: session.change,
      reason,
      revertOf: session.revertOf,
    });
    const to = { userId: actor.userId, channelId: session.channelId, responseUrl: session.responseUrl };
    if (!result.ok) {
      await ack({ response_action: 'update', view: messageView(result.message) });
      await tellUser(client, deps.logger, to, result.message);
      return;
    }
    await ack();
    if (result.value.state === 'pending')
      await tellUser(
        client,
        deps.logger,
        to,
        `Your change request is waiting for approval in ${channelLink(result.value.cardChannelId)}. You can cancel it there.`,
      );
  };
}
