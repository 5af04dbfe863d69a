/** Modal views: stacks, hashes, state values, and how Slack applies view_submission acks. */
import { jsonOrText } from '../body.ts';
import { carryState, elementsOf, validateView, withIds } from './blocks.ts';
import { APP_ID, BOT_ID } from './seed.ts';
import type { EmuView, JsonObject, StateValues, ViewObject } from './types.ts';
import { isObj, randomHex, str } from './util.ts';

export const MAX_STACK = 3;

export class ViewStore {
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

  /** Opens a new modal (validate the input first). */
  open(user: string, input: JsonObject): EmuView {
    return this.#create(user, input, []);
  }

  /** Pushes onto an existing stack; the caller checks MAX_STACK. */
  push(stack: string[], user: string, input: JsonObject): EmuView {
    return this.#create(user, input, stack);
  }

  /** Replaces a view's content: same id, new hash, inputs keep values where block_id and action_id stay. */
  update(v: EmuView, input: JsonObject): void {
    const blocks = withIds(asBlocks(input.blocks));
    v.hash = this.#hash();
    // An update that names no external_id keeps the old one.
    const withExternal = input.external_id === undefined && v.view.external_id ? { ...input, external_id: v.view.external_id } : input;
    v.view = this.#build(
      withExternal,
      v.id,
      v.hash,
      blocks,
      v.view.root_view_id,
      v.view.previous_view_id,
      carryState(v.view.state.values, blocks),
    );
    delete v.errors;
  }

  byExternalId(externalId: string): EmuView | undefined {
    for (const v of this.views.values()) if (!v.closed && v.view.external_id === externalId) return v;
    return undefined;
  }

  /** The top open view of this user's most recently opened modal. */
  topOf(user: string): EmuView | undefined {
    const open = [...this.views.values()].filter((v) => v.user === user && !v.closed);
    const last = open.at(-1);
    const topId = last?.stack.at(-1);
    return topId === undefined ? undefined : this.views.get(topId);
  }

  /** Closes one view (the root closes the whole modal), or the whole stack. */
  close(v: EmuView, all = false): void {
    if (v.closed) return;
    const index = v.stack.indexOf(v.id);
    const closing = all || index === 0 ? v.stack.splice(0) : v.stack.splice(index);
    for (const id of closing) {
      const closed = this.views.get(id);
      if (closed) closed.closed = true;
    }
    v.closed = true;
  }

  /** What Slack does with the bot's answer to a view_submission. */
  applyAck(viewId: string, ack: unknown): void {
    const v = this.views.get(viewId);
    if (!v) throw new Error(`applyViewResponse: unknown view ${viewId}`);
    delete v.ackErrors;
    const refuse = (errors: string[]): void => {
      v.ackErrors = errors;
    };
    const body = typeof ack === 'string' ? jsonOrText(ack) : ack;
    if (typeof body === 'string') return refuse(['the ack body is not JSON']);
    if (!isObj(body) || body.response_action === undefined) return this.close(v);
    switch (body.response_action) {
      case 'errors': {
        const problems = checkErrors(v, body.errors);
        if (problems.length > 0) return refuse(problems);
        v.errors = body.errors as Record<string, string>;
        return;
      }
      case 'update': {
        const problems = validateView(body.view);
        if (problems.length > 0) return refuse(problems);
        return this.update(v, body.view as JsonObject);
      }
      case 'push': {
        const problems = validateView(body.view);
        if (problems.length > 0) return refuse(problems);
        if (v.stack.length >= MAX_STACK) return refuse(['push_limit_reached']);
        this.push(v.stack, v.user, body.view as JsonObject);
        return;
      }
      case 'clear':
        return this.close(v, true);
      default:
        return refuse([`unknown response_action: ${String(body.response_action)}`]);
    }
  }

  #create(user: string, input: JsonObject, stack: string[]): EmuView {
    const id = `V0${(++this.#count).toString(36).toUpperCase().padStart(8, '0')}`;
    const hash = this.#hash();
    const blocks = withIds(asBlocks(input.blocks));
    const root = stack[0] ?? id;
    const view = this.#build(input, id, hash, blocks, root, stack.at(-1) ?? null, {});
    stack.push(id);
    const emu: EmuView = { id, hash, user, view, stack, closed: false };
    this.views.set(id, emu);
    return emu;
  }

  #build(
    input: JsonObject,
    id: string,
    hash: string,
    blocks: JsonObject[],
    root: string,
    previous: string | null,
    values: StateValues,
  ): ViewObject {
    return {
      ...input,
      id,
      team_id: this.#teamId,
      type: str(input.type) ?? 'modal',
      callback_id: str(input.callback_id) ?? '',
      private_metadata: str(input.private_metadata) ?? '',
      title: isObj(input.title) ? input.title : { type: 'plain_text', text: '' },
      submit: isObj(input.submit) ? input.submit : null,
      close: isObj(input.close) ? input.close : null,
      blocks,
      state: { values },
      hash,
      root_view_id: root,
      previous_view_id: previous,
      clear_on_close: input.clear_on_close === true,
      notify_on_close: input.notify_on_close === true,
      external_id: str(input.external_id) ?? '',
      app_id: APP_ID,
      app_installed_team_id: this.#teamId,
      bot_id: BOT_ID,
    };
  }

  #hash(): string {
    return `${Math.floor(this.#now() / 1000)}.${randomHex(4)}`;
  }
}

/** An `errors` ack must name input blocks of the view, each with a string message. */
function checkErrors(v: EmuView, errors: unknown): string[] {
  if (!isObj(errors) || Object.keys(errors).length === 0) return ['errors: must be a non-empty object of block_id → message'];
  const inputs = new Set(
    elementsOf(v.view.blocks)
      .filter((r) => r.isInput)
      .map((r) => r.blockId),
  );
  const out: string[] = [];
  for (const [blockId, message] of Object.entries(errors)) {
    if (!inputs.has(blockId)) out.push(`errors: "${blockId}" is not the block_id of an input block in this view`);
    if (typeof message !== 'string') out.push(`errors: the message for "${blockId}" must be a string`);
  }
  return out;
}

function asBlocks(x: unknown): JsonObject[] {
  return Array.isArray(x) ? x.filter(isObj) : [];
}
