/**
 * Bolt's Socket Mode receiver, made to stay up and answer every envelope (the Socket Mode twin of receiver.ts):
 *
 * - A message Bolt can't handle — not JSON, not an object, an envelope of an unknown type, or whose payload is
 *   missing or of a shape Bolt throws on (payloadProblem) — is acked bare and logged, never dispatched. Unscreened,
 *   the SDK throws on some outside any handler (an `events_api` envelope without `payload.event`: an unhandled
 *   rejection), and Bolt leaves others unacked (no type it knows), so Slack sends them again and again.
 * - Envelopes are dispatched from here, not by the SDK, which would also emit each event under its own type's name
 *   (an event typed `close` or `slack_event` would reach the SDK's own listeners).
 * - An event (events_api) that Bolt processed without any listener acking it is acked afterwards, so Slack does not
 *   send it again. A command or an interaction nobody acked stays unacked, as over HTTP: the person sees an error.
 * - start() listens for /healthz on the port (errors like EADDRINUSE are reported, not thrown later), then opens the
 *   connection; a refused app-level token is one start-up line naming SLACK_APP_TOKEN. port() is the port it got.
 * - stop() lets the envelopes in flight be acked (up to 3.5 s), then closes the connection and waits for it.
 * - connected() says whether the connection is open, for /healthz (a refresh makes it false for the SDK's ~5 s).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type App,
  AuthorizationError,
  type CustomRoute,
  type Logger,
  type LogLevel,
  type ReceiverEvent,
  SocketModeReceiver,
} from '@slack/bolt';
import type { FetchFunction } from '@slack/web-api';
import { StartupError } from '../ops/startup.ts';
import { payloadProblem } from './receiver.ts';

const ENVELOPE_TYPES = new Set(['slash_commands', 'interactive', 'events_api']);
/** Messages from Slack about the connection itself, which the SDK handles. */
const CONTROL_TYPES = new Set(['hello', 'disconnect']);
/** The SDK's log line for an app-level token Slack refuses for good (its UnrecoverableSocketModeStartError codes). */
const REFUSED_FOR_GOOD =
  /Failed to retrieve a new WSS URL.*\b(not_authed|invalid_auth|account_inactive|user_removed_from_team|team_disabled)\b/;
/** How long stop() waits for envelopes in flight to be acked: Bolt's ack window and a margin. */
const DRAIN_MS = 3_500;

export interface SocketReceiverOptions {
  appToken: string;
  /** SLACK_API_URL: apps.connections.open goes there too. */
  apiUrl?: string;
  /** The port of /healthz (the custom routes); 0 = any free port. */
  port: number;
  customRoutes: CustomRoute[];
  /** The receiver's and the SDK client's logger (default: Bolt's ConsoleLogger at logLevel). */
  logger?: Logger;
  /** The fetch of the SDK client's apps.connections.open calls (the bot's counts them with its other Slack calls). */
  fetch?: FetchFunction;
  logLevel: LogLevel;
  /** How long the SDK waits for a pong, and (times the failures in a row) before it reconnects; default 5000. */
  clientPingTimeout?: number;
}

type SlackEventArgs = {
  type: string;
  ack: (response?: Record<string, unknown>) => Promise<void>;
  body: unknown;
  retry_num?: number;
  retry_reason?: string;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why an envelope can't be dispatched, or undefined when Bolt can handle it. */
export function envelopeProblem(message: Record<string, unknown>): string | undefined {
  const type = message.type;
  if (typeof type !== 'string' || !ENVELOPE_TYPES.has(type)) return `an envelope of unknown type ${JSON.stringify(type)?.slice(0, 40)}`;
  const payload = message.payload;
  if (!isObject(payload)) return `a ${type} envelope without a payload object`;
  const problem = payloadProblem(payload);
  if (problem) return `a ${type} envelope whose payload Bolt can't handle: ${problem}`;
  if (type === 'events_api' && !isObject(payload.event)) return 'an events_api envelope without an event';
  if (type === 'slash_commands' && typeof payload.command !== 'string') return 'a slash_commands envelope without a command';
  if (type === 'interactive' && typeof payload.type !== 'string') return 'an interactive envelope without a type';
  return undefined;
}

export class ScreenedSocketModeReceiver extends SocketModeReceiver {
  #app: App | undefined;
  #log: Logger;
  #port: number;
  #connected = false;
  /** Acks of the envelopes being processed (settled once acked or done). */
  #inFlight = new Set<Promise<void>>();

  constructor(o: SocketReceiverOptions) {
    super({
      appToken: o.appToken,
      logger: o.logger,
      logLevel: o.logLevel,
      customRoutes: o.customRoutes,
      clientPingTimeout: o.clientPingTimeout,
      installerOptions: {
        port: o.port,
        clientOptions: { ...(o.apiUrl ? { slackApiUrl: o.apiUrl } : {}), ...(o.fetch ? { fetch: o.fetch } : {}) },
      },
    });
    this.#port = o.port;
    this.#log = (this as unknown as { logger: Logger }).logger;
    // A token Slack refuses for good is reported by start() in one line naming SLACK_APP_TOKEN; the SDK's own error
    // line about it would be a second one, so it goes to debug. Every other failure (which the SDK retries) stays an
    // error line, so a start-up that keeps retrying says why. (The SDK's logger is the receiver's.)
    const sdkLog = (this.client as unknown as { logger: Logger }).logger;
    const logError = sdkLog.error.bind(sdkLog);
    sdkLog.error = (...msg: unknown[]) => (REFUSED_FOR_GOOD.test(String(msg[0])) ? sdkLog.debug(...msg) : logError(...msg));
    // The SDK's own handler of raw messages keeps only the connection's messages (hello, disconnect): envelopes are
    // dispatched from here, so a payload's event type can never be taken for one of the SDK's own event names.
    const sdkHandlers = this.client.listeners('ws_message') as ((data: unknown, isBinary: boolean) => unknown)[];
    this.client.removeAllListeners('ws_message');
    this.client.on('ws_message', (data: unknown, isBinary: boolean) => {
      const envelope = this.#screen(data, isBinary);
      if (envelope === 'sdk') for (const handle of sdkHandlers) void handle(data, isBinary);
      else if (envelope) void this.#dispatch(envelope);
    });
    // `connected` follows Slack's hello; `close` is the SDK's word for a WebSocket gone (it reconnects after it).
    this.client.on('connected', () => (this.#connected = true));
    this.client.on('close', () => (this.#connected = false));
  }

  /** The WebSocket connection is open and Slack said hello: envelopes can reach this process. */
  connected(): boolean {
    return this.#connected;
  }

  override init(app: App): void {
    super.init(app);
    this.#app = app;
  }

  /** The port /healthz listens on, once started. */
  port(): number | undefined {
    const address = this.#server?.address();
    return typeof address === 'object' && address ? (address as AddressInfo).port : undefined;
  }

  override async start(): ReturnType<SocketModeReceiver['start']> {
    const server = this.#server;
    if (server)
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.#port, () => {
          server.off('error', reject);
          resolve();
        });
      });
    try {
      return await this.client.start();
    } catch (error) {
      server?.close();
      const code = (error as { data?: { error?: string } }).data?.error;
      if (code)
        throw new StartupError(
          `SLACK_APP_TOKEN: Slack refused the app-level token (${code}); create one with connections:write under Basic Information → App-Level Tokens`,
        );
      throw new StartupError(`SLACK_API_URL: could not open a Socket Mode connection (${(error as Error)?.message ?? error})`);
    }
  }

  override async stop(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.#inFlight]), new Promise((r) => (timer = setTimeout(r, DRAIN_MS)))]);
    clearTimeout(timer);
    await this.client.disconnect();
    const server = this.#server;
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get #server(): Server | undefined {
    return (this as unknown as { httpServer?: Server }).httpServer;
  }

  /**
   * 'sdk' for a message the SDK handles (the connection's own: hello, disconnect; binary frames, which it ignores),
   * the envelope when Bolt can handle it, else undefined: it has been acked (if it could be) and logged.
   */
  #screen(data: unknown, isBinary: boolean): 'sdk' | SlackEventArgs | undefined {
    if (isBinary) return 'sdk';
    const text = typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer);
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return this.#ignored('a Socket Mode message that is not JSON');
    }
    if (!isObject(message)) return this.#ignored('a Socket Mode message that is not an object');
    if (typeof message.type === 'string' && CONTROL_TYPES.has(message.type)) return 'sdk';
    const id = message.envelope_id;
    const problem = envelopeProblem(message);
    if (typeof id !== 'string') return this.#ignored(problem ? `${problem}, without an envelope_id` : 'an envelope without an envelope_id');
    // The SDK's own way to answer an envelope (TypeScript calls it private; its ack() uses it).
    const sdk = this.client as unknown as { send(id: string, body?: object): Promise<void> };
    if (problem) {
      this.#log.warn(`acked and ignored ${problem}`);
      sdk.send(id, {}).catch((error: unknown) => this.#log.warn(`could not ack it: ${error}`));
      return undefined;
    }
    return {
      type: String(message.type),
      body: message.payload,
      ack: (response) => sdk.send(id, response ?? {}),
      retry_num: typeof message.retry_attempt === 'number' ? message.retry_attempt : undefined,
      retry_reason: typeof message.retry_reason === 'string' ? message.retry_reason : undefined,
    };
  }

  #ignored(what: string): undefined {
    this.#log.warn(`ignored ${what}`);
    return undefined;
  }

  /** Bolt's own dispatch of an envelope (SocketModeReceiver's), plus an ack for an envelope nobody acked. */
  async #dispatch(args: SlackEventArgs): Promise<void> {
    let acked = false;
    let settle: () => void = () => {};
    const answered = new Promise<void>((resolve) => (settle = resolve));
    this.#inFlight.add(answered);
    const ack = async (response?: Record<string, unknown>) => {
      if (acked) return;
      acked = true;
      try {
        await args.ack(response);
      } finally {
        settle();
      }
    };
    const event: ReceiverEvent = {
      body: args.body as Record<string, unknown>,
      ack,
      retryNum: args.retry_num,
      retryReason: args.retry_reason,
    };
    try {
      await this.#app?.processEvent(event);
      // An event nobody acked would be sent again and again (Slack retries events_api envelopes): acked now. A
      // command or an interaction nobody answered is left unacked, as over HTTP: Slack shows the person an error
      // rather than closing a modal as if its submit had worked.
      if (!acked && args.type === 'events_api') {
        this.#log.warn('no listener acked a Socket Mode event: acked it so that Slack does not send it again');
        await ack();
      } else if (!acked) this.#log.warn(`no listener answered a Socket Mode ${args.type} envelope`);
    } catch (error) {
      this.#log.error(`an error while Bolt processed a Socket Mode envelope: ${error}`);
      // As Bolt: a failed authorization is final (acked); other errors leave the envelope to Slack's retries.
      if (error instanceof AuthorizationError && !acked) await ack().catch(() => {});
    } finally {
      settle();
      this.#inFlight.delete(answered);
    }
  }
}
