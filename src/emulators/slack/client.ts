/**
 * A simulated Slack user: sends signed slash commands and interaction payloads to the app's /slack/events endpoint,
 * shaped as Slack sends them, and applies the app's answers to the emulator (view acks, command replies).
 * With `transport: 'socket'` the same payloads go as Socket Mode envelopes over the app's WebSocket connections
 * instead, and the ack's payload comes back as the answer's body — so every caller reads it the same way.
 */

import { randomBytes } from 'node:crypto';
import { jsonOrText } from '../body.ts';
import type { ElementRef } from './blocks.ts';
import { elementsOf, findElement, optionsOf } from './blocks.ts';
import { clientCheck, enteredValue, initialValue, isOptionElement, lookupOption, normalizeOption } from './inputs.ts';
import { commandBody, interactionBody, sender, signRequest, VERIFICATION_TOKEN } from './payloads.ts';
import { APP_ID, BOT_ID } from './seed.ts';
import type { EmuEphemeral, EmuMessage, EmuView, JsonObject, SelectedOption, SlackEmulator, StateValues } from './types.ts';
import { isObj, str } from './util.ts';

/**
 * A step Slack's client would not take: a closed or missing view, a button or menu no longer shown, a deleted message,
 * someone else's view. Thrown instead of sending anything, so a caller can tell it from a bug.
 */
export class SlackRefusal extends Error {
  override name = 'SlackRefusal';
}

export interface SlackResponse {
  /** HTTP status; 0 when nothing was sent (Slack would not send) or the app did not answer in time. */
  status: number;
  body: string;
  /** Time to the app's answer. */
  ms: number;
  /** The app took longer than ackTimeoutMs: Slack shows the user an error. */
  timedOut?: boolean;
  /** Socket Mode: the envelope, the connection that acked it (or got the last try), and how many deliveries it took. */
  envelopeId?: string;
  connectionId?: string;
  attempts?: number;
}

export interface SlackUserClientOptions {
  /** e.g. http://127.0.0.1:PORT/slack/events (HTTP transport). */
  appUrl?: string;
  /** HTTP transport: the app's signing secret. */
  signingSecret?: string;
  /** 'http' (default): signed POSTs to appUrl. 'socket': envelopes over the app's Socket Mode connections. */
  transport?: 'http' | 'socket';
  emulator: SlackEmulator;
  teamId?: string;
  enterpriseId?: string;
  /** Slack gives up after 3 s (default 3000; 0 = wait forever). */
  ackTimeoutMs?: number;
}

export interface ButtonTarget {
  message?: EmuMessage;
  ephemeral?: EmuEphemeral;
  viewId?: string;
  actionId: string;
  blockId?: string;
  /** Overrides the button's value. */
  value?: string;
  /** Defaults to the message's channel. */
  channelId?: string;
  /** Send even if no such button is shown (a forged click). */
  forge?: boolean;
}

export { signRequest, VERIFICATION_TOKEN } from './payloads.ts';

export class SlackUserClient {
  readonly appUrl: string;
  readonly emulator: SlackEmulator;
  readonly teamId: string;
  readonly enterpriseId: string | undefined;
  readonly ackTimeoutMs: number;
  readonly transport: 'http' | 'socket';
  #secret: string;
  /** Options the app offered for an external menu (`viewId/blockId/actionId`), for their labels. */
  #offered = new Map<string, SelectedOption[]>();

  constructor(opts: SlackUserClientOptions) {
    this.transport = opts.transport ?? 'http';
    if (this.transport === 'http' && !(opts.appUrl && opts.signingSecret))
      throw new Error('SlackUserClient: the HTTP transport needs appUrl and signingSecret');
    this.appUrl = opts.appUrl ?? '';
    this.emulator = opts.emulator;
    this.teamId = opts.teamId ?? opts.emulator.teamId;
    this.enterpriseId = opts.enterpriseId;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 3000;
    this.#secret = opts.signingSecret ?? '';
  }

  signedHeaders(body: string, tsSeconds?: number): { 'x-slack-signature': string; 'x-slack-request-timestamp': string } {
    return signRequest(this.#secret, body, tsSeconds);
  }

  /** POSTs a raw body, signed, as a form (headers override, e.g. a bad signature); or, over Socket Mode, its envelope. */
  async send(rawBody: string, headers: Record<string, string> = {}): Promise<SlackResponse> {
    if (this.transport === 'socket') return this.#overSocket(rawBody, headers);
    const started = performance.now();
    const all = {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      ...this.signedHeaders(rawBody),
      ...headers,
    };
    try {
      const signal = this.ackTimeoutMs > 0 ? AbortSignal.timeout(this.ackTimeoutMs) : undefined;
      const res = await fetch(this.appUrl, { method: 'POST', headers: all, body: rawBody, signal });
      return { status: res.status, body: await res.text(), ms: performance.now() - started };
    } catch (err) {
      if (err instanceof Error && err.name === 'TimeoutError')
        return { status: 0, body: '', ms: performance.now() - started, timedOut: true };
      throw err;
    }
  }

  /** A slash command; the app's answer body (if any) is shown to the user, so it is recorded as an ephemeral. */
  async command(
    userId: string,
    text: string,
    opts: { channelId?: string; command?: string } = {},
  ): Promise<SlackResponse & { triggerId: string; responseUrl: string }> {
    const channelId = opts.channelId ?? 'C0OPS';
    const triggerId = this.emulator.issueTrigger(userId);
    const responseUrl = this.emulator.issueResponseUrl(channelId, userId);
    const body = commandBody({
      teamId: this.teamId,
      enterpriseId: this.enterpriseId,
      channelId,
      channelName: this.#channelName(channelId),
      userId,
      userName: this.#user(userId).name,
      command: opts.command,
      text,
      responseUrl,
      triggerId,
    });
    const res = await this.send(body);
    if (res.status === 200) this.emulator.applyCommandAck(channelId, userId, res.body);
    return { ...res, triggerId, responseUrl };
  }

  /** A button click in a message (or ephemeral message) or in a modal. */
  async clickButton(userId: string, where: ButtonTarget): Promise<SlackResponse & { triggerId: string }> {
    if (where.viewId !== undefined) {
      const v = this.#openView(where.viewId);
      const ref = this.#button(v.view.blocks, where);
      const triggerId = this.emulator.issueTrigger(userId, v.id);
      const payload = {
        ...this.#common(userId),
        container: { type: 'view', view_id: v.id },
        trigger_id: triggerId,
        view: v.view,
        actions: [buttonAction(ref, where)],
      };
      return { ...(await this.#interaction(payload)), triggerId };
    }
    const target = where.message ? this.#latest(where.message) : where.ephemeral;
    if (!target) throw new Error('clickButton: give a message, an ephemeral or a viewId');
    const channelId = where.channelId ?? target.channel;
    const ref = this.#button(target.blocks ?? [], where);
    const triggerId = this.emulator.issueTrigger(userId);
    const isEphemeral = where.message === undefined;
    const payload: JsonObject = {
      ...this.#common(userId),
      container: { type: 'message', message_ts: target.ts, channel_id: channelId, is_ephemeral: isEphemeral },
      trigger_id: triggerId,
      channel: { id: channelId, name: this.#channelName(channelId) },
      ...(isEphemeral ? {} : { message: this.#messageJson(target as EmuMessage) }),
      state: { values: {} },
      response_url: this.emulator.issueResponseUrl(channelId, userId, isEphemeral ? undefined : target.ts),
      actions: [buttonAction(ref, where)],
    };
    return { ...(await this.#interaction(payload)), triggerId };
  }

  /**
   * Chooses an option of a select menu in a modal. Slack keeps the choice in the view's state and sends block_actions
   * only for menus outside input blocks or in input blocks with dispatch_action: true (otherwise status 0).
   */
  async selectOption(
    userId: string,
    viewId: string,
    actionId: string,
    blockId: string,
    value: string,
  ): Promise<SlackResponse & { triggerId?: string }> {
    const v = this.#openView(viewId);
    const ref = findElement(v.view.blocks, actionId, blockId);
    if (!ref || !isOptionElement(ref.element.type))
      throw new SlackRefusal(`selectOption: no select menu ${blockId}/${actionId} in view ${viewId}`);
    const entered = enteredValue(ref, value, (r, val) => this.#option(v.id, r, val));
    v.view.state.values[blockId] ??= {};
    v.view.state.values[blockId]![actionId] = entered;
    if (ref.isInput && ref.block.dispatch_action !== true) return { status: 0, body: '', ms: 0 };
    const triggerId = this.emulator.issueTrigger(userId, v.id);
    const { type, ...chosen } = entered;
    const action = { type, action_id: actionId, block_id: blockId, ...chosen, action_ts: actionTs() };
    const payload = {
      ...this.#common(userId),
      container: { type: 'view', view_id: v.id },
      trigger_id: triggerId,
      view: v.view,
      actions: [action],
    };
    return { ...(await this.#interaction(payload)), triggerId };
  }

  /**
   * Types into an external_select: Slack asks the app for options (block_suggestion) once the query reaches the
   * element's min_query_length (default 3); shorter queries send nothing (status 0).
   * `problems` lists what Slack would refuse in the answer (over 100 options, text or value over 75 characters).
   */
  async suggest(
    userId: string,
    viewId: string,
    actionId: string,
    blockId: string,
    query: string,
  ): Promise<SlackResponse & { options?: unknown[]; json?: unknown; problems?: string[] }> {
    const v = this.#openView(viewId);
    const ref = findElement(v.view.blocks, actionId, blockId);
    if (!ref || !String(ref.element.type).includes('external_select'))
      throw new SlackRefusal(`suggest: no external_select ${blockId}/${actionId} in view ${viewId}`);
    const min = typeof ref.element.min_query_length === 'number' ? ref.element.min_query_length : 3;
    if (query.length < min) return { status: 0, body: '', ms: 0 };
    const payload = {
      ...this.#common(userId),
      type: 'block_suggestion',
      container: { type: 'view', view_id: v.id },
      action_id: actionId,
      block_id: blockId,
      value: query,
      view: v.view,
    };
    const res = await this.#interaction(payload);
    const json = jsonOrText(res.body);
    if (!isObj(json)) return { ...res, json };
    const options = [...(Array.isArray(json.options) ? json.options : []), ...optionsOf({ option_groups: json.option_groups })];
    const problems = checkOffered(json, options);
    this.#offered.set(`${v.id}/${blockId}/${actionId}`, options.filter(isObj).map(normalizeOption));
    return { ...res, json, options, problems };
  }

  /**
   * Submits a modal. `values`: block_id → action_id → the typed text or the chosen option's value (multi: comma-separated).
   * Inputs not given keep what the user chose before, or their initial value. As Slack's client does, nothing is sent
   * while a required input is empty or a plain_text_input breaks its min/max length (status 0, `blocked`), unless
   * skipClientChecks. The app's ack is then applied to the emulator's view (update / push / errors / clear / close).
   */
  async submitView(
    userId: string,
    viewId: string,
    values: Record<string, Record<string, string>> = {},
    opts: { skipClientChecks?: boolean } = {},
    // biome-ignore lint/suspicious/noExplicitAny: the bot's ack body, whatever it is, for tests to inspect
  ): Promise<SlackResponse & { json?: any; blocked?: Record<string, string> }> {
    const v = this.#openView(viewId);
    if (v.user !== userId) throw new SlackRefusal(`submitView: view ${viewId} belongs to ${v.user}, not ${userId}`);
    if (v.stack.at(-1) !== v.id) throw new SlackRefusal(`submitView: view ${viewId} is not on top of its stack`);
    const { state, blocked } = this.#submission(v, values);
    if (!opts.skipClientChecks && Object.keys(blocked).length > 0) return { status: 0, body: '', ms: 0, blocked };
    v.view.state.values = state;
    delete v.errors;
    const payload = {
      ...this.#common(userId),
      type: 'view_submission',
      trigger_id: this.emulator.issueTrigger(userId, v.id),
      view: v.view,
      response_urls: [],
    };
    const res = await this.#interaction(payload);
    if (res.status !== 200) return res;
    this.emulator.applyViewResponse(viewId, res.body);
    return { ...res, json: jsonOrText(res.body) };
  }

  /** Closes a modal with its close button; Slack sends view_closed only when notify_on_close (else status 0). */
  async closeView(userId: string, viewId: string, notifyOnClose?: boolean): Promise<SlackResponse> {
    const v = this.#openView(viewId);
    const snapshot = v.view;
    const cleared = snapshot.clear_on_close;
    this.emulator.applyViewResponse(viewId, cleared ? { response_action: 'clear' } : '');
    if (!(notifyOnClose ?? snapshot.notify_on_close)) return { status: 0, body: '', ms: 0 };
    return this.#interaction({ ...this.#common(userId), type: 'view_closed', view: snapshot, is_cleared: cleared });
  }

  /**
   * The user opens the app's Home tab (or its Messages tab): Slack sends an Events API `event_callback` with
   * `app_home_opened` to the app, JSON and signed; `view` is the Home view as last published, if any.
   */
  async openHome(userId: string, tab: 'home' | 'messages' = 'home'): Promise<SlackResponse & { eventId: string }> {
    const home = this.emulator.homeViews.get(userId);
    const eventId = `Ev${randomToken(10)}`;
    const now = Date.now();
    const event = {
      type: 'app_home_opened',
      user: userId,
      channel: `D0${userId}`,
      tab,
      event_ts: (now / 1000).toFixed(6),
      ...(tab === 'home' && home ? { view: home.view } : {}),
    };
    const res = await this.sendEvent(event, eventId, Math.floor(now / 1000));
    return { ...res, eventId };
  }

  /** Any Events API event in Slack's envelope (token, team_id, api_app_id, event, type, event_id, event_time…). */
  sendEvent(event: JsonObject, eventId = `Ev${randomToken(10)}`, eventTime = Math.floor(Date.now() / 1000)): Promise<SlackResponse> {
    const envelope = {
      token: VERIFICATION_TOKEN,
      team_id: this.teamId,
      ...(this.enterpriseId ? { enterprise_id: this.enterpriseId } : {}),
      context_team_id: this.teamId,
      context_enterprise_id: this.enterpriseId ?? null,
      api_app_id: APP_ID,
      event,
      type: 'event_callback',
      event_id: eventId,
      event_time: eventTime,
      authorizations: [
        {
          enterprise_id: this.enterpriseId ?? null,
          team_id: this.teamId,
          user_id: this.emulator.botUserId,
          is_bot: true,
          is_enterprise_install: false,
        },
      ],
      is_ext_shared_channel: false,
      event_context: `4-${randomToken(16)}`,
    };
    return this.send(JSON.stringify(envelope), { 'content-type': 'application/json' });
  }

  /** Slack's check of a new Events API request URL: the app must answer with the challenge. */
  async urlVerification(challenge = randomToken(24)): Promise<SlackResponse & { challenge: string }> {
    const body = JSON.stringify({ token: VERIFICATION_TOKEN, challenge, type: 'url_verification' });
    return { ...(await this.send(body, { 'content-type': 'application/json' })), challenge };
  }

  /**
   * A button click on the user's Home tab: block_actions with `container.type: "view"`, the Home view, and a
   * trigger_id (no channel, no response_url), as Slack sends it.
   */
  async clickHome(
    userId: string,
    where: Omit<ButtonTarget, 'message' | 'ephemeral' | 'viewId' | 'channelId'>,
  ): Promise<SlackResponse & { triggerId: string }> {
    const home = this.emulator.homeViews.get(userId);
    if (!home) throw new SlackRefusal(`clickHome: ${userId} has no Home tab published`);
    const ref = this.#button(home.view.blocks, where);
    const triggerId = this.emulator.issueTrigger(userId, home.id);
    const payload = {
      ...this.#common(userId),
      container: { type: 'view', view_id: home.id },
      trigger_id: triggerId,
      view: home.view,
      actions: [buttonAction(ref, where)],
    };
    return { ...(await this.#interaction(payload)), triggerId };
  }

  /**
   * The body Slack would POST, as the envelope it sends in Socket Mode instead: a JSON body is an Events API
   * callback (`events_api`; url_verification is never sent over a socket), a form with a `payload` field an
   * interaction (`interactive`), any other form a slash command (`slash_commands`, its fields as the payload). The
   * ack's payload is the answer's body: '' for a bare ack, else its JSON.
   */
  async #overSocket(rawBody: string, headers: Record<string, string>): Promise<SlackResponse> {
    const isJson = (headers['content-type'] ?? '').startsWith('application/json');
    let type: 'events_api' | 'interactive' | 'slash_commands';
    let payload: unknown;
    if (isJson) {
      type = 'events_api';
      payload = JSON.parse(rawBody);
      if (isObj(payload) && payload.type === 'url_verification') return { status: 0, body: '', ms: 0 };
    } else {
      const form = new URLSearchParams(rawBody);
      const field = form.get('payload');
      type = field === null ? 'slash_commands' : 'interactive';
      payload = field === null ? Object.fromEntries(form) : JSON.parse(field);
    }
    if (!isObj(payload)) throw new Error('SlackUserClient: Socket Mode carries JSON objects only');
    const ackTimeoutMs = this.ackTimeoutMs > 0 ? this.ackTimeoutMs : 24 * 60 * 60 * 1000;
    const d = await this.emulator.socketMode.deliver(type, payload, { ackTimeoutMs });
    const acked = isObj(d.payload) && Object.keys(d.payload).length > 0 ? JSON.stringify(d.payload) : '';
    return {
      status: d.acked ? 200 : 0,
      body: d.acked ? acked : '',
      ms: d.ms,
      ...(d.acked ? {} : { timedOut: true }),
      envelopeId: d.envelopeId,
      connectionId: d.connectionId,
      attempts: d.attempts,
    };
  }

  #interaction(payload: JsonObject): Promise<SlackResponse> {
    const full = { type: 'block_actions', ...payload };
    return this.send(interactionBody(full));
  }

  #common(userId: string): JsonObject {
    const u = this.#user(userId);
    return sender({ userId, userName: u.name, teamId: this.teamId, userTeamId: u.team_id, enterpriseId: this.enterpriseId });
  }

  /** Full state for a submission, and what Slack's client would refuse. */
  #submission(v: EmuView, values: Record<string, Record<string, string>>): { state: StateValues; blocked: Record<string, string> } {
    const refs = elementsOf(v.view.blocks);
    for (const [blockId, actions] of Object.entries(values)) {
      for (const actionId of Object.keys(actions)) {
        if (!refs.some((r) => r.blockId === blockId && r.actionId === actionId))
          throw new SlackRefusal(`submitView: no element ${blockId}/${actionId} in view ${v.id}`);
      }
    }
    const state = structuredClone(v.view.state.values);
    const blocked: Record<string, string> = {};
    for (const ref of refs) {
      const given = values[ref.blockId]?.[ref.actionId];
      const current = state[ref.blockId]?.[ref.actionId];
      const value =
        given !== undefined
          ? enteredValue(ref, given, (r, val) => this.#option(v.id, r, val))
          : (current ?? (ref.isInput ? initialValue(ref) : undefined));
      if (!value) continue;
      state[ref.blockId] ??= {};
      state[ref.blockId]![ref.actionId] = value;
      const refusal = ref.isInput ? clientCheck(ref, value) : undefined;
      if (refusal) blocked[ref.blockId] = refusal;
    }
    return { state, blocked };
  }

  #option(viewId: string, ref: ElementRef, value: string): SelectedOption {
    return lookupOption(ref, value, this.#offered.get(`${viewId}/${ref.blockId}/${ref.actionId}`));
  }

  #button(blocks: JsonObject[], where: ButtonTarget): ElementRef | undefined {
    const ref = findElement(blocks, where.actionId, where.blockId);
    if (ref?.element.type !== 'button' && !where.forge) {
      throw new SlackRefusal(`clickButton: no button ${where.blockId ?? '*'}/${where.actionId} is shown (pass forge: true to send anyway)`);
    }
    return ref;
  }

  #openView(viewId: string): EmuView {
    const v = this.emulator.views.get(viewId);
    if (!v) throw new SlackRefusal(`no view ${viewId} in the emulator`);
    if (v.closed) throw new SlackRefusal(`view ${viewId} is closed`);
    return v;
  }

  /** The emulator's current version of a message (tests may hold an old copy). */
  #latest(m: EmuMessage): EmuMessage {
    const current = this.emulator.messages.find((x) => x.channel === m.channel && x.ts === m.ts) ?? m;
    if (current.deleted) throw new SlackRefusal(`message ${m.ts} in ${m.channel} was deleted`);
    return current;
  }

  #messageJson(m: EmuMessage): JsonObject {
    return {
      type: 'message',
      user: m.user,
      bot_id: BOT_ID,
      app_id: APP_ID,
      text: m.text,
      ts: m.ts,
      team: this.teamId,
      blocks: m.blocks ?? [],
      ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
    };
  }

  #user(userId: string): { name: string; team_id?: string } {
    return this.emulator.users.get(userId) ?? { name: userId };
  }

  #channelName(channelId: string): string {
    if (channelId.startsWith('D')) return 'directmessage';
    return this.emulator.channels.get(channelId)?.name ?? 'privategroup';
  }
}

function buttonAction(ref: ElementRef | undefined, where: ButtonTarget): JsonObject {
  const el = ref?.element ?? {};
  const value = where.value ?? str(el.value);
  return {
    type: 'button',
    action_id: where.actionId,
    block_id: ref?.blockId ?? where.blockId ?? '',
    text: el.text ?? { type: 'plain_text', text: where.actionId, emoji: true },
    ...(value !== undefined ? { value } : {}),
    ...(el.style !== undefined ? { style: el.style } : {}),
    action_ts: actionTs(),
  };
}

function checkOffered(json: JsonObject, options: unknown[]): string[] {
  const out: string[] = [];
  if ((Array.isArray(json.options) ? json.options.length : 0) > 100) out.push('no more than 100 options allowed');
  if ((Array.isArray(json.option_groups) ? json.option_groups.length : 0) > 100) out.push('no more than 100 option groups allowed');
  options.forEach((o, i) => {
    const label = isObj(o) && isObj(o.text) ? str(o.text.text) : undefined;
    const value = isObj(o) ? str(o.value) : undefined;
    if (label === undefined || label.length > 75) out.push(`option ${i}: text must be 1–75 characters`);
    if (value === undefined || value.length > 75) out.push(`option ${i}: value must be 1–75 characters`);
  });
  return out;
}

function randomToken(length: number): string {
  return randomBytes(length).toString('base64url').replace(/[-_]/g, 'A').slice(0, length).toUpperCase();
}

function actionTs(): string {
  return (Date.now() / 1000).toFixed(6);
}
