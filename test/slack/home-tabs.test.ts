/**
 * HomeTabs, the refresher, against the Slack emulator through the real WebClient: refreshes of one person are
 * debounced into one publish, publishes are paced under the rate limit, a 429 pauses them for its Retry-After,
 * a hash conflict is answered by reading again, and a failure is logged without reaching the caller.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { WebClient } from '@slack/web-api';
import { policySchema } from '../../src/domain/policy.ts';
import { type SlackEmulator, startSlackEmulator } from '../../src/emulators/slack/server.ts';
import { HomeTabs } from '../../src/slack/home-tabs.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { quietLogger } from '../helpers/slack.ts';

const policy = policySchema.parse({ roles: { viewers: ['*'], requesters: ['U0ALICE'], approvers: ['U0BOB'] } });

describe('HomeTabs (the App Home refresher)', () => {
  let emu: SlackEmulator;
  let client: WebClient;
  let store: SqliteStore;
  let warnings: string[];
  let tabs: HomeTabs | undefined;
  const make = (o: { perMinute?: number; burst?: number; debounceMs?: number } = {}) =>
    (tabs = new HomeTabs({
      client,
      ports: { store, directory: { isWorkspaceAdmin: async () => false, groupMembers: async () => [] }, policy: () => policy },
      logger: { info() {}, warn: (m: unknown) => warnings.push(String(m)), error: (m: unknown) => warnings.push(String(m)) },
      debounceMs: 20,
      ...o,
    }));
  const publishes = () => emu.calls.filter((c) => c.method === 'views.publish');

  before(async () => {
    emu = await startSlackEmulator();
    client = new WebClient(emu.botToken, {
      slackApiUrl: emu.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logger: quietLogger,
    });
    store = new SqliteStore(':memory:');
  });
  after(async () => {
    await store.close();
    await emu.close();
  });
  beforeEach(() => {
    tabs?.stop();
    emu.reset();
    warnings = [];
  });

  it('debounces a person’s refreshes into one publish', async () => {
    const t = make({ debounceMs: 100 });
    for (let i = 0; i < 5; i++) t.refresh('T0TEAM', ['U0ALICE', 'U0BOB']);
    await t.settle();
    assert.deepEqual(
      publishes()
        .map((c) => c.args.user_id)
        .sort(),
      ['U0ALICE', 'U0BOB'],
    );
    assert.ok(emu.homeViews.get('U0ALICE'));
  });

  it('paces publishes under the rate limit: a burst, then one per interval', async () => {
    const t = make({ perMinute: 120, burst: 2 }); // one token every 500 ms after the first two
    t.refresh('T0TEAM', ['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAVE']);
    await t.settle();
    const at = publishes().map((c) => c.at);
    assert.equal(at.length, 4);
    assert.ok(at[2]! - at[0]! >= 400, `third publish ${at[2]! - at[0]!} ms after the first`);
    assert.ok(at[3]! - at[2]! >= 400, `fourth publish ${at[3]! - at[2]!} ms after the third`);
  });

  it('a 429 pauses refreshes for Retry-After, then the tab is published', async () => {
    emu.addFault({ method: 'views.publish', status: 429, retryAfterSeconds: 1, times: 1 });
    const t = make();
    t.refresh('T0TEAM', ['U0ALICE']);
    await t.settle();
    const calls = publishes();
    assert.equal(calls.length, 2);
    assert.equal(calls[0]!.status, 429);
    assert.ok(calls[1]!.at - calls[0]!.at >= 900, 'waited for Retry-After');
    assert.ok(emu.homeViews.get('U0ALICE'));
    assert.ok(warnings.some((w) => /rate limited/.test(w)));
  });

  it('a hash conflict (someone published over the view it knew) is read again and published without the stale hash', async () => {
    const t = make();
    t.opened('T0TEAM', 'U0ALICE', { channel: 'D0U0ALICE', hash: 'stale.hash' });
    await t.settle();
    const calls = publishes();
    assert.deepEqual(
      calls.map((c) => (c.response as { error?: string }).error ?? 'ok'),
      ['hash_conflict', 'ok'],
    );
    assert.equal(calls[1]!.args.hash, undefined);
    assert.match(emu.homeViews.get('U0ALICE')!.view.private_metadata, /D0U0ALICE/);
    // The next publish passes the hash it got back.
    t.refresh('T0TEAM', ['U0ALICE']);
    await t.settle();
    assert.equal(publishes().at(-1)!.args.hash, calls[1]!.response && (calls[1]!.response as { view: { hash: string } }).view.hash);
  });

  it('a failed publish is logged and never thrown at the caller; not_enabled stops refreshing until the tab is opened', async () => {
    emu.addFault({ method: 'views.publish', error: 'internal_error', times: 1 });
    const t = make();
    assert.doesNotThrow(() => t.refresh('T0TEAM', ['U0ALICE']));
    await t.settle();
    assert.ok(warnings.some((w) => /publishing U0ALICE's Home tab failed: internal_error/.test(w)));
    emu.homeTabEnabled = false;
    t.refresh('T0TEAM', ['U0BOB']);
    await t.settle();
    const before = publishes().length;
    t.refresh('T0TEAM', ['U0CAROL']);
    t.recorded([{ at: new Date(), action: 'approved', actorId: 'U0BOB', teamId: 'T0TEAM', requestId: 'x' }]);
    await t.settle();
    assert.equal(publishes().length, before, 'no more publishes once Slack said not_enabled');
    assert.equal(warnings.filter((w) => /no Home tab/.test(w)).length, 1);
    emu.homeTabEnabled = true;
    t.opened('T0TEAM', 'U0CAROL', {});
    await t.settle();
    assert.ok(emu.homeViews.get('U0CAROL'));
  });
});
