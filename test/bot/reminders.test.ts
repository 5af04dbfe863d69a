/**
 * Reminders and escalation, end to end through the emulators: the sweep (every 200 ms here) reminds the approvers in
 * the card's thread `remind_before` expiry and escalates to `escalate_to` after `escalate_after` — each exactly once
 * across many sweeps and a restart, audited — and the escalation's person may approve. The requester is told
 * directly how their request ended, with a link to its thread.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SAMPLE } from '../../src/emulators/chime/seed.ts';
import type { EmuMessage } from '../../src/emulators/slack/server.ts';
import { type Harness, modalOf, requestChange, startHarness } from '../helpers/harness.ts';

const POLICY = {
  roles: { viewers: ['*'], requesters: ['U0ALICE'], approvers: ['U0BOB', 'S0SECOPS'] },
  approval: { required: 'always', expires_after: '20s', remind_before: '19s', escalate_after: '3s', escalate_to: 'U0DAVE' },
};

describe('reminders and escalation', () => {
  let h: Harness;
  before(async () => (h = await startHarness({ policy: POLICY })));
  after(() => h.close());

  const thread = (card: EmuMessage, re: RegExp) => h.slack.messages.filter((m) => m.thread_ts === card.ts && re.test(m.text));

  it('one reminder mentioning the approvers, one escalation to escalate_to (thread + DM), across sweeps and a restart; the escalation’s person approves', async () => {
    await requestChange(h, 'U0ALICE', SAMPLE.team, { name: 'Acme Reminded' });
    const card = await h.slack.waitFor(() => h.slack.messages.find((m) => !m.thread_ts && m.text.startsWith('Change request')));
    const reminder = await h.slack.waitFor(() => thread(card, /Reminder/)[0], 5_000);
    assert.match(reminder.text, /<@U0BOB>/);
    assert.match(reminder.text, /<!subteam\^S0SECOPS>/);
    await h.restart();
    const escalation = await h.slack.waitFor(() => thread(card, /Escalated/)[0], 8_000);
    assert.match(escalation.text, /<@U0DAVE>/);
    const dm = await h.slack.waitFor(() => h.slack.messages.find((m) => m.channel === 'D0U0DAVE'));
    assert.match(JSON.stringify(dm.blocks), /escalated to you/);
    await new Promise((r) => setTimeout(r, 1_000)); // five more sweeps
    await h.restart();
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(thread(card, /Reminder/).length, 1, 'reminded once');
    assert.equal(thread(card, /Escalated/).length, 1, 'escalated once');
    const audit = await h.bot.store.auditRows();
    assert.deepEqual(
      audit.filter((r) => r.action === 'reminded' || r.action === 'escalated').map((r) => r.action),
      ['reminded', 'escalated'],
    );

    // Dave is neither an approver nor in S0SECOPS: escalate_to lets him approve.
    await h.user.clickButton('U0DAVE', { message: card, actionId: 'request_approve' });
    const modal = await modalOf(h, 'U0DAVE', 'chime_approve');
    await h.user.submitView('U0DAVE', modal.id, {});
    await h.settle();
    assert.equal(h.chime.accounts.get(SAMPLE.team)!.Name, 'Acme Reminded');

    // Alice hears it directly, with a link to the card's thread.
    const told = await h.slack.waitFor(() => h.slack.messages.find((m) => m.channel === 'D0U0ALICE' && /Your change to/.test(m.text)));
    assert.match(told.text, /was applied/);
    assert.match(JSON.stringify(told.blocks), /slack\.com\/archives\/.+\|See the request and its thread/);
  });
});
