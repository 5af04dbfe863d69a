/**
 * An AWS STS emulator: AssumeRole on the AWS Query protocol (form-encoded POST, Action=AssumeRole,
 * Version=2011-06-15, XML answers), checking what IAM would: the role exists, its trust policy allows sts:AssumeRole,
 * sts:SetSourceIdentity (when SourceIdentity is given) and sts:TagSession (when tags are given), the external id
 * matches, and every parameter's length and characters. The temporary credentials it issues are kept in `sessions`,
 * which the Chime emulator reads to record who made each call, as CloudTrail does.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../body.ts';

/** What a role's trust policy allows, per permission; all default to allowed. */
export interface RoleSpec {
  allowAssumeRole?: boolean;
  allowSetSourceIdentity?: boolean;
  allowTagSession?: boolean;
  /** When set, AssumeRole must pass exactly this ExternalId (sts:ExternalId condition). */
  externalId?: string;
  /** The role's maximum session duration; default 3600. */
  maxSessionDuration?: number;
}

/** One issued session: what CloudTrail would show as userIdentity for calls made with its access key. */
export interface StsSession {
  accessKeyId: string;
  roleArn: string;
  /** The AWS account the role is in. */
  awsAccountId: string;
  sessionName: string;
  sourceIdentity?: string;
  tags: Record<string, string>;
  /** The base credentials' access key id that called AssumeRole. */
  callerAccessKeyId?: string;
  expiration: Date;
}

/** Sessions by access key id; share one between the STS and Chime emulators. */
export type StsSessions = Map<string, StsSession>;

export interface StsCall {
  action: string;
  status: number;
  roleArn?: string;
  sessionName?: string;
  sourceIdentity?: string;
  tags?: Record<string, string>;
  error?: string;
  at: number;
}

export interface StsEmulatorOptions {
  port?: number;
  host?: string;
  roles?: Record<string, RoleSpec>;
  sessions?: StsSessions;
}

export interface StsEmulator {
  url: string;
  roles: Map<string, RoleSpec>;
  sessions: StsSessions;
  calls: StsCall[];
  close(): Promise<void>;
}

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
const NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

class StsError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const xmlEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

function send(res: ServerResponse, status: number, xml: string, requestId: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml), 'x-amzn-requestid': requestId });
  res.end(xml);
}

function errorXml(error: StsError, requestId: string): string {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  return `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${xmlEscape(error.code)}</Code><Message>${xmlEscape(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

const validation = (message: string): StsError => new StsError(400, 'ValidationError', message);

/** Form fields `Tags.member.N.Key` / `.Value` → an ordered list of tags. */
function parseTags(form: URLSearchParams): { key: string; value: string }[] {
  const tags: { key: string; value: string }[] = [];
  for (let n = 1; form.has(`Tags.member.${n}.Key`); n++)
    tags.push({ key: form.get(`Tags.member.${n}.Key`) ?? '', value: form.get(`Tags.member.${n}.Value`) ?? '' });
  return tags;
}

function callerKey(authorization: string | undefined): string | undefined {
  const match = /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/\d{8}\/[a-z0-9-]+\/([a-z0-9-]+)\/aws4_request/.exec(authorization ?? '');
  if (!match) return undefined;
  if (match[2] !== 'sts') throw new StsError(403, 'SignatureDoesNotMatch', `Credential should be scoped to correct service: 'sts'.`);
  return match[1];
}

export async function startStsEmulator(opts: StsEmulatorOptions = {}): Promise<StsEmulator> {
  const roles = new Map(Object.entries(opts.roles ?? {}));
  const sessions: StsSessions = opts.sessions ?? new Map();
  const calls: StsCall[] = [];

  function assumeRole(form: URLSearchParams, caller: string): StsSession {
    const roleArn = form.get('RoleArn') ?? '';
    const sessionName = form.get('RoleSessionName') ?? '';
    const sourceIdentity = form.get('SourceIdentity') ?? undefined;
    const externalId = form.get('ExternalId') ?? undefined;
    const tags = parseTags(form);
    const duration = form.has('DurationSeconds') ? Number(form.get('DurationSeconds')) : 3600;

    const problems: string[] = [];
    if (!ROLE_ARN.test(roleArn)) problems.push(`Value '${roleArn}' at 'roleArn' failed to satisfy constraint: must be a role ARN`);
    if (!NAME.test(sessionName))
      problems.push(
        `Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64`,
      );
    if (sourceIdentity !== undefined && !NAME.test(sourceIdentity))
      problems.push(
        `Value '${sourceIdentity}' at 'sourceIdentity' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64`,
      );
    if (externalId !== undefined && !EXTERNAL_ID.test(externalId))
      problems.push(`Value at 'externalId' failed to satisfy constraint: length between 2 and 1224, pattern [\\w+=,.@:/-]*`);
    if (!Number.isInteger(duration) || duration < 900 || duration > 43_200)
      problems.push(`Value '${form.get('DurationSeconds')}' at 'durationSeconds' failed to satisfy constraint: between 900 and 43200`);
    if (tags.length > 50) problems.push(`Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50`);
    for (const [i, t] of tags.entries()) {
      if (!TAG_KEY.test(t.key))
        problems.push(`Value at 'tags.${i + 1}.member.key' failed to satisfy constraint: length 1 to 128, tag characters`);
      if (!TAG_VALUE.test(t.value))
        problems.push(`Value at 'tags.${i + 1}.member.value' failed to satisfy constraint: length up to 256, tag characters`);
    }
    if (problems.length > 0) throw validation(`${problems.length} validation error(s) detected: ${problems.join('; ')}`);
    if (sourceIdentity?.toLowerCase().startsWith('aws:')) throw validation('SourceIdentity must not begin with the reserved prefix aws:');
    const lowerKeys = new Set(tags.map((t) => t.key.toLowerCase()));
    if (lowerKeys.size !== tags.length) throw validation('Duplicate tag keys found. Tag keys are case insensitive.');

    const role = roles.get(roleArn);
    const who = `arn:aws:iam::000000000000:user/${caller}`;
    const denied = (action: string): StsError =>
      new StsError(403, 'AccessDenied', `User: ${who} is not authorized to perform: ${action} on resource: ${roleArn}`);
    if (!role || role.allowAssumeRole === false) throw denied('sts:AssumeRole');
    if (role.externalId !== undefined && role.externalId !== externalId) throw denied('sts:AssumeRole');
    if (sourceIdentity !== undefined && role.allowSetSourceIdentity === false) throw denied('sts:SetSourceIdentity');
    if (tags.length > 0 && role.allowTagSession === false) throw denied('sts:TagSession');
    if (duration > (role.maxSessionDuration ?? 3600))
      throw validation(`The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`);

    const session: StsSession = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      roleArn,
      awsAccountId: ROLE_ARN.exec(roleArn)?.[1] ?? '',
      sessionName,
      sourceIdentity,
      tags: Object.fromEntries(tags.map((t) => [t.key, t.value])),
      callerAccessKeyId: caller,
      expiration: new Date(Date.now() + duration * 1000),
    };
    sessions.set(session.accessKeyId, session);
    return session;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const form = new URLSearchParams(await readBody(req, 64 * 1024));
    const call: StsCall = { action: form.get('Action') ?? '', status: 0, at: Date.now() };
    calls.push(call);
    try {
      if (req.method !== 'POST') throw new StsError(400, 'InvalidAction', 'STS takes POST requests.');
      const caller = callerKey(req.headers.authorization);
      if (!caller) throw new StsError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
      if (form.get('Version') !== '2011-06-15') throw new StsError(400, 'InvalidAction', 'Version must be 2011-06-15.');
      if (call.action !== 'AssumeRole')
        throw new StsError(400, 'InvalidAction', `Could not find operation ${call.action} for version 2011-06-15`);
      Object.assign(call, { roleArn: form.get('RoleArn') ?? undefined, sessionName: form.get('RoleSessionName') ?? undefined });
      if (form.has('SourceIdentity')) call.sourceIdentity = form.get('SourceIdentity') ?? undefined;
      const session = assumeRole(form, caller);
      call.tags = session.tags;
      call.status = 200;
      const roleName = session.roleArn.split('/').pop();
      const xml =
        `<AssumeRoleResponse xmlns="${XMLNS}"><AssumeRoleResult>` +
        (session.sourceIdentity ? `<SourceIdentity>${xmlEscape(session.sourceIdentity)}</SourceIdentity>` : '') +
        `<AssumedRoleUser><AssumedRoleId>AROA${randomBytes(6).toString('hex').toUpperCase()}:${xmlEscape(session.sessionName)}</AssumedRoleId>` +
        `<Arn>arn:aws:sts::${session.awsAccountId}:assumed-role/${xmlEscape(roleName ?? '')}/${xmlEscape(session.sessionName)}</Arn></AssumedRoleUser>` +
        `<Credentials><AccessKeyId>${session.accessKeyId}</AccessKeyId><SecretAccessKey>${randomBytes(20).toString('base64')}</SecretAccessKey>` +
        `<SessionToken>${randomBytes(48).toString('base64')}</SessionToken><Expiration>${session.expiration.toISOString()}</Expiration></Credentials>` +
        `<PackedPolicySize>${Object.keys(session.tags).length}</PackedPolicySize></AssumeRoleResult>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></AssumeRoleResponse>`;
      send(res, 200, xml, requestId);
    } catch (error) {
      const e = error instanceof StsError ? error : new StsError(500, 'InternalFailure', (error as Error).message);
      call.status = e.status;
      call.error = `${e.code}: ${e.message}`;
      send(res, e.status, errorXml(e, requestId), requestId);
    }
  }

  const server = createServer((req, res) => void handle(req, res));
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
    url: `http://${host}:${port}`,
    roles,
    sessions,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
