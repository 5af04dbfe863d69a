// The input elements of Block Kit: plain text inputs, static and external selects (the latter a type-ahead that asks
// the bot for options), radio buttons and checkboxes. Inside an input block they keep what the person entered in the
// DOM until the modal is submitted; `inputValues` reads it back in the shape the Slack emulator's client takes.
import { el } from './dom.js';
import { textObject } from './mrkdwn.js';

// Each registered input node → how to read and write its value.
const readers = new WeakMap();

function register(node, block, e, read, write) {
  node.dataset.input = `${block.block_id}/${e.action_id}`;
  readers.set(node, { blockId: block.block_id, actionId: e.action_id, type: e.type, read, write });
  return node;
}

/** What a person has entered in these nodes: block_id → action_id → text (undefined: left as it was). */
export function inputValues(root) {
  const values = {};
  for (const node of root.querySelectorAll('[data-input]')) {
    const r = readers.get(node);
    const value = r?.read();
    if (!r || value === undefined) continue;
    values[r.blockId] ??= {};
    values[r.blockId][r.actionId] = value;
  }
  return values;
}

/** Puts entered values back after a redraw, where the same block and action (and element type) still exist. */
export function restoreValues(root, saved) {
  for (const node of root.querySelectorAll('[data-input]')) {
    const r = readers.get(node);
    const entry = r && saved.get(`${r.blockId}/${r.actionId}`);
    if (entry && entry.type === r.type) r.write(entry.value);
  }
}

/** Entered values with their element types, to carry over a redraw. */
export function snapshotValues(root) {
  const saved = new Map();
  for (const node of root.querySelectorAll('[data-input]')) {
    const r = readers.get(node);
    if (r) saved.set(`${r.blockId}/${r.actionId}`, { type: r.type, value: r.read() });
  }
  return saved;
}

function stateOf(e, block, ctx) {
  return ctx.state?.[block.block_id]?.[e.action_id];
}

export function textInput(e, block, ctx) {
  const kept = stateOf(e, block, ctx)?.value;
  const props = {
    className: 'text-input',
    value: kept ?? e.initial_value ?? '',
    placeholder: e.placeholder?.text ?? '',
    name: `${block.block_id}/${e.action_id}`,
  };
  const node = e.multiline ? el('textarea', { ...props, rows: 3 }) : el('input', { ...props, type: 'text' });
  return register(
    node,
    block,
    e,
    () => node.value,
    (v) => {
      if (v !== undefined) node.value = v;
    },
  );
}

function optionList(e) {
  return [...(e.options ?? []), ...(e.option_groups ?? []).flatMap((g) => g.options ?? [])];
}

export function staticSelect(e, block, ctx, inInput) {
  const chosen = stateOf(e, block, ctx)?.selected_option?.value ?? e.initial_option?.value ?? '';
  const option = (o) => el('option', { value: o.value, selected: o.value === chosen }, o.text?.text ?? o.value);
  const node = el(
    'select',
    {
      className: 'select',
      name: `${block.block_id}/${e.action_id}`,
      disabled: !ctx.interactive,
      onchange: () => {
        if (node.value) void ctx.onSelect(e, block, node.value);
      },
    },
    el('option', { value: '', disabled: true, selected: chosen === '' }, e.placeholder?.text ?? 'Select an item'),
    (e.options ?? []).map(option),
    (e.option_groups ?? []).map((g) => el('optgroup', { label: g.label?.text ?? '' }, (g.options ?? []).map(option))),
  );
  if (!inInput) return node;
  return register(
    node,
    block,
    e,
    () => node.value,
    (v) => {
      if (v) node.value = v;
    },
  );
}

/** A type-ahead: each keystroke past min_query_length asks the bot for options (block_suggestion via the emulator). */
export function externalSelect(e, block, ctx, inInput) {
  const initial = stateOf(e, block, ctx)?.selected_option ?? e.initial_option;
  let chosen = initial ? { value: initial.value, label: initial.text?.text ?? initial.value } : undefined;
  let touched = false;
  let asked = 0;
  const list = el('ul', { className: 'suggestions', role: 'listbox', hidden: true });
  const box = el('input', {
    type: 'text',
    className: 'text-input type-ahead',
    role: 'combobox',
    value: chosen?.label ?? '',
    placeholder: e.placeholder?.text ?? 'Type to search',
    name: `${block.block_id}/${e.action_id}`,
    disabled: !ctx.interactive,
    onfocus: () => ask(),
    oninput: () => ask(),
    onblur: () => setTimeout(() => (list.hidden = true), 200),
  });
  const node = el('div', { className: 'external-select' }, box, list);

  async function ask() {
    const query = box.value === chosen?.label ? '' : box.value;
    const mine = ++asked;
    const options = await ctx.onSuggest(e, block, query);
    if (mine !== asked) return; // a later keystroke asked again
    list.replaceChildren(
      ...(options.length === 0
        ? [el('li', { className: 'no-options' }, 'No results')]
        : options.map((o) => el('li', { role: 'option', onmousedown: () => choose(o) }, o.text?.text ?? o.value))),
    );
    list.hidden = false;
  }

  function choose(o) {
    chosen = { value: o.value, label: o.text?.text ?? o.value };
    touched = true;
    box.value = chosen.label;
    list.hidden = true;
    void ctx.onSelect(e, block, o.value);
  }

  if (!inInput) return node;
  // Untouched, Slack keeps the initial option: nothing to send.
  return register(
    node,
    block,
    e,
    () => (touched ? (chosen?.value ?? '') : undefined),
    () => {},
  );
}

export function choices(e, block, ctx, inInput) {
  const multi = e.type === 'checkboxes';
  const kept = stateOf(e, block, ctx);
  const initial = multi
    ? (kept?.selected_options ?? e.initial_options ?? []).map((o) => o.value)
    : [kept?.selected_option?.value ?? e.initial_option?.value].filter(Boolean);
  const name = `${block.block_id}/${e.action_id}`;
  const boxes = optionList(e).map((o) => {
    const input = el('input', {
      type: multi ? 'checkbox' : 'radio',
      name,
      value: o.value,
      checked: initial.includes(o.value),
      disabled: !ctx.interactive,
      onchange: () => {
        if (!inInput || block.dispatch_action) void ctx.onSelect(e, block, read());
      },
    });
    return el(
      'label',
      { className: 'choice' },
      input,
      el('span', {}, textObject(o.text, ctx.names)),
      o.description ? el('span', { className: 'choice-description' }, textObject(o.description, ctx.names)) : null,
    );
  });
  const node = el('fieldset', { className: `choices ${e.type}` }, boxes);
  const read = () =>
    [...node.querySelectorAll('input')]
      .filter((i) => i.checked)
      .map((i) => i.value)
      .join(',');
  if (!inInput) return node;
  return register(node, block, e, read, (v) => {
    const on = new Set(String(v).split(','));
    for (const i of node.querySelectorAll('input')) i.checked = on.has(i.value);
  });
}
