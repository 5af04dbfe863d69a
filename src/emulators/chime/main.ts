/** CLI: node src/emulators/chime/main.ts [--port N] [--host H] — runs the Chime emulator until SIGINT/SIGTERM. */
import { parseArgs } from 'node:util';
import { startChimeEmulator } from './server.ts';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`Invalid --port ${values.port}`);
  process.exit(2);
}

const emulator = await startChimeEmulator({ port, host: values.host });
console.log(`Chime emulator listening on ${emulator.url}`);
console.log(`Point the SDK at it with AWS_ENDPOINT_URL_CHIME=${emulator.url}`);

const stop = (): void => {
  emulator.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
