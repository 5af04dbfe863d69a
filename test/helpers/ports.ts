/** Loopback ports for tests: found by binding port 0, so parallel runs never collide on a fixed number. */
import { createServer } from 'node:net';

/** A loopback port that was free a moment ago (bind it soon: another process may take it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A loopback port nobody listens on: connections to it are refused. */
export const closedPort = freePort;
