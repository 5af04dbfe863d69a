/** Hand-made Slack requests for the hostile-input corpus, and the checks every case ends with. */
import assert from 'node:assert/strict';
import type { AuditRow } from '../../src/domain/audit.ts';
import { VERIFICATION_TOKEN } from '../../src/emulators/slack/client.ts';
import type { Harness } from './harness.ts';
import { assertChain, mark, texts, updates } from './proof.ts';

export const FORM = 'application/x-www-form-urlencoded';

/** A slash command body as Slack sends it (form-encoded); `fields` override or add. */
export function commandBody(h: Harness, userId: string, text: string, fields: Record<string, string> = {}): string {
  return new URLSearchParams({
    token: VERIFICATION_TOKEN,
    team_id: h.slack.teamId,
    team_domain: 'emulated',
    channel_id: 'C0OPS',
    channel_name: 'chime-ops',
    user_id: userId,
    user_name: userId.toLowerCase(),
    command: '/chime-account',
    text,
    api_app_id: 'A0APP',
    is_enterprise_install: 'false',
    response_url: h.slack.issueResponseUrl('C0OPS', userId),
    trigger_id: h.slack.issueTrigger(userId),
    ...fields,
  }).toString();
}

/** Who sent an interaction payload. */
export function from(userId: string, teamId = 'T0TEAM') {
  return {
    user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: teamId },
    api_app_id: 'A0APP',
    token: VERIFICATION_TOKEN,
    team: { id: teamId, domain: 'emulated' },
    enterprise: null,
    is_enterprise_install: false,
  };
}

export const payloadBody = (payload: unknown): string => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();

/** A block_actions click on a button in a channel message, with any action_id and value. */
export function click(h: Harness, userId: string, actionId: string, value: string | undefined, teamId = 'T0TEAM') {
  return {
    type: 'block_actions',
    ...from(userId, teamId),
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0OPS', is_ephemeral: false },
    trigger_id: h.slack.issueTrigger(userId),
    channel: { id: 'C0OPS', name: 'chime-ops' },
    message: { type: 'message', ts: '1700000000.000100', text: 'forged', blocks: [] },
    state: { values: {} },
    response_url: h.slack.issueResponseUrl('C0OPS', userId),
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: 'forged',
        text: { type: 'plain_text', text: 'x' },
        ...(value === undefined ? {} : { value }),
        action_ts: '1700000000.000200',
      },
    ],
  };
}

/** A view_submission for a view Slack never showed (any id, callback and state). */
export function forgedSubmission(
  userId: string,
  view: { id: string; callback_id: string; values?: unknown; private_metadata?: string },
  teamId = 'T0TEAM',
) {
  return {
    type: 'view_submission',
    ...from(userId, teamId),
    trigger_id: `forged.${Date.now()}`,
    view: {
      id: view.id,
      team_id: teamId,
      type: 'modal',
      callback_id: view.callback_id,
      private_metadata: view.private_metadata ?? '',
      blocks: [],
      state: { values: view.values ?? {} },
      hash: '1700000000.forged',
      root_view_id: view.id,
      app_id: 'A0APP',
      bot_id: 'B0BOT',
    },
    response_urls: [],
  };
}

export interface Baseline {
  rows: AuditRow[];
  updates: number;
}

export async function baseline(h: Harness): Promise<Baseline> {
  return { rows: await assertChain(h), updates: updates(h).length };
}

/**
 * After a hostile request: the process still answers a valid one, no UpdateAccount reached Chime, and the audit
 * lost nothing (the chain verifies and every earlier row is still there, unchanged).
 */
export async function assertUnharmed(h: Harness, b: Baseline): Promise<void> {
  const m = mark(h);
  const res = await h.user.command('U0ALICE', 'help');
  assert.equal(res.status, 200, 'the next valid request is answered');
  await h.slack.waitFor(() =>
    h.slack.ephemerals.slice(m.ephemerals).find((e) => e.user === 'U0ALICE' && /history \[account-id\]/.test(texts(e))),
  );
  await h.settle();
  assert.equal(updates(h).length, b.updates, 'nothing changed on Chime');
  const rows = await assertChain(h);
  assert.ok(rows.length >= b.rows.length, 'no audit row lost');
  b.rows.forEach((r, i) => {
    assert.equal(rows[i]!.hash, r.hash, `audit row ${r.seq} unchanged`);
  });
}
