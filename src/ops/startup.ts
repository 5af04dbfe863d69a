/**
 * Start-up that tells the truth: the bot token is checked with auth.test before the bot listens (a refused token
 * stops it with one line; an unreachable Slack is retried, with a line each time, until it answers), and every
 * start-up failure becomes one line naming the setting — never a stack trace.
 */
import type { App } from '@slack/bolt';
import { classifySlackError, type Health } from './health.ts';

/** A start-up failure whose message is already the one line to print. */
export class StartupError extends Error {
  override name = 'StartupError';
}

export interface SlackCheckOptions {
  /** First wait before trying auth.test again after Slack could not be reached; doubles up to maxDelayMs. */
  delayMs?: number;
  maxDelayMs?: number;
  log?: (line: string) => void;
  /** Stops the retries (the bot is being stopped before Slack ever answered). */
  signal?: AbortSignal;
}

/**
 * Bolt's `init()` (the app is built with `deferInitialization`), which calls auth.test: a refused token throws a
 * StartupError naming SLACK_BOT_TOKEN; Slack unreachable (or 5xx) is retried until it answers, health saying so.
 */
export async function initSlack(app: App, health: Health, o: SlackCheckOptions = {}): Promise<void> {
  let delay = o.delayMs ?? 1_000;
  for (;;) {
    if (o.signal?.aborted) throw new StartupError('stopped before Slack answered auth.test');
    try {
      await app.init();
      health.slack({ ok: true });
      return;
    } catch (error) {
      const { fatal, problem } = classifySlackError(error);
      if (fatal) throw new StartupError(`SLACK_BOT_TOKEN: ${problem}; copy the Bot User OAuth Token (xoxb-…) from the app's settings`);
      health.slack({ ok: false, problem });
      o.log?.(`${problem} (SLACK_API_URL or the network); trying again in ${Math.round(delay / 1000)} s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        o.signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
      delay = Math.min(delay * 2, o.maxDelayMs ?? 30_000);
    }
  }
}

/** Checks the token again every `everyMs` while running, so /healthz notices a revoked token or a Slack outage. */
export function watchSlack(app: App, health: Health, everyMs = 60_000): NodeJS.Timeout {
  const timer = setInterval(() => {
    app.client.auth.test().then(
      () => health.slack({ ok: true }),
      (error: unknown) => health.slack({ ok: false, problem: classifySlackError(error).problem }),
    );
  }, everyMs);
  timer.unref();
  return timer;
}

/** One line for any start-up failure, naming the setting where it can. */
export function describeStartupError(error: unknown, settings: { port?: number; databaseUrl?: string } = {}): string {
  const e = error as NodeJS.ErrnoException & { syscall?: string };
  if (error instanceof StartupError) return error.message;
  if (e?.syscall === 'listen' || e?.code === 'EADDRINUSE') {
    const port = settings.port ?? (e as { port?: number }).port;
    if (e.code === 'EADDRINUSE') return `PORT ${port}: the port is already in use (another process listens on it)`;
    if (e.code === 'EACCES') return `PORT ${port}: permission denied (ports below 1024 need privileges)`;
    return `PORT ${port}: cannot listen (${e.code ?? 'error'})`;
  }
  const message = firstLine(e?.message ?? String(error));
  if (/^(DATABASE_URL|PORT|POLICY_FILE|SLACK_|AWS_|METRICS_PORT|LOG_)/.test(message)) return message;
  if (e?.code === 'ERR_SQLITE_ERROR' || /sqlite|database/i.test(message) || (e?.syscall && e?.path))
    return `DATABASE_URL: cannot open the database${settings.databaseUrl?.startsWith('sqlite:') ? ` file ${settings.databaseUrl.slice(7)}` : ''} (${e?.code && e.code !== 'ERR_SQLITE_ERROR' ? `${e.code}: ` : ''}${message})`;
  return message;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
