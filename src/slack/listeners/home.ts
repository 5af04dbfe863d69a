/**
 * App Home: `app_home_opened` on the Home tab publishes the person's inbox (home-tabs.ts, workflow/inbox.ts);
 * the tab's New change… button opens the change form exactly as `/chime-account` does. The tab's other buttons
 * carry the card's action ids, so request-buttons.ts answers them with the same checks.
 */
import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { actorOf, type Deps } from '../context.ts';
import type { HomeTabs } from '../home-tabs.ts';
import { homeMetadata } from '../views/home.ts';
import { openChangeForm } from './change-modal.ts';

type EventArgs = SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs;
type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

export function homeOpenedListener(tabs: HomeTabs) {
  return async ({ event, body, context }: EventArgs): Promise<void> => {
    // The Messages tab shows the bot's DMs: nothing to publish for it.
    if (event.tab !== 'home') return;
    const teamId = context.teamId ?? body.team_id;
    if (!teamId) return;
    tabs.opened(teamId, event.user, { channel: event.channel, hash: (event.view as { hash?: string } | undefined)?.hash });
  };
}

/**
 * New change… on the Home tab. A change started here reports back in the person's App Home DM (the tab remembers
 * its id from app_home_opened), or by DM to their user ID when it does not know it yet.
 */
export function newChangeListener(deps: Deps) {
  return async ({ ack, body, client }: ButtonArgs): Promise<void> => {
    await ack();
    const actor = actorOf(body);
    await openChangeForm(deps, {
      client,
      triggerId: body.trigger_id,
      actor,
      context: { channelId: body.channel?.id ?? homeMetadata(body.view).dm ?? actor.userId },
    });
  };
}
