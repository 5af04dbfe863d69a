/** Renders Block Kit as plain terminal text, the way a person would read it in Slack (for the demo transcript). */
// biome-ignore lint/suspicious/noExplicitAny: Block Kit as Slack sends it, walked loosely for display only
type Json = Record<string, any>;

export interface Names {
  users: Map<string, { name: string }>;
  channels: Map<string, { name: string }>;
}

const EMOJI: Record<string, string> = {
  white_check_mark: '✅',
  memo: '📝',
  lock: '🔒',
  hourglass_flowing_sand: '⏳',
  x: '❌',
  warning: '⚠️',
  no_entry: '⛔',
  alarm_clock: '⏰',
  heavy_multiplication_x: '✖️',
  gear: '⚙️',
};

/** mrkdwn → readable text: mentions, channels and dates resolved; &amp; &lt; &gt; shown as typed. */
export function unmrkdwn(text: string, names: Names): string {
  return text
    .replace(/:([a-z_]+):/g, (all, name) => EMOJI[name] ?? all)
    .replace(/\*([^*\n]+)\*/g, '$1')
    .replace(/(^|\s)_([^_\n]+)_(?=\s|$)/g, '$1$2')
    .replace(/<@([UW][A-Z0-9]+)>/g, (_, id) => `@${names.users.get(id)?.name ?? id}`)
    .replace(/<#([CGD][A-Z0-9]+)(\|[^>]*)?>/g, (_, id) => `#${names.channels.get(id)?.name ?? id}`)
    .replace(/<!subteam\^([A-Z0-9]+)>/g, (_, id) => `@group:${id}`)
    .replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function textOf(t: Json | undefined, names: Names): string {
  if (!t) return '';
  return t.type === 'mrkdwn' ? unmrkdwn(t.text, names) : t.text;
}

export function renderBlocks(blocks: Json[] | undefined, names: Names, values: Json = {}): string[] {
  const lines: string[] = [];
  for (const b of blocks ?? []) {
    switch (b.type) {
      case 'header':
        lines.push(`== ${textOf(b.text, names)} ==`);
        break;
      case 'section': {
        if (b.text) lines.push(...textOf(b.text, names).split('\n'));
        for (const f of b.fields ?? []) lines.push(`  ${textOf(f, names).replace('\n', ': ').replace(/\n/g, ' ')}`);
        const acc = b.accessory;
        if (acc?.type === 'button') lines.push(`  [${textOf(acc.text, names)}]`);
        if (acc?.type?.endsWith('select')) lines.push(`  [▼ ${textOf(acc.placeholder, names)}]`);
        break;
      }
      case 'context':
        lines.push(`  (${(b.elements ?? []).map((e: Json) => textOf(e, names)).join(' ')})`);
        break;
      case 'divider':
        lines.push('  ───');
        break;
      case 'actions':
        lines.push(`  ${(b.elements ?? []).map((e: Json) => `[${textOf(e.text, names)}]`).join(' ')}`);
        break;
      case 'input': {
        const el = b.element ?? {};
        const state = values[b.block_id]?.[el.action_id];
        const shown = state?.value ?? state?.selected_option?.value ?? el.initial_value ?? el.initial_option?.value ?? '';
        const choices = el.options ? ` (choices: ${el.options.map((o: Json) => o.value).join(', ')})` : '';
        lines.push(`  ${textOf(b.label, names)}: [${shown}]${choices}`);
        break;
      }
    }
  }
  return lines;
}
