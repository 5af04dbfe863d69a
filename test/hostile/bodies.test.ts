/**
 * Correctly signed but hostile bodies: truncated, oversized (1–10 MB), the wrong content type, payloads that are
 * not JSON or have fields of the wrong type, unknown payload types, callback and action ids, forged button values
 * (requests that don't exist or belong to another workspace), and submissions for modals nobody opened. Each is
 * refused or answered in words; afterwards the bot still answers, Chime saw no UpdateAccount and the audit lost
 * nothing.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SAMPLE } from '../../src/emulators/chime/seed.ts';
import { signRequest } from '../../src/emulators/slack/client.ts';
import { type Harness, modalOf, openForm, requestChange, SIGNING_SECRET, startHarness } from '../helpers/harness.ts';
import {
  assertUnharmed,
  type Baseline,
  baseline,
  click,
  commandBody,
  FORM,
  forgedSubmission,
  from,
  payloadBody,
} from '../helpers/hostile.ts';
import { mark, rawPost, rawPostOnce, texts } from '../helpers/proof.ts';
import { userClient } from '../helpers/slack.ts';

describe('malformed, oversized and wrongly typed bodies', () => {
  let h: Harness;
  let b: Baseline;
  before(async () => {
    h = await startHarness();
    // Some history to protect: one applied change.
    await requestChange(h, 'U0ALICE', SAMPLE.oidc, { name: 'Globex Before Hostile' });
    await h.settle();
  });
  after(() => h.close());
  beforeEach(async () => {
    h.chime.calls.length = 0;
    b = await baseline(h);
  });

  const signed = (body: string, contentType = FORM, timeoutMs?: number) =>
    rawPost(h.port, body, { 'content-type': contentType, ...signRequest(SIGNING_SECRET, body) }, timeoutMs);
  const told = (re: RegExp, from: number) => h.slack.waitFor(() => h.slack.ephemerals.slice(from).find((e) => re.test(texts(e))));

  it('a command body cut in half (no trigger, no response_url): acked, no form, nothing read', async () => {
    const full = commandBody(h, 'U0ALICE', `update ${SAMPLE.team}`);
    const views = h.slack.views.size;
    const calls = h.slack.calls.length;
    const res = await signed(full.slice(0, full.indexOf('response_url')));
    assert.equal(res.status, 200);
    const open = await h.slack.waitFor(() => h.slack.calls.slice(calls).find((c) => c.method === 'views.open' && c.status));
    assert.equal((open.response as { error?: string }).error, 'invalid_trigger_id');
    assert.equal(h.slack.views.size, views, 'no modal: there is no trigger to open one with');
    assert.equal(h.chime.calls.length, 0);
    await assertUnharmed(h, b);
  });

  it('a payload cut mid-JSON: 400', async () => {
    const res = await signed(payloadBody(click(h, 'U0ALICE', 'request_approve', SAMPLE.team)).slice(0, 120));
    assert.equal(res.status, 400);
    await assertUnharmed(h, b);
  });

  for (const [label, body, type] of [
    ['a payload that is not JSON', 'payload=not%20json', FORM],
    ['a JSON body that is not JSON', '{"type":', 'application/json'],
    ['a form body sent as text/plain', 'command=%2Fchime-account&text=help', 'text/plain'],
    ['a form body with a charset in its content type', 'command=%2Fchime-account&text=help', `${FORM}; charset=utf-8`],
  ] as const)
    it(`${label}: 400`, async () => {
      // Bolt parses a body as a form only for exactly `application/x-www-form-urlencoded` (what Slack sends);
      // anything else is parsed as JSON, and a body that does not parse is a 400.
      assert.equal((await signed(body, type)).status, 400);
      await assertUnharmed(h, b);
    });

  it('a 1 MB command text: answered in a few words, without echoing the megabyte back', async () => {
    const m = mark(h);
    const res = await signed(commandBody(h, 'U0ALICE', 'x'.repeat(1_000_000)));
    assert.equal(res.status, 200);
    const e = await told(/don’t know/, m.ephemerals);
    assert.ok(texts(e).length < 4_000, `the answer is ${texts(e).length} characters`);
    await assertUnharmed(h, b);
  });

  it('a 1 MB account ID: "That isn’t an account ID", nothing read', async () => {
    const m = mark(h);
    assert.equal((await signed(commandBody(h, 'U0ALICE', `show ${'7'.repeat(1_000_000)}`))).status, 200);
    const e = await told(/isn’t an account ID/, m.ephemerals);
    assert.ok(texts(e).length < 4_000);
    assert.equal(h.chime.calls.length, 0);
    await assertUnharmed(h, b);
  });

  it('5 MB and 10 MB bodies, signed or not: refused (413) above Bolt’s 4 MB limit, or the connection is cut while sending', async () => {
    for (const size of [5_000_000, 10_000_000]) {
      const body = commandBody(h, 'U0ALICE', 'x'.repeat(size));
      const res = await rawPostOnce(h.port, body, { 'content-type': FORM, ...signRequest(SIGNING_SECRET, body) }).catch(
        (e: Error & { code?: string }) => ({ status: 0, body: e.code ?? e.message }),
      );
      assert.ok(res.status === 413 || /ECONNRESET|EPIPE/.test(res.body), `${size}: ${res.status} ${res.body}`);
    }
    // The size is checked before the signature: an unsigned 5 MB body costs the bot no more than 4 MB of reading.
    const unsigned = await rawPostOnce(h.port, 'text=' + 'x'.repeat(5_000_000), { 'content-type': FORM }).catch(
      (e: Error & { code?: string }) => ({ status: 0, body: e.code ?? '' }),
    );
    assert.ok(unsigned.status === 413 || /ECONNRESET|EPIPE/.test(unsigned.body), `unsigned: ${unsigned.status}`);
    await assertUnharmed(h, b);
  });

  it('a command sent as JSON instead of a form: Bolt parses it and the bot answers it like any command (documented)', async () => {
    // Bolt parses a JSON body whatever the request type; the signature still has to match, so only a holder of the
    // signing secret can send one. The bot treats it as the command it is.
    const m = mark(h);
    const fields = Object.fromEntries(new URLSearchParams(commandBody(h, 'U0ALICE', 'help')));
    assert.equal((await signed(JSON.stringify(fields), 'application/json')).status, 200);
    await told(/history \[account-id\]/, m.ephemerals);
    await assertUnharmed(h, b);
  });

  it('an unsigned ssl_check with a smuggled payload: 200 for the check, the payload ignored', async () => {
    const m = mark(h);
    const smuggled = `ssl_check=1&${payloadBody(click(h, 'U0ALICE', 'request_cancel', '00000000-0000-4000-8000-000000000000'))}`;
    const res = await rawPost(h.port, smuggled, { 'content-type': FORM });
    assert.equal(res.status, 200);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(h.slack.ephemerals.length, m.ephemerals, 'no listener ran');
    await assertUnharmed(h, b);
  });

  it('fields of the wrong type in commands and payloads: refused or answered, never applied', async () => {
    const m = mark(h);
    const cases: [string, string, number[]][] = [
      ['command text given twice (an array)', `${commandBody(h, 'U0ALICE', 'help')}&text=again`, [200]],
      ['user_id given twice', `${commandBody(h, 'U0ALICE', 'help')}&user_id=U0BOB`, [200]],
      // Shapes Bolt can't handle are refused 400 before it sees them (src/slack/receiver.ts); the rest it answers.
      ['actions as a string', payloadBody({ type: 'block_actions', ...from('U0ALICE'), actions: 'nope' }), [400]],
      ['no actions at all', payloadBody({ ...click(h, 'U0ALICE', 'request_cancel', 'x'), actions: [] }), [200]],
      [
        'a number as the user',
        payloadBody({ type: 'block_actions', user: 5, team: 'x', actions: [{ action_id: 'request_approve', value: 'a' }] }),
        [400],
      ],
      [
        'an object as a button value',
        payloadBody({
          ...click(h, 'U0ALICE', 'request_approve', undefined),
          actions: [{ type: 'button', action_id: 'request_approve', value: { $ne: 1 } }],
        }),
        [200],
      ],
      [
        'a view id that is a number and state that is a string',
        payloadBody({ type: 'view_submission', ...from('U0ALICE'), view: { id: 5, callback_id: 'chime_review', state: 'x' } }),
        [400],
      ],
      [
        'a suggestion query that is a number',
        payloadBody({
          type: 'block_suggestion',
          ...from('U0ALICE'),
          action_id: 'pick_account',
          block_id: 'account_picker',
          value: 5,
          view: { id: 'V1' },
        }),
        [200],
      ],
    ];
    for (const [label, body, statuses] of cases) {
      const res = await signed(body);
      assert.ok(statuses.includes(res.status), `${label}: ${res.status}`);
    }
    await h.settle();
    const said = texts([h.slack.ephemerals.slice(m.ephemerals), h.slack.messages.slice(m.messages)]);
    assert.doesNotMatch(said, /\bundefined\b|\[object |\n\s+at /);
    await assertUnharmed(h, b);
  });

  it('a real form submitted with values of the wrong type: errors on the fields, nothing changed', async () => {
    const form = await openForm(h, 'U0ALICE', SAMPLE.team);
    const body = payloadBody(
      forgedSubmission('U0ALICE', {
        id: form.id,
        callback_id: 'chime_change',
        values: {
          name: { name_input: { type: 'plain_text_input', value: 12345 } },
          license: { license_select: { type: 'static_select', selected_option: { value: ['Pro'] } } },
        },
      }),
    );
    const res = await signed(body);
    assert.equal(res.status, 200);
    const json = JSON.parse(res.body);
    assert.equal(json.response_action, 'errors');
    assert.ok(json.errors.name && json.errors.license, res.body);
    await assertUnharmed(h, b);
  });

  it('payload types the bot has no listener for (shortcut, message action, event, url_verification): acked, nothing done', async () => {
    const m = mark(h);
    const shortcut = await signed(
      payloadBody({ type: 'shortcut', ...from('U0ALICE'), callback_id: 'evil', trigger_id: h.slack.issueTrigger('U0ALICE') }),
    );
    assert.equal(shortcut.status, 200, 'acked at once, not left to Bolt’s 3 s timeout');
    const action = await signed(
      payloadBody({
        type: 'message_action',
        ...from('U0ALICE'),
        callback_id: 'evil',
        trigger_id: 'x',
        channel: { id: 'C0OPS' },
        message: { ts: '1' },
      }),
    );
    assert.equal(action.status, 200);
    const event = {
      type: 'event_callback',
      team_id: 'T0TEAM',
      api_app_id: 'A0APP',
      event: { type: 'app_mention', user: 'U0EVE', text: '<@U0BOT> rename everything', channel: 'C0OPS', ts: '1' },
      event_id: 'Ev1',
      event_time: 1,
    };
    assert.equal((await signed(JSON.stringify(event), 'application/json')).status, 200);
    const challenge = await signed(JSON.stringify({ type: 'url_verification', challenge: 'abc' }), 'application/json');
    assert.deepEqual(JSON.parse(challenge.body), { challenge: 'abc' }, 'Bolt answers the challenge, nothing else');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(h.slack.ephemerals.length, m.ephemerals);
    assert.equal(h.slack.messages.length, m.messages);
    await assertUnharmed(h, b);
  });
});

describe('unknown ids, forged values and modals nobody opened', () => {
  let h: Harness;
  let b: Baseline;
  let pendingId: string;
  let appliedId: string;
  const policy = {
    roles: { viewers: ['*'], requesters: ['U0ALICE'], approvers: ['U0BOB'] },
    approval: { required: 'license-changes', approvers_required: 1, expires_after: '24h', reason: 'optional' },
  };
  before(async () => {
    h = await startHarness({ policy });
    await requestChange(h, 'U0ALICE', SAMPLE.team, { name: 'Acme Applied Before' }); // a name change: direct
    await requestChange(h, 'U0ALICE', SAMPLE.lwa, { license: 'Pro' }); // a license change: pending
    await h.settle();
    appliedId = (await h.bot.store.requestsIn('applied'))[0]!.id;
    pendingId = (await h.bot.store.requestsIn('pending'))[0]!.id;
  });
  after(() => h.close());
  beforeEach(async () => {
    h.chime.calls.length = 0;
    b = await baseline(h);
  });

  const send = (payload: unknown) => h.user.send(payloadBody(payload));
  const ephemeral = (user: string, re: RegExp, from: number) =>
    h.slack.waitFor(() => h.slack.ephemerals.slice(from).find((e) => e.user === user && re.test(e.text)));
  const stillPending = async () => {
    const r = await h.bot.store.getRequest(pendingId);
    assert.equal(r!.state, 'pending');
    assert.equal(r!.approvals.length, 0);
  };

  it('unknown action, callback and suggestion ids: acked quietly or told the form is no longer supported', async () => {
    const m = mark(h);
    const action = await send(click(h, 'U0BOB', 'evil_action', pendingId));
    assert.deepEqual([action.status, action.body], [200, '']);
    const view = await send(forgedSubmission('U0BOB', { id: 'V0FORGED1', callback_id: 'evil_callback' }));
    assert.match(view.body, /no longer supported/);
    const closed = await send({
      type: 'view_closed',
      ...from('U0BOB'),
      view: { id: 'V0FORGED1', callback_id: 'evil_callback' },
      is_cleared: false,
    });
    assert.equal(closed.status, 200);
    const suggest = await send({
      type: 'block_suggestion',
      ...from('U0BOB'),
      action_id: 'evil',
      block_id: 'x',
      value: 'Acme',
      view: { id: 'V0FORGED1' },
    });
    assert.deepEqual(JSON.parse(suggest.body), { options: [] });
    assert.equal(h.slack.ephemerals.length, m.ephemerals);
    await stillPending();
    await assertUnharmed(h, b);
  });

  it('buttons naming requests that do not exist: told there is no such request', async () => {
    const m = mark(h);
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const actionId of ['request_approve', 'request_reject', 'request_cancel', 'change_revert'])
      for (const value of [missing, "' OR 1=1 --", '', '../../etc/passwd'])
        assert.equal((await send(click(h, 'U0BOB', actionId, value))).status, 200);
    const answers = await h.slack.waitFor(() => {
      const seen = h.slack.ephemerals.slice(m.ephemerals).filter((e) => e.user === 'U0BOB');
      return seen.length >= 16 && seen;
    });
    assert.equal(answers.length, 16, 'every click answered, once');
    for (const e of answers) assert.match(e.text, /no such request|no applied change to revert/);
    await stillPending();
    await assertUnharmed(h, b);
  });

  it('buttons and list values carrying markup: "That isn’t an account ID", and a forged page token reads page one', async () => {
    const m = mark(h);
    await send(click(h, 'U0ALICE', 'list_update', '<!channel>'));
    await ephemeral('U0ALICE', /isn’t an account ID/, m.ephemerals);
    await send(click(h, 'U0ALICE', 'list_next', '{"p":{"$gt":""},"t":42}'));
    await h.slack.waitFor(() => h.slack.ephemerals.slice(m.ephemerals).find((e) => /Chime account\(s\)/.test(e.text)));
    assert.doesNotMatch(JSON.stringify(h.slack.ephemerals.slice(m.ephemerals)), /<!channel>/);
    await assertUnharmed(h, b);
  });

  it('the same user ids from another workspace (T0OTHER) cannot approve, cancel or revert this workspace’s requests', async () => {
    const other = userClient(h.slack, h.port, 'T0OTHER');
    const m = mark(h);
    await other.send(payloadBody(click(h, 'U0BOB', 'request_approve', pendingId, 'T0OTHER')));
    await ephemeral('U0BOB', /no such request in this workspace/, m.ephemerals);
    await other.send(payloadBody(click(h, 'U0ALICE', 'request_cancel', pendingId, 'T0OTHER')));
    await ephemeral('U0ALICE', /no such request in this workspace/, m.ephemerals);
    await other.send(payloadBody(click(h, 'U0ALICE', 'change_revert', appliedId, 'T0OTHER')));
    await ephemeral('U0ALICE', /no applied change to revert/, m.ephemerals);
    await stillPending();
    await assertUnharmed(h, b);
  });

  it('Bob’s real approve modal submitted from another workspace: no longer valid, nothing approved', async () => {
    const card = await h.slack.waitFor(() =>
      h.slack.messages.find((x) => x.text.startsWith('Change request') && x.text.includes(SAMPLE.lwa)),
    );
    await h.user.clickButton('U0BOB', { message: card, actionId: 'request_approve' });
    const modal = await modalOf(h, 'U0BOB', 'chime_approve');
    const other = userClient(h.slack, h.port, 'T0OTHER');
    const res = await other.send(payloadBody(forgedSubmission('U0BOB', { id: modal.id, callback_id: 'chime_approve' }, 'T0OTHER')));
    assert.match(res.body, /no longer valid/);
    await stillPending();
    await assertUnharmed(h, b);
  });

  for (const callback of ['chime_change', 'chime_review', 'chime_approve', 'chime_reject'])
    it(`a ${callback} submission for a view id nobody opened (whatever its private_metadata claims): no longer valid`, async () => {
      const res = await send(
        forgedSubmission('U0BOB', {
          id: `V0NEVER${callback.length}`,
          callback_id: callback,
          private_metadata: JSON.stringify({ requestId: pendingId, accountId: SAMPLE.team, change: { name: 'Forged' } }),
          values: {
            name: { name_input: { type: 'plain_text_input', value: 'Forged' } },
            comment: { comment_input: { type: 'plain_text_input', value: 'ok' } },
          },
        }),
      );
      assert.equal(res.status, 200);
      assert.match(res.body, /no longer valid/);
      await stillPending();
      await assertUnharmed(h, b);
    });
});
