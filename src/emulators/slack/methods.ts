/** Web API methods: each takes parsed arguments and returns Slack's JSON answer. */
import { MAX_MESSAGE_BLOCKS, validateBlocks, validateView, withIds } from './blocks.ts';
import { HOME_METHODS } from './home.ts';
import { APP_ID, BOT_ID, TEAM_DOMAIN } from './seed.ts';
import type { EmulatorState, Trigger } from './state.ts';
import { dmId } from './state.ts';
import type { EmuMessage, EmuView, JsonObject } from './types.ts';
import { bool, isObj, str } from './util.ts';
import { MAX_STACK } from './views.ts';

export type Method = (s: EmulatorState, args: JsonObject) => JsonObject;

const MAX_TEXT = 40000;

const fail = (error: string, messages?: string[]): JsonObject =>
  messages ? { ok: false, error, response_metadata: { messages } } : { ok: false, error };

export const METHODS: Record<string, Method> = {
  'api.test': (_s, args) => ({ ok: true, args }),

  'auth.test': (s) => ({
    ok: true,
    url: `https://${TEAM_DOMAIN}.slack.com/`,
    team: 'Emulated Workspace',
    user: 'chime-account',
    team_id: s.teamId,
    user_id: s.botUserId,
    bot_id: BOT_ID,
    is_enterprise_install: false,
  }),

  'views.open': (s, args) => {
    const checked = viewWithTrigger(s, args);
    if ('error' in checked) return checked.error;
    return { ok: true, view: s.viewStore.open(checked.trigger.user, checked.view).view };
  },

  'views.push': (s, args) => {
    const checked = viewWithTrigger(s, args);
    if ('error' in checked) return checked.error;
    const { view } = checked;
    const { user, viewId } = checked.trigger;
    const from = viewId === undefined ? s.viewStore.topOf(user) : s.views.get(viewId);
    // A trigger from outside any modal: Slack's behaviour is not documented; this opens a new modal.
    if (!from || from.closed) return { ok: true, view: s.viewStore.open(user, view).view };
    if (from.stack.length >= MAX_STACK) return fail('push_limit_reached');
    return { ok: true, view: s.viewStore.push(from.stack, user, view).view };
  },

  'views.update': (s, args) => {
    const viewId = str(args.view_id);
    const externalId = str(args.external_id);
    if (!viewId && !externalId) return fail('invalid_arguments', ['[ERROR] view_id or external_id is required']);
    const target: EmuView | undefined = viewId ? s.views.get(viewId) : s.viewStore.byExternalId(externalId ?? '');
    if (!target || target.closed) return fail('not_found');
    const hash = str(args.hash);
    if (hash && hash !== target.hash) return fail('hash_conflict');
    const problems = validateView(args.view);
    if (problems.length > 0) return fail('invalid_arguments', problems);
    s.viewStore.update(target, args.view as JsonObject);
    return { ok: true, view: target.view };
  },

  'chat.postMessage': (s, args) => {
    const channel = s.resolveChannel(args.channel);
    if (!channel.ok) return fail(channel.error);
    if (!channel.member) return fail('not_in_channel');
    const body = content(args, true);
    if ('error' in body) return body.error;
    const threadTs = str(args.thread_ts);
    const message: EmuMessage = {
      channel: channel.id,
      ts: s.nextTs(),
      text: body.text,
      blocks: body.blocks,
      user: s.botUserId,
      via: 'chat.postMessage',
    };
    if (threadTs) message.thread_ts = threadTs;
    if (threadTs && bool(args.reply_broadcast)) message.reply_broadcast = true;
    s.messages.push(message);
    return { ok: true, channel: channel.id, ts: message.ts, message: messageJson(s, message) };
  },

  'chat.update': (s, args) => {
    const channel = s.resolveChannel(args.channel);
    if (!channel.ok) return fail(channel.error);
    const message = s.findMessage(channel.id, str(args.ts) ?? '');
    if (!message) return fail('message_not_found');
    const body = content(args, false);
    if ('error' in body) return body.error;
    if (args.text !== undefined) message.text = body.text;
    if (body.blocks !== undefined) message.blocks = body.blocks;
    message.edited = true;
    return { ok: true, channel: channel.id, ts: message.ts, text: message.text, message: messageJson(s, message) };
  },

  'chat.delete': (s, args) => {
    const channel = s.resolveChannel(args.channel);
    if (!channel.ok) return fail(channel.error);
    const message = s.findMessage(channel.id, str(args.ts) ?? '');
    if (!message) return fail('message_not_found');
    message.deleted = true;
    return { ok: true, channel: channel.id, ts: message.ts };
  },

  'chat.postEphemeral': (s, args) => {
    const channel = s.resolveChannel(args.channel);
    if (!channel.ok) return fail(channel.error);
    const user = str(args.user);
    if (!user || !s.users.has(user)) return fail('user_not_in_channel');
    const body = content(args, true);
    if ('error' in body) return body.error;
    const ts = s.nextTs();
    s.ephemerals.push({ channel: channel.id, user, ts, text: body.text, blocks: body.blocks, via: 'chat.postEphemeral' });
    return { ok: true, message_ts: ts };
  },

  'chat.getPermalink': (s, args) => {
    const channel = s.resolveChannel(args.channel);
    if (!channel.ok) return fail(channel.error);
    const message = s.findMessage(channel.id, str(args.message_ts) ?? '');
    if (!message) return fail('message_not_found');
    return {
      ok: true,
      channel: channel.id,
      permalink: `https://${TEAM_DOMAIN}.slack.com/archives/${channel.id}/p${message.ts.replace('.', '')}`,
    };
  },

  'usergroups.users.list': (s, args) => {
    const members = s.usergroups.get(str(args.usergroup) ?? '');
    return members ? { ok: true, users: [...members] } : fail('no_such_subteam');
  },

  'users.info': (s, args) => {
    const id = str(args.user) ?? '';
    if (id === s.botUserId) return { ok: true, user: userJson(s, { id, name: 'chime-account' }, true) };
    const user = s.users.get(id);
    return user ? { ok: true, user: userJson(s, user, false) } : fail('user_not_found');
  },

  'conversations.open': (s, args) => {
    const users = (str(args.users) ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean);
    if (users.length === 0) return str(args.channel) ? conversation(s, args.channel) : fail('users_list_not_supplied');
    if (users.length > 1) return fail('not_supported', ['[ERROR] the emulator only opens 1:1 DMs']);
    const [user] = users;
    if (!user || !s.users.has(user)) return fail('user_not_found');
    return { ok: true, channel: { id: dmId(user) } };
  },

  'conversations.info': (s, args) => conversation(s, args.channel),

  ...HOME_METHODS,
};

function conversation(s: EmulatorState, raw: unknown): JsonObject {
  const channel = s.resolveChannel(raw);
  if (!channel.ok) return fail(channel.error);
  if (channel.id.startsWith('D0')) return { ok: true, channel: { id: channel.id, is_im: true, user: channel.id.slice(2) } };
  const c = s.channels.get(channel.id);
  return { ok: true, channel: { id: channel.id, name: c?.name, is_channel: true, is_private: false, is_member: channel.member } };
}

/** text / blocks of chat.* arguments, checked as Slack does. */
function content(args: JsonObject, needed: boolean): { text: string; blocks?: JsonObject[] } | { error: JsonObject } {
  const text = args.text === undefined ? '' : String(args.text);
  let blocks: JsonObject[] | undefined;
  if (args.blocks !== undefined) {
    if (!Array.isArray(args.blocks)) return { error: fail('invalid_blocks_format') };
    const problems: string[] = [];
    validateBlocks(args.blocks, '/blocks', MAX_MESSAGE_BLOCKS, problems);
    if (problems.length > 0) return { error: fail('invalid_blocks', problems) };
    blocks = withIds(args.blocks.filter(isObj));
  }
  const empty = text.trim() === '' && (blocks === undefined || blocks.length === 0) && args.attachments === undefined;
  if (empty && (needed || args.blocks !== undefined || args.text !== undefined)) return { error: fail('no_text') };
  if (text.length > MAX_TEXT) return { error: fail('msg_too_long') };
  return { text, blocks };
}

/** views.open / views.push: a valid view and a trigger Slack still honours, or the error Slack answers. */
function viewWithTrigger(s: EmulatorState, args: JsonObject): { view: JsonObject; trigger: Trigger } | { error: JsonObject } {
  const problems = validateView(args.view);
  if (problems.length > 0) return { error: fail('invalid_arguments', problems) };
  const view = args.view as JsonObject;
  if (duplicateExternalId(s, view)) return { error: fail('duplicate_external_id') };
  const taken = s.takeTrigger(args.trigger_id);
  if (!taken.ok) return { error: fail(taken.error) };
  return { view, trigger: taken.trigger };
}

function duplicateExternalId(s: EmulatorState, view: JsonObject): boolean {
  const externalId = str(view.external_id);
  return externalId !== undefined && externalId !== '' && s.viewStore.byExternalId(externalId) !== undefined;
}

function messageJson(s: EmulatorState, m: EmuMessage): JsonObject {
  return {
    type: 'message',
    user: m.user,
    bot_id: BOT_ID,
    app_id: APP_ID,
    text: m.text,
    ts: m.ts,
    team: s.teamId,
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
  };
}

function userJson(
  s: EmulatorState,
  u: { id: string; name: string; is_admin?: boolean; is_owner?: boolean; deleted?: boolean; team_id?: string },
  isBot: boolean,
): JsonObject {
  return {
    id: u.id,
    team_id: u.team_id ?? s.teamId,
    name: u.name,
    real_name: u.name,
    deleted: u.deleted === true,
    is_admin: u.is_admin === true,
    is_owner: u.is_owner === true,
    is_primary_owner: u.is_owner === true,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: isBot,
    is_app_user: false,
    profile: { real_name: u.name, display_name: u.name, team: u.team_id ?? s.teamId },
  };
}
