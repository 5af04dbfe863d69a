/**
 * Opening the change form. Slack's trigger_id lives 3 s and Chime may be slow, so the modal opens at once with a
 * loading view while the workflow checks the role in parallel; the form is then filled with views.update and the
 * view's hash once GetAccount answers. Revert and the list's Update… button come through here too.
 */
import type { WebClient } from '@slack/web-api';
import type { AccountValues } from '../../domain/account.ts';
import type { Actor, FormContext, FormModel } from '../../workflow/changes.ts';
import { type Outcome, ok } from '../../workflow/outcomes.ts';
import { type Deps, refusalText, STORE_UNAVAILABLE, storeUnavailable } from '../context.ts';
import { approvalNote, changeView, loadingView, messageView, pickerView } from '../views/modals.ts';

/** What a form's opening check may add: a revert's prefill, its account and the channel the change was made from. */
export interface FormStart {
  prefill?: Partial<AccountValues>;
  accountId?: string;
  channelId?: string;
}

export interface OpenChange {
  client: WebClient;
  triggerId: string;
  actor: Actor;
  context: FormContext;
  accountId?: string;
  /** Checked in parallel with views.open instead of the requester role alone (revert checks the request too). */
  check?: Promise<Outcome<FormStart>>;
}

export async function openChangeForm(deps: Deps, o: OpenChange): Promise<void> {
  const check =
    o.check ??
    deps.workflow
      .mayRequest(o.actor, { channelId: o.context.channelId, accountId: o.accountId })
      .then((r) => (r.ok ? ok<FormStart>({}) : r));
  const [opened, allowed] = await Promise.allSettled([o.client.views.open({ trigger_id: o.triggerId, view: loadingView() }), check]);
  const tell = (text: string) =>
    deps.notifier.tell({ userId: o.actor.userId, channelId: o.context.channelId, responseUrl: o.context.responseUrl }, text);
  if (opened.status === 'rejected') {
    deps.logger.warn(`views.open failed: ${(opened.reason as Error).message}`);
    await tell('Slack did not let me open the form in time. Please run the command again.');
    return;
  }
  const view = opened.value.view!;
  const viewId = view.id!;
  if (allowed.status === 'rejected' || !allowed.value.ok) {
    if (allowed.status === 'rejected') deps.logger.error('checking a form failed', allowed.reason);
    let text = 'The bot could not check your role, so it refused.';
    if (allowed.status === 'fulfilled' && !allowed.value.ok) text = refusalText(allowed.value);
    else if (allowed.status === 'rejected' && storeUnavailable(allowed.reason)) text = STORE_UNAVAILABLE;
    await Promise.allSettled([o.client.views.update({ view_id: viewId, hash: view.hash, view: messageView(text) }), tell(text)]);
    return;
  }
  const start = allowed.value.value;
  try {
    await deps.workflow.formOpened(o.actor, viewId, { ...o.context, channelId: o.context.channelId || start.channelId || '' });
    const accountId = start.accountId ?? o.accountId;
    if (!accountId) {
      await updateView(deps, o.client, viewId, view.hash, pickerView());
      return;
    }
    const form = await deps.workflow.fillForm(o.actor, viewId, accountId, start.prefill);
    await updateView(deps, o.client, viewId, view.hash, formView(form));
  } catch (error) {
    // The database went away after the loading view opened: say so in it, rather than leave it loading.
    if (!storeUnavailable(error)) throw error;
    deps.logger.warn('the database is unavailable: the form could not be opened');
    await updateView(deps, o.client, viewId, view.hash, messageView(STORE_UNAVAILABLE));
  }
}

/** The form for an account, or why it can't be shown. */
export function formView(form: Outcome<FormModel>) {
  if (!form.ok) return messageView(refusalText(form));
  const { account, lock, approval, initial, reverting } = form.value;
  const note = approvalNote(approval);
  return changeView(
    account,
    lock && refusalText(lock),
    reverting ? `Reverting: the inputs start from the values before the earlier change. ${note}` : note,
    initial,
  );
}

export async function updateView(
  deps: Deps,
  client: WebClient,
  viewId: string,
  hash: string | undefined,
  view: ReturnType<typeof messageView>,
) {
  try {
    await client.views.update({ view_id: viewId, hash, view });
  } catch (error) {
    // hash_conflict or not_found: the person moved on or closed the modal.
    deps.logger.warn(`views.update of ${viewId} failed: ${(error as Error).message}`);
  }
}
