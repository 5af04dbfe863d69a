// `npm run build` (and `prepare`, so `npm install` leaves a current build): bundles the bot with esbuild into dist/.
//   dist/main.js   the entry point: checks the Node.js version, then loads dist/bot.js (src/ops/launch.ts)
//   dist/bot.js    src/main.ts and everything it imports, node_modules included, as one ES module
//   dist/audit.js  the audit CLI (src/cli/audit.ts): `node dist/audit.js export|verify`
// Plain JavaScript on purpose: a production install's Node may be older than the one that strips TypeScript.
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  if (process.env.npm_lifecycle_event === 'prepare') {
    console.log('chime-account: esbuild is not installed (a production install): dist/ left as it is');
    process.exit(0);
  }
  console.error('chime-account: npm run build needs the dev dependencies (npm install)');
  process.exit(1);
}

// `--outdir DIR` (tests build into a temporary directory); default dist/.
const at = process.argv.indexOf('--outdir');
const outdir = at > 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]) : join(root, 'dist');
rmSync(outdir, { recursive: true, force: true });
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  outdir,
  logLevel: 'warning',
  legalComments: 'none',
};
await esbuild.build({
  ...common,
  entryPoints: { bot: 'src/main.ts', audit: 'src/cli/audit.ts' },
  target: 'node22.18',
  sourcemap: 'linked',
  // pino starts transports (pino-pretty) in worker threads by file name: those files must stay in node_modules.
  external: ['pino', 'pino-pretty', 'thread-stream'],
  keepNames: true,
  // The CommonJS parts of the bundle (Bolt, the AWS SDK…) call require(); an ES module has none.
  banner: { js: "import { createRequire as __chimeCreateRequire } from 'node:module'; const require = __chimeCreateRequire(import.meta.url);" },
});
// The launcher stays readable by old Node versions so that it can refuse them in words.
await esbuild.build({ ...common, entryPoints: { main: 'src/ops/launch.ts' }, target: 'node14.8' });
console.log(`chime-account: built main.js, bot.js and audit.js in ${outdir}`);
