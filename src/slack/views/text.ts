/**
 * Text for Slack, made safe. Anything a person or Chime typed (account names, reasons, comments, service messages)
 * goes through `esc` into mrkdwn with `verbatim: true`, or into plain_text — so it can never mention @channel,
 * a user or a group, or forge a link: every such markup needs a literal `<`, and `esc` leaves none.
 */
import type { MrkdwnElement, PlainTextElement } from '@slack/types';

export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts to `max` characters (code points), ending with … when cut. */
export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

export function plain(text: string, max = 3000): PlainTextElement {
  return { type: 'plain_text', text: clip(text || ' ', max), emoji: false };
}

/** Our own mrkdwn (already escaped where it embeds untrusted text); verbatim so Slack adds no links of its own. */
export function md(text: string): MrkdwnElement {
  return { type: 'mrkdwn', text: clip(text, 3000), verbatim: true };
}

/** A section field: mrkdwn as `md`, but a field holds at most 2000 characters (escaping can grow text 5×). */
export function field(text: string): MrkdwnElement {
  return { type: 'mrkdwn', text: clip(text, 2000), verbatim: true };
}

/** A mention of a Slack user: only ever built from an ID we checked, never from typed text. */
export function mention(userId: string): string {
  return /^[UW][A-Z0-9]+$/.test(userId) ? `<@${userId}>` : esc(userId);
}

export function channelLink(channelId: string): string {
  return /^[CGD][A-Z0-9]+$/.test(channelId) ? `<#${channelId}>` : esc(channelId);
}

/** A date Slack shows in each reader's time zone, with an ISO fallback. */
export function slackDate(date: Date): string {
  const fallback = date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  return `<!date^${Math.floor(date.getTime() / 1000)}^{date_short_pretty} {time}|${fallback}>`;
}

/** `“old” → “new”`, or `“same” (unchanged)`, escaped. */
export function arrow(before: string | undefined, after: string | undefined): string {
  const b = before === undefined ? '_none_' : `“${esc(before)}”`;
  if (after === undefined || after === before) return `${b} (unchanged)`;
  return `${b} → *“${esc(after)}”*`;
}
