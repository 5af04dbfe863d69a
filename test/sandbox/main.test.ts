/** `npm run sandbox` as a person runs it: one URL printed, loopback only, Ctrl-C stops it, a busy port is one line. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { startSandbox } from '../../src/sandbox/server.ts';
import { ROOT } from '../helpers/proof.ts';

function run(args: string[]) {
  const child = spawn(process.execPath, [join(ROOT, 'src/sandbox/main.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** Whether something accepts TCP connections on host:port. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

test('npm run sandbox prints one URL that serves the page, and stops on SIGINT with exit 0', async () => {
  const p = run(['--port', '0']);
  const deadline = Date.now() + 15_000;
  while (!p.stdout().includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const lines = p.stdout().trim().split('\n');
  assert.equal(lines.length, 1, p.stdout() + p.stderr());
  const url = /(http:\/\/127\.0\.0\.1:\d+\/)$/.exec(lines[0]!)?.[1];
  assert.ok(url, lines[0]);
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<script type="module" src="\/app\.js"><\/script>/);
  p.child.kill('SIGINT');
  assert.equal(await p.exited, 0);
  assert.equal(p.stderr(), '');
});

test('a port in use is one line naming --port, not a stack trace', async () => {
  const busy = createServer();
  busy.listen(0, '127.0.0.1');
  await once(busy, 'listening');
  const { port } = busy.address() as { port: number };
  try {
    const p = run(['--port', String(port)]);
    assert.equal(await p.exited, 1);
    assert.equal(p.stderr(), `Port ${port} is in use: pass --port N (or --port 0 for a free one)\n`);
  } finally {
    busy.close();
  }
});

test('the sandbox, the bot and both emulators listen on loopback only', async () => {
  const sandbox = await startSandbox();
  try {
    const ports = {
      sandbox: Number(new URL(sandbox.url).port),
      bot: Number(new URL(sandbox.world.user.appUrl).port),
      slack: Number(new URL(sandbox.world.slack.url).port),
      chime: Number(new URL(sandbox.world.chime.url).port),
    };
    for (const [name, port] of Object.entries(ports)) {
      assert.equal(await accepts('127.0.0.1', port), true, `${name} on 127.0.0.1`);
      // Another loopback address reaches a server bound to every interface, never one bound to 127.0.0.1.
      assert.equal(await accepts('127.0.0.2', port), false, `${name} must not listen beyond 127.0.0.1`);
    }
  } finally {
    await sandbox.close();
  }
});
