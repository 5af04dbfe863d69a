/** Child processes of the bench (the bot, the bare Bolt baseline): spawn, wait for /healthz, RSS, stop. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Child {
  name: string;
  proc: ChildProcess;
  port: number;
  /** spawn → first 200 from /healthz, ms. */
  startupMs: number;
  /** What it wrote to stderr (last 4 KB), for errors. */
  stderr(): string;
}

const children = new Set<ChildProcess>();

/** A free loopback port (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `node args…` (this same Node binary) with `env` and polls http://127.0.0.1:port/healthz every ~10 ms until
 * it answers 200 (or the process exits, or `limitMs` passes).
 */
export async function startChild(
  name: string,
  args: string[],
  env: Record<string, string>,
  port: number,
  cwd: string,
  limitMs = 15_000,
): Promise<Child> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  let err = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (d: string) => (err = (err + d).slice(-4096)));
  const url = `http://127.0.0.1:${port}/healthz`;
  const child = { name, proc, port, startupMs: 0, stderr: () => err };
  for (let i = 0; performance.now() - t0 < limitMs && i < limitMs / 5; i++) {
    if (proc.exitCode !== null || proc.signalCode !== null) break;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.status === 200) {
        child.startupMs = performance.now() - t0;
        return child;
      }
    } catch {
      // not listening yet
    }
    await sleep(10);
  }
  await stopChild(child);
  throw new Error(`${name} did not answer /healthz 200 within ${limitMs} ms (exit ${proc.exitCode ?? proc.signalCode ?? 'none'}):\n${err}`);
}

/** VmRSS of a process, in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) / 1024;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopChild(child: { proc: ChildProcess }, graceMs = 5_000): Promise<void> {
  const { proc } = child;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Last resort (errors, Ctrl-C): SIGKILL every child still running, by its pid. */
export function killAllChildren(): void {
  for (const proc of children) {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  }
  children.clear();
}

/** CPU time (user + system) a process has used so far, in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command: state is field 3, utime 14 and stime 15 (1-based), in clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
