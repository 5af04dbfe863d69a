/** The direct path (approval.required: never), end to end over loopback: command → modal → review → UpdateAccount → summary. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SAMPLE } from '../../src/emulators/chime/seed.ts';
import { type Harness, isForm, modalOf, openForm, requestChange, startHarness, viewText } from '../helpers/harness.ts';
import { updates } from '../helpers/proof.ts';

describe('direct change', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(() => h.close());
  beforeEach(() => {
    h.chime.reset();
    h.chime.calls.length = 0;
  });

  it('opens the form prefilled, validates on the field, reviews, applies only the changed field, and posts the summary', async () => {
    const form = await openForm(h, 'U0ALICE', SAMPLE.lwa);
    const text = viewText(form);
    assert.match(text, /Acme Support/);
    const name = form.view.blocks.find((b) => b.block_id === 'name') as any;
    assert.equal(name.element.initial_value, 'Acme Support');
    const license = form.view.blocks.find((b) => b.block_id === 'license') as any;
    assert.deepEqual(
      license.element.options.map((o: any) => o.value),
      ['Basic', 'Pro'],
      'only the supported licenses',
    );

    const blank = await h.user.submitView('U0ALICE', form.id, { name: { name_input: '   ' } }, { skipClientChecks: true });
    assert.equal(blank.json.response_action, 'errors');
    assert.ok(blank.json.errors.name);
    assert.equal(h.chime.calls.filter((c) => c.operation === 'UpdateAccount').length, 0);

    const review = await h.user.submitView('U0ALICE', form.id, { name: { name_input: '  Acme Help Desk ' } });
    assert.equal(review.json.response_action, 'update');
    assert.match(JSON.stringify(review.json.view), /Acme Support.*→.*Acme Help Desk/);
    assert.equal(h.chime.calls.filter((c) => c.operation === 'UpdateAccount').length, 0, 'nothing changes before confirm');

    const reviewView = h.slack.topView('U0ALICE')!;
    const confirm = await h.user.submitView('U0ALICE', reviewView.id, { reason: { reason_input: 'rebrand' } });
    assert.equal(confirm.status, 200);
    assert.equal(confirm.body, '', 'an empty ack closes the modal');

    const summary = await h.slack.waitFor(() => h.slack.messages.find((m) => m.channel === 'C0OPS' && /updated/.test(m.text)));
    const sent = updates(h);
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0]!.body, { Name: 'Acme Help Desk' }, 'only the changed field is sent');
    assert.equal(h.chime.accounts.get(SAMPLE.lwa)!.Name, 'Acme Help Desk');
    const blocks = JSON.stringify(summary.blocks);
    for (const field of [
      'Acme Support',
      'Acme Help Desk',
      SAMPLE.lwa,
      '111122223333',
      'EnterpriseLWA',
      'Active',
      'Basic, Pro',
      '<@U0ALICE>',
    ])
      assert.ok(blocks.includes(field), `summary shows ${field}`);
    await h.slack.waitFor(() => h.slack.messages.find((m) => m.channel === 'C0AUDIT' && /changed/.test(m.text)));
  });

  it('changes the license alone', async () => {
    await requestChange(h, 'U0ALICE', SAMPLE.team, { license: 'Basic' });
    await h.settle();
    assert.deepEqual(updates(h).at(-1)!.body, { DefaultLicense: 'Basic' });
    assert.equal(h.chime.accounts.get(SAMPLE.team)!.DefaultLicense, 'Basic');
  });

  it('shows a suspended account but offers no way to change it', async () => {
    await h.user.command('U0ALICE', `update ${SAMPLE.suspended}`);
    const v = await modalOf(h, 'U0ALICE', 'chime_change', (v) => /suspended/.test(viewText(v)));
    assert.ok(!v.view.submit, 'no submit button');
    assert.ok(!isForm(v));
  });

  it('opens the form from just an account ID, and the picker when no ID is given', async () => {
    await h.user.command('U0CAROL', SAMPLE.oidc);
    await modalOf(h, 'U0CAROL', 'chime_change', (v) => isForm(v) && /Globex/.test(viewText(v)));
    await h.user.command('U0CAROL', '');
    const picker = await modalOf(h, 'U0CAROL', 'chime_change', (v) => /account_picker/.test(viewText(v)));
    const suggestions = await h.user.suggest('U0CAROL', picker.id, 'pick_account', 'account_picker', 'Acme');
    const values = (suggestions.options as any[]).map((o) => o.value);
    assert.ok(values.includes(SAMPLE.team) && values.includes(SAMPLE.lwa) && !values.includes(SAMPLE.oidc));
    await h.user.selectOption('U0CAROL', picker.id, 'pick_account', 'account_picker', SAMPLE.team);
    await modalOf(h, 'U0CAROL', 'chime_change', (v) => isForm(v) && /Acme Sales/.test(viewText(v)));
  });
});
