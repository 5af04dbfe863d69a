/**
 * Runs before every listener: refuses workspaces and enterprises that SLACK_TEAM_IDS does not list, and answers
 * interactions the bot doesn't know (old buttons, forged ids) instead of leaving them to time out.
 */
import type { AllMiddlewareArgs, AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from '../../workflow/ports.ts';
import { ids } from '../ids.ts';
import { messageView } from '../views/modals.ts';

const KNOWN_ACTIONS = new Set<string>(Object.values(ids.action));
const KNOWN_VIEWS = new Set<string>([ids.view.change, ids.view.review, ids.view.approve, ids.view.reject]);

type Ack = (response?: unknown) => Promise<void>;

export function guard(teamIds: readonly string[] | undefined, logger: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args: AnyMiddlewareArgs & AllMiddlewareArgs) => {
    const { body, context, next } = args;
    const ack = (args as { ack?: Ack }).ack;
    const b = body as {
      type?: string;
      command?: string;
      actions?: { action_id?: string }[];
      action_id?: string;
      view?: { callback_id?: string };
    };
    const allowed = !teamIds || [context.teamId, context.enterpriseId].some((id) => id !== undefined && teamIds.includes(id));
    if (!allowed) {
      logger.warn(
        `refused a request from workspace ${context.teamId ?? '?'} / enterprise ${context.enterpriseId ?? '?'}: not in SLACK_TEAM_IDS`,
      );
      const text = 'This bot is not enabled for this workspace.';
      if (b.type === 'view_submission') await ack?.({ response_action: 'update', view: messageView(text) });
      else if (b.command) await ack?.({ response_type: 'ephemeral', text });
      else if (b.type === 'block_suggestion') await ack?.({ options: [] });
      else await ack?.();
      return;
    }
    const unknown =
      (b.type === 'block_actions' &&
        !(Array.isArray(b.actions) && b.actions.length > 0 && b.actions.every((a) => KNOWN_ACTIONS.has(a?.action_id ?? '')))) ||
      // The bot has no shortcuts: acked and ignored rather than left to time out.
      b.type === 'shortcut' ||
      b.type === 'message_action' ||
      (b.type === 'block_suggestion' && !KNOWN_ACTIONS.has(b.action_id ?? '')) ||
      ((b.type === 'view_submission' || b.type === 'view_closed') && !KNOWN_VIEWS.has(b.view?.callback_id ?? ''));
    if (unknown) {
      logger.warn(`ignored a ${b.type} the bot does not know`);
      if (b.type === 'view_submission')
        await ack?.({ response_action: 'update', view: messageView('This form is no longer supported. Run `/chime-account` again.') });
      else if (b.type === 'block_suggestion') await ack?.({ options: [] });
      else await ack?.();
      return;
    }
    await next();
  };
}
