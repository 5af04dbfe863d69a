import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AuditEntry, type AuditRow, chainRow, GENESIS_HASH, verifyChain } from '../../src/domain/audit.ts';

function chain(n: number): AuditRow[] {
  const rows: AuditRow[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const entry: AuditEntry = {
      at: new Date(1_700_000_000_000 + i),
      action: 'applied',
      actorId: 'U0ALICE',
      teamId: 'T0',
      accountId: `a${i}`,
    };
    const row = chainRow(prev, i, entry);
    rows.push(row);
    prev = row.hash;
  }
  return rows;
}

describe('audit hash chain', () => {
  it('verifies an intact chain', () => assert.deepEqual(verifyChain(chain(5)), { rows: 5 }));
  it('finds an altered row', () => {
    const rows = chain(5);
    rows[2] = { ...rows[2]!, detail: 'edited' };
    assert.deepEqual(verifyChain(rows).problem, { seq: 3, problem: 'altered' });
  });
  it('finds a removed row', () => {
    const rows = chain(5);
    rows.splice(1, 1);
    assert.deepEqual(verifyChain(rows).problem, { seq: 3, problem: 'removed-or-inserted' });
  });
  it('finds an inserted row even with a recomputed hash', () => {
    const rows = chain(3);
    const forged = chainRow(rows[0]!.hash, 2, { at: new Date(), action: 'applied', actorId: 'U0EVE', teamId: 'T0' });
    rows.splice(1, 0, forged);
    assert.equal(verifyChain(rows).problem?.seq, 2);
  });
});
