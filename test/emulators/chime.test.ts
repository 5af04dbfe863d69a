import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Account } from '@aws-sdk/client-chime';
import {
  BadRequestException,
  ChimeClient,
  ChimeServiceException,
  ConflictException,
  ForbiddenException,
  GetAccountCommand,
  ListAccountsCommand,
  NotFoundException,
  paginateListAccounts,
  ServiceFailureException,
  ServiceUnavailableException,
  ThrottledClientException,
  UnauthorizedClientException,
  UpdateAccountCommand,
} from '@aws-sdk/client-chime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { AWS_ACCOUNT_ID, GENERATED_ACCOUNT_COUNT, SAMPLE, seedAccounts } from '../../src/emulators/chime/seed.ts';
import type { ChimeEmulator, ChimeErrorName } from '../../src/emulators/chime/server.ts';
import { startChimeEmulator } from '../../src/emulators/chime/server.ts';

/** Any of the SDK's modeled exception classes. */
type ErrorClass = new (...args: never[]) => ChimeServiceException;

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
/** Looks like what the SDK sends; the emulator checks the shape, not the signature. */
const FAKE_SIGV4 =
  'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/chime/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123abcd';

function clientFor(emu: ChimeEmulator, extra: Partial<ConstructorParameters<typeof ChimeClient>[0]> = {}): ChimeClient {
  return new ChimeClient({ region: 'us-east-1', endpoint: emu.url, credentials: CREDENTIALS, maxAttempts: 1, ...extra });
}

/** Awaits a call that must fail with a Chime service error, and returns the error. */
async function chimeError(call: Promise<unknown>): Promise<ChimeServiceException> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof ChimeServiceException, `expected a ChimeServiceException, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

let emu: ChimeEmulator;
let chime: ChimeClient;

before(async () => {
  emu = await startChimeEmulator();
  chime = clientFor(emu);
});
beforeEach(() => emu.reset());
after(async () => {
  chime.destroy();
  await emu.close();
});

describe('GetAccount', () => {
  test('returns the seeded account, timestamps parsed as Dates', async () => {
    const out = await chime.send(new GetAccountCommand({ AccountId: SAMPLE.directory }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(out.$metadata.requestId, emu.calls.at(-1)?.requestId);
    const account = out.Account;
    assert.equal(account?.AccountId, SAMPLE.directory);
    assert.equal(account?.AwsAccountId, AWS_ACCOUNT_ID);
    assert.equal(account?.Name, 'Acme Engineering');
    assert.equal(account?.AccountType, 'EnterpriseDirectory');
    assert.ok(account?.CreatedTimestamp instanceof Date);
    assert.equal(account.CreatedTimestamp.toISOString(), '2019-06-11T08:00:00.000Z');
    assert.deepEqual(account.SigninDelegateGroups, [{ GroupName: 'chime-users' }, { GroupName: 'chime-pro-users' }]);
  });

  test('unknown account → NotFoundException 404', async () => {
    const err = await chimeError(chime.send(new GetAccountCommand({ AccountId: 'does-not-exist' })));
    assert.ok(err instanceof NotFoundException);
    assert.equal(err.$metadata.httpStatusCode, 404);
    assert.equal(err.$metadata.requestId, emu.calls.at(-1)?.requestId);
    assert.equal(err.Code, 'NotFound');
  });

  test('seed covers every account type and the edge cases', () => {
    const accounts = seedAccounts();
    const types = new Set(accounts.map((a) => a.AccountType));
    assert.deepEqual([...types].sort(), ['EnterpriseDirectory', 'EnterpriseLWA', 'EnterpriseOIDC', 'Team']);
    const byId = new Map(accounts.map((a) => [a.AccountId, a]));
    assert.equal(byId.get(SAMPLE.suspended)?.AccountStatus, 'Suspended');
    assert.deepEqual(byId.get(SAMPLE.lwa)?.SupportedLicenses, ['Basic', 'Pro']);
    assert.deepEqual(byId.get(SAMPLE.noLicenses)?.SupportedLicenses, []);
    assert.equal(accounts.length, Object.keys(SAMPLE).length + GENERATED_ACCOUNT_COUNT);
    assert.equal(new Set(accounts.map((a) => a.AccountId)).size, accounts.length);
  });
});

describe('UpdateAccount', () => {
  test('renames (stored as sent) and changes the default license', async () => {
    const out = await chime.send(new UpdateAccountCommand({ AccountId: SAMPLE.team, Name: '  Acme Sales EMEA ', DefaultLicense: 'Basic' }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(out.Account?.Name, '  Acme Sales EMEA ');
    assert.equal(out.Account?.DefaultLicense, 'Basic');
    assert.ok(out.Account?.CreatedTimestamp instanceof Date);
    assert.equal(emu.accounts.get(SAMPLE.team)?.Name, '  Acme Sales EMEA ');
    const call = emu.calls.at(-1);
    assert.equal(call?.operation, 'UpdateAccount');
    assert.equal(call?.accountId, SAMPLE.team);
    assert.deepEqual(call?.body, { Name: '  Acme Sales EMEA ', DefaultLicense: 'Basic' });
    assert.equal(call?.status, 200);
  });

  test('a 100-character name and a license from a restricted list are accepted', async () => {
    const name = 'N'.repeat(100);
    const out = await chime.send(new UpdateAccountCommand({ AccountId: SAMPLE.lwa, Name: name, DefaultLicense: 'Pro' }));
    assert.equal(out.Account?.Name, name);
    assert.equal(out.Account?.DefaultLicense, 'Pro');
  });

  test('an empty SupportedLicenses list allows any license', async () => {
    const out = await chime.send(new UpdateAccountCommand({ AccountId: SAMPLE.noLicenses, DefaultLicense: 'Plus' }));
    assert.equal(out.Account?.DefaultLicense, 'Plus');
  });

  test('neither field → 200, account unchanged', async () => {
    const before = structuredClone(emu.accounts.get(SAMPLE.oidc));
    const out = await chime.send(new UpdateAccountCommand({ AccountId: SAMPLE.oidc }));
    assert.equal(out.Account?.Name, 'Globex');
    assert.deepEqual(emu.accounts.get(SAMPLE.oidc), before);
  });

  const invalid: {
    title: string;
    input: { AccountId: string; Name?: string; DefaultLicense?: string };
    type: ErrorClass;
    status: number;
    message: RegExp;
  }[] = [
    { title: 'unknown account', input: { AccountId: 'nope', Name: 'X' }, type: NotFoundException, status: 404, message: /nope/ },
    { title: 'empty name', input: { AccountId: SAMPLE.team, Name: '' }, type: BadRequestException, status: 400, message: /1 to 100/ },
    {
      title: 'blank name',
      input: { AccountId: SAMPLE.team, Name: '   ' },
      type: BadRequestException,
      status: 400,
      message: /non-whitespace/,
    },
    {
      title: '101-character name',
      input: { AccountId: SAMPLE.team, Name: 'x'.repeat(101) },
      type: BadRequestException,
      status: 400,
      message: /1 to 100/,
    },
    {
      title: 'unknown license',
      input: { AccountId: SAMPLE.team, DefaultLicense: 'Bogus' },
      type: BadRequestException,
      status: 400,
      message: /Bogus/,
    },
    {
      title: 'license not supported by the account',
      input: { AccountId: SAMPLE.lwa, DefaultLicense: 'Plus' },
      type: BadRequestException,
      status: 400,
      message: /not supported/,
    },
    {
      title: 'suspended account',
      input: { AccountId: SAMPLE.suspended, Name: 'Initech 2' },
      type: BadRequestException,
      status: 400,
      message: /is suspended/,
    },
  ];
  for (const { title, input, type, status, message } of invalid) {
    test(`${title} → ${type.name} ${status}, nothing changes`, async () => {
      const before = structuredClone([...emu.accounts.values()]);
      // The SDK types DefaultLicense as a union but sends any string.
      const err = await chimeError(chime.send(new UpdateAccountCommand(input as ConstructorParameters<typeof UpdateAccountCommand>[0])));
      assert.ok(err instanceof type, `expected ${type.name}, got ${err.name}`);
      assert.equal(err.$metadata.httpStatusCode, status);
      assert.equal(err.$metadata.requestId, emu.calls.at(-1)?.requestId);
      assert.match(err.message, message);
      assert.deepEqual([...emu.accounts.values()], before);
    });
  }

  test('invalid JSON body → 400 BadRequestException', async () => {
    const res = await fetch(`${emu.url}/accounts/${SAMPLE.team}`, {
      method: 'POST',
      headers: { authorization: FAKE_SIGV4, 'content-type': 'application/json' },
      body: '{"Name": ',
    });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-amzn-errortype'), 'BadRequestException');
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.match(res.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(((await res.json()) as { Code: string }).Code, 'BadRequest');
    assert.equal(emu.calls.at(-1)?.body, '{"Name": ');
  });
});

describe('ListAccounts', () => {
  const total = Object.keys(SAMPLE).length + GENERATED_ACCOUNT_COUNT;

  test('default page holds every account (≤100) and no NextToken', async () => {
    const out = await chime.send(new ListAccountsCommand({}));
    assert.equal(out.Accounts?.length, total);
    assert.equal(out.NextToken, undefined);
    assert.ok(out.Accounts?.every((a) => a.CreatedTimestamp instanceof Date));
  });

  test('name is a case-sensitive prefix filter', async () => {
    const acme = await chime.send(new ListAccountsCommand({ Name: 'Acme' }));
    assert.deepEqual(acme.Accounts?.map((a) => a.Name).sort(), ['Acme Engineering', 'Acme Sales', 'Acme Support']);
    const lower = await chime.send(new ListAccountsCommand({ Name: 'acme' }));
    assert.deepEqual(
      lower.Accounts?.map((a) => a.AccountId),
      [SAMPLE.lowercase],
    );
    const none = await chime.send(new ListAccountsCommand({ Name: 'Sales' }));
    assert.deepEqual(none.Accounts, []);
    assert.deepEqual(emu.calls.at(-1)?.query, { name: 'Sales' });
  });

  test('paginateListAccounts walks every account exactly once', async () => {
    const ids: string[] = [];
    let pages = 0;
    for await (const page of paginateListAccounts({ client: chime, pageSize: 10 }, {})) {
      pages += 1;
      assert.ok((page.Accounts?.length ?? 0) <= 10);
      ids.push(...(page.Accounts ?? []).map((a: Account) => a.AccountId ?? ''));
    }
    assert.equal(pages, Math.ceil(total / 10));
    assert.equal(ids.length, total);
    assert.deepEqual(new Set(ids), new Set(emu.accounts.keys()));
    assert.deepEqual(emu.calls.at(-1)?.query?.['max-results'], '10');
  });

  test('paging combined with the prefix filter', async () => {
    const names: string[] = [];
    for await (const page of paginateListAccounts({ client: chime, pageSize: 7 }, { Name: 'Test Account' })) {
      names.push(...(page.Accounts ?? []).map((a: Account) => a.Name ?? ''));
    }
    assert.equal(names.length, GENERATED_ACCOUNT_COUNT);
    assert.equal(names[0], 'Test Account 001');
  });

  test('user-email filters by membership', async () => {
    const out = await chime.send(new ListAccountsCommand({ UserEmail: 'Alice@acme.example' }));
    assert.deepEqual(out.Accounts?.map((a) => a.AccountId).sort(), [SAMPLE.team, SAMPLE.directory].sort());
    const err = await chimeError(chime.send(new ListAccountsCommand({ UserEmail: 'not-an-email' })));
    assert.ok(err instanceof BadRequestException);
  });

  for (const MaxResults of [0, 201]) {
    test(`max-results ${MaxResults} → BadRequestException`, async () => {
      const err = await chimeError(chime.send(new ListAccountsCommand({ MaxResults })));
      assert.ok(err instanceof BadRequestException);
      assert.equal(err.$metadata.httpStatusCode, 400);
    });
  }

  test('max-results 200 is allowed', async () => {
    const out = await chime.send(new ListAccountsCommand({ MaxResults: 200 }));
    assert.equal(out.Accounts?.length, total);
  });

  test('a bad next-token → BadRequestException', async () => {
    const err = await chimeError(chime.send(new ListAccountsCommand({ NextToken: 'not-a-token' })));
    assert.ok(err instanceof BadRequestException);
    assert.match(err.message, /NextToken/);
  });
});

describe('authentication and routing', () => {
  test('no Authorization header → 401 UnauthorizedClient', async () => {
    const res = await fetch(`${emu.url}/accounts/${SAMPLE.team}`);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('x-amzn-errortype'), 'UnauthorizedClientException');
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.ok(res.headers.get('x-amzn-requestid'));
    assert.equal(((await res.json()) as { Code: string }).Code, 'Unauthorized');
    assert.equal(emu.calls.at(-1)?.status, 401);
  });

  test('a signature scoped to another service → 401', async () => {
    const res = await fetch(`${emu.url}/accounts`, { headers: { authorization: FAKE_SIGV4.replace('/chime/', '/s3/') } });
    assert.equal(res.status, 401);
    assert.match(((await res.json()) as { Message: string }).Message, /chime/);
  });

  test('any region and access key are accepted', async () => {
    const other = new ChimeClient({
      region: 'eu-west-1',
      endpoint: emu.url,
      credentials: { accessKeyId: 'ANOTHERKEY', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    const out = await other.send(new GetAccountCommand({ AccountId: SAMPLE.oidc }));
    assert.equal(out.Account?.Name, 'Globex');
    other.destroy();
  });

  test('unknown routes → 404 with a generic body', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['DELETE', `/accounts/${SAMPLE.team}`],
      ['POST', `/accounts/${SAMPLE.team}?operation=associate-signin-delegate-groups`],
    ] as const) {
      const res = await fetch(`${emu.url}${path}`, { method, headers: { authorization: FAKE_SIGV4 } });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.ok(res.headers.get('x-amzn-requestid'));
      assert.equal(((await res.json()) as { Code: string }).Code, 'NotFound');
    }
    assert.equal(emu.calls.at(-1)?.operation, 'Unknown');
  });
});

describe('faults', () => {
  const expected: [ChimeErrorName, ErrorClass, number][] = [
    ['BadRequest', BadRequestException, 400],
    ['UnauthorizedClient', UnauthorizedClientException, 401],
    ['Forbidden', ForbiddenException, 403],
    ['NotFound', NotFoundException, 404],
    ['Conflict', ConflictException, 409],
    ['ThrottledClient', ThrottledClientException, 429],
    ['ServiceFailure', ServiceFailureException, 500],
    ['ServiceUnavailable', ServiceUnavailableException, 503],
  ];
  for (const [error, type, status] of expected) {
    test(`${error} fault → ${type.name} ${status}`, async () => {
      emu.addFault({ error, message: `injected ${error}` });
      const err = await chimeError(chime.send(new GetAccountCommand({ AccountId: SAMPLE.team })));
      assert.ok(err instanceof type, `expected ${type.name}, got ${err.name}`);
      assert.equal(err.name, type.name);
      assert.equal(err.$metadata.httpStatusCode, status);
      assert.equal(err.$metadata.requestId, emu.calls.at(-1)?.requestId);
      assert.equal(err.message, `injected ${error}`);
    });
  }

  test('Retry-After is sent, and the SDK honours it when retrying', async () => {
    emu.addFault({ error: 'ThrottledClient', retryAfterSeconds: 1, times: 1 });
    const retrying = clientFor(emu, { maxAttempts: 2 });
    const started = Date.now();
    const out = await retrying.send(new GetAccountCommand({ AccountId: SAMPLE.team }));
    retrying.destroy();
    assert.equal(out.$metadata.attempts, 2);
    assert.ok(Date.now() - started >= 950, 'waited for Retry-After');
    assert.deepEqual(
      emu.calls.map((c) => c.status),
      [429, 200],
    );
  });

  test('matching by operation and account; times counts down; first added wins', async () => {
    emu.addFault({ operation: 'UpdateAccount', accountId: SAMPLE.oidc, error: 'Conflict', times: 2 });
    emu.addFault({ operation: 'UpdateAccount', error: 'ServiceUnavailable', times: 1 });
    const update = (AccountId: string) => chime.send(new UpdateAccountCommand({ AccountId, Name: 'Renamed' }));

    await chime.send(new GetAccountCommand({ AccountId: SAMPLE.oidc })); // other operation: untouched
    assert.ok((await chimeError(update(SAMPLE.oidc))) instanceof ConflictException);
    assert.ok((await chimeError(update(SAMPLE.team))) instanceof ServiceUnavailableException);
    assert.ok((await chimeError(update(SAMPLE.oidc))) instanceof ConflictException);
    assert.equal((await update(SAMPLE.oidc)).Account?.Name, 'Renamed');
    assert.equal((await update(SAMPLE.team)).Account?.Name, 'Renamed');
    assert.deepEqual(
      emu.calls.map((c) => c.status),
      [200, 409, 503, 409, 200, 200],
    );
  });

  test('a fault with accountId never matches ListAccounts', async () => {
    emu.addFault({ accountId: SAMPLE.team, error: 'Forbidden' });
    const out = await chime.send(new ListAccountsCommand({ MaxResults: 1 }));
    assert.equal(out.Accounts?.length, 1);
  });

  test('clearFaults removes them', async () => {
    emu.addFault({ error: 'ServiceFailure' });
    emu.clearFaults();
    await chime.send(new GetAccountCommand({ AccountId: SAMPLE.team }));
  });

  test('latency delays the answer', async () => {
    emu.addFault({ operation: 'GetAccount', latencyMs: 250, times: 1 });
    const started = Date.now();
    const out = await chime.send(new GetAccountCommand({ AccountId: SAMPLE.team }));
    assert.ok(Date.now() - started >= 240, `took ${Date.now() - started} ms`);
    assert.equal(out.Account?.Name, 'Acme Sales');
  });

  test('latency combined with an error', async () => {
    emu.addFault({ latencyMs: 100, error: 'ServiceUnavailable', times: 1 });
    const started = Date.now();
    const err = await chimeError(chime.send(new ListAccountsCommand({})));
    assert.ok(err instanceof ServiceUnavailableException);
    assert.ok(Date.now() - started >= 90);
  });

  // A hang would stop these awaits for good: the test's timeout, not a clock assertion, catches that.
  test('hang: the SDK request timeout fails fast and close() still returns', { timeout: 15_000 }, async () => {
    const own = await startChimeEmulator();
    own.addFault({ hang: true });
    const client = clientFor(own, {
      // Without throwOnRequestTimeout, @smithy/node-http-handler 4 only logs a warning and keeps waiting.
      requestHandler: new NodeHttpHandler({ requestTimeout: 300, throwOnRequestTimeout: true }),
    });
    await assert.rejects(client.send(new GetAccountCommand({ AccountId: SAMPLE.team })), { name: 'TimeoutError' });
    assert.equal(own.calls.at(-1)?.status, 0, 'hanging call recorded as unanswered');

    // A second hanging request whose client never gives up: close() must not wait for it.
    const patient = clientFor(own);
    const pending = patient.send(new GetAccountCommand({ AccountId: SAMPLE.team })).catch((err: unknown) => err);
    while (own.calls.length < 2) await new Promise((r) => setTimeout(r, 10));
    await own.close();
    assert.ok((await pending) instanceof Error, 'the pending request fails once the socket is destroyed');
    client.destroy();
    patient.destroy();
  });

  test('close() cancels pending latency timers', async () => {
    const own = await startChimeEmulator();
    own.addFault({ latencyMs: 60_000 });
    const pending = fetch(`${own.url}/accounts`, { headers: { authorization: FAKE_SIGV4 } }).catch((err: unknown) => err);
    while (own.calls.length < 1) await new Promise((r) => setTimeout(r, 10));
    await own.close();
    assert.ok((await pending) instanceof Error);
  });

  test('invalid faults are refused', () => {
    assert.throws(() => emu.addFault({ error: 'Nope' as ChimeErrorName }));
    assert.throws(() => emu.addFault({ latencyMs: -1 }));
  });
});

describe('state and HTTP control', () => {
  const control = (path: string, init?: RequestInit) => fetch(`${emu.url}/_emulator/${path}`, init);

  test('tests can write the live state', async () => {
    const account = emu.accounts.get(SAMPLE.team);
    assert.ok(account);
    account.AccountStatus = 'Suspended';
    const err = await chimeError(chime.send(new UpdateAccountCommand({ AccountId: SAMPLE.team, Name: 'X' })));
    assert.ok(err instanceof BadRequestException);
  });

  test('reset() reseeds accounts in the same Map and clears calls and faults', async () => {
    const accounts = emu.accounts;
    await chime.send(new UpdateAccountCommand({ AccountId: SAMPLE.team, Name: 'Changed' }));
    emu.accounts.delete(SAMPLE.oidc);
    emu.addFault({ error: 'ServiceFailure' });
    emu.reset();
    assert.equal(emu.accounts, accounts);
    assert.equal(emu.accounts.get(SAMPLE.team)?.Name, 'Acme Sales');
    assert.ok(emu.accounts.has(SAMPLE.oidc));
    assert.equal(emu.calls.length, 0);
    await chime.send(new GetAccountCommand({ AccountId: SAMPLE.team }));
  });

  test('POST/GET/DELETE /_emulator/faults drive the SDK-visible behaviour', async () => {
    const added = await control('faults', {
      method: 'POST',
      body: JSON.stringify({ operation: 'GetAccount', error: 'ThrottledClient', retryAfterSeconds: 3, times: 1 }),
    });
    assert.equal(added.status, 200);
    assert.equal(((await (await control('faults')).json()) as unknown[]).length, 1);
    const err = await chimeError(chime.send(new GetAccountCommand({ AccountId: SAMPLE.team })));
    assert.ok(err instanceof ThrottledClientException);
    assert.equal(err.$response?.headers['retry-after'], '3');

    await control('faults', { method: 'POST', body: JSON.stringify({ error: 'Forbidden' }) });
    assert.equal((await control('faults', { method: 'DELETE' })).status, 200);
    await chime.send(new GetAccountCommand({ AccountId: SAMPLE.team }));

    const bad = await control('faults', { method: 'POST', body: JSON.stringify({ error: 'Teapot' }) });
    assert.equal(bad.status, 400);
    assert.equal((await control('faults', { method: 'POST', body: '{' })).status, 400);
  });

  test('GET /_emulator/calls lists Chime requests only', async () => {
    await chime.send(new UpdateAccountCommand({ AccountId: SAMPLE.team, DefaultLicense: 'Plus' }));
    const res = await control('calls');
    assert.equal(res.headers.get('content-type'), 'application/json');
    const calls = (await res.json()) as { operation: string; accountId: string; body: unknown; status: number }[];
    assert.equal(calls.length, 1);
    assert.deepEqual(
      { operation: calls[0]?.operation, accountId: calls[0]?.accountId, body: calls[0]?.body, status: calls[0]?.status },
      { operation: 'UpdateAccount', accountId: SAMPLE.team, body: { DefaultLicense: 'Plus' }, status: 200 },
    );
  });

  test('GET and PUT /_emulator/accounts/{id}', async () => {
    const raw = (await (await control(`accounts/${SAMPLE.lwa}`)).json()) as Record<string, unknown>;
    assert.equal(raw['Name'], 'Acme Support');
    assert.equal(raw['CreatedTimestamp'], '2020-01-20T14:45:30.000Z');
    assert.equal((await control('accounts/nope')).status, 404);

    const put = await control('accounts/new-account', {
      method: 'PUT',
      body: JSON.stringify({ Name: 'Hooli', AccountType: 'Team', CreatedTimestamp: '2024-02-02T00:00:00Z', AccountStatus: 'Suspended' }),
    });
    assert.equal(put.status, 200);
    const out = await chime.send(new GetAccountCommand({ AccountId: 'new-account' }));
    assert.equal(out.Account?.Name, 'Hooli');
    assert.equal(out.Account?.AwsAccountId, AWS_ACCOUNT_ID);
    assert.equal(out.Account?.CreatedTimestamp?.toISOString(), '2024-02-02T00:00:00.000Z');
    const bad = await control('accounts/x', { method: 'PUT', body: JSON.stringify({ Name: 'X', DefaultLicense: 'Gold' }) });
    assert.equal(bad.status, 400);
  });

  test('POST /_emulator/reset', async () => {
    await chime.send(new UpdateAccountCommand({ AccountId: SAMPLE.team, Name: 'Changed' }));
    assert.equal((await control('reset', { method: 'POST' })).status, 200);
    assert.equal(emu.accounts.get(SAMPLE.team)?.Name, 'Acme Sales');
    assert.equal(emu.calls.length, 0);
  });

  test('custom seed accounts', async () => {
    const own = await startChimeEmulator({
      accounts: [{ AwsAccountId: AWS_ACCOUNT_ID, AccountId: 'only-one', Name: 'Solo', CreatedTimestamp: new Date(0) }],
    });
    const client = clientFor(own);
    const out = await client.send(new ListAccountsCommand({}));
    assert.deepEqual(
      out.Accounts?.map((a) => a.Name),
      ['Solo'],
    );
    client.destroy();
    await own.close();
  });
});
