/** The adapter through the STS and Chime emulators: who CloudTrail names, several AWS accounts, refusals. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Account } from '@aws-sdk/client-chime';
import { createAccounts } from '../../src/chime/accounts.ts';
import { STS_NAME, sessionTags, sourceIdentity, stsName } from '../../src/chime/identity.ts';
import { type ChimeEmulator, startChimeEmulator } from '../../src/emulators/chime/server.ts';
import { type StsEmulator, startStsEmulator } from '../../src/emulators/sts/server.ts';
import { AccountsFailure, type OnBehalfOf } from '../../src/workflow/ports.ts';
import { updatesOf } from '../helpers/proof.ts';

const A = '111122223333';
const B = '444455556666';
const ROLE_A = `arn:aws:iam::${A}:role/chime-account-bot`;
const ROLE_B = `arn:aws:iam::${B}:role/chime-account-bot`;
const ACCT = (aws: string, id: string, name: string): Account => ({
  AwsAccountId: aws,
  AccountId: id,
  Name: name,
  AccountType: 'Team',
  DefaultLicense: 'Pro',
  SupportedLicenses: ['Basic', 'Pro'],
  AccountStatus: 'Active',
});
const IN_A = 'aaaaaaaa-0000-4000-8000-000000000001';
const IN_A2 = 'aaaaaaaa-0000-4000-8000-000000000002';
const IN_B = 'bbbbbbbb-0000-4000-8000-000000000001';

const on = (over: Partial<OnBehalfOf> = {}): OnBehalfOf => ({
  requestId: '5f0c3a52-1b7e-4d8e-9c1a-2b3c4d5e6f70',
  teamId: 'T0123',
  requesterId: 'U0456',
  approverIds: ['U0AAA', 'U0BBB'],
  ...over,
});

let sts: StsEmulator;
let chime: ChimeEmulator;

before(async () => {
  sts = await startStsEmulator();
  chime = await startChimeEmulator({
    accounts: [ACCT(A, IN_A, 'Alpha'), ACCT(A, IN_A2, 'Charlie'), ACCT(B, IN_B, 'Bravo')],
    sts: sts.sessions,
    baseAwsAccountId: '999999999999',
  });
});
after(async () => {
  await chime.close();
  await sts.close();
});
beforeEach(() => {
  chime.reset();
  sts.calls.length = 0;
  sts.roles.clear();
  sts.roles.set(ROLE_A, {});
  sts.roles.set(ROLE_B, { externalId: 'ext-B-42' });
});

function adapter() {
  return createAccounts(
    {
      region: 'us-east-1',
      timeoutMs: 2_000,
      endpoint: chime.url,
      stsEndpoint: sts.url,
      credentials: { accessKeyId: 'AKIDBASE', secretAccessKey: 'secret' },
      maxAttempts: 1,
    },
    { [A]: { role_arn: ROLE_A }, [B]: { role_arn: ROLE_B, external_id: 'ext-B-42' } },
  );
}

describe('identity in CloudTrail', () => {
  test('the drift check and the change run as the requester, with the request and approvers in tags', async () => {
    const accounts = adapter();
    await accounts.get(IN_B, on());
    await accounts.update(IN_B, { name: 'Bravo 2' }, on());
    const person = chime.trail.filter((t) => t.sourceIdentity);
    assert.deepEqual(
      person.map((t) => [t.operation, t.accountId, t.awsAccountId, t.roleArn]),
      [
        ['GetAccount', IN_B, B, ROLE_B],
        ['UpdateAccount', IN_B, B, ROLE_B],
      ],
    );
    for (const t of person) {
      assert.equal(t.identityType, 'AssumedRole');
      assert.equal(t.sourceIdentity, 'slack-T0123-U0456');
      assert.equal(t.sessionName, 'chime-5f0c3a52-1b7e-4d8e-9c1a-2b3c4d5e6f70');
      assert.deepEqual(t.tags, {
        'chime-account:request': '5f0c3a52-1b7e-4d8e-9c1a-2b3c4d5e6f70',
        'chime-account:team': 'T0123',
        'chime-account:approvers': 'U0AAA U0BBB',
      });
    }
    assert.equal(chime.accounts.get(IN_B)?.Name, 'Bravo 2');
    // Every AssumeRole asked for 900 s and B's external id; none went out without it.
    assert.ok(sts.calls.every((c) => c.status === 200));
  });

  test('the trail is served at GET /_emulator/trail', async () => {
    await adapter().update(IN_A, { license: 'Basic' }, on());
    const trail = (await (await fetch(`${chime.url}/_emulator/trail`)).json()) as { operation: string; sourceIdentity?: string }[];
    assert.ok(trail.some((t) => t.operation === 'UpdateAccount' && t.sourceIdentity === 'slack-T0123-U0456'));
  });

  test('reads without a person use the read session, never a person’s', async () => {
    const accounts = adapter();
    await accounts.get(IN_A);
    assert.ok(chime.trail.length > 0);
    for (const t of chime.trail) {
      assert.equal(t.sessionName, 'chime-account-read');
      assert.equal(t.sourceIdentity, undefined);
    }
  });

  test('a role whose trust policy lacks sts:SetSourceIdentity: refused in words naming it, nothing changed', async () => {
    sts.roles.set(ROLE_A, { allowSetSourceIdentity: false });
    const accounts = adapter();
    await assert.rejects(accounts.update(IN_A, { name: 'Nope' }, on()), (error: unknown) => {
      assert.ok(error instanceof AccountsFailure);
      assert.equal(error.kind, 'Forbidden');
      assert.match(error.userMessage, /Nothing was changed/);
      assert.match(error.userMessage, /sts:SetSourceIdentity is not allowed/);
      assert.match(error.userMessage, new RegExp(ROLE_A));
      return true;
    });
    assert.equal(chime.accounts.get(IN_A)?.Name, 'Alpha');
    assert.ok(!chime.trail.some((t) => t.operation === 'UpdateAccount'));
  });

  test('a role without sts:TagSession, or a wrong external id, is refused too', async () => {
    sts.roles.set(ROLE_A, { allowTagSession: false });
    sts.roles.set(ROLE_B, { externalId: 'another' });
    const accounts = adapter();
    await assert.rejects(accounts.update(IN_A, { name: 'x' }, on()), /sts:TagSession is not allowed/);
    await assert.rejects(accounts.get(IN_B, on()), (e: AccountsFailure) => e.kind === 'Forbidden');
    assert.equal(chime.accounts.get(IN_A)?.Name, 'Alpha');
  });
});

describe('several AWS accounts', () => {
  test('list merges both AWS accounts, each row naming its own', async () => {
    const page = await adapter().list({});
    assert.deepEqual(
      page.accounts.map((a) => [a.name, a.awsAccountId]),
      [
        ['Alpha', A],
        ['Bravo', B],
        ['Charlie', A],
      ],
    );
    assert.equal(page.failures, undefined);
  });

  test('pages through both AWS accounts with one token', async () => {
    const accounts = adapter();
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await accounts.list({ maxResults: 2, nextToken: token });
      seen.push(...page.accounts.map((a) => a.name));
      token = page.nextToken;
    } while (token);
    assert.deepEqual(seen.sort(), ['Alpha', 'Bravo', 'Charlie']);
  });

  test('a failing AWS account is named in words; the other’s accounts are still listed', async () => {
    sts.roles.set(ROLE_B, { allowAssumeRole: false });
    const page = await adapter().list({});
    assert.deepEqual(
      page.accounts.map((a) => a.name),
      ['Alpha', 'Charlie'],
    );
    assert.equal(page.failures?.length, 1);
    assert.equal(page.failures?.[0]?.awsAccountId, B);
    assert.match(page.failures?.[0]?.message ?? '', /sts:AssumeRole is not allowed/);
  });

  test('a change lands in the account’s own AWS account, found without a listing first', async () => {
    const accounts = adapter();
    await accounts.update(IN_A2, { name: 'Charlie 2' }, on());
    await accounts.update(IN_B, { name: 'Bravo 2' }, on());
    const updates = updatesOf(chime.trail);
    assert.deepEqual(
      updates.map((t) => [t.accountId, t.roleArn, t.status]),
      [
        [IN_A2, ROLE_A, 200],
        [IN_B, ROLE_B, 200],
      ],
    );
    assert.equal(chime.accounts.get(IN_A2)?.Name, 'Charlie 2');
    assert.equal(chime.accounts.get(IN_B)?.Name, 'Bravo 2');
  });

  test('an ID in no configured AWS account is not found', async () => {
    await assert.rejects(adapter().get('cccccccc-0000-4000-8000-000000000009'), (e: AccountsFailure) => e.kind === 'NotFound');
  });
});

describe('SourceIdentity from unusual Slack IDs', () => {
  const cases: [string, string][] = [
    ['T0123', 'U0456'],
    ['E0ENTERPRISE', 'W0ORGUSER'],
    ['aws:T1', 'U1'],
    ['T1', 'U:1 é/ü<>!'],
    ['', ''],
    ['T'.repeat(80), 'U'.repeat(80)],
    ['T😀', 'U\u0000\n'],
  ];
  test('always 2–64 characters of [\\w+=,.@-], never aws:, and distinct IDs stay distinct', () => {
    const seen = new Set<string>();
    for (const [teamId, requesterId] of cases) {
      const id = sourceIdentity({ teamId, requesterId });
      assert.match(id, STS_NAME, `${teamId}/${requesterId} → ${id}`);
      assert.ok(!id.toLowerCase().startsWith('aws:'));
      seen.add(id);
    }
    assert.equal(seen.size, cases.length);
    assert.equal(stsName('a'), `a-${stsName('a').slice(2)}`);
    assert.match(stsName('a'), STS_NAME);
  });

  test('STS accepts them: AssumeRole with each succeeds against the emulator’s checks', async () => {
    const accounts = adapter();
    for (const [teamId, requesterId] of cases) await accounts.get(IN_A, on({ teamId, requesterId, approverIds: [requesterId] }));
    assert.ok(sts.calls.length >= cases.length);
    assert.deepEqual(
      sts.calls.filter((c) => c.status !== 200),
      [],
    );
  });

  test('many approvers fit in tags of at most 256 characters, no ID split', () => {
    const approverIds = Array.from({ length: 60 }, (_, i) => `U${String(i).padStart(10, '0')}`);
    const tags = sessionTags(on({ approverIds }));
    assert.ok(tags.length <= 50);
    for (const t of tags) assert.ok(t.Value.length <= 256);
    const listed = tags.filter((t) => t.Key.startsWith('chime-account:approvers')).flatMap((t) => t.Value.split(' '));
    assert.deepEqual(listed, approverIds);
  });
});
