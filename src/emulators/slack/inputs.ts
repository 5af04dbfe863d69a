/** What a user's input looks like in view.state.values, per element type (as Slack sends it). */
import type { ElementRef } from './blocks.ts';
import { optionsOf } from './blocks.ts';
import type { JsonObject, SelectedOption, StateValue } from './types.ts';
import { isObj, str } from './util.ts';

interface Kind {
  /** The state value's key: value, selected_option, selected_user… */
  key: string;
  /** The element field holding the initial value. */
  initial: string;
  /** Value is an option object (looked up by its value). */
  option?: boolean;
  /** Several values: the input string is split on commas. */
  multi?: boolean;
}

const text: Kind = { key: 'value', initial: 'initial_value' };
const single: Kind = { key: 'selected_option', initial: 'initial_option', option: true };
const multi: Kind = { key: 'selected_options', initial: 'initial_options', option: true, multi: true };

const KINDS: Record<string, Kind> = {
  plain_text_input: text,
  number_input: text,
  email_text_input: text,
  url_text_input: text,
  static_select: single,
  external_select: single,
  radio_buttons: single,
  multi_static_select: multi,
  multi_external_select: multi,
  checkboxes: multi,
  users_select: { key: 'selected_user', initial: 'initial_user' },
  multi_users_select: { key: 'selected_users', initial: 'initial_users', multi: true },
  conversations_select: { key: 'selected_conversation', initial: 'initial_conversation' },
  channels_select: { key: 'selected_channel', initial: 'initial_channel' },
  datepicker: { key: 'selected_date', initial: 'initial_date' },
  timepicker: { key: 'selected_time', initial: 'initial_time' },
};

export function isOptionElement(type: unknown): boolean {
  return typeof type === 'string' && KINDS[type]?.option === true;
}

/** Looks an option label up: the element's own options, then options the app offered (external menus). */
export type OptionLookup = (ref: ElementRef, value: string) => SelectedOption;

export function lookupOption(ref: ElementRef, value: string, offered: SelectedOption[] = []): SelectedOption {
  const found = [...optionsOf(ref.element), ...offered].find((o) => o.value === value);
  const label = found && isObj(found.text) ? str(found.text.text) : undefined;
  return { text: { type: 'plain_text', text: label ?? value, emoji: true }, value };
}

/** The state value for what the user entered ('' = left empty). */
export function enteredValue(ref: ElementRef, input: string, option: OptionLookup): StateValue {
  const type = String(ref.element.type);
  const kind = KINDS[type] ?? text;
  if (kind.multi) {
    const parts = input
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    return { type, [kind.key]: kind.option ? parts.map((p) => option(ref, p)) : parts };
  }
  if (input === '') return { type, [kind.key]: null };
  return { type, [kind.key]: kind.option ? option(ref, input) : input };
}

/** The state value of an untouched element: its initial value, as Slack keeps it. */
export function initialValue(ref: ElementRef): StateValue {
  const type = String(ref.element.type);
  const kind = KINDS[type] ?? text;
  const initial = ref.element[kind.initial];
  if (kind.multi) return { type, [kind.key]: Array.isArray(initial) ? initial : [] };
  if (kind.option) return { type, [kind.key]: isObj(initial) ? normalizeOption(initial) : null };
  return { type, [kind.key]: initial ?? null };
}

export function isEmpty(value: StateValue): boolean {
  const kind = KINDS[value.type] ?? text;
  const v = value[kind.key];
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
}

/** What Slack's client says before sending anything (required field, plain_text_input length limits). */
export function clientCheck(ref: ElementRef, value: StateValue): string | undefined {
  if (isEmpty(value)) return ref.block.optional === true ? undefined : 'Please fill out this field.';
  if (ref.element.type !== 'plain_text_input' || typeof value.value !== 'string') return undefined;
  const { min_length: min, max_length: max } = ref.element;
  if (typeof min === 'number' && value.value.length < min) return `Must be at least ${min} characters.`;
  if (typeof max === 'number' && value.value.length > max) return `Must be ${max} characters or fewer.`;
  return undefined;
}

/** An option as Slack reports a selection: plain_text label and value. */
export function normalizeOption(option: JsonObject): SelectedOption {
  const label = isObj(option.text) ? str(option.text.text) : undefined;
  const value = str(option.value) ?? '';
  return { text: { type: 'plain_text', text: label ?? value, emoji: true }, value };
}
