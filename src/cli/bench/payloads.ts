/**
 * Slack-shaped request bodies for the bench: slash commands and block_actions, form-encoded as Slack sends them,
 * each signed with a fresh timestamp (the same builders as the tests' simulated user: emulators/slack/payloads.ts).
 */
import { randomUUID } from 'node:crypto';
import { interactionBody, messageClick, sender, signRequest, commandBody as slackCommandBody } from '../../emulators/slack/payloads.ts';
import { DEFAULT_TEAM_ID } from '../../emulators/slack/seed.ts';

export const BENCH_USER = { id: 'U0ALICE', name: 'alice' };
export const BENCH_CHANNEL = { id: 'C0OPS', name: 'chime-ops' };

/** The kinds of request in the mixed load, sent round-robin. */
export const MIX = ['help', 'show', 'list', 'history', 'approve-forged', 'cancel-forged'] as const;
export type MixKind = (typeof MIX)[number];

export interface Signed {
  body: string;
  headers: Record<string, string>;
}

export function signed(secret: string, body: string): Signed {
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      ...signRequest(secret, body),
    },
  };
}

export function commandBody(text: string, responseUrl: string, triggerId: string): string {
  return slackCommandBody({
    teamId: DEFAULT_TEAM_ID,
    channelId: BENCH_CHANNEL.id,
    channelName: BENCH_CHANNEL.name,
    userId: BENCH_USER.id,
    userName: BENCH_USER.name,
    text,
    responseUrl,
    triggerId,
  });
}

/** A click on a request card's button whose value names no request (an old or forged card). */
export function forgedButtonBody(actionId: string, responseUrl: string): string {
  return interactionBody(
    messageClick({
      from: sender({ userId: BENCH_USER.id, userName: BENCH_USER.name, teamId: DEFAULT_TEAM_ID }),
      channel: BENCH_CHANNEL,
      message: { type: 'message', ts: '1700000000.000100', text: 'card', user: 'U0BOT', blocks: [] },
      triggerId: `bench.${randomUUID()}`,
      responseUrl,
      action: {
        type: 'button',
        action_id: actionId,
        block_id: 'request_actions',
        text: { type: 'plain_text', text: actionId, emoji: true },
        value: randomUUID(),
        action_ts: (Date.now() / 1000).toFixed(6),
      },
    }),
  );
}

/** The body of one request of the mix (trigger_ids here are not valid: none of these kinds opens a modal). */
export function mixBody(kind: MixKind, accountId: string, responseUrl: string): string {
  const trigger = `bench.${randomUUID()}`;
  switch (kind) {
    case 'help':
      return commandBody('help', responseUrl, trigger);
    case 'show':
      return commandBody(`show ${accountId}`, responseUrl, trigger);
    case 'list':
      return commandBody('list', responseUrl, trigger);
    case 'history':
      return commandBody(`history ${accountId}`, responseUrl, trigger);
    case 'approve-forged':
      return forgedButtonBody('request_approve', responseUrl);
    case 'cancel-forged':
      return forgedButtonBody('request_cancel', responseUrl);
  }
}
