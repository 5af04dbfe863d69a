/**
 * Slack Web API emulator: an HTTP server that the bot's real WebClient talks to (Bolt `clientOptions.slackApiUrl`
 * = `emulator.apiUrl`), plus response_url endpoints. State lives in memory and is open to tests.
 */

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { bearer, parseArgs, readBody, send } from './http.ts';
import { METHODS } from './methods.ts';
import { attachSocketMode, SocketModeHub, type SocketModeOptions } from './socket.ts';
import type { StateOptions } from './state.ts';
import { EmulatorState, RESPONSE_URL_MAX_USES, RESPONSE_URL_TTL_MS } from './state.ts';
import type { EmuCall, JsonObject, SlackEmulator, SlackFault } from './types.ts';
import { isObj, str } from './util.ts';

export {
  DEFAULT_BOT_TOKEN,
  DEFAULT_BOT_USER_ID,
  DEFAULT_CHANNELS,
  DEFAULT_SEED,
  DEFAULT_TEAM_ID,
  DEFAULT_USERGROUPS,
  DEFAULT_USERS,
} from './seed.ts';
export type * from './socket.ts';
export { DEFAULT_APP_TOKEN } from './socket.ts';
export type * from './types.ts';

export interface SlackEmulatorOptions extends StateOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Socket Mode: the app-level token, ack timeout, Events API retry schedule (see socket.ts). */
  socketMode?: SocketModeOptions;
}

export async function startSlackEmulator(opts: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const emulator = new SlackEmulatorServer(server, `http://${host}:${port}`, opts);
  attachSocketMode(server, emulator.socketMode);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    emulator.handle(req, res).catch((err: unknown) => send(res, 500, { ok: false, error: 'internal_error', detail: String(err) }));
  });
  return emulator;
}

class SlackEmulatorServer extends EmulatorState implements SlackEmulator {
  readonly url: string;
  readonly apiUrl: string;
  readonly socketMode: SocketModeHub;
  #server: Server;

  constructor(server: Server, url: string, opts: SlackEmulatorOptions) {
    super(opts);
    this.#server = server;
    this.url = url;
    this.apiUrl = `${url}/api/`;
    this.socketMode = new SocketModeHub({ ...opts.socketMode, wsBase: url.replace(/^http/, 'ws'), now: opts.now });
  }

  get appToken(): string {
    return this.socketMode.appToken;
  }

  override reset(): void {
    super.reset();
    this.socketMode.reset();
  }

  issueResponseUrl(channelId: string, userId: string, messageTs?: string): string {
    return this.url + this.issueResponsePath(channelId, userId, messageTs);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const raw = await readBody(req);
    if (url.pathname.startsWith('/api/')) return this.#api(decodeURIComponent(url.pathname.slice(5)), req, url, raw, res);
    if (url.pathname.startsWith('/response/') && req.method === 'POST') return this.#responseUrl(url.pathname.slice(10), raw, req, res);
    if (url.pathname === '/_emulator/state' && req.method === 'GET') {
      return send(res, 200, {
        messages: this.messages,
        ephemerals: this.ephemerals,
        views: [...this.views.values()],
        home: [...this.homeViews.values()],
        calls: this.calls.length,
      });
    }
    if (url.pathname === '/_emulator/socket' && req.method === 'GET')
      return send(res, 200, { connections: this.socketMode.connections, envelopes: this.socketMode.envelopes });
    if (url.pathname === '/_emulator/socket/disconnect' && req.method === 'POST') return this.#disconnect(raw, res);
    send(res, 404, { ok: false, error: 'not_found' });
  }

  close(): Promise<void> {
    this.socketMode.close();
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #api(method: string, req: IncomingMessage, url: URL, raw: string, res: ServerResponse): Promise<void> {
    const { args, error: parseError } = parseArgs(req.headers['content-type'], raw, url.searchParams);
    const headerToken = bearer(req.headers.authorization);
    const token = headerToken ?? str(args.token);
    delete args.token;
    const call: EmuCall = { method, args, at: this.now(), status: 0, response: undefined };
    this.calls.push(call);
    const answer = (status: number, body: JsonObject, headers?: Record<string, string>): void => {
      call.status = status;
      call.response = body;
      send(res, status, body, headers);
    };

    if (await this.#faulted(method, call, answer)) return;
    if (parseError) return answer(200, { ok: false, error: parseError });
    if (method === 'apps.connections.open') return answer(200, this.socketMode.open(token, headerToken === undefined, this.botToken));
    if (!token) return answer(200, { ok: false, error: 'not_authed' });
    // The app-level token opens Socket Mode connections and nothing else.
    if (token === this.appToken) return answer(200, { ok: false, error: 'not_allowed_token_type' });
    if (token !== this.botToken) return answer(200, { ok: false, error: 'invalid_auth' });
    const handler = METHODS[method];
    if (!handler) return answer(200, { ok: false, error: 'unknown_method', req_method: method });
    answer(200, handler(this, args));
  }

  /** Test control: `{reason, connection?, closeAfterMs?}` → disconnect messages, as Slack sends them. */
  #disconnect(raw: string, res: ServerResponse): void {
    let body: unknown;
    try {
      body = JSON.parse(raw || '{}');
    } catch {
      body = undefined;
    }
    const reasons = ['refresh_requested', 'warning', 'link_disabled', 'too_many_websockets'] as const;
    const reason = isObj(body) ? reasons.find((r) => r === body.reason) : undefined;
    if (!isObj(body) || !reason) return send(res, 400, { ok: false, error: 'invalid_arguments', reasons });
    const closeAfterMs = typeof body.closeAfterMs === 'number' ? body.closeAfterMs : undefined;
    const disconnected = this.socketMode.disconnect(reason, { connectionId: str(body.connection), closeAfterMs });
    send(res, 200, { ok: true, disconnected });
  }

  async #responseUrl(id: string, raw: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: unknown;
    try {
      const parsed = parseArgs(req.headers['content-type'], raw, new URLSearchParams());
      body = typeof parsed.args.payload === 'string' ? JSON.parse(parsed.args.payload) : parsed.error ? undefined : parsed.args;
    } catch {
      body = undefined;
    }
    const call: EmuCall = { method: 'response_url', args: isObj(body) ? body : { raw }, at: this.now(), status: 0, response: undefined };
    this.calls.push(call);
    const answer = (status: number, reply: string | JsonObject): void => {
      call.status = status;
      call.response = reply;
      send(res, status, reply);
    };

    if (await this.#faulted('response_url', call, answer)) return;
    const target = this.responseUrls.get(id);
    if (!target || this.now() - target.issuedAt > RESPONSE_URL_TTL_MS) return answer(404, { ok: false, error: 'expired_url' });
    if (target.uses >= RESPONSE_URL_MAX_USES) return answer(404, { ok: false, error: 'used_url' });
    if (!isObj(body)) return answer(400, { ok: false, error: 'invalid_payload' });
    const hasContent = (typeof body.text === 'string' && body.text !== '') || Array.isArray(body.blocks) || body.delete_original === true;
    if (!hasContent) return answer(400, { ok: false, error: 'no_text' });
    target.uses += 1;
    this.postResponse(target, body, 'response_url');
    answer(200, 'ok');
  }

  /** Applies the first matching fault; true when it answered (or hangs). */
  async #faulted(
    method: string,
    call: EmuCall,
    answer: (status: number, body: JsonObject, headers?: Record<string, string>) => void,
  ): Promise<boolean> {
    const fault: SlackFault | undefined = this.takeFault(method, call.args.channel);
    if (!fault) return false;
    call.fault = true;
    if (fault.latencyMs) await sleep(fault.latencyMs);
    if (fault.hang) return true;
    if (fault.status === undefined && fault.error === undefined) return false;
    const status = fault.status ?? 200;
    const error = fault.error ?? (status === 429 ? 'ratelimited' : 'internal_error');
    const headers: Record<string, string> = status === 429 ? { 'retry-after': String(fault.retryAfterSeconds ?? 1) } : {};
    answer(status, { ok: false, error }, headers);
    return true;
  }
}
