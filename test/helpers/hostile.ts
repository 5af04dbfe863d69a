/** Hand-made Slack requests for the hostile-input corpus, and the checks every case ends with. */
import assert from 'node:assert/strict';
import type { AuditRow } from '../../src/domain/audit.ts';
import { interactionBody, messageClick, sender, commandBody as slackCommandBody } from '../../src/emulators/slack/payloads.ts';
import type { Harness } from './harness.ts';
import { assertChain, mark, texts, updates } from './proof.ts';

export const FORM = 'application/x-www-form-urlencoded';

/** A slash command body as Slack sends it (form-encoded); `fields` override or add. */
export function commandBody(h: Harness, userId: string, text: string, fields: Record<string, string> = {}): string {
  return slackCommandBody(
    {
      teamId: h.slack.teamId,
      channelId: 'C0OPS',
      channelName: 'chime-ops',
      userId,
      userName: userId.toLowerCase(),
      text,
      responseUrl: h.slack.issueResponseUrl('C0OPS', userId),
      triggerId: h.slack.issueTrigger(userId),
    },
    fields,
  );
}

/** Who sent an interaction payload. */
export function from(userId: string, teamId = 'T0TEAM') {
  return sender({ userId, userName: userId.toLowerCase(), teamId });
}

export const payloadBody = (payload: unknown): string => interactionBody(payload);

/** A block_actions click on a button in a channel message, with any action_id and value. */
export function click(h: Harness, userId: string, actionId: string, value: string | undefined, teamId = 'T0TEAM') {
  return messageClick({
    from: from(userId, teamId),
    channel: { id: 'C0OPS', name: 'chime-ops' },
    message: { type: 'message', ts: '1700000000.000100', text: 'forged', blocks: [] },
    triggerId: h.slack.issueTrigger(userId),
    responseUrl: h.slack.issueResponseUrl('C0OPS', userId),
    action: {
      type: 'button',
      action_id: actionId,
      block_id: 'forged',
      text: { type: 'plain_text', text: 'x' },
      ...(value === undefined ? {} : { value }),
      action_ts: '1700000000.000200',
    },
  });
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
