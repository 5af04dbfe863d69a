/**
 * Buttons on the bot's messages (and, later, its Home tab). Each is checked by the workflow when clicked — the
 * button's value is only a request or account ID, never trusted for anything else — and refusals are private.
 * Approve / Reject open a modal with the exact change; Cancel ends the requester's own request; Revert opens the
 * form prefilled with the recorded "before"; Update (in the list) opens the form; Next page pages the list.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { ok, refusal } from '../../workflow/outcomes.ts';
import { ACCOUNT_ID } from '../command-text.ts';
import { actorOf, type Deps, refusalText } from '../context.ts';
import { responder } from '../response-url.ts';
import { decisionView } from '../views/modals.ts';
import { openChangeForm } from './change-modal.ts';
import { listPage } from './command.ts';

type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

const REQUEST_ID = /^[0-9a-f-]{36}$/;
const NO_SUCH_REQUEST = refusal('no-such-request', 'There is no such request.');

function teller(deps: Deps, { body }: Args) {
  const to = { userId: actorOf(body).userId, channelId: body.channel?.id, responseUrl: body.response_url };
  return (text: string) => deps.notifier.tell(to, text);
}

export function decisionButtonListener(deps: Deps, kind: 'approve' | 'reject') {
  return async (args: Args): Promise<void> => {
    const { ack, body, action, client } = args;
    await ack();
    const actor = actorOf(body);
    const allowed = REQUEST_ID.test(action.value ?? '') ? await deps.workflow.canDecide(actor, action.value!) : NO_SUCH_REQUEST;
    if (!allowed.ok) return void (await teller(deps, args)(refusalText(allowed)));
    try {
      const opened = await client.views.open({ trigger_id: body.trigger_id, view: decisionView(kind, allowed.value, new Date()) });
      await deps.workflow.decisionOpened(actor, opened.view!.id!, allowed.value, body.channel?.id);
    } catch (error) {
      deps.logger.warn(`views.open for ${kind} failed: ${(error as Error).message}`);
      await teller(deps, args)('Slack did not let me open the form in time. Please click again.');
    }
  };
}

export function cancelButtonListener(deps: Deps) {
  return async (args: Args): Promise<void> => {
    await args.ack();
    const id = args.action.value ?? '';
    const result = REQUEST_ID.test(id) ? await deps.workflow.cancel(actorOf(args.body), id) : NO_SUCH_REQUEST;
    if (!result.ok) await teller(deps, args)(refusalText(result));
  };
}

export function revertButtonListener(deps: Deps) {
  return async (args: Args): Promise<void> => {
    const { ack, body, action, client } = args;
    await ack();
    const actor = actorOf(body);
    const id = action.value ?? '';
    const check = REQUEST_ID.test(id)
      ? deps.workflow
          .revert(actor, id, body.channel?.id)
          .then((r) =>
            r.ok ? ok({ prefill: r.value.prefill, accountId: r.value.request.accountId, channelId: r.value.request.channelId }) : r,
          )
      : Promise.resolve(refusal('not-applied', 'There is no applied change to revert here.'));
    await openChangeForm(deps, {
      client,
      triggerId: body.trigger_id,
      actor,
      context: { channelId: body.channel?.id ?? '', responseUrl: body.response_url, revertOf: REQUEST_ID.test(id) ? id : undefined },
      check,
    });
  };
}

export function updateFromListListener(deps: Deps) {
  return async (args: Args): Promise<void> => {
    const { ack, body, action, client } = args;
    await ack();
    if (!ACCOUNT_ID.test(action.value ?? '')) return void (await teller(deps, args)('That isn’t an account ID.'));
    await openChangeForm(deps, {
      client,
      triggerId: body.trigger_id,
      actor: actorOf(body),
      context: { channelId: body.channel?.id ?? '', responseUrl: body.response_url },
      accountId: action.value,
    });
  };
}

export function listNextListener(deps: Deps) {
  return async (args: Args): Promise<void> => {
    const { ack, body, action } = args;
    await ack();
    if (!body.response_url) return;
    let page: { p?: unknown; t?: unknown } = {};
    try {
      page = JSON.parse(action.value ?? '{}');
    } catch {
      // a forged value: treated as the first page
    }
    const prefix = typeof page.p === 'string' && page.p ? page.p : undefined;
    const nextToken = typeof page.t === 'string' ? page.t : undefined;
    await listPage(deps, responder(body.response_url), actorOf(body), prefix, nextToken);
  };
}
