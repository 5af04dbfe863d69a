/**
 * Fixed-rate load with autocannon. The mixed load runs in a worker thread, so the Slack and Chime emulators (in the
 * bench's main thread) don't share an event loop with the code that times the answers.
 *
 * autocannon's rate limit is per connection and per second: each connection sends its share back to back at the
 * start of every second (closed loop: the next one once the answer is in). The shape of the load is set by running
 * `stagger` instances started 1/stagger s apart, each with `connections` connections and its share of the rate:
 *   - spread (100 × 2): two requests every 10 ms, each connection sending once a second — close to many people
 *     working independently (open loop);
 *   - burst (5 × 4): every 200 ms, four connections each send eight requests back to back — what a plain
 *     `autocannon -R` run does, and harder on a server whose follow-up work shares the event loop with its acks.
 * The answers are timed from autocannon's own `response` events (any status).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { MIX, mixBody, signed } from './payloads.ts';

const require = createRequire(import.meta.url);

// autocannon ships no types: the small part used here.
export interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest | undefined;
}
export interface AutocannonOptions {
  url: string;
  connections: number;
  overallRate?: number;
  duration?: number;
  amount?: number;
  timeout?: number;
  requests: AutocannonRequest[];
}
export interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  totalRequests: number;
  totalCompletedRequests: number;
}
export interface AutocannonInstance {
  on(event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
  stop(): void;
}
export const autocannon = require('autocannon') as (
  opts: AutocannonOptions,
  cb: (err: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

export interface LoadSpec {
  /**
   * e.g. http://127.0.0.1:PORT — one per replica: instance i sends to urls[i % urls.length], so each replica gets an
   * even share of the connections, as behind a load balancer that spreads connections.
   */
  urls: string[];
  secret: string;
  accountId: string;
  /** Requests per second offered, in total. */
  rate: number;
  /** Either a duration or a number of requests (split evenly between the instances). */
  durationSec?: number;
  amount?: number;
  /** Instances started 1/stagger s apart (default 5). */
  stagger?: number;
  /** Connections per instance (default 4). */
  connections?: number;
  /** Slack gives up after 3 s: an answer later than this is a timeout. */
  timeoutSec?: number;
  /** One response_url per request (reused round-robin if there are fewer). */
  responseUrls: string[];
}

export interface LoadResult {
  /** Time to answer of every answered request, in ms (any status). */
  latencies: number[];
  statuses: Record<string, number>;
  sent: number;
  completed: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  wallMs: number;
  /** CPU time the load generator's thread used, ms. */
  cpuMs: number;
}

/** Runs `spec` in a worker thread; rejects if it takes longer than `limitMs`. */
export function runMixedLoad(spec: LoadSpec, limitMs: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./load-worker.ts', import.meta.url), { workerData: spec });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`load run took over ${limitMs} ms`));
    }, limitMs);
    worker.once('message', (result: LoadResult) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(result);
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export const SHAPES = {
  spread: { stagger: 100, connections: 2 },
  burst: { stagger: 5, connections: 4 },
} as const;
export type ShapeName = keyof typeof SHAPES;

/** `total` split into `parts` integers that add up to it (the first ones one larger). */
function share(total: number, parts: number, i: number): number {
  return Math.floor(total / parts) + (i < total % parts ? 1 : 0);
}

/** Inside the worker: the staggered autocannon instances. */
export async function mixedLoad(spec: LoadSpec): Promise<LoadResult> {
  const stagger = Math.max(1, Math.min(spec.stagger ?? SHAPES.spread.stagger, spec.rate));
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  let urlIndex = 0;
  const started = performance.now();
  const cpu0 = process.threadCpuUsage();

  const setupRequest = (req: AutocannonRequest): AutocannonRequest => {
    const kind = MIX[next++ % MIX.length]!;
    const responseUrl = spec.responseUrls[urlIndex++ % spec.responseUrls.length]!;
    const { body, headers } = signed(spec.secret, mixBody(kind, spec.accountId, responseUrl));
    return { ...req, method: 'POST', path: '/slack/events', headers, body };
  };

  const one = (i: number) =>
    new Promise<AutocannonResult>((resolve, reject) => {
      const rate = share(Math.round(spec.rate), stagger, i);
      const amount = spec.amount ? share(spec.amount, stagger, i) : undefined;
      const connections = Math.max(1, Math.min(spec.connections ?? SHAPES.spread.connections, rate, amount ?? Infinity));
      if (amount === 0) return resolve({ errors: 0, timeouts: 0, non2xx: 0, totalRequests: 0, totalCompletedRequests: 0 });
      setTimeout(
        () => {
          const instance = autocannon(
            {
              url: spec.urls[i % spec.urls.length]!,
              connections,
              overallRate: rate,
              ...(amount ? { amount } : { duration: spec.durationSec ?? 10 }),
              timeout: spec.timeoutSec ?? 3,
              requests: [{ setupRequest }],
            },
            (err, result) => (err ? reject(err) : resolve(result)),
          );
          instance.on('response', (_client, status, _bytes, ms) => {
            latencies.push(ms);
            statuses[status] = (statuses[status] ?? 0) + 1;
          });
        },
        (i * 1000) / stagger,
      );
    });

  const results = await Promise.all(Array.from({ length: stagger }, (_, i) => one(i)));
  const sum = (f: (r: AutocannonResult) => number) => results.reduce((n, r) => n + f(r), 0);
  return {
    latencies,
    statuses,
    sent: sum((r) => r.totalRequests),
    completed: sum((r) => r.totalCompletedRequests),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    wallMs: performance.now() - started,
    cpuMs: cpuSince(cpu0),
  };
}

/** CPU time of this thread since `from`, ms. */
export function cpuSince(from: NodeJS.CpuUsage): number {
  const now = process.threadCpuUsage();
  return (now.user - from.user + now.system - from.system) / 1000;
}
