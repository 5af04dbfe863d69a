/**
 * CLI: node src/emulators/chime/main.ts [--port N] [--host H] [--sts-port N --role ARN…] — runs the Chime emulator
 * until SIGINT/SIGTERM. With --sts-port it also runs the STS emulator in the same process, with each --role existing
 * and trusting the caller fully, sharing its sessions, so GET /_emulator/trail shows which assumed role made each call.
 */
import { parseArgs } from 'node:util';
import { type StsEmulator, startStsEmulator } from '../sts/server.ts';
import { startChimeEmulator } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'sts-port': { type: 'string' },
    role: { type: 'string', multiple: true },
  },
});
const portOf = (name: string, raw: string): number => {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`Invalid --${name} ${raw}`);
    process.exit(2);
  }
  return port;
};
const port = portOf('port', values.port);

let sts: StsEmulator | undefined;
if (values['sts-port'] !== undefined) {
  const roles = Object.fromEntries((values.role ?? []).map((arn) => [arn, {}]));
  sts = await startStsEmulator({ port: portOf('sts-port', values['sts-port']), host: values.host, roles });
  console.log(
    `STS emulator listening on ${sts.url} (AWS_ENDPOINT_URL_STS=${sts.url}); roles: ${Object.keys(roles).join(', ') || 'none (pass --role ARN)'}`,
  );
}
const emulator = await startChimeEmulator({ port, host: values.host, sts: sts?.sessions });
console.log(`Chime emulator listening on ${emulator.url}`);
console.log(`Point the SDK at it with AWS_ENDPOINT_URL_CHIME=${emulator.url}`);

const stop = (): void => {
  Promise.all([emulator.close(), sts?.close()]).then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
