/** The Home tab's Block Kit: what each kind of inbox draws, escaping, and the block budget at the lists' caps. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChangeRequest } from '../../../src/domain/request.ts';
import { homeMetadata, homeView } from '../../../src/slack/views/home.ts';
import { INBOX_LIMITS, type Inbox } from '../../../src/workflow/inbox.ts';
import { sampleRequest } from '../../helpers/requests.ts';

const NOW = new Date('2026-12-02T12:00:00Z');
const r = (i: number, over: Partial<ChangeRequest> = {}): ChangeRequest =>
  sampleRequest(i, {
    before: { name: '<!here> & co'.repeat(10), license: 'Basic' },
    change: { name: '<@U0BOB>'.repeat(12) },
    reason: '<https://evil|click>'.repeat(40),
    createdAt: new Date(NOW.getTime() - 90 * 60_000),
    expiresAt: new Date(NOW.getTime() + 3_600_000),
    updatedAt: NOW,
    ...over,
  });
const base: Inbox = {
  roles: { viewers: false, requesters: false, approvers: false },
  lookupFailed: false,
  hasRole: false,
  waiting: { requests: [], total: 0 },
  mine: { pending: [], pendingTotal: 0, recent: [] },
  recentChanges: [],
  mayRequest: false,
  mayRevert: false,
};

describe('home view', () => {
  it('no role: the explanation alone; a failed lookup says to try again', () => {
    const v = homeView(base, NOW);
    assert.equal(v.type, 'home');
    assert.equal(v.blocks.length, 2);
    assert.match(JSON.stringify(v.blocks), /no role/);
    assert.match(JSON.stringify(homeView({ ...base, lookupFailed: true }, NOW).blocks), /could not check your roles/);
  });

  it('at every cap, escaped and under 100 blocks and 250 kB', () => {
    const full: Inbox = {
      roles: { viewers: true, requesters: true, approvers: true },
      lookupFailed: false,
      hasRole: true,
      waiting: { requests: Array.from({ length: INBOX_LIMITS.waiting }, (_, i) => r(i)), total: 400 },
      mine: {
        pending: Array.from({ length: INBOX_LIMITS.minePending }, (_, i) => r(100 + i)),
        pendingTotal: 30,
        recent: Array.from({ length: INBOX_LIMITS.mineRecent }, (_, i) => r(200 + i, { state: 'failed', outcomeDetail: '<!channel>' })),
      },
      recentChanges: Array.from({ length: INBOX_LIMITS.recentChanges }, (_, i) => r(300 + i, { state: 'applied' })),
      mayRequest: true,
      mayRevert: true,
    };
    const v = homeView(full, NOW, { dm: 'D0U0ALICE' });
    const json = JSON.stringify(v);
    // The most a tab can have: 3 + (1 + 15×2 + 1) + (1 + 10 + 1 + 5) + (1 + 10) = 63 of Slack's 100.
    assert.equal(v.blocks.length, 63);
    assert.ok(Buffer.byteLength(json) < 250_000);
    assert.doesNotMatch(json, /<!here>|<!channel>|<https:\/\/evil|<@U0BOB>/);
    assert.match(json, /…and 385 more waiting/);
    assert.match(json, /…and 20 more of your requests wait/);
    assert.deepEqual(homeMetadata(v), { dm: 'D0U0ALICE' });
    const ids = v.blocks.map((b) => b.block_id).filter(Boolean);
    assert.equal(new Set(ids).size, ids.length, 'block_ids are unique');
  });

  it('private_metadata is read back only when it names a DM channel', () => {
    assert.deepEqual(homeMetadata({ private_metadata: '{"dm":"C0OPS"}' }), {});
    assert.deepEqual(homeMetadata({ private_metadata: 'not json' }), {});
    assert.deepEqual(homeMetadata(undefined), {});
  });
});
