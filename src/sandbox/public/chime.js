// The side panel: the Chime emulator's accounts (change one behind the bot's back to see the drift check), buttons
// that inject faults into it (so every error path can be seen), and its latest calls. Changes go to the sandbox
// server, which makes them in the Chime emulator in-process.
import { post } from './api.js';
import { el, fill, fillIfChanged } from './dom.js';

const LICENSES = ['Basic', 'Plus', 'Pro', 'ProTrial'];

const FAULTS = [
  ['throttle', 'Throttle every call', 'ThrottledClient (429) on every Chime call'],
  ['forbidden', 'Forbid every call', 'Forbidden (403) on every Chime call'],
  ['slow', 'Slow GetAccount (3.5 s)', 'GetAccount answers after 3.5 seconds'],
  ['clear', 'Clear faults', 'Chime answers normally again'],
];

export class ChimePanel {
  #list = el('ul', { className: 'accounts' });
  #filter = el('input', { type: 'search', className: 'text-input', placeholder: 'Filter accounts', oninput: () => this.#draw() });
  #faults = el('ul', { className: 'faults' });
  #calls = el('ol', { className: 'calls' });
  #editing = null; // { id, node }: an edit form survives redraws
  #state = null;

  constructor(root) {
    fill(
      root,
      el('h2', {}, 'Amazon Chime (emulated)'),
      el('h3', {}, 'Faults'),
      el(
        'div',
        { className: 'fault-buttons' },
        FAULTS.map(([kind, label, title]) =>
          el(
            'button',
            {
              type: 'button',
              className: `btn${kind === 'clear' ? '' : ' danger'}`,
              title,
              dataset: { fault: kind },
              onclick: () => post('fault', { kind }),
            },
            label,
          ),
        ),
      ),
      this.#faults,
      el('h3', {}, 'Accounts'),
      this.#filter,
      this.#list,
      el('h3', {}, 'Latest calls'),
      this.#calls,
    );
  }

  render(state) {
    this.#state = state;
    this.#draw();
  }

  #draw() {
    const state = this.#state;
    if (!state) return;
    // Each list is drawn again only when what it shows changed, as the accounts are: a redraw can shift what is below.
    fillIfChanged(this.#faults, JSON.stringify(state.faults), () =>
      state.faults.length
        ? state.faults.map((f) => el('li', {}, describeFault(f)))
        : el('li', { className: 'empty' }, 'No faults: Chime answers normally.'),
    );
    const query = this.#filter.value.trim().toLowerCase();
    const shown = state.accounts.filter((a) => !query || `${a.Name} ${a.AccountId}`.toLowerCase().includes(query));
    fillIfChanged(this.#list, JSON.stringify([shown, this.#editing?.id]), () => shown.map((a) => this.#row(a)));
    fillIfChanged(this.#calls, JSON.stringify(state.calls), () =>
      [...state.calls]
        .reverse()
        .map((c) =>
          el(
            'li',
            { className: c.status >= 400 ? 'failed' : '' },
            `${c.operation}${c.accountId ? ` …${c.accountId.slice(-4)}` : ''} → ${c.status === 0 ? 'waiting' : c.status}`,
          ),
        ),
    );
  }

  #row(a) {
    if (this.#editing?.id === a.AccountId) return this.#editing.node;
    return el(
      'li',
      { className: 'account', dataset: { accountId: a.AccountId } },
      el('div', { className: 'account-name' }, a.Name),
      el('div', { className: 'account-meta' }, `${a.DefaultLicense ?? '—'} · ${a.AccountStatus ?? '—'} · …${a.AccountId.slice(-4)}`),
      el('button', { type: 'button', className: 'btn small', onclick: () => this.#edit(a) }, 'Change in Chime…'),
    );
  }

  #edit(a) {
    const name = el('input', { type: 'text', className: 'text-input', value: a.Name, name: 'chime-name' });
    const license = el(
      'select',
      { className: 'select', name: 'chime-license' },
      LICENSES.map((l) => el('option', { value: l, selected: l === a.DefaultLicense }, l)),
    );
    const status = el(
      'select',
      { className: 'select', name: 'chime-status' },
      ['Active', 'Suspended'].map((s) => el('option', { value: s, selected: s === a.AccountStatus }, s)),
    );
    const done = () => {
      this.#editing = null;
      this.#draw();
    };
    const save = async () => {
      const saved = await post('account', { id: a.AccountId, name: name.value, license: license.value, status: status.value });
      if (saved) done();
    };
    const node = el(
      'li',
      { className: 'account editing', dataset: { accountId: a.AccountId } },
      el('label', {}, 'Name', name),
      el('label', {}, 'Default license', license),
      el('label', {}, 'Status', status),
      el(
        'div',
        { className: 'dialog-buttons' },
        el('button', { type: 'button', className: 'btn', onclick: done }, 'Cancel'),
        el('button', { type: 'button', className: 'btn primary', onclick: save }, 'Save in Chime'),
      ),
    );
    this.#editing = { id: a.AccountId, node };
    this.#draw();
  }
}

function describeFault(f) {
  const what = f.error ? `${f.error}${f.message ? ` (“${f.message}”)` : ''}` : f.latencyMs ? `a ${f.latencyMs / 1000} s delay` : 'a fault';
  return `${what} on ${f.operation ?? 'every call'}`;
}
