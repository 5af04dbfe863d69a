/**
 * The audit anchor: the head of the audit hash chain (its newest row's seq and hash), posted outside the database —
 * to AUDIT_CHANNEL_ID through the outbox, or to the log when there is no channel — at a set interval and after every
 * applied change. Whoever can rewrite the database can recompute every hash, but cannot change what Slack already
 * holds: `npm run audit-log -- verify --anchors FILE` checks the database against those posts (`checkAnchors`).
 */
import type { AuditEntry, AuditRow } from '../domain/audit.ts';

export interface ChainHead {
  seq: number;
  hash: string;
}

export interface AnchorDeps {
  /** The newest audit row, or undefined when the log is empty (e.g. `store.history({ limit: 1 })`). */
  head(): Promise<ChainHead | undefined>;
  /** Queues a post to the audit channel (through the outbox, so a Slack outage only delays it); absent: log only. */
  post?: (text: string) => Promise<void>;
  log: (line: string) => void;
  /** How often to anchor; 0 turns the timer off (after-change anchors still happen). */
  intervalMs: number;
  /** With several replicas, timed anchors come from one: the store's leader (after-change ones from whoever applied). */
  leads?: () => Promise<boolean>;
  onError?: (error: unknown) => void;
}

/** `:link: Audit anchor: seq=42 hash=<64 hex>` — plain words and digits, nothing Slack would reformat. */
export function anchorText(head: ChainHead): string {
  return `:link: Audit anchor: seq=${head.seq} hash=${head.hash} (the audit log's newest row; \`npm run audit-log -- verify --anchors\` checks the database against these posts)`;
}

const ANCHOR = /seq=(\d{1,15}) hash=([0-9a-f]{64})/;

export class AuditAnchor {
  readonly #d: AnchorDeps;
  #timer?: NodeJS.Timeout;
  #last?: string;
  #running: Promise<void> = Promise.resolve();

  constructor(deps: AnchorDeps) {
    this.#d = deps;
  }

  start(): void {
    if (this.#d.intervalMs > 0 && !this.#timer) {
      this.#timer = setInterval(() => void this.#timed(), this.#d.intervalMs);
      this.#timer.unref();
    }
    void this.#timed();
  }

  async #timed(): Promise<void> {
    try {
      if (this.#d.leads && !(await this.#d.leads())) return;
    } catch (error) {
      this.#d.onError?.(error);
      return;
    }
    await this.anchor();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Resolves when the anchor under way (if any) is written. */
  idle(): Promise<void> {
    return this.#running;
  }

  /** For WorkflowDeps.onRecorded: anchors once the entries include an applied change. */
  recorded = (entries: readonly AuditEntry[]): void => {
    if (entries.some((e) => e.action === 'applied')) void this.anchor();
  };

  /** Posts (or logs) the chain's head unless it is the one last anchored. One at a time, in order. */
  anchor(): Promise<void> {
    this.#running = this.#running.then(() => this.#anchorOnce()).catch((error) => this.#d.onError?.(error));
    return this.#running;
  }

  async #anchorOnce(): Promise<void> {
    const head = await this.#d.head();
    if (!head) return;
    const key = `${head.seq}:${head.hash}`;
    if (key === this.#last) return;
    const text = anchorText(head);
    this.#d.log(`audit anchor seq=${head.seq} hash=${head.hash}`);
    if (this.#d.post) await this.#d.post(text);
    this.#last = key;
  }
}

/**
 * Anchors from a file: Slack's export (a JSON array of messages with `text`, as a channel's day file gives them,
 * or `{ messages: [...] }` as conversations.history answers), or a JSON list of `{ seq, hash }`.
 */
export function parseAnchors(json: unknown): ChainHead[] {
  const items: unknown[] = Array.isArray(json)
    ? json
    : json && typeof json === 'object' && Array.isArray((json as { messages?: unknown }).messages)
      ? (json as { messages: unknown[] }).messages
      : [];
  if (!Array.isArray(json) && items.length === 0) throw new Error('not a JSON list of anchors or of Slack messages');
  const anchors: ChainHead[] = [];
  for (const item of items) {
    if (!item || typeof item !== 'object') continue;
    const o = item as { seq?: unknown; hash?: unknown; text?: unknown };
    if (typeof o.seq === 'number' && typeof o.hash === 'string' && /^[0-9a-f]{64}$/.test(o.hash)) {
      anchors.push({ seq: o.seq, hash: o.hash });
      continue;
    }
    const match = typeof o.text === 'string' ? ANCHOR.exec(o.text) : null;
    if (match) anchors.push({ seq: Number(match[1]), hash: match[2] as string });
  }
  return anchors;
}

export type AnchorProblem =
  | { seq: number; problem: 'missing'; hash: string }
  | { seq: number; problem: 'different'; hash: string; stored: string };

/**
 * Every anchor must match the row of its seq: a row missing (the newest rows deleted) or with another hash (the
 * chain rewritten, however consistently) is a problem. Rows newer than the last anchor are not covered.
 */
export function checkAnchors(rows: readonly AuditRow[], anchors: readonly ChainHead[]): AnchorProblem[] {
  const bySeq = new Map(rows.map((r) => [r.seq, r.hash]));
  const problems: AnchorProblem[] = [];
  for (const a of [...anchors].sort((x, y) => x.seq - y.seq)) {
    const stored = bySeq.get(a.seq);
    if (stored === undefined) problems.push({ seq: a.seq, problem: 'missing', hash: a.hash });
    else if (stored !== a.hash) problems.push({ seq: a.seq, problem: 'different', hash: a.hash, stored });
  }
  return problems;
}
