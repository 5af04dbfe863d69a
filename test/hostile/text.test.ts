/**
 * Hostile and unusual text: right-to-left overrides, zero-width and other invisible characters, emoji, 100k
 * characters — in account names, reasons, comments and the command text — and mention / link injection everywhere
 * text reaches Slack. Invalid text is refused on its field (no UpdateAccount); valid but unusual text (emoji,
 * markup typed as a name) is kept exactly and shown inert.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SAMPLE, SAMPLE_NAMES } from '../../src/emulators/chime/seed.ts';
import type { EmuEphemeral, EmuMessage, EmuView } from '../../src/emulators/slack/server.ts';
import { type Harness, modalOf, openForm, requestChange, startHarness } from '../helpers/harness.ts';
import { assertUnharmed, baseline } from '../helpers/hostile.ts';
import { cardFor, type Marks, mark, texts, updates } from '../helpers/proof.ts';

/** Every kind of markup that would notify people or forge a link if it reached Slack unescaped. */
const INJECTIONS = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<@U0EVIL>',
  '<#C0EVIL>',
  '<!subteam^S0EVIL>',
  '<https://evil.example|click me>',
  '<mailto:a@evil.example|mail>',
  '<!date^1^{date}|x>',
];
const HOSTILE = `Ops ${INJECTIONS.join(' ')} & co`;

/** Text Slack reads as mrkdwn: message and ephemeral `text`, and mrkdwn objects in blocks and views (plain_text is inert). */
function mrkdwn(items: (EmuMessage | EmuEphemeral | EmuView)[]): string {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      for (const x of Object.values(o)) walk(x);
    }
  };
  for (const item of items) {
    if ('view' in item) walk(item.view.blocks);
    else {
      out.push(item.text);
      walk(item.blocks ?? []);
    }
  }
  return out.join('\n');
}

function assertInert(h: Harness, m: Marks) {
  const seen = mrkdwn([...h.slack.messages.slice(m.messages), ...h.slack.ephemerals.slice(m.ephemerals), ...h.slack.views.values()]);
  for (const markup of INJECTIONS) assert.ok(!seen.includes(markup), `${markup} reached Slack as live markup`);
  return seen;
}

const RLO = '\u202E';
const ZWSP = '\u200B';

describe('account names', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(() => h.close());
  beforeEach(() => h.chime.reset());

  const invalid: [string, string, RegExp][] = [
    ['a right-to-left override (the name would display reversed)', `Acme${RLO}selaS`, /direction/],
    ['a left-to-right isolate', `Acme \u2066Sales\u2069`, /direction/],
    ['only zero-width characters (looks blank)', `${ZWSP}\u2060\uFEFF${ZWSP}`, /blank/],
    ['a zero-width space inside (a look-alike of another name)', `Acme${ZWSP} Sales 2`, /invisible/],
    ['a line separator', 'Acme\u2028Sales', /control characters/],
    ['100 000 characters', 'A'.repeat(100_000), /at most 100 characters/],
    ['101 emoji', '🚀'.repeat(101), /at most 100 characters/],
  ];
  for (const [label, name, words] of invalid)
    it(`a name with ${label}: refused on the field, nothing changed`, async () => {
      const b = await baseline(h);
      const form = await openForm(h, 'U0ALICE', SAMPLE.team);
      const res = await h.user.submitView('U0ALICE', form.id, { name: { name_input: name } }, { skipClientChecks: true });
      assert.equal(res.json?.response_action, 'errors', res.body.slice(0, 300));
      assert.match(res.json.errors.name, words);
      assert.equal(h.chime.accounts.get(SAMPLE.team)!.Name, SAMPLE_NAMES.team);
      await assertUnharmed(h, b);
    });

  it('emoji, right-to-left script and joiners are a valid name: applied exactly as typed', async () => {
    const name = 'Acme 🚀 👩‍👩‍👧 شركة';
    const m = mark(h);
    await requestChange(h, 'U0ALICE', SAMPLE.lwa, { name });
    await h.settle();
    assert.equal(h.chime.accounts.get(SAMPLE.lwa)!.Name, name);
    const summary = await h.slack.waitFor(() =>
      h.slack.messages.slice(m.messages).find((x) => x.channel === 'C0OPS' && /updated/.test(x.text)),
    );
    assert.ok(texts(summary).includes(name));
  });

  it('markup typed as a name is a valid name: applied as typed, shown inert everywhere', async () => {
    const m = mark(h);
    await requestChange(h, 'U0ALICE', SAMPLE.oidc, { name: HOSTILE.slice(0, 100), reason: HOSTILE });
    await h.settle();
    assert.equal(h.chime.accounts.get(SAMPLE.oidc)!.Name, HOSTILE.slice(0, 100));
    await h.slack.waitFor(() => h.slack.messages.slice(m.messages).find((x) => x.channel === 'C0AUDIT' && /changed/.test(x.text)));
    const seen = assertInert(h, m);
    assert.ok(seen.includes('&lt;!channel&gt;'), 'shown, escaped');
    await h.user.command('U0BOB', `show ${SAMPLE.oidc}`);
    await h.user.command('U0BOB', 'list Ops');
    await h.user.command('U0BOB', `history ${SAMPLE.oidc}`);
    await h.slack.waitFor(() => h.slack.ephemerals.slice(m.ephemerals).filter((e) => e.user === 'U0BOB').length >= 3 && true);
    await openForm(h, 'U0ALICE', SAMPLE.oidc);
    assertInert(h, m);
  });

  it('an account name that comes from Chime with markup in it: shown inert in show, list and the form', async () => {
    h.chime.accounts.get(SAMPLE.directory)!.Name = HOSTILE.slice(0, 100);
    const m = mark(h);
    await h.user.command('U0BOB', `show ${SAMPLE.directory}`);
    await h.user.command('U0BOB', 'list Ops');
    await h.slack.waitFor(() => h.slack.ephemerals.slice(m.ephemerals).filter((e) => e.user === 'U0BOB').length >= 2 && true);
    await openForm(h, 'U0ALICE', SAMPLE.directory);
    assertInert(h, m);
  });
});

describe('the command text', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(() => h.close());

  const answer = async (text: string, re: RegExp) => {
    const b = await baseline(h);
    const m = mark(h);
    const res = await h.user.command('U0ALICE', text);
    assert.equal(res.status, 200);
    const e = await h.slack.waitFor(() => h.slack.ephemerals.slice(m.ephemerals).find((x) => x.user === 'U0ALICE' && re.test(texts(x))));
    assert.ok(texts(e).length < 4_000, `a short answer (${texts(e).length} characters)`);
    assertInert(h, m);
    await assertUnharmed(h, b);
    return e;
  };

  const cases: [string, string, RegExp][] = [
    [
      '100k characters of emoji, right-to-left overrides and zero-width spaces: a short "I don’t know"',
      `${RLO}🚀${ZWSP}`.repeat(33_334),
      /don’t know/,
    ],
    [
      'an account ID with a right-to-left override in it: "That isn’t an account ID"',
      `update ${SAMPLE.team.slice(0, 8)}${RLO}${SAMPLE.team.slice(8)}`,
      /isn’t an account ID/,
    ],
    ['an account ID with a zero-width space in it: "That isn’t an account ID"', `show ${SAMPLE.team}${ZWSP}`, /isn’t an account ID/],
    ['mentions and links as a subcommand: the usage, inert', HOSTILE, /don’t know/],
    ['mentions and links as an account ID: "That isn’t an account ID"', 'show <!channel>', /isn’t an account ID/],
    [
      'mentions and links as a list prefix: the search is shown, inert',
      `list ${INJECTIONS.slice(0, 4).join(' ')}`,
      /Chime accounts whose name starts with/,
    ],
  ];
  for (const [label, text, re] of cases)
    it(label, async () => {
      await answer(text, re);
    });
});

describe('reasons and comments (approval flow)', () => {
  let h: Harness;
  const policy = {
    roles: { viewers: ['*'], requesters: ['U0ALICE'], approvers: ['U0BOB', 'U0CAROL'] },
    approval: { required: 'always', approvers_required: 2, expires_after: '24h', reason: 'optional' },
  };
  before(async () => (h = await startHarness({ policy })));
  after(() => h.close());
  beforeEach(() => h.chime.reset());

  it('a 100k-character reason is refused on its field; no request is made', async () => {
    const b = await baseline(h);
    const form = await openForm(h, 'U0ALICE', SAMPLE.team);
    await h.user.submitView('U0ALICE', form.id, { name: { name_input: 'Long Reason' } });
    const review = h.slack.topView('U0ALICE')!;
    const res = await h.user.submitView(
      'U0ALICE',
      review.id,
      { reason: { reason_input: `${RLO}${ZWSP}🚀 why `.repeat(12_500) } },
      { skipClientChecks: true },
    );
    assert.equal(res.json?.response_action, 'errors', res.body.slice(0, 200));
    assert.match(res.json.errors.reason, /at most 500 characters/);
    assert.equal((await h.bot.store.requestsIn('pending')).filter((r) => r.change.name === 'Long Reason').length, 0);
    await assertUnharmed(h, b);
  });

  it('a 100k-character approval comment is refused on its field; nothing is approved', async () => {
    const m = mark(h);
    await requestChange(h, 'U0ALICE', SAMPLE.directory, { name: 'Long Comment' });
    const card = await cardFor(h, SAMPLE.directory, m.messages);
    await h.user.clickButton('U0BOB', { message: card, actionId: 'request_approve' });
    const modal = await modalOf(h, 'U0BOB', 'chime_approve');
    const res = await h.user.submitView(
      'U0BOB',
      modal.id,
      { comment: { comment_input: `${ZWSP}ok `.repeat(25_000) } },
      { skipClientChecks: true },
    );
    assert.equal(res.json?.response_action, 'errors', res.body.slice(0, 200));
    assert.match(res.json.errors.comment, /at most 500 characters/);
    const [request] = (await h.bot.store.requestsIn('pending')).filter((r) => r.change.name === 'Long Comment');
    assert.equal(request!.approvals.length, 0);
    await h.user.closeView('U0BOB', modal.id);
  });

  it('a 500-character reason of & and < (the most escaping can grow it): the card still posts, with the reason clipped', async () => {
    const m = mark(h);
    await requestChange(h, 'U0ALICE', SAMPLE.lwa, { name: 'Escaped Reason', reason: '&<'.repeat(250) });
    const card = await cardFor(h, SAMPLE.lwa, m.messages);
    assert.match(texts(card), /&amp;&lt;/);
    await h.settle();
    assert.equal(await h.bot.store.pendingOutboxCount(), 0);
    const [request] = (await h.bot.store.requestsIn('pending')).filter((r) => r.change.name === 'Escaped Reason');
    assert.equal(request!.cardTs, card.ts, 'the card is the request’s card');
  });

  it('injection and odd Unicode in the reason and in approve / reject comments: kept in the audit, inert in Slack', async () => {
    const m = mark(h);
    await requestChange(h, 'U0ALICE', SAMPLE.oidc, { name: 'Injected Comments', reason: `${RLO}${HOSTILE}${ZWSP}🚀` });
    const card = await cardFor(h, SAMPLE.oidc, m.messages);
    await h.user.clickButton('U0BOB', { message: card, actionId: 'request_approve' });
    const approveModal = await modalOf(h, 'U0BOB', 'chime_approve');
    await h.user.submitView('U0BOB', approveModal.id, { comment: { comment_input: `ok ${HOSTILE}`.slice(0, 500) } });
    await h.settle();
    const latest = h.slack.messages.find((x) => x.ts === card.ts)!;
    await h.user.clickButton('U0CAROL', { message: latest, actionId: 'request_reject' });
    const rejectModal = await modalOf(h, 'U0CAROL', 'chime_reject');
    await h.user.submitView('U0CAROL', rejectModal.id, { comment: { comment_input: `no ${HOSTILE}`.slice(0, 500) } });
    await h.settle();
    assert.match(JSON.stringify(h.slack.messages.find((x) => x.ts === card.ts)!.blocks), /Rejected/);
    assertInert(h, m);
    const rows = (await h.bot.store.auditRows()).filter((r) => r.change?.name === 'Injected Comments');
    assert.deepEqual(
      rows.map((r) => r.action),
      ['requested', 'approved', 'rejected'],
    );
    assert.ok(rows[1]!.detail!.includes('<!channel>'), 'the audit keeps exactly what was typed');
    assert.equal(updates(h).length, 0);
  });
});
