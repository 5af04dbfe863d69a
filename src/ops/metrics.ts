/**
 * What `GET /metrics` says, in Prometheus' text format (prom-client). Each bot has a Registry of its own, so two bots
 * in one process (tests) never count into each other; the process's own metrics (CPU, memory, event loop lag, GC:
 * prom-client's defaults) are the process's, collected once.
 *
 * Label values come from fixed sets only — subcommands, states, refusal codes, Chime operations, Slack method names
 * and error codes, request kinds — never a user ID, an account ID or a name: a person's input can't create series.
 * A scrape never fails as a whole: a metric whose collection fails (the database is down) is left out of that
 * answer, and the body never carries an error's text.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditEntry } from '../domain/audit.ts';
import type { Subcommand } from '../slack/command-text.ts';
import { REFUSAL_CODES, type RefusalCode } from '../workflow/outcomes.ts';

export const SUBCOMMANDS: readonly Subcommand['kind'][] = ['update', 'show', 'list', 'history', 'help'];
/** Where a request goes: `pending` (asked, awaiting approval), `approved` (approvals complete, or none needed), then an end. */
export const TRANSITIONS = ['pending', 'approved', 'rejected', 'cancelled', 'expired', 'applied', 'failed', 'stale'] as const;
export type Transition = (typeof TRANSITIONS)[number];
export const CHIME_OPERATIONS = ['GetAccount', 'UpdateAccount', 'ListAccounts'] as const;
export const REQUEST_KINDS = ['command', 'action', 'view', 'options', 'shortcut', 'event'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** Slack's method names (chat.postMessage) and error codes (ratelimited, invalid_auth) have these shapes; anything else is "other". */
const SLACK_METHOD = /^[a-z]+(\.[a-zA-Z]+){1,3}$/;
const SLACK_ERROR = /^[a-z0-9_]{1,64}$/;

const oneOf = <T extends string>(value: string | undefined, allowed: readonly T[]): T | 'other' =>
  allowed.includes(value as T) ? (value as T) : 'other';

/**
 * The state an audit entry moves its request to, if it moves it. The workflow writes `requested` with detail "no
 * approval needed" for a change that starts approved, and an `approved` entry's detail starts "N of M, complete" only
 * for the approval that completes the request (src/workflow/changes.ts); test/ops/metrics.test.ts holds both to it.
 */
export function transitionOf(entry: AuditEntry): Transition | undefined {
  switch (entry.action) {
    case 'requested':
      return entry.detail === 'no approval needed' ? 'approved' : 'pending';
    case 'approved':
      // At the start: the approver's comment follows (`1 of 2: ok, complete`) and must not count.
      return /^\d+ of \d+, complete\b/.test(entry.detail ?? '') ? 'approved' : undefined;
    case 'rejected':
    case 'cancelled':
    case 'expired':
    case 'applied':
    case 'failed':
    case 'stale':
      return entry.action;
    default:
      return undefined;
  }
}

/** prom-client's process metrics, once per process (they describe the process, whichever bot asks). */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export interface MetricsSources {
  /** The outbox's backlog (store.outboxStats): read at each scrape. */
  outboxStats?: () => Promise<{ pending: number; oldestAgeMs: number }>;
  /** Told when a metric could not be collected (it is left out of that scrape). */
  onCollectError?: (metric: string, error: unknown) => void;
}

export class Metrics {
  readonly registry = new Registry();
  #sources: MetricsSources;

  readonly commands = new Counter({
    name: 'chime_account_commands_total',
    help: '/chime-account commands received, by subcommand',
    labelNames: ['subcommand'],
    registers: [this.registry],
  });
  readonly transitions = new Counter({
    name: 'chime_account_request_transitions_total',
    help: 'Change requests moved to a state (pending, approved, rejected, cancelled, expired, applied, failed, stale)',
    labelNames: ['to'],
    registers: [this.registry],
  });
  readonly refusals = new Counter({
    name: 'chime_account_refusals_total',
    help: 'Steps the workflow refused, by refusal code (no-role, invalid-input, chime-failed…)',
    labelNames: ['code'],
    registers: [this.registry],
  });
  readonly chimeCalls = new Counter({
    name: 'chime_account_chime_calls_total',
    help: 'Calls to Amazon Chime (after the SDK retries), by operation and outcome (ok or error)',
    labelNames: ['operation', 'outcome'],
    registers: [this.registry],
  });
  readonly chimeDuration = new Histogram({
    name: 'chime_account_chime_call_duration_seconds',
    help: 'How long a call to Amazon Chime took, retries included',
    labelNames: ['operation'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly slackCalls = new Counter({
    name: 'chime_account_slack_api_calls_total',
    help: 'HTTP requests to the Slack Web API, by method and Slack error code ("ok" when it succeeded)',
    labelNames: ['method', 'error'],
    registers: [this.registry],
  });
  readonly ackDuration = new Histogram({
    name: 'chime_account_ack_duration_seconds',
    help: 'From a Slack request reaching the app to its ack (Slack gives up after 3 s), by kind',
    labelNames: ['kind'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
    registers: [this.registry],
  });

  constructor(sources: MetricsSources = {}) {
    this.#sources = sources;
    const backlog = this.#outbox();
    new Gauge({
      name: 'chime_account_outbox_pending',
      help: 'Slack posts waiting in the outbox',
      registers: [this.registry],
      async collect() {
        const stats = await backlog();
        if (stats) this.set(stats.pending);
      },
    });
    new Gauge({
      name: 'chime_account_outbox_oldest_age_seconds',
      help: 'Age of the oldest Slack post waiting in the outbox (0 when none waits)',
      registers: [this.registry],
      async collect() {
        const stats = await backlog();
        if (stats) this.set(stats.oldestAgeMs / 1000);
      },
    });
    // Every series of a fixed set exists from the start at 0, so rate() and absent-free alerts work at once.
    for (const subcommand of SUBCOMMANDS) this.commands.inc({ subcommand }, 0);
    for (const to of TRANSITIONS) this.transitions.inc({ to }, 0);
    for (const code of REFUSAL_CODES) this.refusals.inc({ code }, 0);
  }

  /** Where the outbox gauges read from (the store exists only after the metrics do). */
  outboxFrom(read: MetricsSources['outboxStats']): void {
    this.#sources = { ...this.#sources, outboxStats: read };
  }

  command(subcommand: Subcommand['kind']): void {
    this.commands.inc({ subcommand: oneOf(subcommand, SUBCOMMANDS) });
  }

  /** The workflow's onRecorded: each committed entry that moves a request. */
  recorded(entries: readonly AuditEntry[]): void {
    for (const entry of entries) {
      const to = transitionOf(entry);
      if (to) this.transitions.inc({ to });
    }
  }

  refused(code: RefusalCode): void {
    this.refusals.inc({ code: oneOf(code, REFUSAL_CODES) });
  }

  chimeCall(operation: string, ok: boolean, seconds: number): void {
    const op = oneOf(operation, CHIME_OPERATIONS);
    this.chimeCalls.inc({ operation: op, outcome: ok ? 'ok' : 'error' });
    this.chimeDuration.observe({ operation: op }, seconds);
  }

  /** `error`: "ok", or Slack's error code (ratelimited, invalid_auth, http_503, request_failed…). */
  slackCall(method: string, error: string): void {
    this.slackCalls.inc({ method: SLACK_METHOD.test(method) ? method : 'other', error: SLACK_ERROR.test(error) ? error : 'other' });
  }

  acked(kind: RequestKind, seconds: number): void {
    this.ackDuration.observe({ kind: oneOf(kind, REQUEST_KINDS) }, seconds);
  }

  /** The text format, metric by metric: one that fails to collect is left out, the rest still answer. */
  async text(): Promise<string> {
    const parts: string[] = [];
    for (const registry of [this.registry, processMetrics()])
      for (const metric of registry.getMetricsAsArray()) {
        const name = (metric as unknown as { name: string }).name;
        try {
          parts.push(await registry.getSingleMetricAsString(name));
        } catch (error) {
          this.#sources.onCollectError?.(name, error);
        }
      }
    return `${parts.join('\n')}\n`;
  }

  /** GET /metrics (a Bolt custom route, or the handler of METRICS_PORT's own server). */
  readonly handler = (_req: IncomingMessage, res: ServerResponse): void => {
    this.text().then(
      (body) => {
        res.writeHead(200, { 'content-type': this.registry.contentType, 'cache-control': 'no-store' });
        res.end(body);
      },
      () => {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('metrics unavailable\n');
      },
    );
  };

  /** One outbox read shared by both gauges of a scrape; undefined when there is no outbox to read. */
  #outbox(): () => Promise<{ pending: number; oldestAgeMs: number } | undefined> {
    let last: { at: number; stats: Promise<{ pending: number; oldestAgeMs: number }> } | undefined;
    return async () => {
      const read = this.#sources.outboxStats;
      if (!read) return undefined;
      if (!last || Date.now() - last.at > 1_000) last = { at: Date.now(), stats: read() };
      return last.stats;
    };
  }
}
