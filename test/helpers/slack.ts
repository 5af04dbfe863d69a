/** Slack-side test helpers: the simulated user pointed at an app (over HTTP or Socket Mode), Slack's error code of a failed call, a quiet Bolt logger. */
import { LogLevel } from '@slack/bolt';
import { SlackUserClient } from '../../src/emulators/slack/client.ts';
import type { SlackEmulator } from '../../src/emulators/slack/server.ts';

/** The signing secret every test app and the simulated user share. */
export const SIGNING_SECRET = 'test-signing-secret';

/** A simulated user of `slack` sending signed requests to the app on loopback `port`. */
export function userClient(slack: SlackEmulator, port: number, teamId?: string, enterpriseId?: string): SlackUserClient {
  return new SlackUserClient({
    appUrl: `http://127.0.0.1:${port}/slack/events`,
    signingSecret: SIGNING_SECRET,
    emulator: slack,
    teamId,
    enterpriseId,
  });
}

/** A simulated user of `slack` whose requests go as Socket Mode envelopes over the app's connections. */
export function socketUserClient(slack: SlackEmulator, ackTimeoutMs?: number): SlackUserClient {
  return new SlackUserClient({ emulator: slack, transport: 'socket', ackTimeoutMs });
}

/** The Slack error code of a failed WebClient call (fails the test if the call succeeds). */
export async function slackError(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    const data = (err as { data?: { error?: string } }).data;
    return data?.error ?? String(err);
  }
  throw new Error('expected the call to fail');
}

/** A Bolt logger that says nothing. */
export const quietLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};
