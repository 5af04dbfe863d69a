/**
 * Slack-shaped request bodies for the bench: slash commands and block_actions, form-encoded as Slack sends them,
 * each signed with a fresh timestamp (`signRequest`, the same code the tests' simulated user uses).
 */
import { randomUUID } from 'node:crypto';
import { signRequest, VERIFICATION_TOKEN } from '../../emulators/slack/client.ts';
import { APP_ID, DEFAULT_TEAM_ID, TEAM_DOMAIN } from '../../emulators/slack/seed.ts';

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
  return new URLSearchParams([
    ['token', VERIFICATION_TOKEN],
    ['team_id', DEFAULT_TEAM_ID],
    ['team_domain', TEAM_DOMAIN],
    ['channel_id', BENCH_CHANNEL.id],
    ['channel_name', BENCH_CHANNEL.name],
    ['user_id', BENCH_USER.id],
    ['user_name', BENCH_USER.name],
    ['command', '/chime-account'],
    ['text', text],
    ['api_app_id', APP_ID],
    ['is_enterprise_install', 'false'],
    ['response_url', responseUrl],
    ['trigger_id', triggerId],
  ]).toString();
}

/** A click on a request card's button whose value names no request (an old or forged card). */
export function forgedButtonBody(actionId: string, responseUrl: string): string {
  const actionTs = (Date.now() / 1000).toFixed(6);
  const payload = {
    type: 'block_actions',
    user: { id: BENCH_USER.id, username: BENCH_USER.name, name: BENCH_USER.name, team_id: DEFAULT_TEAM_ID },
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
    team: { id: DEFAULT_TEAM_ID, domain: TEAM_DOMAIN },
    enterprise: null,
    is_enterprise_install: false,
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: BENCH_CHANNEL.id, is_ephemeral: false },
    trigger_id: `bench.${randomUUID()}`,
    channel: BENCH_CHANNEL,
    message: { type: 'message', ts: '1700000000.000100', text: 'card', user: 'U0BOT', blocks: [] },
    state: { values: {} },
    response_url: responseUrl,
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: 'request_actions',
        text: { type: 'plain_text', text: actionId, emoji: true },
        value: randomUUID(),
        action_ts: actionTs,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
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
