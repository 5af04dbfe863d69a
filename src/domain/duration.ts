/** Parses durations like "90s", "15m", "24h", "7d" (also "1h30m") into milliseconds. */
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function parseDuration(text: string): number | undefined {
  const m = /^\s*((?:\d+\s*[smhd]\s*)+)$/i.exec(text);
  if (!m) return undefined;
  let total = 0;
  for (const [, n, unit] of m[1]!.matchAll(/(\d+)\s*([smhd])/gi)) total += Number(n) * UNIT_MS[unit!.toLowerCase() as keyof typeof UNIT_MS];
  return total > 0 ? total : undefined;
}

export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'less than a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return `${Math.round(hours / 24)} days`;
}
