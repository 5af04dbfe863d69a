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
// Node's on-disk code cache (os.tmpdir()/node-compile-cache, or NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1
// turns it off): a restart reads the bundle's compiled code instead of compiling 6 MB again. Where the directory
// can't be written (a read-only root without a writable /tmp) it quietly stays off.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
// A specifier in a variable: neither tsc nor esbuild look for it at build time.
const bot = './bot.js';
await import(bot);
