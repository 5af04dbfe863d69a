/**
 * Amazon Chime failing in every way the bot can meet: each modeled error on UpdateAccount and on GetAccount (when
 * the form opens, and when apply reads the account again), throttling with and without the SDK's retries, 5xx,
 * a hang past the bot's request timeout, and a refused connection. Each time the person reads plain words (no
 * stack trace, no "undefined", never a false "updated"), the request ends `failed` with its audit row, and the
 * audit chain stays intact.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SAMPLE } from '../../src/emulators/chime/seed.ts';
import type { ChimeErrorName } from '../../src/emulators/chime/server.ts';
import { type Harness, modalOf, openForm, requestChange, startHarness } from '../helpers/harness.ts';
import { closedPort } from '../helpers/ports.ts';
import { assertChain, assertPlainWords, type Marks, mark, swapBot, texts, updates } from '../helpers/proof.ts';

const ERRORS: readonly ChimeErrorName[] = [
  'BadRequest',
  'UnauthorizedClient',
  'Forbidden',
  'NotFound',
  'ThrottledClient',
  'ServiceFailure',
  'ServiceUnavailable',
];

/** What each error must say, in words a Slack admin can act on. */
const WORDS: Record<string, RegExp> = {
  BadRequest: /Amazon Chime refused the change: .+\. Fix the value and try again/,
  UnauthorizedClient: /did not accept the bot's AWS credentials/,
  Forbidden: /not allowed to .*chime:(Get|Update)Account/,
  NotFound: /Amazon Chime has no account with the ID c0ffee00-/,
  ThrottledClient: /throttling the bot.*Try again/,
  ServiceFailure: /Amazon Chime failed while trying to .*Try again shortly/,
  ServiceUnavailable: /Amazon Chime is unavailable right now\. Try again shortly/,
};

/** The request whose change sets this name. */
async function requestNamed(h: Harness, name: string) {
  for (const state of ['failed', 'applied', 'applying', 'approved', 'stale'] as const) {
    const found = (await h.bot.store.requestsIn(state)).find((r) => r.change.name === name);
    if (found) return found;
  }
  return undefined;
}

/** Shared checks after a change that Chime refused: failed request, its audit rows, words in Slack, nothing changed. */
async function assertFailedPlainly(h: Harness, m: Marks, name: string, accountId: string, words: RegExp) {
  await h.settle();
  const request = await requestNamed(h, name);
  assert.ok(request, 'the request is stored');
  assert.equal(request.state, 'failed');
  assert.match(request.outcomeDetail ?? '', words);

  const rows = (await assertChain(h)).filter((r) => r.requestId === request.id);
  assert.deepEqual(
    rows.map((r) => r.action),
    ['requested', 'failed'],
    'the audit keeps the request and its failure',
  );
  assert.match(rows[1]!.detail ?? '', words);

  const post = await h.slack.waitFor(() =>
    h.slack.messages.slice(m.messages).find((x) => x.channel === 'C0OPS' && /not made/.test(x.text)),
  );
  assert.match(texts(post), words, 'the channel is told why, in words');
  assert.ok(texts(post).includes(accountId));
  await h.slack.waitFor(() => h.slack.messages.slice(m.messages).find((x) => x.channel === 'C0AUDIT' && /failed to change/.test(x.text)));
  const seen = h.slack.messages.slice(m.messages).concat(h.slack.ephemerals.slice(m.ephemerals) as never[]);
  assertPlainWords(texts(seen), 'what Slack showed');
  assert.doesNotMatch(texts(seen), /\bupdated\b/i, 'never a false "updated"');
  assert.notEqual(h.chime.accounts.get(accountId)!.Name, name, 'Chime does not have the new name');
}

// A new bot (so a new Chime client) for every test: the SDK's adaptive retry mode slows every later call of a
// client that has seen a throttle, which would only make the suite slow.
const fresh = async (h: Harness) => {
  h.chime.reset();
  await h.restart();
};

for (const error of ERRORS) {
  describe(`Chime ${error}, in plain words`, () => {
    let h: Harness;
    before(async () => (h = await startHarness({ maxAttempts: 1 })));
    after(() => h.close());
    beforeEach(() => fresh(h));

    it(`UpdateAccount ${error}: failed, told plainly, audited`, async () => {
      const m = mark(h);
      const name = `Renamed after ${error}`;
      h.chime.addFault({ operation: 'UpdateAccount', error });
      await requestChange(h, 'U0ALICE', SAMPLE.team, { name });
      await assertFailedPlainly(h, m, name, SAMPLE.team, WORDS[error]!);
      assert.equal(updates(h).length, 1, 'one attempt (maxAttempts 1), no second try behind the person’s back');
    });

    it(`GetAccount ${error} when the form opens: the modal says why, nothing else happens`, async () => {
      const m = mark(h);
      const rowsBefore = (await assertChain(h)).length;
      const previous = h.slack.topView('U0ALICE')?.id;
      h.chime.addFault({ operation: 'GetAccount', error });
      const res = await h.user.command('U0ALICE', `update ${SAMPLE.team}`);
      assert.equal(res.status, 200);
      const v = await modalOf(h, 'U0ALICE', 'chime_info', (x) => x.id !== previous);
      const said = texts(v.view);
      assert.match(said, WORDS[error]!);
      assertPlainWords(said, 'the modal');
      assertPlainWords(texts([h.slack.messages.slice(m.messages), h.slack.ephemerals.slice(m.ephemerals)]));
      assert.doesNotMatch(said, /\bupdated\b/i);
      assert.equal(updates(h).length, 0);
      assert.equal((await assertChain(h)).length, rowsBefore, 'opening a form records nothing, and loses nothing');
    });

    it(`GetAccount ${error} when the approved change is applied: failed before the change, audited`, async () => {
      const m = mark(h);
      const name = `Reread after ${error}`;
      const form = await openForm(h, 'U0ALICE', SAMPLE.team);
      await h.user.submitView('U0ALICE', form.id, { name: { name_input: name } });
      h.chime.addFault({ operation: 'GetAccount', error }); // only now: the form and review read the account fine
      await h.user.submitView('U0ALICE', h.slack.topView('U0ALICE')!.id, {});
      await assertFailedPlainly(h, m, name, SAMPLE.team, WORDS[error]!);
      assert.equal(updates(h).length, 0, 'UpdateAccount is never called when the account cannot be read first');
    });
  });
}

describe('throttling and 5xx with the SDK’s retries (maxAttempts 3, adaptive)', () => {
  let h: Harness;
  before(async () => (h = await startHarness({ maxAttempts: 3 })));
  after(() => h.close());
  beforeEach(() => fresh(h));

  for (const error of ['ThrottledClient', 'ServiceFailure', 'ServiceUnavailable'] as const) {
    it(`one ${error} on UpdateAccount is retried and the change succeeds`, async () => {
      const m = mark(h);
      const name = `Retried past ${error}`;
      h.chime.addFault({ operation: 'UpdateAccount', error, times: 1 });
      await requestChange(h, 'U0ALICE', SAMPLE.oidc, { name });
      await h.settle();
      assert.equal((await requestNamed(h, name))?.state, 'applied');
      assert.equal(h.chime.accounts.get(SAMPLE.oidc)!.Name, name);
      const calls = updates(h);
      assert.equal(calls.length, 2, 'the refused attempt and the one that landed');
      assert.deepEqual(
        calls.map((c) => c.status),
        [error === 'ThrottledClient' ? 429 : error === 'ServiceFailure' ? 500 : 503, 200],
      );
      await h.slack.waitFor(() => h.slack.messages.slice(m.messages).find((x) => x.channel === 'C0OPS' && /updated/.test(x.text)));
    });
  }

  it('a throttle that never lets up: bounded retries, then "throttling … try again", a failed audit row', async () => {
    const m = mark(h);
    const name = 'Throttled for good';
    h.chime.addFault({ operation: 'UpdateAccount', error: 'ThrottledClient' });
    await requestChange(h, 'U0ALICE', SAMPLE.directory, { name });
    await assertFailedPlainly(h, m, name, SAMPLE.directory, /throttling the bot, even after retrying\. Try again/);
    assert.equal(updates(h).length, 3, 'exactly maxAttempts attempts');
  });
});

describe('a Chime that hangs past the bot’s request timeout (500 ms)', () => {
  let h: Harness;
  before(async () => (h = await startHarness({ maxAttempts: 1, timeoutMs: 500 })));
  after(() => h.close());
  beforeEach(() => h.chime.reset());

  it('UpdateAccount hangs: the apply gives up, the request ends failed with words about timing out', async () => {
    const m = mark(h);
    const name = 'Never answered';
    h.chime.addFault({ operation: 'UpdateAccount', hang: true });
    await requestChange(h, 'U0ALICE', SAMPLE.team, { name });
    // settle() waits for the apply: it returns only because the bot's own timeout ended the call.
    await assertFailedPlainly(h, m, name, SAMPLE.team, /did not answer in time while trying to change the account/);
    assert.equal(updates(h).length, 1);
  });

  it('GetAccount hangs when the form opens: the modal says Chime did not answer in time', async () => {
    h.chime.addFault({ operation: 'GetAccount', hang: true });
    await h.user.command('U0ALICE', `update ${SAMPLE.team}`);
    const v = await modalOf(h, 'U0ALICE', 'chime_info');
    assert.match(texts(v.view), /did not answer in time while trying to read the account/);
    assertPlainWords(texts(v.view));
  });
});

describe('a Chime endpoint that refuses connections', () => {
  let h: Harness;
  let refused: string;
  before(async () => {
    h = await startHarness({ maxAttempts: 1 });
    refused = `http://127.0.0.1:${await closedPort()}`;
  });
  after(() => h.close());

  it('the form says the bot could not reach Amazon Chime', async () => {
    await swapBot(h, { chimeEndpoint: refused });
    await h.user.command('U0ALICE', `update ${SAMPLE.team}`);
    const v = await modalOf(h, 'U0ALICE', 'chime_info');
    assert.match(texts(v.view), /could not reach Amazon Chime/);
    assertPlainWords(texts(v.view));
    assert.equal(h.chime.calls.length, 0);
  });

  it('a confirmed change while Chime is unreachable ends failed, told plainly, audited', async () => {
    await h.restart(); // back to the reachable emulator to open the form
    h.chime.reset();
    const m = mark(h);
    const name = 'Unreachable rename';
    const form = await openForm(h, 'U0ALICE', SAMPLE.team);
    await h.user.submitView('U0ALICE', form.id, { name: { name_input: name } });
    const review = h.slack.topView('U0ALICE')!;
    await swapBot(h, { chimeEndpoint: refused }); // the modal session is in the store: it survives the swap
    await h.user.submitView('U0ALICE', review.id, {});
    await assertFailedPlainly(h, m, name, SAMPLE.team, /could not reach Amazon Chime/);
    assert.equal(updates(h).length, 0);
  });
});
