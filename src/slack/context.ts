/** What every listener gets, and the small helpers they share. */
import type { WebClient } from '@slack/web-api';
import type { ModalSession, Store } from '../store/store.ts';
import type { Actor, ChangeWorkflow, Logger } from '../workflow/changes.ts';
import type { Accounts } from '../workflow/ports.ts';
import { postToResponseUrl } from './response-url.ts';

export interface Deps {
  workflow: ChangeWorkflow;
  accounts: Accounts;
  store: Store;
  logger: Logger;
}

/** The person and workspace behind an interaction payload or a slash command. */
export function actorOf(body: {
  user?: { id: string; team_id?: string };
  user_id?: string;
  team?: { id: string; enterprise_id?: string } | null;
  team_id?: string;
  enterprise?: { id: string } | null;
  enterprise_id?: string;
}): Actor {
  return {
    userId: body.user?.id ?? body.user_id ?? '',
    teamId: body.team?.id ?? body.team_id ?? body.user?.team_id ?? '',
    enterpriseId: body.enterprise?.id ?? body.enterprise_id ?? body.team?.enterprise_id ?? undefined,
  };
}

/**
 * Tells one person something only they should see: by the command's response_url while it lasts, else an
 * ephemeral message in the channel, else a DM.
 */
export async function tellUser(
  client: WebClient,
  logger: Logger,
  to: { userId: string; channelId?: string; responseUrl?: string },
  text: string,
): Promise<void> {
  const blocks = [{ type: 'section', text: { type: 'mrkdwn', text, verbatim: true } }];
  if (to.responseUrl) {
    try {
      await postToResponseUrl(to.responseUrl, { response_type: 'ephemeral', replace_original: false, text, blocks });
      return;
    } catch {
      // try the next way
    }
  }
  if (to.channelId) {
    try {
      await client.chat.postEphemeral({ channel: to.channelId, user: to.userId, text, blocks });
      return;
    } catch {
      // try a DM
    }
  }
  try {
    await client.chat.postMessage({ channel: to.userId, text, blocks });
  } catch (error) {
    logger.error(`could not tell ${to.userId}`, error);
  }
}

/** The server's record of an open modal, if `viewId` is one this person opened in this workspace. */
export async function sessionFor(store: Store, viewId: string | undefined, actor: Actor): Promise<ModalSession | undefined> {
  if (!viewId) return undefined;
  const session = await store.getModal(viewId);
  if (!session || session.userId !== actor.userId || session.teamId !== actor.teamId) return undefined;
  return session;
}

export const EXPIRED_FORM = 'This form is no longer valid (it was not opened by you, or it has expired). Run `/chime-account` again.';
