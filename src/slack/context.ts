/**
 * What every listener gets — the workflow (which decides), the notifier (which tells one person privately) and a
 * logger: no store, no Chime adapter — and the small translations they share: who sent a payload, and a refusal or
 * an unavailable database in Slack's words.
 */
import { StoreUnavailableError } from '../store/store.ts';
import type { Actor, ChangeWorkflow } from '../workflow/changes.ts';
import type { InputField, Refusal } from '../workflow/outcomes.ts';
import type { Logger } from '../workflow/ports.ts';
import { ids } from './ids.ts';
import type { Notifier } from './notifier.ts';
import { esc } from './views/text.ts';

export interface Deps {
  workflow: ChangeWorkflow;
  notifier: Notifier;
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
 * What a person is told when the bot's database can't be reached. True whatever step it stopped: the workflow writes
 * each change (request, audit row and the posts announcing it) in one transaction, which the database rolled back.
 */
export const STORE_UNAVAILABLE = "The bot's database is unavailable, nothing was changed. Please try again in a few minutes.";

/** True when `error` means the database could not be reached (the request is then answered with STORE_UNAVAILABLE). */
export function storeUnavailable(error: unknown): boolean {
  return error instanceof StoreUnavailableError;
}

/** A refusal as Slack mrkdwn: the workflow's plain words escaped, with Slack-only hints added where they help. */
export function refusalText(r: Refusal): string {
  const words = esc(r.message);
  switch (r.code) {
    case 'form-expired':
      return 'This form is no longer valid (it was not opened by you, or it has expired). Run `/chime-account` again.';
    case 'chime-failed':
      return r.failure?.kind === 'NotFound' ? `${words} Find account IDs with \`/chime-account list\`.` : words;
    case 'store-unavailable':
      return STORE_UNAVAILABLE;
    default:
      return words;
  }
}

const BLOCK_OF: Record<InputField, string> = {
  name: ids.block.name,
  license: ids.block.license,
  reason: ids.block.reason,
  comment: ids.block.comment,
};

/** A refusal with field errors as a view_submission's `errors` ack (each under its input block). */
export function fieldErrors(r: Refusal): Record<string, string> | undefined {
  if (!r.errors) return undefined;
  return Object.fromEntries(Object.entries(r.errors).map(([field, message]) => [BLOCK_OF[field as InputField], message]));
}

type ViewState = {
  state?: { values?: Record<string, Record<string, { value?: string | null; selected_option?: { value?: string } | null }>> };
};

/** What a person typed into one input of a submitted view; undefined for anything that isn't a string. */
export function inputValue(view: unknown, blockId: string, actionId: string, kind: 'value' | 'selected' = 'value'): string | undefined {
  const input = (view as ViewState | undefined)?.state?.values?.[blockId]?.[actionId];
  const value = kind === 'value' ? input?.value : input?.selected_option?.value;
  return typeof value === 'string' ? value : undefined;
}
