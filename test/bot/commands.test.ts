/** Every subcommand, role refusals at each step, Chime's errors in words, and hostile names. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SAMPLE } from '../../src/emulators/chime/seed.ts';
import { type Harness, modalOf, openForm, requestChange, startHarness, viewText } from '../helpers/harness.ts';

const ephemeralFor = (h: Harness, user: string, re: RegExp) =>
  h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === user && re.test(e.text + JSON.stringify(e.blocks ?? []))));

describe('subcommands', () => {
  let h: Harness;
  before(
    async () =>
      (h = await startHarness({
        policy: {
          roles: { viewers: ['S0CHIMEOPS', 'U0BOB'], requesters: ['U0ALICE'], approvers: ['U0BOB'] },
          approval: { required: 'never' },
        },
      })),
  );
  after(() => h.close());
  beforeEach(() => {
    h.chime.reset();
    h.slack.ephemerals.length = 0;
  });

  it('show: every Account field, ephemerally', async () => {
    await h.user.command('U0ALICE', `show ${SAMPLE.directory}`);
    const e = await ephemeralFor(h, 'U0ALICE', /Acme Engineering/);
    const text = JSON.stringify(e.blocks);
    for (const field of [SAMPLE.directory, '111122223333', 'EnterpriseDirectory', 'Active', 'Pro']) assert.ok(text.includes(field), field);
    assert.ok(h.chime.accounts.get(SAMPLE.directory)!.SigninDelegateGroups!.every((g) => text.includes(g.GroupName!)));
  });

  it('list: a page with Update buttons and a next page that follows NextToken', async () => {
    await h.user.command('U0ALICE', 'list');
    const page1 = await ephemeralFor(h, 'U0ALICE', /list_update/);
    const buttons = (page1.blocks ?? []).filter((b: any) => b.accessory?.action_id === 'list_update');
    assert.equal(buttons.length, 20);
    assert.match(JSON.stringify(page1.blocks), /list_next/);
    await h.user.clickButton('U0ALICE', { ephemeral: page1, actionId: 'list_next' });
    await h.slack.waitFor(() => h.chime.calls.some((c) => c.operation === 'ListAccounts' && c.query?.['next-token']));
  });

  it('list with a prefix filters by name, and Update opens the form', async () => {
    await h.user.command('U0ALICE', 'list Acme');
    const page = await ephemeralFor(h, 'U0ALICE', /Acme Sales/);
    assert.doesNotMatch(JSON.stringify(page.blocks), /Globex/);
    const block = (page.blocks ?? []).find((b: any) => b.accessory?.value === SAMPLE.team) as any;
    await h.user.clickButton('U0ALICE', { ephemeral: page, actionId: 'list_update', blockId: block.block_id, value: SAMPLE.team });
    await modalOf(h, 'U0ALICE', 'chime_change', (v) => /Acme Sales/.test(viewText(v)) && v.view.blocks.some((b) => b.type === 'input'));
  });

  it('history: the last 10 audit entries, for all accounts or one', async () => {
    await requestChange(h, 'U0ALICE', SAMPLE.oidc, { name: 'Globex Corp' });
    await h.settle();
    await h.user.command('U0BOB', `history ${SAMPLE.oidc}`);
    const e = await ephemeralFor(h, 'U0BOB', /Globex Corp/);
    assert.match(JSON.stringify(e.blocks), /changed/);
    await h.user.command('U0BOB', 'history');
    await ephemeralFor(h, 'U0BOB', /Last \d+ audit entries/);
  });

  it('help and unknown words get the usage', async () => {
    await h.user.command('U0ALICE', 'help');
    await ephemeralFor(h, 'U0ALICE', /history \[account-id\]/);
    await h.user.command('U0ALICE', 'frobnicate <!channel>');
    const e = await ephemeralFor(h, 'U0ALICE', /don’t know/);
    assert.doesNotMatch(e.text + JSON.stringify(e.blocks), /<!channel>/);
  });

  it('refuses a viewer command to someone without the role, naming it', async () => {
    await h.user.command('U0EVE', `show ${SAMPLE.team}`);
    await ephemeralFor(h, 'U0EVE', /viewers/);
    assert.equal(h.chime.calls.length, 0);
  });
});

describe('roles at every step', () => {
  let h: Harness;
  before(async () => (h = await startHarness({ policy: { roles: { requesters: ['S0CHIMEOPS'] }, approval: { required: 'never' } } })));
  after(() => h.close());
  beforeEach(() => h.chime.reset());

  it('at the command: refused ephemerally, no form, nothing read or changed, audited', async () => {
    await h.user.command('U0EVE', `update ${SAMPLE.team}`);
    await ephemeralFor(h, 'U0EVE', /requesters/);
    const v = await modalOf(h, 'U0EVE', 'chime_info');
    assert.match(viewText(v), /requesters/);
    assert.equal(h.chime.calls.length, 0);
    const rows = await h.bot.store.history({ limit: 5 });
    assert.equal(rows[0]!.action, 'refused');
    assert.equal(rows[0]!.actorId, 'U0EVE');
    await h.slack.waitFor(() => h.slack.messages.find((m) => m.channel === 'C0AUDIT' && /U0EVE.*was refused/.test(m.text)));
  });

  it('at submit and at confirm: a member removed from the group meanwhile is refused', async () => {
    const form = await openForm(h, 'U0CAROL', SAMPLE.team);
    h.slack.usergroups.set('S0CHIMEOPS', ['U0ALICE']);
    h.bot.workflow as any; // the directory caches for 60 s; a new bot (restart) starts with an empty cache
    await h.restart();
    const res = await h.user.submitView('U0CAROL', form.id, { name: { name_input: 'Renamed' } });
    assert.equal(res.json.response_action, 'update');
    assert.match(JSON.stringify(res.json.view), /requesters/);
    h.slack.usergroups.set('S0CHIMEOPS', ['U0ALICE', 'U0CAROL']);
    await h.restart();
    const form2 = await openForm(h, 'U0CAROL', SAMPLE.team);
    await h.user.submitView('U0CAROL', form2.id, { name: { name_input: 'Renamed' } });
    const review = h.slack.topView('U0CAROL')!;
    h.slack.usergroups.set('S0CHIMEOPS', ['U0ALICE']);
    await h.restart();
    const confirm = await h.user.submitView('U0CAROL', review.id, {});
    assert.match(JSON.stringify(confirm.json?.view), /requesters/);
    await h.settle();
    assert.equal(h.chime.calls.filter((c) => c.operation === 'UpdateAccount').length, 0);
    h.slack.usergroups.set('S0CHIMEOPS', ['U0ALICE', 'U0CAROL']);
  });

  it('a submission for a modal this user never opened is refused', async () => {
    const form = await openForm(h, 'U0ALICE', SAMPLE.team);
    form.user = 'U0EVE'; // Eve submits Alice's view id
    const res = await h.user.submitView('U0EVE', form.id, { name: { name_input: 'Hijacked' } });
    assert.match(JSON.stringify(res.json.view), /no longer valid/);
    await h.settle();
    assert.equal(h.chime.calls.filter((c) => c.operation === 'UpdateAccount').length, 0);
  });
});

describe('workspace_admins', () => {
  let h: Harness;
  before(
    async () =>
      (h = await startHarness({ policy: { roles: { viewers: ['workspace_admins'], requesters: [] }, approval: { required: 'never' } } })),
  );
  after(() => h.close());

  it('admits admins and owners (users.info), refuses others', async () => {
    await h.user.command('U0DAVE', `show ${SAMPLE.team}`);
    await ephemeralFor(h, 'U0DAVE', /Acme Sales/);
    await h.user.command('U0OWEN', `show ${SAMPLE.team}`);
    await ephemeralFor(h, 'U0OWEN', /Acme Sales/);
    await h.user.command('U0EVE', `show ${SAMPLE.team}`);
    await ephemeralFor(h, 'U0EVE', /viewers/);
  });
});

describe('hostile names', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(() => h.close());

  it('never reaches Slack as live markup', async () => {
    const hostile = 'Ops <!channel> <@U123> <https://x|y> & co';
    await requestChange(h, 'U0ALICE', SAMPLE.team, { name: hostile, reason: '<!here> please' });
    await h.settle();
    assert.equal(h.chime.accounts.get(SAMPLE.team)!.Name, hostile, 'stored as typed');
    const posted = JSON.stringify([...h.slack.messages, ...h.slack.ephemerals]);
    for (const markup of ['<!channel>', '<@U123>', '<https://x|y>', '<!here>']) assert.ok(!posted.includes(markup), markup);
    assert.ok(posted.includes('&lt;!channel&gt;'));
  });
});
