/**
 * The workspace guard (SLACK_TEAM_IDS): requests from a workspace it does not list are refused before any
 * listener runs — a command gets an ephemeral "not enabled", a view submission a message view, a button nothing —
 * and nothing happens: no modal, no Chime call, no request, no post. A listed workspace (or enterprise) works.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SAMPLE } from '../../src/emulators/chime/seed.ts';
import { type Harness, modalOf, startHarness } from '../helpers/harness.ts';
import { click, forgedSubmission, payloadBody } from '../helpers/hostile.ts';
import { assertChain, mark, texts } from '../helpers/proof.ts';
import { userClient } from '../helpers/slack.ts';

describe('SLACK_TEAM_IDS=T0OTHER: requests from T0TEAM are refused', () => {
  let h: Harness;
  before(async () => (h = await startHarness({ env: { SLACK_TEAM_IDS: 'T0OTHER' } })));
  after(() => h.close());

  it('every kind of request from T0TEAM is refused and nothing happens', async () => {
    const m = mark(h);
    const views = h.slack.views.size;
    const rows = (await assertChain(h)).length;

    for (const text of [`update ${SAMPLE.team}`, `show ${SAMPLE.team}`, 'list', 'history', 'help', '']) {
      const res = await h.user.command('U0ALICE', text);
      assert.equal(res.status, 200);
      assert.match(res.body, /not enabled for this workspace/, `/chime-account ${text}`);
    }
    const told = h.slack.ephemerals.slice(m.ephemerals);
    assert.equal(told.length, 6, 'one ephemeral answer per command');
    assert.ok(told.every((e) => e.via === 'command_ack' && /not enabled for this workspace/.test(e.text)));

    const submit = await h.user.send(payloadBody(forgedSubmission('U0ALICE', { id: 'V0ANY', callback_id: 'chime_review' })));
    assert.match(submit.body, /not enabled for this workspace/);
    const button = await h.user.send(payloadBody(click(h, 'U0BOB', 'request_approve', '00000000-0000-4000-8000-000000000000')));
    assert.deepEqual([button.status, button.body], [200, '']);
    const suggest = await h.user.send(
      payloadBody({
        type: 'block_suggestion',
        user: { id: 'U0ALICE' },
        team: { id: 'T0TEAM' },
        action_id: 'pick_account',
        block_id: 'account_picker',
        value: 'Acme',
        view: { id: 'V0ANY' },
      }),
    );
    assert.deepEqual(JSON.parse(suggest.body), { options: [] });

    await h.settle();
    assert.equal(h.slack.views.size, views, 'no modal opened');
    assert.equal(h.chime.calls.length, 0, 'Chime not called');
    assert.equal(h.slack.messages.length, m.messages, 'nothing posted');
    assert.equal(h.slack.ephemerals.length, m.ephemerals + 6, 'nobody told anything else');
    assert.equal(h.slack.calls.filter((c) => c.method !== 'auth.test').length, 0, 'no Web API call at all');
    assert.equal((await assertChain(h)).length, rows, 'no request, no audit row');
  });

  it('the listed workspace, T0OTHER, is served', async () => {
    const other = userClient(h.slack, h.port, 'T0OTHER');
    const res = await other.command('U0ALICE', `update ${SAMPLE.team}`);
    assert.equal(res.status, 200);
    assert.equal(res.body, '');
    const form = await modalOf(h, 'U0ALICE', 'chime_change', (v) => v.view.blocks.some((b) => b.type === 'input'));
    assert.match(texts(form.view), /Acme Sales/);
  });
});

describe('SLACK_TEAM_IDS=E0ORG: an enterprise listed by its ID', () => {
  let h: Harness;
  before(async () => (h = await startHarness({ env: { SLACK_TEAM_IDS: 'E0ORG' } })));
  after(() => h.close());

  it('a workspace of that enterprise is served; the same workspace outside it is refused', async () => {
    const inside = userClient(h.slack, h.port, 'T0TEAM', 'E0ORG');
    const form = await (async () => {
      const res = await inside.command('U0ALICE', `update ${SAMPLE.lwa}`);
      assert.equal(res.body, '');
      return modalOf(h, 'U0ALICE', 'chime_change', (v) => v.view.blocks.some((b) => b.type === 'input'));
    })();
    assert.match(texts(form.view), /Acme Support/);
    const outside = await h.user.command('U0ALICE', `update ${SAMPLE.lwa}`);
    assert.match(outside.body, /not enabled for this workspace/);
  });
});
