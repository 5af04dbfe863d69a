/** The emulated workspace: users, channels, messages, views, triggers, response URLs, faults. */
import { FaultList } from '../faults.ts';
import { HomeStore } from './home.ts';
import { DEFAULT_BOT_TOKEN, DEFAULT_BOT_USER_ID, DEFAULT_SEED, DEFAULT_TEAM_ID, seedState } from './seed.ts';
import type { EmuCall, EmuChannel, EmuEphemeral, EmuMessage, EmuUser, EmuView, JsonObject, SlackFault, SlackSeed } from './types.ts';
import { isObj, randomHex, str } from './util.ts';
import { ViewStore } from './views.ts';

export const TRIGGER_TTL_MS = 3000;
export const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;
export const RESPONSE_URL_MAX_USES = 5;

export interface StateOptions {
  botToken?: string;
  teamId?: string;
  botUserId?: string;
  seed?: SlackSeed;
  /** Clock in ms (default Date.now), for trigger and response_url expiry in tests. */
  now?: () => number;
  /** The app has a Home tab (features.app_home.home_tab_enabled); default true. */
  homeTabEnabled?: boolean;
}

export interface Trigger {
  user: string;
  viewId?: string;
  issuedAt: number;
  used: boolean;
}

export interface ResponseUrl {
  channel: string;
  user: string;
  messageTs?: string;
  issuedAt: number;
  uses: number;
}

export type Resolved = { ok: true; id: string; member: boolean } | { ok: false; error: string };

export class EmulatorState {
  readonly botToken: string;
  readonly teamId: string;
  readonly botUserId: string;
  readonly now: () => number;
  readonly calls: EmuCall[] = [];
  readonly messages: EmuMessage[] = [];
  readonly ephemerals: EmuEphemeral[] = [];
  readonly users: Map<string, EmuUser>;
  readonly usergroups: Map<string, string[]>;
  readonly channels: Map<string, EmuChannel>;
  readonly viewStore: ViewStore;
  readonly homeStore: HomeStore;
  homeTabEnabled: boolean;
  readonly triggers = new Map<string, Trigger>();
  readonly responseUrls = new Map<string, ResponseUrl>();
  readonly faults = new FaultList<SlackFault>((f) => {
    if (!f.method) throw new Error('addFault: method is required (or "*")');
    return f;
  });
  #seed: SlackSeed;
  #lastTsMicros = 0;

  constructor(opts: StateOptions) {
    this.botToken = opts.botToken ?? DEFAULT_BOT_TOKEN;
    this.teamId = opts.teamId ?? DEFAULT_TEAM_ID;
    this.botUserId = opts.botUserId ?? DEFAULT_BOT_USER_ID;
    this.now = opts.now ?? Date.now;
    this.#seed = opts.seed ?? DEFAULT_SEED;
    const seeded = seedState(this.#seed);
    this.users = seeded.users;
    this.usergroups = seeded.usergroups;
    this.channels = seeded.channels;
    this.viewStore = new ViewStore(this.teamId, this.now);
    this.homeStore = new HomeStore(this.teamId, this.now);
    this.homeTabEnabled = opts.homeTabEnabled ?? true;
  }

  get views(): Map<string, EmuView> {
    return this.viewStore.views;
  }

  get homeViews(): Map<string, EmuView> {
    return this.homeStore.views;
  }

  reset(): void {
    const seeded = seedState(this.#seed);
    refill(this.users, seeded.users);
    refill(this.usergroups, seeded.usergroups);
    refill(this.channels, seeded.channels);
    this.calls.length = 0;
    this.messages.length = 0;
    this.ephemerals.length = 0;
    this.viewStore.clear();
    this.homeStore.clear();
    this.triggers.clear();
    this.responseUrls.clear();
    this.faults.clear();
  }

  /** Message timestamps: '1700000000.000100', strictly increasing. */
  nextTs(): string {
    const micros = Math.max(Math.floor(this.now()) * 1000, this.#lastTsMicros + 100);
    this.#lastTsMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  issueTrigger(userId: string, viewId?: string): string {
    const id = `${Math.floor(this.now())}.${this.triggers.size + 1}.${randomHex(16)}`;
    this.triggers.set(id, { user: userId, viewId, issuedAt: this.now(), used: false });
    return id;
  }

  /** Uses a trigger_id once, as views.open / views.push do. */
  takeTrigger(id: unknown): { ok: true; trigger: Trigger } | { ok: false; error: string } {
    const trigger = typeof id === 'string' ? this.triggers.get(id) : undefined;
    if (!trigger) return { ok: false, error: 'invalid_trigger_id' };
    if (trigger.used) return { ok: false, error: 'exchanged_trigger_id' };
    if (this.now() - trigger.issuedAt > TRIGGER_TTL_MS) return { ok: false, error: 'expired_trigger_id' };
    trigger.used = true;
    return { ok: true, trigger };
  }

  /** The path part (`/response/<id>`) of a new response URL; the server prefixes its base URL. */
  issueResponsePath(channelId: string, userId: string, messageTs?: string): string {
    const id = `${this.teamId}/${this.responseUrls.size + 1}/${randomHex(12)}`;
    this.responseUrls.set(id, { channel: channelId, user: userId, messageTs, issuedAt: this.now(), uses: 0 });
    return `/response/${id}`;
  }

  applyViewResponse(viewId: string, ackBody: unknown): void {
    this.viewStore.applyAck(viewId, ackBody);
  }

  applyCommandAck(channelId: string, userId: string, ackBody: unknown): void {
    let body = ackBody;
    if (typeof body === 'string') {
      if (body.trim() === '') return;
      try {
        body = JSON.parse(body) as unknown;
      } catch {
        body = { text: body };
      }
    }
    if (!isObj(body)) return;
    this.postResponse({ channel: channelId, user: userId, issuedAt: this.now(), uses: 0 }, body, 'command_ack');
  }

  /** Records a response_url post or a command ack body the way Slack shows it. */
  postResponse(target: ResponseUrl, body: JsonObject, via: 'response_url' | 'command_ack'): void {
    const text = str(body.text) ?? '';
    const blocks = Array.isArray(body.blocks) ? body.blocks.filter(isObj) : undefined;
    const original = target.messageTs === undefined ? undefined : this.findMessage(target.channel, target.messageTs);
    if (body.delete_original === true || body.delete_original === 'true') {
      if (original) original.deleted = true;
      return;
    }
    if ((body.replace_original === true || body.replace_original === 'true') && original) {
      Object.assign(original, { text, blocks, edited: true });
      return;
    }
    if (body.response_type === 'in_channel') {
      this.messages.push({
        channel: target.channel,
        ts: this.nextTs(),
        text,
        blocks,
        user: this.botUserId,
        via: 'response_url',
        ...(str(body.thread_ts) ? { thread_ts: str(body.thread_ts) } : {}),
      });
    } else {
      this.ephemerals.push({ channel: target.channel, user: target.user, ts: this.nextTs(), text, blocks, via });
    }
  }

  findMessage(channel: string, ts: string): EmuMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts && !m.deleted);
  }

  /** A channel argument as chat.* take it: C… id, #name or name, a user id (→ their DM), or a DM id. */
  resolveChannel(raw: unknown): Resolved {
    const name = str(raw)?.trim();
    if (!name) return { ok: false, error: 'channel_not_found' };
    if (/^[UW]/.test(name))
      return this.users.has(name) ? { ok: true, id: dmId(name), member: true } : { ok: false, error: 'channel_not_found' };
    if (name.startsWith('D0') && this.users.has(name.slice(2))) return { ok: true, id: name, member: true };
    const byId = this.channels.get(name);
    const channel = byId ?? [...this.channels.values()].find((c) => c.name === name.replace(/^#/, ''));
    return channel ? { ok: true, id: channel.id, member: channel.botIsMember } : { ok: false, error: 'channel_not_found' };
  }

  topView(userId: string): EmuView | undefined {
    return this.viewStore.topOf(userId);
  }

  addFault(f: SlackFault): void {
    this.faults.add(f);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** The first live fault for this method, with one use counted. */
  takeFault(method: string, channel?: unknown): SlackFault | undefined {
    return this.faults.take((f) => (f.method === method || f.method === '*') && (f.channel === undefined || f.channel === channel));
  }

  async waitFor<T>(predicate: () => T | undefined | false | null, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = predicate();
      if (value) return value;
      if (Date.now() >= deadline) {
        const recent =
          this.calls
            .slice(-8)
            .map((c) => `${c.method}→${okOf(c.response)}`)
            .join(', ') || 'none';
        throw new Error(
          `waitFor timed out after ${timeoutMs} ms waiting for: ${predicate.toString().slice(0, 300)}\nlast Web API calls: ${recent}`,
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

export function dmId(userId: string): string {
  return `D0${userId}`;
}

function refill<K, V>(target: Map<K, V>, source: Map<K, V>): void {
  target.clear();
  for (const [k, v] of source) target.set(k, v);
}

function okOf(response: unknown): string {
  if (!isObj(response)) return String(response);
  return response.ok === true ? 'ok' : String(response.error);
}
