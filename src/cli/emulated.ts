/**
 * Everything on loopback, nothing leaving this machine: the Chime and Slack emulators and the bot (createBot, as
 * deployed) talking to both, plus a simulated Slack user who sends the bot signed requests. `npm run demo` and
 * `npm run sandbox` both start from here.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bot, createBot } from '../app.ts';
import { loadConfig } from '../config.ts';
import { type ChimeEmulator, startChimeEmulator } from '../emulators/chime/server.ts';
import { SlackUserClient } from '../emulators/slack/client.ts';
import { type SlackEmulator, startSlackEmulator } from '../emulators/slack/server.ts';

export interface Emulated {
  chime: ChimeEmulator;
  slack: SlackEmulator;
  bot: Bot;
  /** Plays Slack: signed commands, clicks and submits to the bot's /slack/events. */
  user: SlackUserClient;
  /** Waits until the bot has nothing in flight (listeners, applies, outbox posts). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface EmulatedOptions {
  /** The policy file's YAML. */
  policy: string;
  /** More settings (e.g. APPROVAL_CHANNEL_ID); the emulators' URLs and the database are set here. */
  env?: Record<string, string>;
}

const SECRET = 'emulated-signing-secret';
const HOST = '127.0.0.1';

export async function startEmulated(opts: EmulatedOptions): Promise<Emulated> {
  const dir = mkdtempSync(join(tmpdir(), 'chime-account-emulated-'));
  // Started inside the try, so a failure to start one still closes whichever did start.
  let chime: ChimeEmulator | undefined;
  let slack: SlackEmulator | undefined;
  const closeAll = async () => {
    await Promise.all([chime?.close(), slack?.close()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    chime = await startChimeEmulator({ host: HOST });
    slack = await startSlackEmulator({ host: HOST });
    writeFileSync(join(dir, 'policy.yml'), opts.policy);
    // The same settings a deployment uses; the AWS SDK reads AWS_ENDPOINT_URL_CHIME itself.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_CHIME: chime.url,
      AWS_ACCESS_KEY_ID: 'AKIDDEMO',
      AWS_SECRET_ACCESS_KEY: 'demo-secret',
      AWS_REGION: 'us-east-1',
    });
    const loaded = loadConfig({
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      POLICY_FILE: join(dir, 'policy.yml'),
      DATABASE_URL: `sqlite:${join(dir, 'bot.db')}`,
      AUDIT_CHANNEL_ID: 'C0AUDIT',
      LOG_LEVEL: 'error',
      ...opts.env,
    });
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    const bot = await createBot(loaded.config, { host: HOST });
    const port = await bot.start();
    const user = new SlackUserClient({ appUrl: `http://${HOST}:${port}/slack/events`, signingSecret: SECRET, emulator: slack });
    return {
      chime,
      slack,
      bot,
      user,
      async settle() {
        await bot.idle();
        // A post queued by the last listener is sent on the outbox's next pass.
        await new Promise((r) => setTimeout(r, 50));
        await bot.idle();
      },
      async close() {
        await bot.stop();
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
