/**
 * The audit record and its hash chain. Each row carries the hash of the row before it, so altering, removing or
 * inserting a row breaks the chain at that row (`verifyChain`). Pure: the store persists rows, this hashes them.
 */
import { createHash } from 'node:crypto';
import type { AccountChange, AccountValues } from './account.ts';

export const AUDIT_ACTIONS = [
  'requested',
  'approved',
  'rejected',
  'cancelled',
  'expired',
  'applied',
  'failed',
  'stale',
  'refused',
  'reconciled',
  'reminded',
  'escalated',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  at: Date;
  action: AuditAction;
  actorId: string;
  teamId: string;
  channelId?: string;
  accountId?: string;
  requestId?: string;
  before?: AccountValues;
  change?: AccountChange;
  /** applied, failed, refused… in words: the Chime error, the missing role, the reason given. */
  detail?: string;
  awsRequestId?: string;
}

export interface AuditRow extends AuditEntry {
  seq: number;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** A stable serialisation of the entry: fixed key order, dates as ISO strings, absent fields as null. */
export function canonical(seq: number, entry: AuditEntry): string {
  return JSON.stringify([
    seq,
    entry.at.toISOString(),
    entry.action,
    entry.actorId,
    entry.teamId,
    entry.channelId ?? null,
    entry.accountId ?? null,
    entry.requestId ?? null,
    entry.before ? [entry.before.name, entry.before.license ?? null] : null,
    entry.change ? [entry.change.name ?? null, entry.change.license ?? null] : null,
    entry.detail ?? null,
    entry.awsRequestId ?? null,
  ]);
}

export function hashRow(prevHash: string, seq: number, entry: AuditEntry): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonical(seq, entry)).digest('hex');
}

export function chainRow(prevHash: string, seq: number, entry: AuditEntry): AuditRow {
  return { ...entry, seq, prevHash, hash: hashRow(prevHash, seq, entry) };
}

export type ChainProblem = { seq: number; problem: 'altered' | 'removed-or-inserted' | 'out-of-order' };

/** The first row where the chain breaks, or undefined when every row links to the one before it. */
export function verifyChain(rows: Iterable<AuditRow>): { rows: number; problem?: ChainProblem } {
  let prev = GENESIS_HASH;
  let lastSeq = 0;
  let count = 0;
  for (const row of rows) {
    count++;
    if (row.seq <= lastSeq) return { rows: count, problem: { seq: row.seq, problem: 'out-of-order' } };
    if (row.prevHash !== prev) return { rows: count, problem: { seq: row.seq, problem: 'removed-or-inserted' } };
    if (hashRow(row.prevHash, row.seq, row) !== row.hash) return { rows: count, problem: { seq: row.seq, problem: 'altered' } };
    if (row.seq !== lastSeq + 1) return { rows: count, problem: { seq: row.seq, problem: 'removed-or-inserted' } };
    prev = row.hash;
    lastSeq = row.seq;
  }
  return { rows: count };
}
