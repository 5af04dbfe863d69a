/**
 * Socket Mode as Slack speaks it (docs.slack.dev/apis/events-api/using-socket-mode): the app calls
 * `apps.connections.open` with its app-level token (xapp-…) and gets a one-time `ws://…/link/?ticket=…` URL; on
 * connecting it is sent `hello`; every payload then arrives as an envelope `{envelope_id, type, payload,
 * accepts_response_payload}` on ONE of the app's open connections (up to 10), and the app answers `{envelope_id,
 * payload?}` — that payload is the response (a view_submission's response_action, a block_suggestion's options, a
 * slash command's message). Events API envelopes not acked in time are sent again with `retry_attempt` + 1 (Slack's
 * Events API retries); commands and interactions are not (the user sees an error, as over HTTP).
 * `disconnect(reason)` sends `{type:"disconnect", reason}` and closes the connection a little later, as Slack does
 * when it refreshes a connection.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { APP_ID } from './seed.ts';
import type { JsonObject } from './types.ts';
import { isObj, randomHex, str } from './util.ts';

export const DEFAULT_APP_TOKEN = 'xapp-1-A0APP-1-emulated-app-level-token';
/** Slack allows up to 10 open connections per app. */
export const MAX_CONNECTIONS = 10;

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';
export type DisconnectReason = 'refresh_requested' | 'warning' | 'link_disabled' | 'too_many_websockets';

export interface SocketModeOptions {
  /** The app-level token apps.connections.open accepts (default DEFAULT_APP_TOKEN). */
  appToken?: string;
  /** How long an envelope waits for its ack before it counts as failed (default 3000, Slack's 3 seconds). */
  ackTimeoutMs?: number;
  /**
   * Waits before each retry of an unacked events_api envelope (default: the Events API's three retries — at once,
   * after 1 minute, after 5 minutes — as Slack retries HTTP deliveries). Tests shorten it.
   */
  retryDelaysMs?: number[];
  /** How long a ticket from apps.connections.open stays usable (default 30 s; once only either way). */
  ticketTtlMs?: number;
  /** Server pings on every connection this often (default 10 s; 0 = never). */
  pingIntervalMs?: number;
}

export interface SocketConnectionInfo {
  id: string;
  openedAt: number;
  /** Envelopes sent on it. */
  delivered: number;
  /** Set once a disconnect message was sent: no more envelopes go to it. */
  retiring?: DisconnectReason;
  closed: boolean;
}

export interface EnvelopeRecord {
  envelopeId: string;
  type: EnvelopeType;
  /** 0 for the first delivery, then 1, 2, 3 for Slack's retries. */
  attempt: number;
  /** The connection it went to (undefined when none was open). */
  connectionId?: string;
  at: number;
  acked: boolean;
}

export interface Delivery {
  acked: boolean;
  /** The ack's payload (absent for a bare ack). */
  payload?: unknown;
  envelopeId: string;
  /** Connection that acked (or that the last attempt went to). */
  connectionId?: string;
  /** Deliveries made, retries included. */
  attempts: number;
  ms: number;
}

/** What tests and the client see of the Socket Mode side of the emulator. */
export interface SocketModeEmulator {
  readonly appToken: string;
  /** Every connection ever opened, in order. */
  readonly connections: SocketConnectionInfo[];
  /** Every envelope delivery (retries are rows of their own). */
  readonly envelopes: EnvelopeRecord[];
  /** Acks whose envelope_id matched nothing waiting (late, doubled or made up). */
  readonly strayAcks: unknown[];
  /** Open connections that still take envelopes. */
  live(): SocketConnectionInfo[];
  /** Sends an envelope to one of the app's connections (round robin) and waits for its ack; retries events_api. */
  deliver(type: EnvelopeType, payload: JsonObject, opts?: { ackTimeoutMs?: number }): Promise<Delivery>;
  /** Sends `{type:"disconnect", reason}` to one connection or all, and closes each after closeAfterMs (default 10 s). */
  disconnect(reason: DisconnectReason, opts?: { connectionId?: string; closeAfterMs?: number }): number;
  /** Cuts one connection (or all) without a word, as a network failure would. */
  drop(connectionId?: string): number;
  /** Sends these exact bytes on one live connection (round robin): what a broken or hostile peer might send. */
  sendRaw(text: string): string | undefined;
  /** Resolves once `n` connections are live (default timeout 10 s). */
  waitForConnections(n: number, timeoutMs?: number): Promise<SocketConnectionInfo[]>;
}

interface Live {
  info: SocketConnectionInfo;
  ws: WebSocket;
  closeTimer?: NodeJS.Timeout;
}

interface Waiting {
  /** The ack, or undefined: timed out, or the emulator closed. */
  resolve: (ack: { payload?: unknown; connectionId: string } | undefined) => void;
}

export class SocketModeHub implements SocketModeEmulator {
  readonly appToken: string;
  readonly connections: SocketConnectionInfo[] = [];
  readonly envelopes: EnvelopeRecord[] = [];
  readonly strayAcks: unknown[] = [];
  #wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  #live = new Map<string, Live>();
  #tickets = new Map<string, number>();
  #waiting = new Map<string, Waiting>();
  #next = 0;
  #ping: NodeJS.Timeout | undefined;
  #closed = false;
  #wsBase: string;
  readonly #ackTimeoutMs: number;
  readonly #retryDelaysMs: number[];
  readonly #ticketTtlMs: number;
  readonly #now: () => number;

  constructor(opts: SocketModeOptions & { wsBase: string; now?: () => number }) {
    this.appToken = opts.appToken ?? DEFAULT_APP_TOKEN;
    this.#wsBase = opts.wsBase;
    this.#ackTimeoutMs = opts.ackTimeoutMs ?? 3000;
    this.#retryDelaysMs = opts.retryDelaysMs ?? [0, 60_000, 300_000];
    this.#ticketTtlMs = opts.ticketTtlMs ?? 30_000;
    this.#now = opts.now ?? Date.now;
    const pingMs = opts.pingIntervalMs ?? 10_000;
    if (pingMs > 0) {
      this.#ping = setInterval(() => {
        for (const c of this.#live.values()) c.ws.ping(`ping ${this.#now()}`);
      }, pingMs);
      this.#ping.unref();
    }
  }

  /** apps.connections.open: the app-level token only (a bot token is the wrong type), a one-time URL. */
  open(token: string | undefined, bodyToken: boolean, botToken: string): JsonObject {
    // Slack wants this token in the Authorization header; as a POST parameter it is an error (its docs).
    if (!token || bodyToken) return { ok: false, error: 'not_authed' };
    if (token === botToken || /^xox[bpe]-/.test(token)) return { ok: false, error: 'not_allowed_token_type' };
    if (token !== this.appToken) return { ok: false, error: 'invalid_auth' };
    const ticket = randomUUID();
    this.#tickets.set(ticket, this.#now());
    return { ok: true, url: `${this.#wsBase}/link/?ticket=${ticket}&app_id=${APP_ID}` };
  }

  /** The HTTP server's `upgrade` event: a live ticket becomes a connection; anything else is refused. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const ticket = url.searchParams.get('ticket') ?? '';
    const issued = this.#tickets.get(ticket);
    this.#tickets.delete(ticket);
    if (!/^\/link\/?$/.test(url.pathname) || issued === undefined || this.#now() - issued > this.#ticketTtlMs) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#connected(ws));
  }

  live(): SocketConnectionInfo[] {
    return [...this.#live.values()].filter((c) => !c.info.retiring).map((c) => c.info);
  }

  async deliver(type: EnvelopeType, payload: JsonObject, opts: { ackTimeoutMs?: number } = {}): Promise<Delivery> {
    const started = performance.now();
    const envelopeId = randomUUID();
    const timeoutMs = opts.ackTimeoutMs ?? this.#ackTimeoutMs;
    // Only the Events API is retried; an unanswered command or click is an error the user sees.
    const retries = type === 'events_api' ? this.#retryDelaysMs : [];
    let connectionId: string | undefined;
    let attempts = 0;
    for (let attempt = 0; attempt <= retries.length && !this.#closed; attempt++) {
      if (attempt > 0) await sleep(retries[attempt - 1]!);
      if (this.#closed) break;
      attempts = attempt + 1;
      const target = this.#pick();
      connectionId = target?.info.id;
      const record: EnvelopeRecord = { envelopeId, type, attempt, connectionId, at: this.#now(), acked: false };
      this.envelopes.push(record);
      if (!target) continue;
      const envelope: JsonObject = {
        envelope_id: envelopeId,
        type,
        payload,
        accepts_response_payload: type !== 'events_api',
        ...(type === 'events_api' ? { retry_attempt: attempt, retry_reason: attempt === 0 ? '' : 'timeout' } : {}),
      };
      const ack = this.#awaitAck(envelopeId, timeoutMs);
      target.info.delivered += 1;
      target.ws.send(JSON.stringify(envelope));
      const answer = await ack;
      if (answer) {
        record.acked = true;
        return {
          acked: true,
          payload: answer.payload,
          envelopeId,
          connectionId: answer.connectionId,
          attempts: attempt + 1,
          ms: performance.now() - started,
        };
      }
    }
    return { acked: false, envelopeId, connectionId, attempts, ms: performance.now() - started };
  }

  disconnect(reason: DisconnectReason, opts: { connectionId?: string; closeAfterMs?: number } = {}): number {
    const targets = [...this.#live.values()].filter((c) => opts.connectionId === undefined || c.info.id === opts.connectionId);
    for (const c of targets) this.#retire(c, reason, opts.closeAfterMs ?? 10_000);
    return targets.length;
  }

  drop(connectionId?: string): number {
    const targets = [...this.#live.values()].filter((c) => connectionId === undefined || c.info.id === connectionId);
    for (const c of targets) c.ws.terminate();
    return targets.length;
  }

  sendRaw(text: string): string | undefined {
    const target = this.#pick();
    target?.ws.send(text);
    return target?.info.id;
  }

  async waitForConnections(n: number, timeoutMs = 10_000): Promise<SocketConnectionInfo[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const live = this.live();
      if (live.length >= n) return live;
      if (Date.now() > deadline)
        throw new Error(`waitForConnections: ${live.length} of ${n} Socket Mode connections after ${timeoutMs} ms`);
      await sleep(10);
    }
  }

  /** Forgets envelopes and acks (connections stay open: they belong to running apps). */
  reset(): void {
    this.envelopes.length = 0;
    this.strayAcks.length = 0;
  }

  /** Ends every connection; deliveries still waiting end unacked, and no retry is sent. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#ping);
    for (const c of this.#live.values()) {
      clearTimeout(c.closeTimer);
      c.ws.terminate();
    }
    for (const w of [...this.#waiting.values()]) w.resolve(undefined);
    this.#wss.close();
  }

  #connected(ws: WebSocket): void {
    const info: SocketConnectionInfo = {
      id: `conn-${this.connections.length + 1}-${randomHex(3)}`,
      openedAt: this.#now(),
      delivered: 0,
      closed: false,
    };
    this.connections.push(info);
    const live: Live = { info, ws };
    ws.on('close', () => {
      info.closed = true;
      clearTimeout(live.closeTimer);
      this.#live.delete(info.id);
    });
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => this.#received(info, isBinary ? undefined : data.toString()));
    if (this.#live.size >= MAX_CONNECTIONS) {
      // An 11th connection is turned away (what clients report Slack does; its docs only give the limit).
      ws.send(JSON.stringify({ type: 'disconnect', reason: 'too_many_websockets', debug_info: { host: 'applink-emulator' } }));
      ws.close(1008);
      return;
    }
    this.#live.set(info.id, live);
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.#live.size,
        debug_info: { host: 'applink-emulator', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: APP_ID },
      }),
    );
  }

  #received(info: SocketConnectionInfo, text: string | undefined): void {
    let message: unknown;
    try {
      message = text === undefined ? undefined : JSON.parse(text);
    } catch {
      message = undefined;
    }
    const envelopeId = isObj(message) ? str(message.envelope_id) : undefined;
    const waiting = envelopeId === undefined ? undefined : this.#waiting.get(envelopeId);
    if (!waiting || !isObj(message)) {
      this.strayAcks.push(message ?? text);
      return;
    }
    waiting.resolve({ payload: message.payload, connectionId: info.id });
  }

  #awaitAck(envelopeId: string, timeoutMs: number): Promise<{ payload?: unknown; connectionId: string } | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(envelopeId);
        resolve(undefined);
      }, timeoutMs);
      this.#waiting.set(envelopeId, {
        resolve: (ack) => {
          clearTimeout(timer);
          this.#waiting.delete(envelopeId);
          resolve(ack);
        },
      });
    });
  }

  /** Round robin over the live connections: Slack spreads envelopes and promises no pattern. */
  #pick(): Live | undefined {
    const live = [...this.#live.values()].filter((c) => !c.info.retiring && c.ws.readyState === c.ws.OPEN);
    if (live.length === 0) return undefined;
    const chosen = live[this.#next % live.length];
    this.#next += 1;
    return chosen;
  }

  #retire(c: Live, reason: DisconnectReason, closeAfterMs: number): void {
    c.info.retiring = reason;
    c.ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-emulator' } }));
    clearTimeout(c.closeTimer);
    c.closeTimer = setTimeout(() => c.ws.close(1000), closeAfterMs);
    c.closeTimer.unref();
  }
}

/** Attaches the hub to the emulator's HTTP server: WebSocket upgrades on /link/. */
export function attachSocketMode(server: Server, hub: SocketModeHub): void {
  server.on('upgrade', (req, socket, head) => hub.upgrade(req, socket, head));
}

/** A wait that never keeps the process alive (Slack's retries are minutes apart). */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
