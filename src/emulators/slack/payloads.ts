/**
 * Slack's request bodies, built once for everyone who plays Slack: the emulator's simulated user, the hostile-input
 * corpus and the benchmark. Slash commands are form fields; interactions are a form with one `payload` field of
 * JSON; every body is signed `v0=` HMAC-SHA256 over `v0:{timestamp}:{body}`.
 */
import { createHmac } from 'node:crypto';
import { APP_ID, TEAM_DOMAIN } from './seed.ts';

/** The legacy verification token Slack still puts in payloads. */
export const VERIFICATION_TOKEN = 'emulated-verification-token';

export function signRequest(
  signingSecret: string,
  body: string,
  timestampSeconds = Math.floor(Date.now() / 1000),
): { 'x-slack-signature': string; 'x-slack-request-timestamp': string } {
  const ts = String(timestampSeconds);
  const signature = createHmac('sha256', signingSecret).update(`v0:${ts}:${body}`).digest('hex');
  return { 'x-slack-signature': `v0=${signature}`, 'x-slack-request-timestamp': ts };
}

export interface CommandFields {
  teamId: string;
  enterpriseId?: string;
  channelId: string;
  channelName: string;
  userId: string;
  userName: string;
  command?: string;
  text: string;
  responseUrl: string;
  triggerId: string;
}

/** A slash command's body, form-encoded in the order Slack sends the fields; `extra` overrides or adds fields. */
export function commandBody(c: CommandFields, extra: Record<string, string> = {}): string {
  const fields: Record<string, string> = {
    token: VERIFICATION_TOKEN,
    team_id: c.teamId,
    team_domain: TEAM_DOMAIN,
    ...(c.enterpriseId ? { enterprise_id: c.enterpriseId, enterprise_name: c.enterpriseId } : {}),
    channel_id: c.channelId,
    channel_name: c.channelName,
    user_id: c.userId,
    user_name: c.userName,
    command: c.command ?? '/chime-account',
    text: c.text,
    api_app_id: APP_ID,
    is_enterprise_install: 'false',
    response_url: c.responseUrl,
    trigger_id: c.triggerId,
    ...extra,
  };
  return new URLSearchParams(fields).toString();
}

/** Who sent an interaction: the fields every interaction payload starts with. */
export function sender(u: { userId: string; userName: string; teamId: string; userTeamId?: string; enterpriseId?: string }) {
  return {
    user: { id: u.userId, username: u.userName, name: u.userName, team_id: u.userTeamId ?? u.teamId },
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
    team: {
      id: u.teamId,
      domain: TEAM_DOMAIN,
      ...(u.enterpriseId ? { enterprise_id: u.enterpriseId, enterprise_name: u.enterpriseId } : {}),
    },
    enterprise: u.enterpriseId ? { id: u.enterpriseId, name: u.enterpriseId } : null,
    is_enterprise_install: false,
  };
}

/** An interaction's body: its payload as JSON in the form field `payload`. */
export function interactionBody(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A block_actions click on a button of a channel message. */
export function messageClick(c: {
  from: ReturnType<typeof sender>;
  channel: { id: string; name: string };
  message: Record<string, unknown> & { ts: string };
  triggerId: string;
  responseUrl: string;
  action: Record<string, unknown>;
}) {
  return {
    type: 'block_actions',
    ...c.from,
    container: { type: 'message', message_ts: c.message.ts, channel_id: c.channel.id, is_ephemeral: false },
    trigger_id: c.triggerId,
    channel: c.channel,
    message: c.message,
    state: { values: {} },
    response_url: c.responseUrl,
    actions: [c.action],
  };
}
