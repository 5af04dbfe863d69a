/** Shapes of the Slack emulator's state, as tests read it. */
import type { SocketModeEmulator } from './socket.ts';

export type JsonObject = Record<string, unknown>;

export interface EmuUser {
  id: string;
  name: string;
  is_admin?: boolean;
  is_owner?: boolean;
  deleted?: boolean;
  /** Defaults to the emulator's team. */
  team_id?: string;
}

export interface EmuChannel {
  id: string;
  name: string;
  botIsMember: boolean;
}

export interface SlackSeed {
  users?: EmuUser[];
  /** Usergroup id → member user ids. */
  usergroups?: Record<string, string[]>;
  channels?: EmuChannel[];
}

/** One request to the Web API (or to a response_url, method 'response_url'). */
export interface EmuCall {
  method: string;
  /** Parsed arguments, token removed; JSON fields (view, blocks…) parsed. */
  args: JsonObject;
  /** Date.now() when it arrived. */
  at: number;
  /** HTTP status answered (0 while pending or hanging). */
  status: number;
  /** The JSON answered (or the text, for response_url). */
  response: unknown;
  /** Set when an injected fault shaped the answer. */
  fault?: boolean;
}

export interface EmuMessage {
  /** Channel id; DMs get an id like 'D0U0ALICE'. */
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: JsonObject[];
  /** Author: the bot user id. */
  user: string;
  reply_broadcast?: boolean;
  /** Set once chat.update (or a replace_original response) changed it. */
  edited?: boolean;
  deleted?: boolean;
  via: 'chat.postMessage' | 'response_url';
}

export interface EmuEphemeral {
  channel: string;
  /** The only user who sees it. */
  user: string;
  ts: string;
  text: string;
  blocks?: JsonObject[];
  /** command_ack: the body of the bot's HTTP answer to a slash command, which Slack shows the user. */
  via: 'chat.postEphemeral' | 'response_url' | 'command_ack';
}

/** A view.state.values entry, as Slack sends it. */
export interface StateValue {
  type: string;
  value?: string | null;
  selected_option?: SelectedOption | null;
  [key: string]: unknown;
}

export interface SelectedOption {
  text: { type: 'plain_text'; text: string; emoji?: boolean };
  value: string;
}

export type StateValues = Record<string, Record<string, StateValue>>;

/** A view as Slack holds it and sends it in payloads (ViewOutput). */
export interface ViewObject {
  id: string;
  team_id: string;
  type: string;
  callback_id: string;
  private_metadata: string;
  title: JsonObject;
  submit: JsonObject | null;
  close: JsonObject | null;
  blocks: JsonObject[];
  state: { values: StateValues };
  hash: string;
  root_view_id: string;
  previous_view_id: string | null;
  clear_on_close: boolean;
  notify_on_close: boolean;
  external_id: string;
  app_id: string;
  app_installed_team_id: string;
  bot_id: string;
  [key: string]: unknown;
}

export interface EmuView {
  id: string;
  hash: string;
  /** The user who sees it. */
  user: string;
  /** The view as last set, with Slack's fields (id, hash, state…). */
  view: ViewObject;
  /** Ids of the open views of this modal, root first; shared by all its views. */
  stack: string[];
  closed: boolean;
  /** From the last `response_action: 'errors'` ack: block_id → message (cleared on the next submit or update). */
  errors?: Record<string, string>;
  /** Why Slack refused the bot's last view_submission ack (the user would see a generic error). */
  ackErrors?: string[];
}

export interface SlackFault {
  /** Web API method, 'response_url', or '*' for every request. */
  method: string;
  /** Only calls whose `channel` argument is this one. */
  channel?: string;
  /** Answer with this HTTP status (429 adds Retry-After). */
  status?: number;
  /** The `error` of the `{ok:false}` body (default: ratelimited for 429, internal_error otherwise). */
  error?: string;
  /** Retry-After for 429 (default 1). */
  retryAfterSeconds?: number;
  /** Delay before answering (alone: a slow but normal answer). */
  latencyMs?: number;
  /** Never answer (until the client or the emulator closes the socket). */
  hang?: boolean;
  /** How many matching requests it affects; default unlimited. */
  times?: number;
}

export interface SlackEmulator {
  /** Base, e.g. http://127.0.0.1:PORT */
  url: string;
  /** `${url}/api/`: give this to WebClient / Bolt as slackApiUrl. */
  apiUrl: string;
  botToken: string;
  /** The app-level token (xapp-…) that apps.connections.open accepts. */
  appToken: string;
  /** Socket Mode: the app's connections, the envelopes sent on them, and disconnects for tests to trigger. */
  socketMode: SocketModeEmulator;
  teamId: string;
  botUserId: string;
  /** Every Web API and response_url request, in order. */
  calls: EmuCall[];
  messages: EmuMessage[];
  ephemerals: EmuEphemeral[];
  /** Every view ever opened, by id (closed ones stay, with closed: true). */
  views: Map<string, EmuView>;
  /** Each user's App Home tab as last published (views.publish), by user id. */
  homeViews: Map<string, EmuView>;
  /** The app has a Home tab; false makes views.publish answer not_enabled. */
  homeTabEnabled: boolean;
  /** Live workspace state; tests may change it. */
  users: Map<string, EmuUser>;
  usergroups: Map<string, string[]>;
  channels: Map<string, EmuChannel>;
  /** A trigger_id valid for 3 s, once, bound to that user (and to the view the interaction came from). */
  issueTrigger(userId: string, viewId?: string): string;
  /** `${url}/response/<id>`: 5 uses within 30 min; messageTs lets replace_original/delete_original reach that message. */
  issueResponseUrl(channelId: string, userId: string, messageTs?: string): string;
  /** Applies a view_submission ack body (parsed JSON, '' or undefined) as Slack would. */
  applyViewResponse(viewId: string, ackBody: unknown): void;
  /** Records what Slack shows for a slash command's HTTP answer (text or JSON message). */
  applyCommandAck(channelId: string, userId: string, ackBody: unknown): void;
  /** The open view on top of this user's most recent modal. */
  topView(userId: string): EmuView | undefined;
  addFault(f: SlackFault): void;
  clearFaults(): void;
  /** Back to the seed: clears calls, messages, ephemerals, views, triggers, response URLs and faults. */
  reset(): void;
  /** Polls until predicate returns a truthy value (default timeout 5 s). */
  waitFor<T>(predicate: () => T | undefined | false | null, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}
