// Block Kit → DOM, the way Slack's client draws it: header, section (text, fields, accessory), context, actions,
// divider, image (its alt text) and input blocks with plain text inputs, static and external selects, radio buttons
// and checkboxes. Interactions go to the callbacks in `ctx`, which send them through the Slack emulator.
import { el } from './dom.js';
import { textObject } from './mrkdwn.js';

/**
 * ctx: { names, state (view.state.values), errors (block_id → message), interactive (a modal or the Home tab: selects
 * and choices are live; in messages only buttons are), onButton(element, block), onSelect(element, block, value),
 * onSuggest(element, block, query) → options }
 */
export function renderBlocks(blocks, ctx) {
  return (blocks ?? []).map((block) => {
    const node = renderBlock(block, ctx);
    node.dataset.blockId = block.block_id ?? '';
    return node;
  });
}

function renderBlock(b, ctx) {
  const text = (t) => textObject(t, ctx.names);
  switch (b.type) {
    case 'header':
      return el('h3', { className: 'block header' }, text(b.text));
    case 'divider':
      return el('hr', { className: 'block divider' });
    case 'section':
      return el(
        'div',
        { className: 'block section' },
        el(
          'div',
          { className: 'section-body' },
          b.text ? el('div', { className: 'section-text' }, text(b.text)) : null,
          b.fields
            ? el(
                'div',
                { className: 'fields' },
                b.fields.map((f) => el('div', { className: 'field' }, text(f))),
              )
            : null,
        ),
        b.accessory ? el('div', { className: 'accessory' }, element(b.accessory, b, ctx)) : null,
      );
    case 'context':
      return el(
        'div',
        { className: 'block context' },
        (b.elements ?? []).map((e) => (e.type === 'image' ? imageAlt(e) : el('span', {}, text(e)))),
      );
    case 'actions':
      return el(
        'div',
        { className: 'block actions' },
        (b.elements ?? []).map((e) => element(e, b, ctx)),
      );
    case 'image':
      return el('div', { className: 'block image' }, imageAlt(b));
    case 'input':
      return inputBlock(b, ctx);
    default:
      return el('div', { className: 'block unsupported' }, `(a “${b.type}” block, which the sandbox does not draw)`);
  }
}

function inputBlock(b, ctx) {
  const error = ctx.errors?.[b.block_id];
  return el(
    'div',
    { className: `block input${error ? ' has-error' : ''}` },
    el(
      'label',
      { className: 'input-label' },
      textObject(b.label, ctx.names),
      b.optional ? el('span', { className: 'optional' }, ' (optional)') : null,
    ),
    element(b.element, b, ctx, true),
    b.hint ? el('div', { className: 'hint' }, textObject(b.hint, ctx.names)) : null,
    error ? el('div', { className: 'field-error', role: 'alert' }, error) : null,
  );
}

/** Images come from other sites, which the page's CSP refuses: Slack's alt text stands in for them. */
function imageAlt(e) {
  return el('span', { className: 'image-alt' }, `[image: ${e.alt_text ?? ''}]`);
}

function element(e, block, ctx, inInput = false) {
  switch (e.type) {
    case 'button':
      return button(e, block, ctx);
    case 'plain_text_input':
      return textInput(e, block, ctx);
    case 'static_select':
      return staticSelect(e, block, ctx, inInput);
    case 'external_select':
      return externalSelect(e, block, ctx, inInput);
    case 'radio_buttons':
    case 'checkboxes':
      return choices(e, block, ctx, inInput);
    default:
      return el('span', { className: 'unsupported' }, `(a “${e.type}” element, which the sandbox does not draw)`);
  }
}

function button(e, block, ctx) {
  const node = el('button', {
    type: 'button',
    className: `btn${e.style ? ` ${e.style}` : ''}`,
    dataset: { actionId: e.action_id ?? '' },
    onclick: async () => {
      if (e.confirm && !(await confirmDialog(e.confirm, ctx))) return;
      node.disabled = true;
      try {
        await ctx.onButton(e, block);
      } finally {
        node.disabled = false;
      }
    },
  });
  node.append(...textObject(e.text, ctx.names));
  return node;
}

/** A button's `confirm` object: Slack asks before it sends the click. */
function confirmDialog(c, ctx) {
  return new Promise((resolve) => {
    const done = (answer) => {
      overlay.remove();
      resolve(answer);
    };
    const overlay = el(
      'div',
      { className: 'overlay confirm-overlay' },
      el(
        'div',
        { className: 'dialog confirm', role: 'alertdialog' },
        el('h3', {}, textObject(c.title, ctx.names)),
        el('div', { className: 'confirm-text' }, textObject(c.text, ctx.names)),
        el(
          'div',
          { className: 'dialog-buttons' },
          el(
            'button',
            { type: 'button', className: 'btn', onclick: () => done(false) },
            textObject(c.deny ?? { text: 'Cancel' }, ctx.names),
          ),
          el(
            'button',
            { type: 'button', className: `btn ${c.style === 'danger' ? 'danger' : 'primary'}`, onclick: () => done(true) },
            textObject(c.confirm ?? { text: 'Yes' }, ctx.names),
          ),
        ),
      ),
    );
    document.body.append(overlay);
  });
}

// Input elements keep their value in the DOM until the modal is submitted; `inputs` lets the page read them back.
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

function textInput(e, block, ctx) {
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

function staticSelect(e, block, ctx, inInput) {
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
function externalSelect(e, block, ctx, inInput) {
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

function choices(e, block, ctx, inInput) {
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
