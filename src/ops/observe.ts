/**
 * Where the bot is watched from, in one place for src/app.ts: the logger (ops/logger.ts) and the metrics
 * (ops/metrics.ts), and the hooks that feed them —
 *
 * - each Slack request (App.processEvent, which both the HTTP and the Socket Mode receivers call): a log context with
 *   its request id, its ack timed, a slash command counted by subcommand;
 * - each HTTP request to the Slack Web API (the WebClient's `fetch`, which Bolt gives every client it makes): counted
 *   by method and Slack's error code, logged at debug;
 * - each call to Amazon Chime (an SDK middleware on every client chime/accounts.ts makes): counted, timed, logged with
 *   its AWS request id;
 * - each refusal the workflow answers (the workflow as the listeners see it): counted by code;
 * - the workflow's committed audit entries (onRecorded): request state transitions.
 *
 * None of it decides anything: the workflow stays the one authority, and every hook passes what it sees on unchanged.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { App, Logger as BoltLogger, ReceiverEvent } from '@slack/bolt';
import type { FetchFunction } from '@slack/web-api';
import type { Config } from '../config.ts';
import { parseCommand } from '../slack/command-text.ts';
import type { RefusalCode } from '../workflow/outcomes.ts';
import { boltLogger, createLogger, databasePassword, inRequest, type Logger } from './logger.ts';
import { Metrics, type RequestKind } from './metrics.ts';
import { StartupError } from './startup.ts';

export interface Observability {
  /** pino, for structured lines. */
  log: Logger;
  /** The same, as Bolt's Logger: give it to new App({ logger }) and everything that takes the app's logger. */
  logger: BoltLogger;
  metrics: Metrics;
  /** Bolt custom routes: GET /metrics, unless METRICS_PORT serves it on a server of its own. */
  routes: { path: string; method: string[]; handler: (req: IncomingMessage, res: ServerResponse) => void }[];
  /** The WebClient's fetch (clientOptions.fetch): counts and logs every Slack Web API request. */
  slackFetch: FetchFunction;
  /** For ChimeAccountsOptions.watch: counts, times and logs every call of a Chime client. */
  watchChime: (client: AwsClientLike) => void;
  /** The workflow as the listeners get it: the same object, each refusal it answers counted. */
  countRefusals<T extends object>(workflow: T): T;
  /** Starts a log context and the ack timer for each Slack request the app handles. */
  attach(app: App): void;
  /** Starts METRICS_PORT's server, when it has one; throws a StartupError naming METRICS_PORT if it can't listen. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function observe(config: Config): Promise<Observability> {
  const log = await createLogger({
    level: config.logLevel,
    format: config.logFormat,
    secrets: [
      config.slack.botToken,
      config.slack.appToken,
      config.slack.signingSecret,
      // The whole URL too: a password too short to scrub alone (under 6 characters) is still hidden with it.
      databasePassword(config.databaseUrl) ? config.databaseUrl : undefined,
      databasePassword(config.databaseUrl),
      process.env.AWS_SECRET_ACCESS_KEY,
      process.env.AWS_SESSION_TOKEN,
    ],
  });
  const metrics = new Metrics({
    onCollectError: (metric, error) => log.warn({ metric, err: error }, `metrics: ${metric} could not be collected`),
  });
  let server: Server | undefined;
  return {
    log,
    logger: boltLogger(log),
    metrics,
    routes: config.metricsPort === undefined ? [{ path: '/metrics', method: ['GET'], handler: metrics.handler }] : [],
    slackFetch: slackFetch(metrics, log),
    watchChime: (client) => watchChime(client, metrics, log),
    countRefusals: (workflow) => countRefusals(workflow, (code) => metrics.refused(code)),
    attach: (app) => attachRequests(app, metrics, log),
    async start() {
      if (config.metricsPort !== undefined) server = await serveMetrics(metrics, config.metricsPort);
    },
    async stop() {
      const closing = server;
      server = undefined;
      if (!closing) return;
      await new Promise((resolve) => {
        closing.close(resolve);
        closing.closeAllConnections();
      });
    },
  };
}

// ── Slack requests ──────────────────────────────────────────────────────────────────────────────────────────────

type Body = Record<string, unknown> & {
  type?: string;
  command?: string;
  text?: string;
  team_id?: string;
  user_id?: string;
  team?: { id?: string } | null;
  user?: { id?: string; team_id?: string };
  actions?: { action_id?: string }[];
  action_id?: string;
  view?: { callback_id?: string };
  event?: { type?: string; user?: string };
};

function kindOf(body: Body): RequestKind | undefined {
  if (typeof body.command === 'string') return 'command';
  switch (body.type) {
    case 'block_actions':
    case 'interactive_message':
      return 'action';
    case 'view_submission':
    case 'view_closed':
      return 'view';
    case 'block_suggestion':
      return 'options';
    case 'shortcut':
    case 'message_action':
      return 'shortcut';
    case 'event_callback':
      return 'event';
    default:
      return undefined;
  }
}

/** What the request is: the command, action ID, view callback ID or event type — IDs, never typed text (cut short). */
function nameOf(body: Body): string {
  const name = body.command ?? body.actions?.[0]?.action_id ?? body.action_id ?? body.view?.callback_id ?? body.event?.type ?? '';
  return typeof name === 'string' ? name.slice(0, 100) : '';
}

function attachRequests(app: App, metrics: Metrics, log: Logger): void {
  const handle = app.processEvent.bind(app);
  app.processEvent = (event: ReceiverEvent) => {
    const body = (event.body ?? {}) as Body;
    const kind = kindOf(body);
    const team = body.team_id ?? body.team?.id ?? body.user?.team_id;
    const user = body.user_id ?? body.user?.id ?? body.event?.user;
    return inRequest({ kind, team: typeof team === 'string' ? team : undefined, user: typeof user === 'string' ? user : undefined }, () => {
      const started = performance.now();
      let acked = false;
      const ack: ReceiverEvent['ack'] = (response) => {
        if (!acked && kind) metrics.acked(kind, (performance.now() - started) / 1000);
        acked = true;
        return event.ack(response);
      };
      if (kind === 'command') metrics.command(parseCommand(typeof body.text === 'string' ? body.text : '').kind);
      log.info({ retry: event.retryNum }, `slack ${kind ?? 'request'} ${nameOf(body)}`.trim());
      return handle({ ...event, ack });
    });
  };
}

// ── the Slack Web API ───────────────────────────────────────────────────────────────────────────────────────────

const SLACK_METHOD_IN_URL = /\/api\/([A-Za-z]+(?:\.[A-Za-z]+)+)\/?(?:\?|$)/;

/** Slack's answer to one Web API request: "ok" or its error code (HTTP 200 with ok:false carries it in the body). */
function slackAnswer(text: string): string {
  if (text.startsWith('{"ok":true')) return 'ok';
  try {
    const body = JSON.parse(text) as { ok?: boolean; error?: unknown };
    return body.ok ? 'ok' : typeof body.error === 'string' ? body.error : 'unknown_error';
  } catch {
    return 'invalid_response';
  }
}

function slackFetch(metrics: Metrics, log: Logger, base: FetchFunction = globalThis.fetch): FetchFunction {
  return async (url, init) => {
    const method = SLACK_METHOD_IN_URL.exec(String(url))?.[1];
    if (!method) return base(url, init);
    const started = performance.now();
    const done = (error: string) => {
      metrics.slackCall(method, error);
      log.debug({ slack: method, error, ms: Math.round(performance.now() - started) }, `slack ${method} ${error}`);
    };
    let res: Awaited<ReturnType<FetchFunction>>;
    try {
      res = await base(url, init);
    } catch (e) {
      done((e as Error)?.name === 'TimeoutError' ? 'timeout' : 'request_failed');
      throw e;
    }
    if (res.status === 429) done('ratelimited');
    else if (res.status !== 200) done(`http_${res.status}`);
    else if (res.headers.get('content-type') === 'application/gzip') done('ok');
    else {
      // Slack says ok or its error code in the body, which the WebClient reads once, as text: heard as it reads it
      // (reading it here too and handing on a copy cost the bot about 0.2 ms of CPU a call).
      const read = res.text.bind(res);
      res.text = async () => {
        const text = await read();
        done(slackAnswer(text));
        return text;
      };
    }
    return res;
  };
}

// ── Amazon Chime ────────────────────────────────────────────────────────────────────────────────────────────────

/** The part of an AWS SDK v3 client this needs: its middleware stack. */
export interface AwsClientLike {
  middlewareStack: { add(middleware: unknown, options: { step: 'initialize'; name: string }): void };
}

type SdkOutcome = { $metadata?: { requestId?: string; httpStatusCode?: number }; name?: string };

function watchChime(client: AwsClientLike, metrics: Metrics, log: Logger): void {
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<{ output: unknown }>, context: { commandName?: string }) => async (args: { input?: unknown }) => {
      const operation = (context.commandName ?? '').replace(/Command$/, '');
      const account = (args.input as { AccountId?: string } | undefined)?.AccountId;
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const result = await next(args);
        const s = seconds();
        metrics.chimeCall(operation, true, s);
        const awsRequestId = (result.output as SdkOutcome | undefined)?.$metadata?.requestId;
        log.info({ chime: operation, account, awsRequestId, ms: Math.round(s * 1000) }, `chime ${operation} ok`);
        return result;
      } catch (error) {
        const s = seconds();
        metrics.chimeCall(operation, false, s);
        const e = error as SdkOutcome;
        log.warn(
          {
            chime: operation,
            account,
            awsRequestId: e?.$metadata?.requestId,
            status: e?.$metadata?.httpStatusCode,
            ms: Math.round(s * 1000),
          },
          `chime ${operation} failed (${e?.name ?? 'error'})`,
        );
        throw error;
      }
    },
    { step: 'initialize', name: 'chimeAccountObserve' },
  );
}

// ── the workflow's refusals ─────────────────────────────────────────────────────────────────────────────────────

const isRefusal = (value: unknown): value is { ok: false; code: RefusalCode } =>
  typeof value === 'object' &&
  value !== null &&
  (value as { ok?: unknown }).ok === false &&
  typeof (value as { code?: unknown }).code === 'string';

/**
 * The same object, with every method's answer looked at on its way out: a refusal is counted by its code. Methods run
 * on the object itself (its private fields work, and its calls to itself are not counted twice).
 */
export function countRefusals<T extends object>(target: T, refused: (code: RefusalCode) => void): T {
  const tally = (out: unknown) => {
    if (isRefusal(out)) refused(out.code);
    return out;
  };
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(t, key) {
      const value: unknown = Reflect.get(t, key, t);
      if (typeof value !== 'function') return value;
      let fn = wrapped.get(key);
      if (!fn) {
        fn = (...args: unknown[]) => {
          const out: unknown = value.apply(t, args);
          return out instanceof Promise ? out.then(tally) : tally(out);
        };
        wrapped.set(key, fn);
      }
      return fn;
    },
  });
}

// ── METRICS_PORT ────────────────────────────────────────────────────────────────────────────────────────────────

/** /metrics on a port of its own (only GET /metrics is served there). */
export async function serveMetrics(metrics: Metrics, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && new URL(req.url ?? '/', 'http://x').pathname === '/metrics') return metrics.handler(req, res);
    res.writeHead(404).end();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, () => resolve());
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new StartupError(`METRICS_PORT ${port}: the port is already in use (another process listens on it)`);
    if (code === 'EACCES') throw new StartupError(`METRICS_PORT ${port}: permission denied (ports below 1024 need privileges)`);
    throw new StartupError(`METRICS_PORT ${port}: cannot listen (${code ?? 'error'})`);
  }
  return server;
}
