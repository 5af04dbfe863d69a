/** Percentiles and the printed table. */

/** Nearest-rank percentile of unsorted values (undefined when empty). */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export function median(values: readonly number[]): number | undefined {
  return percentile(values, 50);
}

export const round = (n: number | undefined, digits = 1): number | undefined =>
  n === undefined || !Number.isFinite(n) ? undefined : Math.round(n * 10 ** digits) / 10 ** digits;

export interface Row {
  metric: string;
  bot?: number | string;
  baseline?: number | string;
  ratio?: number;
  target?: string;
  pass?: boolean;
}

/** The printed table; `columns` names the bot and baseline columns (default: bot, baseline). */
export function table(rows: Row[], columns: [string, string] = ['bot', 'baseline']): string {
  const cells = rows.map((r) =>
    r.bot === undefined && r.baseline === undefined && r.target === undefined
      ? [r.metric, '', '', '', '', '']
      : [
          r.metric,
          show(r.bot),
          show(r.baseline),
          r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
          r.target ?? '',
          r.pass === undefined ? '' : r.pass ? 'PASS' : 'FAIL',
        ],
  );
  const head = ['metric', ...columns, 'ratio', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((s, i) => (i === 0 || i >= 4 ? s.padEnd(widths[i]!) : s.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

function show(v: number | string | undefined): string {
  if (v === undefined) return '–';
  if (typeof v === 'string') return v;
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) < 10 ? v.toFixed(2) : v.toFixed(1);
}
