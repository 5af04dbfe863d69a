/**
 * The Node.js versions the bot runs on. `dist/main.js` (src/ops/launch.ts) checks before loading the bot, because
 * an older Node fails on the bot's first import (`node:sqlite`, or `.ts` files) with words an operator can't act on.
 */
export const MIN_NODE = [22, 18, 0] as const;

/** One line when `version` (process.versions.node) is older than MIN_NODE, else undefined. */
export function nodeTooOld(version: string): string | undefined {
  const have = version.split('.').map((n) => Number.parseInt(n, 10));
  for (let i = 0; i < MIN_NODE.length; i++) {
    const a = have[i] ?? 0;
    const b = MIN_NODE[i]!;
    if (a > b) return undefined;
    if (a < b)
      return `chime-account needs Node.js ${MIN_NODE.join('.')} or newer (Node 24 recommended); this is Node ${version}. Install Node 24 or use the container image.`;
  }
  return undefined;
}
