/**
 * Starts the whole thing on loopback for a test: the Chime emulator, the Slack emulator, and the bot (Bolt's own
 * HTTP receiver, signature checks on) talking to both through the real WebClient and the real Chime SDK client.
 * A simulated Slack user drives it with signed requests, as Slack would.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type Bot, type BotOptions, createBot } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { type ChimeEmulator, startChimeEmulator } from '../../src/emulators/chime/server.ts';
import type { SlackUserClient } from '../../src/emulators/slack/client.ts';
import { type EmuView, type SlackEmulator, startSlackEmulator } from '../../src/emulators/slack/server.ts';
import { postgresUrl } from './postgres.ts';
import { SIGNING_SECRET, userClient } from './slack.ts';

export { SIGNING_SECRET };

export interface PolicyInput {
  roles?: { viewers?: string[]; requesters?: string[]; approvers?: string[] };
  approval?: Record<string, unknown>;
  accounts?: string[];
}

export const DEFAULT_POLICY: PolicyInput = {
  roles: { viewers: ['*'], requesters: ['S0CHIMEOPS', 'U0ALICE'], approvers: ['U0BOB', 'S0SECOPS'] },
  approval: { required: 'never' },
  accounts: ['*'],
};

export interface Harness {
  chime: ChimeEmulator;
  slack: SlackEmulator;
  bot: Bot;
  user: SlackUserClient;
  dir: string;
  /** The bot's database: SQLite in `dir`, or (CHIME_TEST_STORE=postgres) a database of its own on the test run's PostgreSQL. */
  databaseUrl: string;
  port: number;
  /** Stops the bot (gracefully) and starts a new one on the same database file. */
  restart(): Promise<void>;
  /** Waits for background work (applies, outbox) to settle. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  policy?: PolicyInput;
  env?: Record<string, string>;
  /** Chime SDK attempts; 1 keeps error tests fast. */
  maxAttempts?: number;
  timeoutMs?: number;
}

/** The settings a test bot runs with: the emulators' URLs, the harness's policy and database, fast sweeps. */
export function testBot(o: {
  slack: SlackEmulator;
  chimeUrl: string;
  dir: string;
  databaseUrl?: string;
  env?: Record<string, string>;
  maxAttempts?: number;
  timeoutMs?: number;
}): { config: Config; options: BotOptions } {
  const loaded = loadConfig({
    SLACK_BOT_TOKEN: o.slack.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: o.slack.apiUrl,
    PORT: '0',
    POLICY_FILE: join(o.dir, 'policy.yml'),
    DATABASE_URL: o.databaseUrl ?? `sqlite:${join(o.dir, 'bot.db')}`,
    AUDIT_CHANNEL_ID: 'C0AUDIT',
    LOG_LEVEL: 'error',
    CHIME_TIMEOUT_MS: String(o.timeoutMs ?? 5_000),
    ...o.env,
  });
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  return {
    config: loaded.config,
    options: {
      chime: {
        endpoint: o.chimeUrl,
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
        maxAttempts: o.maxAttempts ?? 1,
      },
      sweepMs: 200,
      outboxPollMs: 50,
    },
  };
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'chime-account-test-'));
  writeFileSync(join(dir, 'policy.yml'), stringify(opts.policy ?? DEFAULT_POLICY));
  const chime = await startChimeEmulator();
  const slack = await startSlackEmulator();
  const databaseUrl = process.env.CHIME_TEST_STORE === 'postgres' ? await postgresUrl() : `sqlite:${join(dir, 'bot.db')}`;
  const make = () => {
    const { config, options } = testBot({ slack, chimeUrl: chime.url, dir, databaseUrl, ...opts });
    return createBot(config, options);
  };

  let first: Bot;
  try {
    first = await make();
  } catch (error) {
    // A bot that can't start must not leave the emulators holding the test process open.
    await Promise.all([chime.close(), slack.close()]);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const h: Harness = {
    chime,
    slack,
    dir,
    databaseUrl,
    bot: first,
    port: 0,
    user: undefined as unknown as SlackUserClient,
    async restart() {
      await h.bot.stop();
      h.bot = await make();
      h.port = (await h.bot.start())!;
      h.user = userClient(slack, h.port);
    },
    async settle() {
      await h.bot.idle();
    },
    async close() {
      await h.bot.stop().catch(() => {});
      await Promise.all([chime.close(), slack.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  h.port = (await h.bot.start())!;
  h.user = userClient(slack, h.port);
  return h;
}

/** What drives a bot as a person would: the Slack emulator and a simulated user (a harness, or a bot process's). */
export type Driver = Pick<Harness, 'slack' | 'user'>;

/** The modal `userId` sees once it shows `callbackId` with content (not the loading view). */
export function modalOf(
  h: Pick<Harness, 'slack'>,
  userId: string,
  callbackId: string,
  has: (v: EmuView) => boolean = () => true,
): Promise<EmuView> {
  return h.slack.waitFor(() => {
    const v = h.slack.topView(userId);
    return v && !v.closed && v.view.callback_id === callbackId && has(v) ? v : undefined;
  });
}

export const isForm = (v: EmuView) => v.view.blocks.some((b) => b.type === 'input');
export const viewText = (v: EmuView) => JSON.stringify(v.view.blocks);

/** `/chime-account update <id>` → the filled form. */
export async function openForm(h: Driver, userId: string, accountId: string, channelId = 'C0OPS'): Promise<EmuView> {
  const previous = h.slack.topView(userId)?.id;
  const res = await h.user.command(userId, `update ${accountId}`, { channelId });
  if (res.status !== 200) throw new Error(`command answered ${res.status}`);
  return modalOf(h, userId, 'chime_change', (v) => v.id !== previous && isForm(v) && viewText(v).includes(accountId));
}

/** Form → review → confirm, for a valid change. */
export async function requestChange(
  h: Driver,
  userId: string,
  accountId: string,
  values: { name?: string; license?: string; reason?: string },
  channelId = 'C0OPS',
) {
  const form = await openForm(h, userId, accountId, channelId);
  const input: Record<string, Record<string, string>> = {};
  if (values.name !== undefined) input.name = { name_input: values.name };
  if (values.license !== undefined) input.license = { license_select: values.license };
  const review = await h.user.submitView(userId, form.id, input);
  if (review.json?.response_action !== 'update' || review.json.view.callback_id !== 'chime_review')
    throw new Error(`review not shown: ${review.body}`);
  const reviewView = h.slack.topView(userId)!;
  const confirm = await h.user.submitView(userId, reviewView.id, values.reason ? { reason: { reason_input: values.reason } } : {});
  return { form, review, reviewView, confirm };
}
