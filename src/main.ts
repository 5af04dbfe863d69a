/** `npm start`: reads .env and the environment, validates every setting, starts the bot, and stops it gracefully. */
import dotenv from 'dotenv';
import { type Bot, createBot } from './app.ts';
import { loadConfig } from './config.ts';
import { describeStartupError } from './ops/startup.ts';

dotenv.config({ quiet: true });

const loaded = loadConfig(process.env);
if (!loaded.ok) {
  console.error('chime-account cannot start:');
  for (const problem of loaded.problems) console.error(`  ${problem}`);
  process.exit(1);
}

// ship (issue 9): every start-up failure is one line naming the setting, never a stack trace.
const cannotStart = (error: unknown): never => {
  console.error(
    `chime-account cannot start: ${describeStartupError(error, { port: loaded.config.port, databaseUrl: process.env.DATABASE_URL })}`,
  );
  process.exit(1);
};
const bot: Bot = await createBot(loaded.config).catch(cannotStart);
// Bodies Bolt can't handle are answered before it sees them (slack/receiver.ts); should anything else reject a
// promise nobody awaits, log it and keep serving: every change lives in the store, not in that promise.
process.on('unhandledRejection', (reason) => bot.app.logger.error('unhandled rejection (the bot keeps running)', reason));

// Signals are handled from here on, also while start() waits for an unreachable Slack.
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    bot.app.logger.info(`${signal}: finishing the work in flight, then stopping`);
    try {
      await bot.stop();
      process.exit(0);
    } catch (error) {
      bot.app.logger.error('stopping failed', error);
      process.exit(1);
    }
  });

const port = await bot.start().catch(cannotStart);
bot.app.logger.info(
  loaded.config.slack.appToken
    ? `chime-account is running in Socket Mode (health on port ${port})`
    : `chime-account is listening on port ${port}`,
);
