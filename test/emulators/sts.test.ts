/** The STS emulator on the wire (Query protocol, XML) and through the SDK's fromTemporaryCredentials. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { type StsEmulator, startStsEmulator } from '../../src/emulators/sts/server.ts';

const ROLE = 'arn:aws:iam::111122223333:role/chime-account-bot';
const SIGNED = 'AWS4-HMAC-SHA256 Credential=AKIDBASE/20261202/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00ff';
const base = { accessKeyId: 'AKIDBASE', secretAccessKey: 'secret' };

let sts: StsEmulator;
before(async () => {
  sts = await startStsEmulator();
});
after(() => sts.close());
beforeEach(() => {
  sts.roles.clear();
  sts.roles.set(ROLE, {});
});

async function post(fields: Record<string, string>, authorization = SIGNED) {
  const res = await fetch(sts.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
    body: new URLSearchParams({ Action: 'AssumeRole', Version: '2011-06-15', ...fields }),
  });
  return { status: res.status, xml: await res.text() };
}

const codeOf = (xml: string) => /<ErrorResponse[^>]*><Error><Type>\w+<\/Type><Code>(\w+)<\/Code><Message>([^<]*)</.exec(xml);

describe('STS emulator on the wire', () => {
  it('answers AssumeRole with Credentials in AssumeRoleResponse/AssumeRoleResult', async () => {
    const { status, xml } = await post({
      RoleArn: ROLE,
      RoleSessionName: 'chime-req-1',
      SourceIdentity: 'slack-T1-U1',
      DurationSeconds: '900',
    });
    assert.equal(status, 200);
    assert.match(
      xml,
      /^<AssumeRoleResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/"><AssumeRoleResult>.*<Credentials><AccessKeyId>ASIA[0-9A-F]{16}<\/AccessKeyId><SecretAccessKey>[^<]+<\/SecretAccessKey><SessionToken>[^<]+<\/SessionToken><Expiration>[^<]+<\/Expiration><\/Credentials>/,
    );
    const key = /<AccessKeyId>(\w+)</.exec(xml)?.[1] ?? '';
    assert.equal(sts.sessions.get(key)?.sourceIdentity, 'slack-T1-U1');
  });

  const refusals: [string, Record<string, string>, string, number, string][] = [
    ['unsigned', { RoleArn: ROLE, RoleSessionName: 'ok-name' }, '', 403, 'MissingAuthenticationToken'],
    ['unknown role', { RoleArn: 'arn:aws:iam::111122223333:role/other', RoleSessionName: 'ok-name' }, SIGNED, 403, 'AccessDenied'],
    ['session name too short', { RoleArn: ROLE, RoleSessionName: 'x' }, SIGNED, 400, 'ValidationError'],
    ['session name with a space', { RoleArn: ROLE, RoleSessionName: 'a b' }, SIGNED, 400, 'ValidationError'],
    ['SourceIdentity with aws:', { RoleArn: ROLE, RoleSessionName: 'ok-name', SourceIdentity: 'aws:me' }, SIGNED, 400, 'ValidationError'],
    ['SourceIdentity of 65', { RoleArn: ROLE, RoleSessionName: 'ok-name', SourceIdentity: 'a'.repeat(65) }, SIGNED, 400, 'ValidationError'],
    ['duration under 900', { RoleArn: ROLE, RoleSessionName: 'ok-name', DurationSeconds: '899' }, SIGNED, 400, 'ValidationError'],
    [
      'tag value of 257',
      { RoleArn: ROLE, RoleSessionName: 'ok-name', 'Tags.member.1.Key': 'k', 'Tags.member.1.Value': 'v'.repeat(257) },
      SIGNED,
      400,
      'ValidationError',
    ],
  ];
  for (const [what, fields, auth, status, code] of refusals)
    it(`refuses: ${what} → ${status} ${code}`, async () => {
      const res = await post(fields, auth);
      assert.equal(res.status, status);
      assert.equal(codeOf(res.xml)?.[1], code, res.xml);
    });

  it('refuses 51 tags, and duplicate keys that differ only in case', async () => {
    const many = Object.fromEntries(
      Array.from({ length: 51 }, (_, i) => [
        [`Tags.member.${i + 1}.Key`, `k${i}`],
        [`Tags.member.${i + 1}.Value`, 'v'],
      ]).flat(),
    );
    assert.equal((await post({ RoleArn: ROLE, RoleSessionName: 'ok-name', ...many })).status, 400);
    const dup = { 'Tags.member.1.Key': 'Key', 'Tags.member.1.Value': 'a', 'Tags.member.2.Key': 'key', 'Tags.member.2.Value': 'b' };
    assert.match((await post({ RoleArn: ROLE, RoleSessionName: 'ok-name', ...dup })).xml, /case insensitive/);
  });

  it('checks each trust-policy permission and the external id, per role', async () => {
    sts.roles.set(ROLE, { allowSetSourceIdentity: false, allowTagSession: false, externalId: 'ext-1' });
    const tag = { 'Tags.member.1.Key': 'k', 'Tags.member.1.Value': 'v' };
    const cases: [Record<string, string>, RegExp][] = [
      [{ ExternalId: 'wrong' }, /perform: sts:AssumeRole on resource/],
      [{}, /perform: sts:AssumeRole on resource/],
      [{ ExternalId: 'ext-1', SourceIdentity: 'slack-T1-U1' }, /perform: sts:SetSourceIdentity/],
      [{ ExternalId: 'ext-1', ...tag }, /perform: sts:TagSession/],
    ];
    for (const [fields, message] of cases) {
      const res = await post({ RoleArn: ROLE, RoleSessionName: 'ok-name', ...fields });
      assert.equal(res.status, 403);
      assert.match(codeOf(res.xml)?.[2] ?? '', message);
    }
    assert.equal((await post({ RoleArn: ROLE, RoleSessionName: 'ok-name', ExternalId: 'ext-1' })).status, 200);
  });
});

describe('STS emulator through the SDK', () => {
  it('fromTemporaryCredentials reaches it by AWS_ENDPOINT_URL_STS and gets its credentials', async () => {
    process.env.AWS_ENDPOINT_URL_STS = sts.url;
    try {
      const provider = fromTemporaryCredentials({
        params: {
          RoleArn: ROLE,
          RoleSessionName: 'chime-req-2',
          SourceIdentity: 'slack-T1-U2',
          Tags: [{ Key: 'a', Value: 'b c' }],
          DurationSeconds: 900,
        },
        masterCredentials: base,
        clientConfig: { region: 'us-east-1' },
      });
      const creds = await provider();
      assert.match(creds.accessKeyId, /^ASIA/);
      assert.ok(creds.expiration && creds.expiration.getTime() > Date.now() + 800_000);
      assert.deepEqual(sts.sessions.get(creds.accessKeyId)?.tags, { a: 'b c' });
    } finally {
      delete process.env.AWS_ENDPOINT_URL_STS;
    }
  });

  it('the SDK sees AccessDenied with STS’s message', async () => {
    sts.roles.set(ROLE, { allowSetSourceIdentity: false });
    const provider = fromTemporaryCredentials({
      params: { RoleArn: ROLE, RoleSessionName: 'chime-req-3', SourceIdentity: 'slack-T1-U3' },
      masterCredentials: base,
      clientConfig: { region: 'us-east-1', endpoint: sts.url, maxAttempts: 1 },
    });
    await assert.rejects(provider(), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, 'AccessDenied');
      assert.equal(e.$metadata?.httpStatusCode, 403);
      assert.match(e.message, /not authorized to perform: sts:SetSourceIdentity/);
      return true;
    });
  });
});
