/**
 * What `/healthz` says: 200 only while every part the bot needs works — Slack (the bot token, checked with
 * auth.test at start and every minute), the store (its ping, when it has one) and Chime's credentials (the SDK's
 * provider chain resolves, and Chime did not last refuse them) — else 503 with a JSON body naming what is broken.
 * The body carries fixed words and Slack's error codes only: never a token, a URL or an exception's text.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Component = 'slack' | 'store' | 'chime';
export type Check = { ok: true } | { ok: false; problem: string };
export type Phase = 'starting' | 'running' | 'stopping';

export interface HealthReport {
  status: 'ok' | 'unhealthy' | Exclude<Phase, 'running'>;
  checks: Record<Component, Check>;
}

/** Checks asked at each /healthz; each is given `timeoutMs` and counts as broken past it. */
export interface Probes {
  store?: () => Promise<void>;
  chimeCredentials?: () => Promise<unknown>;
  /** Socket Mode: whether the WebSocket connection to Slack is open (envelopes reach no one while it is not). */
  slackConnection?: () => boolean;
}

const OK: Check = { ok: true };

export class Health {
  #phase: Phase = 'starting';
  #slack: Check = { ok: false, problem: 'not checked yet' };
  #chimeRefused: string | undefined;
  readonly #probes: Probes;
  readonly #timeoutMs: number;

  constructor(probes: Probes = {}, timeoutMs = 2_000) {
    this.#probes = probes;
    this.#timeoutMs = timeoutMs;
  }

  set phase(phase: Phase) {
    this.#phase = phase;
  }

  get phase(): Phase {
    return this.#phase;
  }

  /** The outcome of the latest auth.test. */
  slack(check: Check): void {
    this.#slack = check;
  }

  /** Chime answered a call: a 401/403 means the credentials are refused until a later call succeeds. */
  chimeAnswered(status: number | undefined): void {
    if (status === 401 || status === 403) this.#chimeRefused = `Chime refused the AWS credentials (HTTP ${status})`;
    else if (status !== undefined && status < 400) this.#chimeRefused = undefined;
  }

  async report(): Promise<HealthReport> {
    const [store, chime] = await Promise.all([
      this.#probe(this.#probes.store, 'the database does not answer'),
      this.#probe(this.#probes.chimeCredentials, 'no AWS credentials could be loaded (environment, profile or role)'),
    ]);
    const disconnected = this.#slack.ok && this.#probes.slackConnection?.() === false;
    const checks: Record<Component, Check> = {
      slack: disconnected ? { ok: false, problem: 'the Socket Mode connection to Slack is not open (reconnecting)' } : this.#slack,
      store,
      chime: this.#chimeRefused && chime.ok ? { ok: false, problem: this.#chimeRefused } : chime,
    };
    const allOk = Object.values(checks).every((c) => c.ok);
    const status = this.#phase !== 'running' ? this.#phase : allOk ? 'ok' : 'unhealthy';
    return { status, checks };
  }

  /** Bolt custom route handler for GET /healthz. */
  readonly handler = (_req: IncomingMessage, res: ServerResponse): void => {
    this.report().then(
      (report) => {
        res.writeHead(report.status === 'ok' ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(`${JSON.stringify(report)}\n`);
      },
      () => {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"status":"unhealthy"}\n');
      },
    );
  };

  async #probe(probe: (() => Promise<unknown>) | undefined, problem: string): Promise<Check> {
    if (!probe) return OK;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        probe(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), this.#timeoutMs);
        }),
      ]);
      return OK;
    } catch {
      return { ok: false, problem };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Slack error codes that mean the token itself is bad: starting again will not help. */
const FATAL_SLACK_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'not_allowed_token_type',
  'ekm_access_denied',
]);

/** What an auth.test failure means: the token is refused (`fatal`) or Slack could not be reached / answered oddly. */
export function classifySlackError(error: unknown): { fatal: boolean; problem: string } {
  const e = error as { code?: string; data?: { error?: string }; statusCode?: number };
  const code = e?.data?.error;
  if (code && FATAL_SLACK_ERRORS.has(code)) return { fatal: true, problem: `Slack refused the bot token (${code})` };
  if (code) return { fatal: false, problem: `auth.test failed (${code})` };
  if (e?.code === 'slack_webapi_http_error') return { fatal: false, problem: `Slack answered HTTP ${e.statusCode ?? 'error'}` };
  if (e?.code === 'slack_webapi_rate_limited_error') return { fatal: false, problem: 'Slack rate-limited auth.test' };
  return { fatal: false, problem: 'Slack is unreachable' };
}

/** The part of an AWS SDK v3 client that health needs: its middleware stack. */
interface AwsClientLike {
  middlewareStack: { add(middleware: unknown, options: { step: 'initialize'; name: string }): void };
}

/** Tells `health` how each Chime call ended (after the SDK's retries). */
export function watchChime(client: AwsClientLike, health: Health): void {
  const status = (x: unknown) => (x as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<{ output: unknown }>) => async (args: unknown) => {
      try {
        const result = await next(args);
        health.chimeAnswered(status(result.output));
        return result;
      } catch (error) {
        health.chimeAnswered(status(error));
        throw error;
      }
    },
    { step: 'initialize', name: 'chimeAccountHealth' },
  );
}
