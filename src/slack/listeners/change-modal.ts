/**
 * Opening the change form. Slack's trigger_id lives 3 s, and Chime may be slow, so the modal opens at once with a
 * loading view (while the role is checked in parallel); GetAccount then fills it with views.update and the hash.
 */
import type { WebClient } from '@slack/web-api';
import { type AccountValues, lockReason } from '../../domain/account.ts';
import { accountAllowed } from '../../domain/policy.ts';
import type { ModalSession } from '../../store/store.ts';
import { type Actor, roleMessage } from '../../workflow/changes.ts';
import { AccountsFailure } from '../../workflow/ports.ts';
import { type Deps, tellUser } from '../context.ts';
import { changeView, loadingView, messageView, pickerView } from '../views/modals.ts';
import { esc } from '../views/text.ts';

export interface OpenChange {
  client: WebClient;
  triggerId: string;
  actor: Actor;
  channelId: string;
  responseUrl?: string;
  accountId?: string;
  /** Revert: start these inputs from the recorded values instead of the current ones. */
  prefill?: Partial<AccountValues>;
  revertOf?: string;
}

export async function openChangeModal(deps: Deps, o: OpenChange): Promise<void> {
  const [opened, role] = await Promise.allSettled([
    o.client.views.open({ trigger_id: o.triggerId, view: loadingView() }),
    deps.workflow.checkRole('requesters', o.actor.userId),
  ]);
  const tell = (text: string) =>
    tellUser(o.client, deps.logger, { userId: o.actor.userId, channelId: o.channelId, responseUrl: o.responseUrl }, text);
  if (opened.status === 'rejected') {
    deps.logger.warn(`views.open failed: ${(opened.reason as Error).message}`);
    await tell('Slack did not let me open the form in time. Please run the command again.');
    return;
  }
  const view = opened.value.view!;
  const roleOk = role.status === 'fulfilled' && role.value.ok;
  if (!roleOk) {
    const message =
      role.status === 'fulfilled' && !role.value.ok ? roleMessage(role.value) : 'The bot could not check your role, so it refused.';
    await deps.workflow.refuse(o.actor, { channelId: o.channelId, accountId: o.accountId, detail: message });
    await Promise.allSettled([o.client.views.update({ view_id: view.id!, hash: view.hash, view: messageView(message) }), tell(message)]);
    return;
  }
  const session: ModalSession = {
    viewId: view.id!,
    teamId: o.actor.teamId,
    enterpriseId: o.actor.enterpriseId,
    userId: o.actor.userId,
    channelId: o.channelId,
    responseUrl: o.responseUrl,
    revertOf: o.revertOf,
    createdAt: new Date(),
  };
  await deps.store.saveModal(session);
  if (!o.accountId) {
    await o.client.views.update({ view_id: view.id!, hash: view.hash, view: pickerView() });
    return;
  }
  await fillChangeModal(deps, o.client, session, o.accountId, view.hash, o.prefill);
}

/** Reads the account and shows the form for it (or why it can't be changed) in the open modal. */
export async function fillChangeModal(
  deps: Deps,
  client: WebClient,
  session: ModalSession,
  accountId: string,
  hash?: string,
  prefill?: Partial<AccountValues>,
): Promise<void> {
  let view;
  try {
    const account = await deps.accounts.get(accountId);
    const policy = deps.workflow.policy;
    const lock = lockReason(account, accountAllowed(policy, account.accountId));
    const n = policy.approval.approvers_required;
    const note = {
      never: 'The change is made as soon as you confirm it.',
      always: `Every change needs ${n} approver(s) before it is made.`,
      'license-changes': `A license change needs ${n} approver(s) before it is made; a name change is made as soon as you confirm it.`,
    }[policy.approval.required];
    await deps.store.saveModal({ ...session, accountId: account.accountId, account });
    view = prefill
      ? changeView(account, lock, `Reverting: the inputs start from the values before the earlier change. ${note}`, {
          name: prefill.name ?? account.name,
          license: prefill.license ?? account.defaultLicense,
        })
      : changeView(account, lock, note);
  } catch (error) {
    const words = error instanceof AccountsFailure ? error.userMessage : 'Something went wrong reading the account.';
    if (!(error instanceof AccountsFailure)) deps.logger.error('reading the account failed', error);
    view = messageView(esc(words));
  }
  try {
    await client.views.update({ view_id: session.viewId, hash, view });
  } catch (error) {
    // hash_conflict or not_found: the person moved on or closed the modal.
    deps.logger.warn(`views.update of ${session.viewId} failed: ${(error as Error).message}`);
  }
}
