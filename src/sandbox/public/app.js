// The sandbox page: a Slack workspace drawn from the emulators' state, which the server streams (server-sent events)
// every time the bot calls the Slack emulator. What you do here — a command, a click, a submit — goes to the server,
// which sends it to the bot as Slack would.
import { checkDelivery, notice, post } from './api.js';
import { renderBlocks } from './blocks.js';
import { ChimePanel } from './chime.js';
import { el, fill, fillIfChanged } from './dom.js';
import { ModalLayer } from './modal.js';
import { mrkdwn } from './mrkdwn.js';

const $ = (id) => document.getElementById(id);

const page = {
  snap: null,
  me: 'U0ALICE',
  /** { kind: 'channel', id } or { kind: 'home' } (the app's Home tab) */
  place: { kind: 'channel', id: 'C0OPS' },
  /** The open thread: { channel, ts } or null. */
  thread: null,
  /** person → channel → the newest message ts they have seen there, for the sidebar's unread counts. */
  seen: {},
};

const modal = new ModalLayer($('modal'), () => render());
const chime = new ChimePanel($('chime'));

function names() {
  const s = page.snap;
  return {
    users: new Map([...s.users.map((u) => [u.id, u.name]), [s.workspace.botUserId, s.workspace.botName]]),
    channels: new Map(s.channels.map((c) => [c.id, c.name])),
    groups: new Map(Object.entries(s.groups)),
  };
}

const dmOf = (user) => `D0${user}`;

// ---- what a person does ----

async function onButton(where, e, block) {
  const reply = await post('click', { user: page.me, actionId: e.action_id, blockId: block.block_id, where });
  checkDelivery(reply, 'The button');
}

async function onSelect(viewId, e, block, value) {
  const reply = await post('select', { user: page.me, viewId, actionId: e.action_id, blockId: block.block_id, value });
  checkDelivery(reply, 'The menu');
}

async function onSuggest(viewId, e, block, query) {
  const reply = await post('suggest', { user: page.me, viewId, actionId: e.action_id, blockId: block.block_id, query });
  return reply?.options ?? [];
}

function blockCtx(where, viewId) {
  return {
    names: names(),
    interactive: viewId !== undefined,
    onButton: (e, block) => onButton(where, e, block),
    onSelect: (e, block, value) => onSelect(viewId, e, block, value),
    onSuggest: (e, block, query) => onSuggest(viewId, e, block, query),
  };
}

async function sendComposer(event) {
  event.preventDefault();
  const box = $('composer-text');
  const typed = box.value.trim();
  const command = /^\/chime-account(?:\s+([\s\S]*))?$/.exec(typed);
  if (!command) {
    notice('The sandbox sends slash commands only: type /chime-account … (try /chime-account help).');
    return;
  }
  box.value = '';
  const channel = page.place.kind === 'home' ? dmOf(page.me) : page.place.id;
  checkDelivery(await post('command', { user: page.me, channel, text: command[1] ?? '' }), '/chime-account');
}

function go(place) {
  page.place = place;
  page.thread = null;
  if (place.kind === 'home') void post('home', { user: page.me }); // Slack sends app_home_opened each time the tab opens
  render();
}

function become(user) {
  page.me = user;
  if (page.place.kind === 'channel' && page.place.id.startsWith('D0')) page.place = { kind: 'channel', id: dmOf(user) };
  if (page.place.kind === 'home') void post('home', { user });
  render();
}

// ---- drawing ----

function render() {
  const s = page.snap;
  if (!s) return;
  renderSidebar(s);
  renderMain(s);
  renderThread(s);
  const open = s.modals[page.me];
  modal.render(open, page.me, blockCtx(open ? { view: open.id } : undefined, open?.id));
  chime.render(s.chime);
}

function renderSidebar(s) {
  const who = $('who');
  if (who.options.length === 0) {
    for (const p of s.people) who.append(el('option', { value: p.id }, `${p.name} — ${p.role}`));
    who.addEventListener('change', () => become(who.value));
  }
  who.value = page.me;
  const unread = (channel) => {
    const seen = page.seen[page.me]?.[channel] ?? 0;
    return s.messages.filter((m) => m.channel === channel && !m.thread_ts && Number(m.ts) > seen).length;
  };
  // Drawn again only when a label, a badge or the active place changed, as the message list is.
  const links = (node, items) =>
    fillIfChanged(node, JSON.stringify(items), () => items.map((i) => link(i.label, i.place, i.active, i.count)));
  const link = (label, place, active, count) =>
    el(
      'li',
      {},
      el(
        'button',
        { type: 'button', className: `nav${active ? ' active' : ''}`, onclick: () => go(place) },
        label,
        count ? el('span', { className: 'badge' }, String(count)) : null,
      ),
    );
  const here = page.place;
  links(
    $('channels'),
    s.channels
      .filter((c) => !c.id.startsWith('D'))
      .map((c) => {
        const active = here.kind === 'channel' && here.id === c.id;
        return { label: `# ${c.name}`, place: { kind: 'channel', id: c.id }, active, count: active ? 0 : unread(c.id) };
      }),
  );
  const inDm = here.kind === 'channel' && here.id === dmOf(page.me);
  links($('apps'), [
    { label: '⌂ chime-account — Home', place: { kind: 'home' }, active: here.kind === 'home', count: 0 },
    {
      label: '✉ chime-account — Messages',
      place: { kind: 'channel', id: dmOf(page.me) },
      active: inDm,
      count: inDm ? 0 : unread(dmOf(page.me)),
    },
  ]);
}

function renderMain(s) {
  const here = page.place;
  if (here.kind === 'home') {
    const home = s.home[page.me];
    fill($('place'), '⌂ chime-account', el('span', { className: 'tab' }, 'Home'));
    fillIfChanged($('messages'), JSON.stringify([page.me, here, home?.hash]), () =>
      home
        ? el('div', { className: 'home' }, renderBlocks(home.blocks, { ...blockCtx({ home: true }, home.id), onSelect: () => {} }))
        : el('p', { className: 'empty' }, 'Opening the Home tab…'),
    );
    $('composer-text').placeholder = 'Message chime-account — type /chime-account …';
    return;
  }
  const channelName = here.id.startsWith('D0')
    ? 'chime-account (direct messages)'
    : `# ${s.channels.find((c) => c.id === here.id)?.name ?? here.id}`;
  fill($('place'), channelName);
  $('composer-text').placeholder = `Message ${channelName} — type /chime-account …`;
  const inChannel = s.messages
    .filter((m) => m.channel === here.id && (!m.thread_ts || m.thread_ts === m.ts || m.reply_broadcast))
    .map((m) => ({ kind: 'message', m }));
  const mine = s.ephemerals.filter((e) => e.channel === here.id && e.user === page.me).map((m) => ({ kind: 'ephemeral', m }));
  const items = [...inChannel, ...mine].sort((a, b) => Number(a.m.ts) - Number(b.m.ts));
  page.seen[page.me] ??= {};
  page.seen[page.me][here.id] = Math.max(0, ...inChannel.map((i) => Number(i.m.ts)));
  const list = $('messages');
  const stick = list.scrollTop + list.clientHeight >= list.scrollHeight - 40;
  const replies = s.messages.filter((m) => m.channel === here.id && m.thread_ts).length; // the "N replies" links
  const changed = fillIfChanged(list, JSON.stringify([page.me, here, items, replies]), () =>
    items.length
      ? items.map((i) => messageNode(s, i.m, i.kind))
      : el('p', { className: 'empty' }, 'No messages yet. Type /chime-account below.'),
  );
  if (changed && stick) list.scrollTop = list.scrollHeight;
}

function messageNode(s, m, kind) {
  const where = kind === 'ephemeral' ? { ephemeral: { ts: m.ts } } : { message: { channel: m.channel, ts: m.ts } };
  const replies = kind === 'message' ? s.messages.filter((r) => r.channel === m.channel && r.thread_ts === m.ts && r.ts !== m.ts) : [];
  const open = () => {
    page.thread = { channel: m.channel, ts: m.ts };
    render();
  };
  return el(
    'article',
    { className: `message ${kind}${m.thread_ts && m.thread_ts !== m.ts ? ' reply' : ''}`, dataset: { ts: m.ts } },
    el('div', { className: 'avatar' }, '⚙'),
    el(
      'div',
      { className: 'message-main' },
      el(
        'div',
        { className: 'message-meta' },
        el('b', {}, 'chime-account'),
        el('span', { className: 'app-tag' }, 'APP'),
        el('time', {}, new Date(Number(m.ts) * 1000).toLocaleTimeString()),
        m.edited ? el('span', { className: 'edited' }, '(edited)') : null,
        m.reply_broadcast ? el('span', { className: 'edited' }, 'replied to a thread') : null,
      ),
      kind === 'ephemeral' ? el('div', { className: 'only-you' }, 'Only visible to you') : null,
      el('div', { className: 'message-body' }, m.blocks?.length ? renderBlocks(m.blocks, blockCtx(where)) : mrkdwn(m.text, names())),
      replies.length
        ? el(
            'button',
            { type: 'button', className: 'replies', onclick: open },
            `${replies.length} repl${replies.length === 1 ? 'y' : 'ies'}`,
          )
        : null,
    ),
  );
}

function renderThread(s) {
  const pane = $('thread');
  const t = page.thread;
  const parent = t && s.messages.find((m) => m.channel === t.channel && m.ts === t.ts);
  pane.hidden = !parent;
  if (!parent) return fillIfChanged(pane, 'null', () => []);
  const replies = s.messages.filter((r) => r.channel === t.channel && r.thread_ts === t.ts && r.ts !== t.ts);
  // Drawn again only when the thread shows something new, so its buttons stay put under the pointer.
  fillIfChanged(pane, JSON.stringify([page.me, t, parent, replies]), () => [
    el(
      'header',
      { className: 'thread-header' },
      el('h2', {}, 'Thread'),
      el(
        'button',
        {
          type: 'button',
          className: 'icon',
          title: 'Close the thread',
          onclick: () => {
            page.thread = null;
            render();
          },
        },
        '×',
      ),
    ),
    el(
      'div',
      { className: 'thread-messages' },
      messageNode(s, parent, 'message'),
      el('hr'),
      replies.map((r) => messageNode(s, r, 'message')),
    ),
  ]);
}

// ---- start ----

$('composer').addEventListener('submit', sendComposer);
document.addEventListener('open-channel', (event) => go({ kind: 'channel', id: event.detail }));
// Escape closes the top modal, as in Slack (a confirm dialog, when open, is answered first by its own buttons).
document.addEventListener('keydown', (event) => {
  const open = page.snap?.modals[page.me];
  if (event.key === 'Escape' && open && !document.querySelector('.confirm-overlay')) void post('close', { user: page.me, viewId: open.id });
});
const events = new EventSource('/api/events');
events.addEventListener('state', (event) => {
  page.snap = JSON.parse(event.data);
  document.body.classList.add('ready');
  render();
});
events.addEventListener('error', () => document.body.classList.remove('ready'));
