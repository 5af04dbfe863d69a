// Slack's mrkdwn → DOM nodes. Every piece of text becomes a text node (never HTML), so whatever an account name or a
// reason contains is shown as typed. Slack's rules: the text arrives with & < > escaped as &amp; &lt; &gt;; a literal
// < … > is markup (a mention, a channel, a date, a link); *bold*, _italic_, ~strike~, `code`, ```blocks``` and
// "> quotes" format the rest.
import { el } from './dom.js';

/** Names for mentions: { users: Map id → name, channels: Map id → name, groups: Map id → handle }. */
export function mrkdwn(text, names) {
  const out = [];
  const parts = String(text).split(/```([\s\S]*?)```/);
  parts.forEach((part, i) => {
    if (i % 2 === 1) out.push(el('pre', { className: 'code-block' }, decode(part.replace(/^\n/, ''))));
    else out.push(...lines(part, names));
  });
  return out;
}

/** Plain text, or mrkdwn, of a Block Kit text object. `emoji: false` keeps :shortcodes: as typed. */
export function textObject(t, names) {
  if (!t) return [];
  if (t.type === 'mrkdwn') return mrkdwn(t.text ?? '', names);
  const text = String(t.text ?? '');
  return [document.createTextNode(t.emoji === false ? text : emojify(text))];
}

/** Lines starting with ">" (escaped or not) are quotes; consecutive ones form one blockquote. */
function lines(text, names) {
  const out = [];
  let quote = null;
  text.split('\n').forEach((line, i, all) => {
    const quoted = /^(&gt;|>)\s?/.exec(line);
    if (quoted) {
      if (quote) quote.append(el('br'));
      else {
        quote = el('blockquote');
        out.push(quote);
      }
      quote.append(...inline(line.slice(quoted[0].length), names));
      return;
    }
    quote = null;
    out.push(...inline(line, names));
    if (i < all.length - 1) out.push(el('br'));
  });
  return out;
}

// `code`, <markup>, *bold*, _italic_, ~strike~, :emoji: — the formatting marks count only at word edges, as in Slack.
const INLINE =
  /`([^`\n]+)`|<([^<>\n]+)>|(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])|(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])|(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])|:([a-z0-9_+-]+):/g;

function inline(text, names) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) out.push(document.createTextNode(decode(text.slice(last, m.index))));
    last = m.index + m[0].length;
    const [all, code, markup, bold, italic, strike, emoji] = m;
    if (code !== undefined) out.push(el('code', {}, decode(code)));
    else if (markup !== undefined) out.push(special(markup, names));
    else if (bold !== undefined) out.push(el('b', {}, ...inline(bold, names)));
    else if (italic !== undefined) out.push(el('i', {}, ...inline(italic, names)));
    else if (strike !== undefined) out.push(el('s', {}, ...inline(strike, names)));
    else out.push(EMOJI.has(emoji) ? emojiNode(emoji) : document.createTextNode(all));
  }
  if (last < text.length) out.push(document.createTextNode(decode(text.slice(last))));
  return out;
}

/** What is inside < >: a user, channel or group mention, @channel/@here, a date, or a link. */
function special(markup, names) {
  const [target, raw] = splitOnce(markup, '|');
  // A label is escaped text like the rest (`<@U1|a&amp;b>`): decoded, then shown as a text node.
  const label = raw === undefined ? undefined : decode(raw);
  if (/^@[UW][A-Z0-9]+$/.test(target)) {
    const id = target.slice(1);
    return el('span', { className: 'mention', title: id }, `@${label ?? names.users.get(id) ?? id}`);
  }
  if (/^#[CGD][A-Z0-9]+$/.test(target)) {
    const id = target.slice(1);
    // A channel link, as in Slack: the page opens the channel (app.js listens for this event).
    const open = (event) => event.target.dispatchEvent(new CustomEvent('open-channel', { detail: id, bubbles: true }));
    return el(
      'button',
      { type: 'button', className: 'mention channel', title: id, onclick: open },
      `#${label ?? names.channels.get(id) ?? id}`,
    );
  }
  const group = /^!subteam\^([A-Z0-9]+)$/.exec(target);
  if (group) return el('span', { className: 'mention', title: group[1] }, label ?? `@${names.groups.get(group[1]) ?? group[1]}`);
  if (/^!(channel|here|everyone)$/.test(target)) return el('span', { className: 'mention loud' }, `@${target.slice(1)}`);
  const date = /^!date\^(\d+)\^([^^]*)(?:\^(.*))?$/.exec(target);
  if (date) return slackDate(Number(date[1]), date[2], label ?? '');
  if (/^(https?:|mailto:)/.test(target)) {
    return el('a', { href: decode(target), target: '_blank', rel: 'noopener noreferrer' }, label ?? decode(target));
  }
  return document.createTextNode(label ?? decode(target));
}

function splitOnce(s, sep) {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** `<!date^…>` in the reader's time zone, as Slack shows it; the fallback text is the tooltip. */
function slackDate(seconds, format, fallback) {
  const d = new Date(seconds * 1000);
  const day = (opts) => d.toLocaleDateString(undefined, opts);
  // Looked up with Object.hasOwn: `{constructor}` or `{__proto__}` in a message must not find Object.prototype's.
  const tokens = {
    date_num: () => d.toISOString().slice(0, 10),
    date: () => day({ month: 'long', day: 'numeric', year: 'numeric' }),
    date_short: () => day({ month: 'short', day: 'numeric', year: 'numeric' }),
    date_long: () => day({ weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' }),
    date_pretty: () => pretty(d) ?? tokens.date(),
    date_short_pretty: () => pretty(d) ?? tokens.date_short(),
    date_long_pretty: () => pretty(d) ?? tokens.date_long(),
    time: () => d.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' }),
    time_secs: () => d.toLocaleTimeString(),
  };
  let known = true;
  const text = format.replace(/\{(\w+)\}/g, (all, token) => {
    if (Object.hasOwn(tokens, token)) return tokens[token]();
    known = false;
    return all;
  });
  return el('time', { dateTime: d.toISOString(), title: fallback }, known ? text : fallback);
}

function pretty(d) {
  const days = Math.round((startOfDay(d) - startOfDay(new Date())) / 86_400_000);
  return { 0: 'Today', [-1]: 'Yesterday', 1: 'Tomorrow' }[days];
}

function startOfDay(d) {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** Slack escapes only these three. */
function decode(s) {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function emojify(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (all, name) => EMOJI.get(name)?.[0] ?? all);
}

function emojiNode(name) {
  const [glyph, tone] = EMOJI.get(name);
  return el('span', { className: `emoji ${tone}`, title: `:${name}:` }, glyph);
}

// Emoji as symbols most fonts have (Slack draws its emoji as images; a machine without an emoji font would show
// boxes), each with a tone; the shortcode is the tooltip. A Map, not an object: `:constructor:` or `:__proto__:` in a
// message must not find Object.prototype's properties (the page would stop drawing).
const EMOJI = new Map(
  Object.entries({
    white_check_mark: ['✔', 'good'],
    heavy_check_mark: ['✔', 'good'],
    x: ['✖', 'bad'],
    heavy_multiplication_x: ['✖', 'bad'],
    no_entry: ['⊘', 'bad'],
    no_entry_sign: ['⊘', 'bad'],
    warning: ['⚠', 'warn'],
    rotating_light: ['⚡', 'warn'],
    alarm_clock: ['◔', 'warn'],
    hourglass_flowing_sand: ['◔', 'warn'],
    bell: ['◔', 'warn'],
    lock: ['◈', 'muted'],
    gear: ['⚙', 'muted'],
    memo: ['✎', 'muted'],
    link: ['⚑', 'muted'],
  }),
);
