// Block Kit → DOM, the way Slack's client draws it: header, section (text, fields, accessory), context, actions,
// divider, image (its alt text) and input blocks (their elements: inputs.js). Interactions go to the callbacks in
// `ctx`, which send them through the Slack emulator.
import { el } from './dom.js';
import { choices, externalSelect, staticSelect, textInput } from './inputs.js';
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
