/** An Amazon Chime API emulator (GetAccount, UpdateAccount, ListAccounts over restJson1) with fault injection. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Account } from '@aws-sdk/client-chime';
import type { StsSessions } from '../sts/server.ts';
import { CONTROL_PREFIX, handleControl } from './control.ts';
import type { ChimeErrorReply } from './errors.ts';
import { errorResponse } from './errors.ts';
import { ChimeFaults } from './faults.ts';
import { jsonOrText, readBody, sendJson } from './http.ts';
import type { ChimeState, OpResult } from './operations.ts';
import { getAccount, listAccounts, updateAccount } from './operations.ts';
import type { ChimeRoute } from './route.ts';
import { authProblem, matchRoute } from './route.ts';
import { seedAccounts, seedMembers } from './seed.ts';
import type { ChimeCall, ChimeEmulator, TrailEntry } from './types.ts';

export type { ChimeErrorName } from './errors.ts';
export type { ChimeFault, ChimeOperation } from './faults.ts';
export type { ChimeCall, ChimeEmulator, TrailEntry } from './types.ts';

export interface ChimeEmulatorOptions {
  port?: number;
  host?: string;
  /** Seed accounts (default: seedAccounts()); reset() restores copies of these. */
  accounts?: Account[];
  /** Seed users per AccountId for the `user-email` filter (default: seedMembers() with the default accounts, else none). */
  members?: Record<string, string[]>;
  /** Sessions the STS emulator issued: calls signed with their access keys act in the role's AWS account. */
  sts?: StsSessions;
  /** The AWS account of calls made with any other (base) credentials; default: every account is visible. */
  baseAwsAccountId?: string;
}

export async function startChimeEmulator(opts: ChimeEmulatorOptions = {}): Promise<ChimeEmulator> {
  const seed = opts.accounts ?? seedAccounts();
  const seedMemberMap = opts.members ?? (opts.accounts ? {} : seedMembers());
  const state: ChimeState = { accounts: new Map(), members: new Map() };
  const calls: ChimeCall[] = [];
  const trail: TrailEntry[] = [];
  const sessions: StsSessions = opts.sts ?? new Map();
  const faults = new ChimeFaults();
  const sleeper = new Sleeper();

  const reset = (): void => {
    state.accounts.clear();
    for (const account of structuredClone(seed)) state.accounts.set(account.AccountId ?? '', account);
    state.members.clear();
    for (const [id, emails] of Object.entries(seedMemberMap)) state.members.set(id, [...emails]);
    calls.length = 0;
    trail.length = 0;
    faults.clear();
  };
  reset();

  const control = { accounts: state.accounts, calls, trail, faults, reset };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const at = Date.now();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://emulator');
    const rawBody = await readBody(req);
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      return handleControl(control, method, url.pathname, rawBody, res, requestId);
    }

    const route = matchRoute(method, url);
    const call = recordCall(calls, route, url, rawBody, requestId, at);
    const reply = (status: number, body: unknown, headers?: Record<string, string>): void => {
      call.status = status;
      call.answeredAt = Date.now();
      sendJson(res, status, body, requestId, headers);
    };
    const replyError = (error: ChimeErrorReply): void => {
      const { status, headers, body } = errorResponse(error);
      reply(status, body, headers);
    };

    const unauthenticated = authProblem(req.headers.authorization);
    if (unauthenticated) return replyError({ error: 'UnauthorizedClient', message: unauthenticated });
    // Who made the call, as CloudTrail's userIdentity would show it: an assumed-role session, or the base credentials.
    const accessKeyId = accessKeyOf(req.headers.authorization);
    const session = sessions.get(accessKeyId);
    if (session && session.expiration.getTime() <= Date.now())
      return replyError({ error: 'UnauthorizedClient', message: 'The security token included in the request is expired.' });
    const callerAccount = session ? session.awsAccountId : opts.baseAwsAccountId;
    const entry: TrailEntry = session
      ? {
          at: new Date(at).toISOString(),
          operation: route?.operation ?? 'Unknown',
          identityType: 'AssumedRole',
          accessKeyId,
          awsAccountId: session.awsAccountId,
          roleArn: session.roleArn,
          sessionName: session.sessionName,
          sourceIdentity: session.sourceIdentity,
          tags: session.tags,
          status: 0,
        }
      : { at: new Date(at).toISOString(), operation: route?.operation ?? 'Unknown', identityType: 'Base', accessKeyId, status: 0 };
    if (callerAccount && !session) entry.awsAccountId = callerAccount;
    if (route?.accountId !== undefined) entry.accountId = route.accountId;
    trail.push(entry);
    res.once('finish', () => {
      entry.status = res.statusCode;
    });
    if (!route) {
      const message = `No such operation: ${method} ${url.pathname}`;
      return reply(404, { Code: 'NotFound', Message: message }, { 'x-amzn-errortype': 'UnknownOperationException' });
    }

    // After a latency fault the operation still takes effect even if the client gave up, as on a real service.
    const fault = faults.takeFor(route.operation, route.accountId);
    if (fault?.latencyMs && !(await sleeper.sleep(fault.latencyMs))) return; // emulator closed meanwhile
    if (fault?.hang) return; // leave the socket open; close() destroys it
    if (fault?.error) {
      return replyError({ error: fault.error, message: fault.message, retryAfterSeconds: fault.retryAfterSeconds });
    }

    const result = runOperation(state, route, url, rawBody, callerAccount);
    if ('error' in result) return replyError(result);
    reply(200, result.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      const { status, headers, body } = errorResponse({ error: 'ServiceFailure', message: `Emulator error: ${message}` });
      sendJson(res, status, body, randomUUID(), headers);
    });
  });

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    accounts: state.accounts,
    members: state.members,
    calls,
    trail,
    addFault: (f) => faults.add(f),
    clearFaults: () => faults.clear(),
    faults: () => faults.list(),
    reset,
    close: () =>
      new Promise<void>((resolve) => {
        sleeper.cancelAll();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function runOperation(state: ChimeState, route: ChimeRoute, url: URL, rawBody: string, awsAccountId?: string): OpResult {
  switch (route.operation) {
    case 'GetAccount':
      return getAccount(state, route.accountId ?? '', awsAccountId);
    case 'UpdateAccount':
      return updateAccount(state, route.accountId ?? '', rawBody, awsAccountId);
    case 'ListAccounts':
      return listAccounts(state, url.searchParams, awsAccountId);
  }
}

function accessKeyOf(authorization: string | undefined): string {
  return /Credential=([^/\s,]+)\//.exec(authorization ?? '')?.[1] ?? '';
}

function recordCall(
  calls: ChimeCall[],
  route: ChimeRoute | undefined,
  url: URL,
  rawBody: string,
  requestId: string,
  at: number,
): ChimeCall {
  const call: ChimeCall = { operation: route?.operation ?? 'Unknown', status: 0, requestId, at };
  if (route?.accountId !== undefined) call.accountId = route.accountId;
  if (url.searchParams.size > 0) call.query = Object.fromEntries(url.searchParams);
  const body = jsonOrText(rawBody);
  if (body !== undefined) call.body = body;
  calls.push(call);
  return call;
}

/** Timers for latency faults that close() can cancel, so nothing keeps the process alive. */
class Sleeper {
  #pending = new Set<() => void>();

  /** Resolves true after ms, or false if cancelled first. */
  sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const cancel = (): void => {
        clearTimeout(timer);
        this.#pending.delete(cancel);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.#pending.delete(cancel);
        resolve(true);
      }, ms);
      this.#pending.add(cancel);
    });
  }

  cancelAll(): void {
    for (const cancel of [...this.#pending]) cancel();
  }
}
