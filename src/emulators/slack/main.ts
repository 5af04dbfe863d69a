/**
 * Runs the Slack Web API emulator on its own (npm run emulator:slack). Point the bot's slackApiUrl at the printed
 * API URL. GET /_emulator/state shows messages, ephemerals and views. Sending commands and clicks needs the
 * in-process SlackUserClient (it issues triggers through the emulator object).
 * Socket Mode: a bot with SLACK_APP_TOKEN (the printed app token) connects through apps.connections.open; POST
 * /_emulator/socket/disconnect {"reason":"refresh_requested"} asks its connections to reconnect.
 * Env: SLACK_EMULATOR_PORT (default 3102), SLACK_EMULATOR_HOST (default 127.0.0.1), SLACK_BOT_TOKEN, SLACK_APP_TOKEN.
 */
import { startSlackEmulator } from './server.ts';

const emulator = await startSlackEmulator({
  port: Number(process.env.SLACK_EMULATOR_PORT ?? 3102),
  host: process.env.SLACK_EMULATOR_HOST ?? '127.0.0.1',
  botToken: process.env.SLACK_BOT_TOKEN || undefined,
  socketMode: { appToken: process.env.SLACK_APP_TOKEN || undefined },
});
console.log(`Slack Web API emulator: ${emulator.apiUrl} (bot token ${emulator.botToken}, team ${emulator.teamId})`);
console.log(`Socket Mode: app token ${emulator.appToken}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void emulator.close().then(() => process.exit(0));
  });
}
