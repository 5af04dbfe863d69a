/**
 * Helpers for the fault and hostile-input suites: counting Chime calls, checking what users saw for leaks, swapping
 * the harness's bot for one with other settings (e.g. a Chime endpoint that refuses connections), raw signed
 * requests, and running the bot as a real subprocess (`node src/main.ts`) that can be killed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { promisify } from 'node:util';
import { createBot } from '../../src/app.ts';
import { verifyChain } from '../../src/domain/audit.ts';
import type { SlackUserClient } from '../../src/emulators/slack/client.ts';
import type { EmuMessage, SlackEmulator } from '../../src/emulators/slack/server.ts';
import { type Harness, SIGNING_SECRET, testBot } from './harness.ts';
import { userClient } from './slack.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

export const updatesOf = <T extends { operation: string }>(calls: T[]): T[] => calls.filter((c) => c.operation === 'UpdateAccount');
export const updates = (h: Harness) => updatesOf(h.chime.calls);

/** The message shows a request's Approve button (it is a pending request's card). */
export const hasButtons = (m: EmuMessage) => JSON.stringify(m.blocks).includes('request_approve');

/** Waits for the newest pending card (top-level, with its buttons) for the account, among messages from index `from` on. */
export const cardFor = (h: { slack: SlackEmulator }, accountId: string, from = 0): Promise<EmuMessage> =>
  h.slack.waitFor(() =>
    h.slack.messages
      .slice(from)
      .findLast((m) => !m.thread_ts && m.text.startsWith('Change request') && m.text.includes(accountId) && hasButtons(m)),
  );

/** Everything Slack showed anyone (messages, ephemerals, modals) from `mark` on, as one string. */
export function shown(h: Harness, mark: Marks = { messages: 0, ephemerals: 0 }): string {
  const views = [...h.slack.views.values()].map((v) => v.view);
  return JSON.stringify([h.slack.messages.slice(mark.messages), h.slack.ephemerals.slice(mark.ephemerals), views]);
}

export interface Marks {
  messages: number;
  ephemerals: number;
}

export const mark = (h: Harness): Marks => ({ messages: h.slack.messages.length, ephemerals: h.slack.ephemerals.length });

/** Every string under a `text` key (what Slack renders), joined by newlines. */
export function texts(value: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown, key?: string): void => {
    if (typeof v === 'string') {
      if (key === 'text') out.push(v);
    } else if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(value);
  return out.join('\n');
}

/** No stack traces, no JavaScript leftovers, no raw error objects in what a person reads. */
export function assertPlainWords(text: string, where = 'text'): void {
  for (const bad of [
    /\bundefined\b/,
    /\bnull\b/,
    /\[object /,
    /\n\s+at\s/,
    /\\n\s+at\s/,
    /\.ts:\d+/,
    /node_modules/,
    /\bNaN\b/,
    /Exception\b/,
  ])
    assert.doesNotMatch(text, bad, `${where} must be plain words, not ${bad}`);
}

/** The audit chain in the store is intact; returns its rows. */
export async function assertChain(h: Harness) {
  const rows = await h.bot.store.auditRows();
  const check = verifyChain(rows);
  assert.equal(check.problem, undefined, `audit chain broken: ${JSON.stringify(check.problem)}`);
  return rows;
}

/**
 * Replaces the harness's bot with one on the same database, policy and emulators but other settings (the next
 * h.restart() goes back to the harness's own). The old bot stops gracefully first.
 */
export async function swapBot(
  h: Harness,
  o: { chimeEndpoint?: string; timeoutMs?: number; maxAttempts?: number; env?: Record<string, string>; teamId?: string } = {},
): Promise<void> {
  const { config, options } = testBot({
    slack: h.slack,
    chimeUrl: o.chimeEndpoint ?? h.chime.url,
    dir: h.dir,
    databaseUrl: h.databaseUrl,
    ...o,
  });
  await h.bot.stop();
  h.bot = await createBot(config, options);
  h.port = (await h.bot.start())!;
  h.user = userClient(h.slack, h.port, o.teamId);
}

/** Sends exactly these bytes and headers (no signing unless given). */
export async function rawPost(
  port: number,
  body: string | Uint8Array,
  headers: Record<string, string>,
  timeoutMs = 10_000,
): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, body: await res.text() };
}

/**
 * Like rawPost, on a connection of its own that is closed afterwards. For bodies Bolt refuses before reading them
 * whole (over its 4 MB limit): the unread rest stays in that connection, which is then of no use to anyone —
 * so it must not go back into the test's shared keep-alive pool.
 */
export function rawPostOnce(
  port: number,
  body: string,
  headers: Record<string, string>,
  timeoutMs = 10_000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolvePost, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/slack/events',
        method: 'POST',
        agent: false,
        headers: { ...headers, connection: 'close' },
        timeout: timeoutMs,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolvePost({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer in time'), { code: 'TIMEOUT' })));
    req.end(body);
  });
}

export interface Sent {
  raw: string;
  headers: Record<string, string>;
}

/**
 * Wraps `user.send` so every request the simulated user sends is kept with the exact signed headers: a replay sends
 * the same bytes with the same signature and timestamp, as an attacker who captured them would.
 */
export function recordSends(user: SlackUserClient): { sent: Sent[]; replay(s: Sent): Promise<{ status: number; body: string }> } {
  const original = user.send.bind(user);
  const sent: Sent[] = [];
  user.send = async (raw: string, headers: Record<string, string> = {}) => {
    const all = { ...user.signedHeaders(raw), ...headers };
    sent.push({ raw, headers: all });
    return original(raw, all);
  };
  return { sent, replay: (s) => original(s.raw, s.headers) };
}

// ── the bot as a subprocess ─────────────────────────────────────────────────────────────────────────────────────

export interface BotProcess {
  child: ChildProcess;
  port: number;
  /** stdout + stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): void;
}

export interface BotProcessEnv {
  dir: string;
  slack: Pick<SlackEmulator, 'botToken' | 'apiUrl'>;
  /** The Chime emulator's URL (AWS_ENDPOINT_URL_CHIME); without it the SDK would aim at AWS. */
  chimeUrl?: string;
  policyFile: string;
  env?: Record<string, string>;
}

/** The environment a deployment would give `node src/main.ts`, on the emulators, with `o.env` over it. */
export function botProcessEnv(o: BotProcessEnv): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: o.dir,
    SLACK_BOT_TOKEN: o.slack.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: o.slack.apiUrl,
    PORT: '0',
    POLICY_FILE: o.policyFile,
    DATABASE_URL: `sqlite:${join(o.dir, 'bot.db')}`,
    ...(o.chimeUrl ? { AWS_ENDPOINT_URL_CHIME: o.chimeUrl } : {}),
    AWS_ACCESS_KEY_ID: 'AKIDTEST',
    AWS_SECRET_ACCESS_KEY: 'test-secret',
    AWS_REGION: 'us-east-1',
    AWS_MAX_ATTEMPTS: '1',
    // Short calls and a short claim, so a restart settles what a killed process left within seconds.
    CHIME_TIMEOUT_MS: '2000',
    APPLY_LEASE_MS: '3000',
    OUTBOX_LEASE_MS: '3000',
    LOG_LEVEL: 'info',
    ...o.env,
  };
}

/** Runs `node src/main.ts` with `env` in `cwd` until it exits (a start-up meant to fail): its exit code and output. */
export async function runBotToExit(
  env: Record<string, string>,
  cwd: string,
  timeoutMs = 20_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [join(ROOT, 'src/main.ts')], { cwd, env, timeout: timeoutMs }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

/** Starts `node src/main.ts` with the environment a deployment would give it; resolves once /healthz says ok. */
export async function startBotProcess(o: BotProcessEnv): Promise<BotProcess> {
  const env = botProcessEnv(o);
  // cwd is the test's own directory, so a developer's .env in the repository is never read.
  const child = spawn(process.execPath, [join(ROOT, 'src/main.ts')], { cwd: o.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bot did not start:\n${out}`)), 20_000);
    const look = () => {
      // HTTP mode says "listening on port N"; Socket Mode "(health on port N)".
      const m = /(?:listening|health) on port (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', look);
        resolvePort(Number(m[1]));
      }
    };
    child.stdout!.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the bot exited (${code}) before it was ready:\n${out}`));
    });
  });
  for (let i = 0; ; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
    if (res?.status === 200) break;
    if (i > 200) throw new Error(`/healthz never said ok:\n${out}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return { child, port, output: () => out, exited, kill: (signal) => child.kill(signal) };
}

/** Reads the bot's SQLite file directly (read-only), as an operator would; safe while the bot runs (WAL). */
export function readDb<T>(dir: string, fn: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(join(dir, 'bot.db'), { readOnly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export function requestRows(dir: string): { id: string; state: string; outcome_detail: string | null; change_json: string }[] {
  return readDb(dir, (db) => db.prepare('SELECT id, state, outcome_detail, change_json FROM requests ORDER BY created_at').all() as never);
}

export function auditActions(dir: string, requestId?: string): string[] {
  return readDb(dir, (db) =>
    (
      db.prepare('SELECT action FROM audit WHERE (? IS NULL OR request_id = ?) ORDER BY seq').all(requestId ?? null, requestId ?? null) as {
        action: string;
      }[]
    ).map((r) => r.action),
  );
}

/** Polls `predicate` until truthy (default 10 s). */
export async function until<T>(
  predicate: () => T | undefined | false | null | Promise<T | undefined | false | null>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
