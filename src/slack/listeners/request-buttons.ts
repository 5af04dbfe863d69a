/**
 * Buttons on the bot's messages. Each is checked on the server when clicked — the button's value is only a
 * request or account ID, never trusted for anything else — and refusals are ephemeral.
 * Approve / Reject open a modal with the exact change; Cancel ends the requester's own request; Revert opens the
 * form prefilled with the recorded "before"; Update (in the list) opens the form; Next page pages the list.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { ACCOUNT_ID } from '../command-text.ts';
import { actorOf, type Deps, tellUser } from '../context.ts';
import { responder } from '../response-url.ts';
import { decisionView } from '../views/modals.ts';
import { esc } from '../views/text.ts';
import { openChangeModal } from './change-modal.ts';
import { listAccounts, viewerAllowed } from './command.ts';

type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

const REQUEST_ID = /^[0-9a-f-]{36}$/;

function teller(deps: Deps, { body, client }: Args) {
  const actor = actorOf(body);
  return (text: string) =>
    tellUser(client, deps.logger, { userId: actor.userId, channelId: body.channel?.id, responseUrl: body.response_url }, esc(text));
}

export function decisionButtonListener(deps: Deps, kind: 'approve' | 'reject') {
  return async (args: Args): Promise<void> => {
    const { ack, body, action, client } = args;
    await ack();
    const actor = actorOf(body);
    const tell = teller(deps, args);
    if (!REQUEST_ID.test(action.value ?? '')) return void (await tell('There is no such request.'));
    const allowed = await deps.workflow.canDecide(actor, action.value!);
    if (!allowed.ok) return void (await tell(allowed.message));
    try {
      const opened = await client.views.open({ trigger_id: body.trigger_id, view: decisionView(kind, allowed.value, new Date()) });
      await deps.store.saveModal({
        viewId: opened.view!.id!,
        teamId: actor.teamId,
        enterpriseId: actor.enterpriseId,
        userId: actor.userId,
        channelId: body.channel?.id ?? allowed.value.cardChannelId,
        requestId: allowed.value.id,
        createdAt: new Date(),
      });
    } catch (error) {
      deps.logger.warn(`views.open for ${kind} failed: ${(error as Error).message}`);
      await tell('Slack did not let me open the form in time. Please click again.');
    }
  };
}

export function cancelButtonListener(deps: Deps) {
  return async (args: Args): Promise<void> => {
    await args.ack();
    const tell = teller(deps, args);
    const id = args.action.value ?? '';
    const result = REQUEST_ID.test(id)
      ? await deps.workflow.cancel(actorOf(args.body), id)
      : { ok: false as const, message: 'There is no such request.' };
    if (!result.ok) await tell(result.message);
  };
}

export function revertButtonListener(deps: Deps) {
  return async (args: Args): Promise<void> => {
    const { ack, body, action, client } = args;
    await ack();
    const actor = actorOf(body);
    const request = REQUEST_ID.test(action.value ?? '') ? await deps.store.getRequest(action.value!) : undefined;
    if (!request || request.teamId !== actor.teamId || request.state !== 'applied')
      return void (await teller(deps, args)('There is no applied change to revert here.'));
    // Restore only what the change touched; the other field starts from the account as it is now.
    const prefill = {
      ...(request.change.name !== undefined ? { name: request.before.name } : {}),
      ...(request.change.license !== undefined ? { license: request.before.license } : {}),
    };
    await openChangeModal(deps, {
      client,
      triggerId: body.trigger_id,
      actor,
      channelId: body.channel?.id ?? request.channelId,
      responseUrl: body.response_url,
      accountId: request.accountId,
      prefill,
      revertOf: request.id,
    });
  };
}

export function updateFromListListener(deps: Deps) {
  return async (args: Args): Promise<void> => {
    const { ack, body, action, client } = args;
    await ack();
    if (!ACCOUNT_ID.test(action.value ?? '')) return void (await teller(deps, args)('That isn’t an account ID.'));
    await openChangeModal(deps, {
      client,
      triggerId: body.trigger_id,
      actor: actorOf(body),
      channelId: body.channel?.id ?? '',
      responseUrl: body.response_url,
      accountId: action.value,
    });
  };
}

export function listNextListener(deps: Deps) {
  return async (args: Args): Promise<void> => {
    const { ack, body, action } = args;
    await ack();
    if (!body.response_url) return;
    const respond = responder(body.response_url);
    if (!(await viewerAllowed(deps, actorOf(body), teller(deps, args)))) return;
    let page: { p?: unknown; t?: unknown } = {};
    try {
      page = JSON.parse(action.value ?? '{}');
    } catch {
      // a forged value: treated as the first page
    }
    await listAccounts(
      deps,
      respond,
      typeof page.p === 'string' && page.p ? page.p : undefined,
      typeof page.t === 'string' ? page.t : undefined,
      true,
    );
  };
}
