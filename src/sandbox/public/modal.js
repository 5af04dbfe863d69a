// The open modal of the person you are, as an overlay: drawn again only when the view changes (views.update, a push,
// errors), keeping what you typed where the same input still exists — as Slack does.
import { checkDelivery, post } from './api.js';
import { renderBlocks } from './blocks.js';
import { el, fill } from './dom.js';
import { inputValues, restoreValues, snapshotValues } from './inputs.js';
import { textObject } from './mrkdwn.js';

export class ModalLayer {
  #root;
  #shown = ''; // the key of what is drawn
  #blocked = {}; // what Slack's client refused before sending (a required field left empty…)
  #viewId = '';
  #redraw;

  /** redraw: asks the page to draw again (after a submit Slack's client refused). */
  constructor(root, redraw) {
    this.#root = root;
    this.#redraw = redraw;
  }

  /** modal: the snapshot's modal of `me` (or null); ctx: the page's block callbacks. */
  render(modal, me, ctx) {
    if (!modal) {
      this.#shown = '';
      this.#viewId = '';
      fill(this.#root);
      this.#root.hidden = true;
      return;
    }
    if (modal.id !== this.#viewId) this.#blocked = {};
    const key = JSON.stringify([me, modal.id, modal.hash, modal.errors, modal.ackErrors, this.#blocked]);
    if (key === this.#shown) return;
    const saved = modal.id === this.#viewId ? snapshotValues(this.#root) : new Map();
    this.#shown = key;
    this.#viewId = modal.id;
    this.#root.hidden = false;
    fill(this.#root, this.#dialog(modal, me, ctx));
    restoreValues(this.#root, saved);
  }

  #dialog(modal, me, ctx) {
    const { view } = modal;
    const names = ctx.names;
    const close = () => post('close', { user: me, viewId: modal.id });
    const errors = { ...this.#blocked, ...modal.errors };
    const body = el(
      'div',
      { className: 'modal-body' },
      modal.ackErrors.length
        ? el('div', { className: 'ack-error', role: 'alert' }, `Slack could not show the app's answer: ${modal.ackErrors.join('; ')}`)
        : null,
      renderBlocks(view.blocks, { ...ctx, state: view.state?.values ?? {}, errors, interactive: true, viewId: modal.id }),
    );
    const submit = async (button) => {
      button.disabled = true;
      try {
        const reply = await post('submit', { user: me, viewId: modal.id, values: inputValues(body) });
        checkDelivery(reply, 'The form');
        this.#blocked = reply?.blocked ?? {};
        this.#shown = ''; // draw again: the errors may be the same words as before
      } finally {
        button.disabled = false;
      }
      this.#redraw();
    };
    const submitButton = view.submit
      ? el('button', { type: 'button', className: 'btn primary', onclick: () => submit(submitButton) }, textObject(view.submit, names))
      : null;
    return el(
      'div',
      { className: 'dialog modal', role: 'dialog', ariaModal: 'true', dataset: { viewId: modal.id, callbackId: view.callback_id } },
      el(
        'header',
        { className: 'modal-header' },
        modal.depth > 1 ? el('button', { type: 'button', className: 'icon', title: 'Back', onclick: close }, '‹') : null,
        el('h2', {}, textObject(view.title, names)),
        el('button', { type: 'button', className: 'icon', title: 'Close', onclick: close }, '×'),
      ),
      body,
      el(
        'footer',
        { className: 'dialog-buttons' },
        el(
          'button',
          { type: 'button', className: 'btn', onclick: close },
          textObject(view.close ?? { type: 'plain_text', text: 'Cancel' }, names),
        ),
        submitButton,
      ),
    );
  }
}
