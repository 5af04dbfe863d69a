/**
 * App Home tabs: `views.publish` stores one Home view per user (the same view id each time, a new hash on every
 * publish), checked as Slack does: a `home` view, at most 100 blocks, at most 250 kB ("view_too_large"), a `hash`
 * that must match the stored one ("hash_conflict"), and "not_enabled" when the app has no Home tab.
 */
import { MAX_VIEW_BLOCKS, validateBlocks, withIds } from './blocks.ts';
import { APP_ID, BOT_ID } from './seed.ts';
import type { EmulatorState } from './state.ts';
import type { EmuView, JsonObject } from './types.ts';
import { isObj, problem, randomHex, str } from './util.ts';

/** Slack: "Error returned if the provided view is greater than 250kb" (taken here as 250 000 bytes of JSON). */
export const MAX_HOME_VIEW_BYTES = 250_000;

export class HomeStore {
  /** User id → their Home tab. */
  readonly views = new Map<string, EmuView>();
  #teamId: string;
  #now: () => number;
  #count = 0;

  constructor(teamId: string, now: () => number) {
    this.#teamId = teamId;
    this.#now = now;
  }

  clear(): void {
    this.views.clear();
  }

  byId(viewId: string): EmuView | undefined {
    for (const v of this.views.values()) if (v.id === viewId) return v;
    return undefined;
  }

  publish(user: string, input: JsonObject): EmuView {
    const existing = this.views.get(user);
    const id = existing?.id ?? `VH${(++this.#count).toString(36).toUpperCase().padStart(8, '0')}`;
    const hash = `${Math.floor(this.#now() / 1000)}.${randomHex(4)}`;
    const view = {
      ...input,
      id,
      team_id: this.#teamId,
      type: 'home',
      callback_id: str(input.callback_id) ?? '',
      private_metadata: str(input.private_metadata) ?? '',
      title: isObj(input.title) ? input.title : { type: 'plain_text', text: 'View Title' },
      submit: null,
      close: null,
      blocks: withIds(Array.isArray(input.blocks) ? input.blocks.filter(isObj) : []),
      state: { values: {} },
      hash,
      root_view_id: id,
      previous_view_id: null,
      clear_on_close: false,
      notify_on_close: false,
      external_id: str(input.external_id) ?? '',
      app_id: APP_ID,
      app_installed_team_id: this.#teamId,
      bot_id: BOT_ID,
    };
    const emu: EmuView = { id, hash, user, view, stack: [id], closed: false };
    this.views.set(user, emu);
    return emu;
  }
}

/** Problems with a Home view, in Slack's response_metadata.messages format (empty: valid). */
export function validateHomeView(view: unknown): string[] {
  if (!isObj(view)) return ['[ERROR] missing required field: view'];
  const out: string[] = [];
  if (view.type !== 'home') out.push(problem(view.type === undefined ? 'missing required field: type' : "must be 'home'", '/view/type'));
  for (const [key, max] of [
    ['private_metadata', 3000],
    ['callback_id', 255],
    ['external_id', 255],
  ] as const) {
    const value = view[key];
    if (value !== undefined && (typeof value !== 'string' || value.length > max))
      out.push(problem(`must be a string of at most ${max} characters`, `/view/${key}`));
  }
  if (!Array.isArray(view.blocks)) {
    out.push(problem('missing required field: blocks', '/view/blocks'));
    return out;
  }
  validateBlocks(view.blocks, '/view/blocks', MAX_VIEW_BLOCKS, out);
  return out;
}

const fail = (error: string, messages?: string[]): JsonObject =>
  messages ? { ok: false, error, response_metadata: { messages } } : { ok: false, error };

export const HOME_METHODS: Record<string, (s: EmulatorState, args: JsonObject) => JsonObject> = {
  'views.publish': (s, args) => {
    const user = str(args.user_id);
    if (!user) return fail('invalid_arguments', ['[ERROR] missing required field: user_id']);
    if (!s.users.has(user)) return fail('user_not_found');
    if (typeof args.view === 'string') return fail('invalid_arguments', ['[ERROR] view: must be a JSON object']);
    if (Buffer.byteLength(JSON.stringify(args.view ?? null)) > MAX_HOME_VIEW_BYTES) return fail('view_too_large');
    const problems = validateHomeView(args.view);
    if (problems.length > 0) return fail('invalid_arguments', problems);
    if (!s.homeTabEnabled) return fail('not_enabled');
    const hash = str(args.hash);
    if (hash !== undefined && hash !== '' && hash !== s.homeStore.views.get(user)?.hash) return fail('hash_conflict');
    return { ok: true, view: s.homeStore.publish(user, args.view as JsonObject).view };
  },
};
