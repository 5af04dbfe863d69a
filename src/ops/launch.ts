/**
 * `node dist/main.js`: refuses a Node.js older than the bot needs with one line, then loads the bot (dist/bot.js,
 * the bundle of src/main.ts). Kept apart from the bundle so an old Node reaches this check before any import fails.
 */
import { nodeTooOld } from './runtime.ts';

const tooOld = nodeTooOld(process.versions.node);
if (tooOld) {
  console.error(tooOld);
  process.exit(1);
}
// A specifier in a variable: neither tsc nor esbuild look for it at build time.
const bot = './bot.js';
await import(bot);
