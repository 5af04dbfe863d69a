/**
 * `npm run sandbox [-- --port N]`: both emulators, the bot, and a browser page that plays Slack against it, all on
 * loopback. Prints the page's URL; Ctrl-C stops everything.
 */
import { parseArgs } from 'node:util';
import { startSandbox } from './server.ts';

const DEFAULT_PORT = 3300;

const { values } = parseArgs({ options: { port: { type: 'string', default: String(DEFAULT_PORT) } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a port number (0 picks a free one), not ${values.port}`);
  process.exit(2);
}

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
try {
  sandbox = await startSandbox({ port });
} catch (error) {
  const busy = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
  console.error(
    busy
      ? `Port ${port} is in use: pass --port N (or --port 0 for a free one)`
      : `The sandbox could not start: ${(error as Error).message}`,
  );
  process.exit(1);
}
console.log(`chime-account sandbox (Slack and Amazon Chime emulated, nothing leaves this machine): ${sandbox.url}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
