/**
 * When the bot's database can't be reached, every Slack request gets the same answer — "the bot's database is
 * unavailable, nothing was changed" — instead of a timeout or silence. Any listener's StoreUnavailableError ends up
 * here, once for all of them. The listeners' convention decides how to answer: commands and buttons are acked
 * before any work (so the person is told privately, or in the modal the button is in), while view submissions and
 * options requests are acked with their answer (so the ack carries the words).
 */
import type { AllMiddlewareArgs, AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { type Deps, STORE_UNAVAILABLE, storeUnavailable } from '../context.ts';
import { messageView } from '../views/modals.ts';

type Ack = (response?: unknown) => Promise<void>;
type Body = {
  type?: string;
  command?: string;
  user_id?: string;
  user?: { id?: string };
  channel_id?: string;
  channel?: { id?: string } | null;
  response_url?: string;
  view?: { id?: string; hash?: string; type?: string; blocks?: { type?: string; block_id?: string }[] };
};

export function storeDown(deps: Pick<Deps, 'notifier' | 'logger'>): Middleware<AnyMiddlewareArgs> {
  return async (args: AnyMiddlewareArgs & AllMiddlewareArgs) => {
    try {
      await args.next();
    } catch (error) {
      if (!storeUnavailable(error)) throw error;
      const body = args.body as Body;
      deps.logger.warn(`the database is unavailable: answered a ${body.command ?? body.type ?? 'request'} with "nothing was changed"`);
      await answer(deps, args, body).catch((e: unknown) => deps.logger.warn(`could not say the database is unavailable: ${String(e)}`));
    }
  };
}

async function answer(deps: Pick<Deps, 'notifier'>, args: AnyMiddlewareArgs & AllMiddlewareArgs, body: Body): Promise<void> {
  const ack = (args as { ack?: Ack }).ack;
  if (body.type === 'view_submission') {
    // On the first input, so the modal stays open with what the person typed, ready to submit again; a modal
    // without inputs (the review) shows the words instead.
    const input = body.view?.blocks?.find((b) => b.type === 'input' && b.block_id)?.block_id;
    const response = input
      ? { response_action: 'errors', errors: { [input]: STORE_UNAVAILABLE } }
      : { response_action: 'update', view: messageView(STORE_UNAVAILABLE) };
    if (await acked(ack, response)) return;
  } else if (body.type === 'block_suggestion') {
    await acked(ack, { options: [] });
    return;
  }
  if (body.view?.type === 'modal' && body.view.id) {
    // A button in a modal (the account picker): the words replace the modal the person is looking at.
    await args.client.views.update({ view_id: body.view.id, hash: body.view.hash, view: messageView(STORE_UNAVAILABLE) });
    return;
  }
  const userId = body.user?.id ?? body.user_id;
  if (!userId) return; // an event (app_home_opened): nobody asked, nobody to tell
  await deps.notifier.tell({ userId, channelId: body.channel?.id ?? body.channel_id, responseUrl: body.response_url }, STORE_UNAVAILABLE);
}

/** Acks with `response`; false when the listener had acked already (the person is then told another way). */
async function acked(ack: Ack | undefined, response: unknown): Promise<boolean> {
  if (!ack) return false;
  try {
    await ack(response);
    return true;
  } catch {
    return false;
  }
}
