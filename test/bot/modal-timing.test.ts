/** Slack's clock: a slow Chime must never expire the 3-second trigger — the modal opens first, then fills. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SAMPLE } from '../../src/emulators/chime/seed.ts';
import { type Harness, isForm, modalOf, startHarness } from '../helpers/harness.ts';

describe('modal timing', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(() => h.close());

  it('GetAccount delayed 2.5 s: views.open still lands within the trigger’s life, the form fills later', async () => {
    h.chime.addFault({ operation: 'GetAccount', latencyMs: 2_500 });
    const sent = Date.now();
    const res = await h.user.command('U0ALICE', `update ${SAMPLE.team}`);
    assert.equal(res.status, 200);
    const open = await h.slack.waitFor(() => h.slack.calls.find((c) => c.method === 'views.open' && c.at >= sent));
    assert.equal((open.response as { ok: boolean }).ok, true, 'views.open succeeded: the trigger had not expired');
    const form = await modalOf(h, 'U0ALICE', 'chime_change', isForm);
    assert.ok(form.view.blocks.some((b) => b.block_id === 'name'));
    const update = h.slack.calls.find((c) => c.method === 'views.update' && c.at >= sent)!;
    assert.ok(update.at - sent >= 2_400, 'filled only after Chime answered');
  });
});
