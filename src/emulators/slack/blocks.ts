/** Block Kit checks (the limits Slack enforces that bots trip over) and element look-ups. */
import type { JsonObject, StateValues } from './types.ts';
import { isObj, problem, randomId, str } from './util.ts';

export const MAX_VIEW_BLOCKS = 100;
export const MAX_MESSAGE_BLOCKS = 50;

/** An interactive element with the block that holds it. */
export interface ElementRef {
  block: JsonObject;
  blockId: string;
  element: JsonObject;
  actionId: string;
  /** Inside an input block. */
  isInput: boolean;
}

/** Every element of a block list, in order (input elements, section accessories, actions elements). */
export function elementsOf(blocks: JsonObject[]): ElementRef[] {
  const refs: ElementRef[] = [];
  for (const block of blocks) {
    const blockId = str(block.block_id) ?? '';
    for (const element of innerElements(block)) {
      if (isObj(element)) refs.push({ block, blockId, element, actionId: str(element.action_id) ?? '', isInput: block.type === 'input' });
    }
  }
  return refs;
}

export function findElement(blocks: JsonObject[], actionId: string, blockId?: string): ElementRef | undefined {
  return elementsOf(blocks).find((r) => r.actionId === actionId && (blockId === undefined || r.blockId === blockId));
}

/** Options of a static menu, option groups flattened. */
export function optionsOf(element: JsonObject): JsonObject[] {
  const groups = asArray(element.option_groups).filter(isObj);
  return [...asArray(element.options), ...groups.flatMap((g) => asArray(g.options))].filter(isObj);
}

/** Copies blocks, giving every block a block_id and every element an action_id, as Slack does. */
export function withIds(blocks: JsonObject[]): JsonObject[] {
  const fill = (element: unknown): unknown =>
    isObj(element) && element.action_id === undefined && isInteractive(element) ? { ...element, action_id: randomId() } : element;
  return blocks.map((b) => {
    const block: JsonObject = { ...b, block_id: str(b.block_id) ?? randomId() };
    if (block.type === 'input') block.element = fill(block.element);
    if (block.type === 'section' && block.accessory !== undefined) block.accessory = fill(block.accessory);
    if (block.type === 'actions') block.elements = asArray(block.elements).map(fill);
    return block;
  });
}

/** Keeps the values of elements that still exist with the same block_id, action_id and type. */
export function carryState(values: StateValues, blocks: JsonObject[]): StateValues {
  const kept: StateValues = {};
  for (const ref of elementsOf(blocks)) {
    const old = values[ref.blockId]?.[ref.actionId];
    if (old && old.type === ref.element.type) {
      kept[ref.blockId] ??= {};
      kept[ref.blockId]![ref.actionId] = old;
    }
  }
  return kept;
}

/** Problems with a modal view, in Slack's response_metadata.messages format (empty: valid). */
export function validateView(view: unknown): string[] {
  if (!isObj(view)) return ['[ERROR] missing required field: view'];
  const out: string[] = [];
  if (view.type !== 'modal') out.push(problem(view.type === undefined ? 'missing required field: type' : "must be 'modal'", '/view/type'));
  plainText(view.title, 24, '/view/title', out, true);
  plainText(view.submit, 24, '/view/submit', out, false);
  plainText(view.close, 24, '/view/close', out, false);
  maxLength(view.private_metadata, 3000, '/view/private_metadata', out);
  maxLength(view.callback_id, 255, '/view/callback_id', out);
  maxLength(view.external_id, 255, '/view/external_id', out);
  if (!Array.isArray(view.blocks)) {
    out.push(problem('missing required field: blocks', '/view/blocks'));
    return out;
  }
  validateBlocks(view.blocks, '/view/blocks', MAX_VIEW_BLOCKS, out);
  const firstInput = view.blocks.findIndex((b) => isObj(b) && b.type === 'input');
  if (firstInput >= 0 && view.submit === undefined) {
    out.push(problem('must define `submit` to use an `input` block in modals', `/view/blocks/${firstInput}/input`));
  }
  return out;
}

/** Checks a block list (a message's or a view's) into `out`. */
export function validateBlocks(blocks: unknown[], base: string, maxBlocks: number, out: string[]): void {
  if (blocks.length > maxBlocks) out.push(problem(`no more than ${maxBlocks} items allowed`, base));
  const seen = new Set<string>();
  blocks.forEach((block, i) => {
    const at = `${base}/${i}`;
    if (!isObj(block) || typeof block.type !== 'string') {
      out.push(problem('missing required field: type', `${at}/type`));
      return;
    }
    const blockId = block.block_id;
    if (blockId !== undefined) {
      if (typeof blockId !== 'string' || blockId.length === 0) out.push(problem('must be a non-empty string', `${at}/block_id`));
      else if (blockId.length > 255) out.push(problem('must be less than 256 characters', `${at}/block_id`));
      else if (seen.has(blockId)) out.push(problem(`block_id "${blockId}" is already used`, `${at}/block_id`));
      else seen.add(blockId);
    }
    validateBlock(block, at, out);
  });
}

function validateBlock(block: JsonObject, at: string, out: string[]): void {
  switch (block.type) {
    case 'section':
      if (block.text === undefined && block.fields === undefined) out.push(problem('must provide `text` or `fields`', at));
      if (block.text !== undefined) textObject(block.text, 3000, `${at}/text`, out);
      if (block.fields !== undefined) {
        const fields = asArray(block.fields);
        if (fields.length > 10) out.push(problem('no more than 10 items allowed', `${at}/fields`));
        fields.forEach((f, j) => {
          textObject(f, 2000, `${at}/fields/${j}`, out);
        });
      }
      if (block.accessory !== undefined) validateElement(block.accessory, `${at}/accessory`, out);
      break;
    case 'header':
      plainText(block.text, 150, `${at}/text`, out, true);
      break;
    case 'context':
      asArray(block.elements).forEach((e, j) => {
        if (isObj(e) && (e.type === 'mrkdwn' || e.type === 'plain_text')) textObject(e, 3000, `${at}/elements/${j}`, out);
      });
      break;
    case 'actions': {
      const elements = asArray(block.elements);
      if (elements.length === 0) out.push(problem('must provide at least 1 items', `${at}/elements`));
      if (elements.length > 25) out.push(problem('no more than 25 items allowed', `${at}/elements`));
      elements.forEach((e, j) => {
        validateElement(e, `${at}/elements/${j}`, out);
      });
      uniqueActionIds(elements, `${at}/elements`, out);
      break;
    }
    case 'input':
      if (block.label === undefined) out.push(problem('missing required field: label', `${at}/label`));
      else plainText(block.label, 2000, `${at}/label`, out, true);
      if (block.hint !== undefined) plainText(block.hint, 2000, `${at}/hint`, out, true);
      if (block.element === undefined) out.push(problem('missing required field: element', `${at}/element`));
      else validateElement(block.element, `${at}/element`, out);
      break;
    default:
      break;
  }
}

function validateElement(element: unknown, at: string, out: string[]): void {
  if (!isObj(element) || typeof element.type !== 'string') {
    out.push(problem('missing required field: type', `${at}/type`));
    return;
  }
  maxLength(element.action_id, 255, `${at}/action_id`, out);
  if (element.placeholder !== undefined) plainText(element.placeholder, 150, `${at}/placeholder`, out, true);
  switch (element.type) {
    case 'button':
      plainText(element.text, 75, `${at}/text`, out, true);
      maxLength(element.value, 2000, `${at}/value`, out);
      maxLength(element.url, 3000, `${at}/url`, out);
      break;
    case 'static_select':
    case 'radio_buttons':
    case 'checkboxes':
    case 'overflow':
    case 'multi_static_select':
      validateOptions(element, at, out);
      break;
    case 'plain_text_input': {
      const max = element.max_length;
      if (max !== undefined && (typeof max !== 'number' || max < 1 || max > 3000))
        out.push(problem('must be between 1 and 3000', `${at}/max_length`));
      const min = element.min_length;
      if (min !== undefined && (typeof min !== 'number' || min < 0 || min > 3000))
        out.push(problem('must be between 0 and 3000', `${at}/min_length`));
      break;
    }
    default:
      break;
  }
}

function validateOptions(element: JsonObject, at: string, out: string[]): void {
  const grouped = element.option_groups !== undefined;
  const list = grouped ? asArray(element.option_groups) : asArray(element.options);
  const field = grouped ? 'option_groups' : 'options';
  if (list.length === 0) out.push(problem('must provide at least 1 items', `${at}/${field}`));
  if (list.length > 100) out.push(problem('no more than 100 items allowed', `${at}/${field}`));
  const check = (o: unknown, p: string): void => {
    if (!isObj(o)) {
      out.push(problem('must be an option object', p));
      return;
    }
    textObject(o.text, 75, `${p}/text`, out);
    if (typeof o.value !== 'string' && element.type !== 'overflow') out.push(problem('missing required field: value', `${p}/value`));
    maxLength(o.value, 75, `${p}/value`, out);
  };
  if (grouped)
    list.forEach((g, j) => {
      asArray(isObj(g) ? g.options : undefined).forEach((o, k) => {
        check(o, `${at}/option_groups/${j}/options/${k}`);
      });
    });
  else
    list.forEach((o, j) => {
      check(o, `${at}/options/${j}`);
    });
  const initial = element.initial_option;
  if (isObj(initial) && !optionsOf(element).some((o) => o.value === initial.value)) {
    out.push(problem('must match one of the provided options', `${at}/initial_option`));
  }
}

function uniqueActionIds(elements: unknown[], at: string, out: string[]): void {
  const seen = new Set<string>();
  elements.forEach((e, j) => {
    const id = isObj(e) ? str(e.action_id) : undefined;
    if (id === undefined) return;
    if (seen.has(id)) out.push(problem(`action_id "${id}" is already used`, `${at}/${j}/action_id`));
    seen.add(id);
  });
}

function plainText(value: unknown, max: number, at: string, out: string[], required: boolean): void {
  if (value === undefined || value === null) {
    if (required) out.push(problem('missing required field: text', at));
    return;
  }
  if (isObj(value) && value.type === 'plain_text') textObject(value, max, at, out);
  else out.push(problem("must be a 'plain_text' text object", at));
}

function textObject(value: unknown, max: number, at: string, out: string[]): void {
  if (!isObj(value) || (value.type !== 'plain_text' && value.type !== 'mrkdwn')) {
    out.push(problem('must be a text object', at));
  } else if (typeof value.text !== 'string') {
    out.push(problem('missing required field: text', `${at}/text`));
  } else if (value.text.length === 0) {
    out.push(problem('must be more than 0 characters', `${at}/text`));
  } else if (value.text.length > max) {
    out.push(problem(`must be less than ${max + 1} characters`, `${at}/text`));
  }
}

function maxLength(value: unknown, max: number, at: string, out: string[]): void {
  if (value === undefined) return;
  if (typeof value !== 'string') out.push(problem('must be a string', at));
  else if (value.length > max) out.push(problem(`must be less than ${max + 1} characters`, at));
}

/** The elements a block holds: an input's element, a section's accessory, an actions block's elements. */
function innerElements(block: JsonObject): unknown[] {
  if (block.type === 'input') return [block.element];
  if (block.type === 'section') return [block.accessory];
  if (block.type === 'actions') return asArray(block.elements);
  return [];
}

function isInteractive(element: JsonObject): boolean {
  return typeof element.type === 'string' && !['image', 'plain_text', 'mrkdwn'].includes(element.type);
}

function asArray(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}
