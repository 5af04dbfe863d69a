/**
 * `npm run sandbox`'s server: a thin bridge between a browser page that plays Slack and the real bot. It serves the
 * page (static.ts), takes the page's clicks and submits as JSON (actions.ts — the Slack emulator's client turns each
 * into the signed payload Slack would send to the bot's /slack/events) and streams the emulators' state back as
 * server-sent events whenever it changes (snapshot.ts). Loopback only.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Emulated, startEmulated } from '../cli/emulated.ts';
import { readBody } from '../emulators/body.ts';
import { Actions } from './actions.ts';
import { POLICY, SETTINGS } from './cast.ts';
import { signature, snapshot } from './snapshot.ts';
import { loadPublic, SECURITY_HEADERS, sendFile } from './static.ts';

export interface Sandbox {
  /** The page, e.g. http://127.0.0.1:3300/ */
  url: string;
  world: Emulated;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const POLL_MS = 50;
const MAX_BODY_BYTES = 64 * 1024;

export async function startSandbox(opts: { port?: number } = {}): Promise<Sandbox> {
  // The port first: a busy one is known at once, before anything else starts. Until the rest is up it says so.
  const starting = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(503, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
    res.end('The sandbox is starting; reload in a moment.\n');
  };
  const server = createServer(starting);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, HOST, () => {
      server.off('error', reject); // a later error is no start-up failure
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  /** The Host headers the page may use. */
  const hosts = new Set([`${HOST}:${port}`, `localhost:${port}`]);

  let world: Emulated;
  try {
    world = await startEmulated({ policy: POLICY, env: SETTINGS });
  } catch (error) {
    server.close();
    throw error;
  }
  const actions = new Actions(world);
  const files = loadPublic();
  const streams = new Set<ServerResponse>();
  let local = 0;
  let seen = '';

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  /** The whole state as one server-sent event. */
  const stateEvent = () => `event: state\ndata: ${JSON.stringify(snapshot(world))}\n\n`;
  const push = () => {
    seen = signature(world, local);
    const event = stateEvent();
    for (const res of streams) res.write(event);
  };
  const watch = setInterval(() => {
    if (streams.size > 0 && signature(world, local) !== seen) push();
  }, POLL_MS);

  server.off('request', starting);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      console.error(`sandbox: ${req.method} ${req.url} failed:`, error);
      if (!res.headersSent) json(res, 500, { error: 'The sandbox failed to do that; its terminal shows why.' });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Only this page may drive the sandbox: a page on another site (or a DNS name rebound to 127.0.0.1) may not.
    const host = req.headers.host ?? '';
    if (!hosts.has(host)) return json(res, 421, { error: 'unknown host' });
    const path = new URL(req.url ?? '/', `http://${host}`).pathname;
    if (req.method === 'GET' && path === '/api/events') return stream(res);
    if (req.method === 'GET') {
      const file = files.get(path);
      return file ? sendFile(res, file) : json(res, 404, { error: 'not found' });
    }
    const name = path.startsWith('/api/') ? path.slice(5) : '';
    if (req.method !== 'POST' || !actions.has(name)) return json(res, 404, { error: 'not found' });
    if (req.headers.origin !== `http://${host}`) return json(res, 403, { error: 'cross-origin request refused' });
    if (!String(req.headers['content-type']).startsWith('application/json')) return json(res, 415, { error: 'send JSON' });
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req, MAX_BODY_BYTES));
    } catch {
      return json(res, 400, { error: 'the body is not JSON' });
    }
    const reply = await actions.run(name, body);
    local += 1; // a view ack or a Chime change made state that no Web API call shows
    json(res, reply.status, reply.body);
  }

  function stream(res: ServerResponse): void {
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    streams.add(res);
    res.on('close', () => streams.delete(res));
    res.write(stateEvent());
  }

  return {
    url: `http://${HOST}:${port}/`,
    world,
    async close() {
      clearInterval(watch);
      for (const res of streams) res.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await world.close();
    },
  };
}
