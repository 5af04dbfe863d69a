/** The outbox's order: a post waiting to retry holds back later posts to its channel, and only those. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite.ts';

describe('outbox order', () => {
  it('a waiting post holds back its channel only, however long the backlog', async () => {
    const store = new SqliteStore(':memory:');
    const post = (channelId: string, text: string) => ({ kind: 'post' as const, channelId, text });
    await store.record({
      audit: [],
      posts: [post('C1', 'first'), ...Array.from({ length: 300 }, (_, i) => post('C1', `later ${i}`)), post('C2', 'other')],
    });
    const now = new Date();
    const [first] = await store.dueOutbox(now, 1);
    assert.equal(first!.item.kind === 'post' && first!.item.text, 'first');
    await store.outboxRetry(first!.id, new Date(now.getTime() + 60_000), 'ratelimited');
    const due = await store.dueOutbox(now, 200);
    assert.deepEqual(
      due.map((e) => e.channelId),
      ['C2'],
      'C1 waits behind its first post; C2 is not stuck behind C1’s backlog',
    );
    const later = await store.dueOutbox(new Date(now.getTime() + 61_000), 2);
    assert.deepEqual(
      later.map((e) => e.item.kind === 'post' && e.item.text),
      ['first', 'later 0'],
    );
    await store.close();
  });
});
