/** The three Chime operations, as pure functions over the emulator's state, with the service's validation. */
import type { Account, License } from '@aws-sdk/client-chime';
import type { ChimeErrorReply } from './errors.ts';

export interface ChimeState {
  accounts: Map<string, Account>;
  /** AccountId → users' e-mail addresses (for ListAccounts' `user-email` filter). */
  members: Map<string, string[]>;
}

export type OpResult = { body: unknown } | ChimeErrorReply;

const LICENSES: readonly string[] = ['Basic', 'Plus', 'Pro', 'ProTrial'] satisfies License[];
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 200;

const badRequest = (message: string): ChimeErrorReply => ({ error: 'BadRequest', message });
const notFound = (accountId: string): ChimeErrorReply => ({ error: 'NotFound', message: `Account ${accountId} not found.` });

/** The account, if it is in the caller's AWS account (another AWS account's accounts are invisible, as on AWS). */
function visible(state: ChimeState, accountId: string, awsAccountId?: string): Account | undefined {
  const account = state.accounts.get(accountId);
  return account && (awsAccountId === undefined || account.AwsAccountId === awsAccountId) ? account : undefined;
}

export function getAccount(state: ChimeState, accountId: string, awsAccountId?: string): OpResult {
  const account = visible(state, accountId, awsAccountId);
  return account ? { body: { Account: account } } : notFound(accountId);
}

export function updateAccount(state: ChimeState, accountId: string, rawBody: string, awsAccountId?: string): OpResult {
  const input = parseObject(rawBody);
  if (!input) return badRequest('The request body must be a JSON object.');
  const name = input['Name'] ?? undefined;
  const license = input['DefaultLicense'] ?? undefined;

  const invalid = validateName(name) ?? validateLicense(license);
  if (invalid) return badRequest(invalid);

  const account = visible(state, accountId, awsAccountId);
  if (!account) return notFound(accountId);
  if (account.AccountStatus === 'Suspended') return badRequest(`Account ${accountId} is suspended.`);
  const supported = account.SupportedLicenses ?? [];
  if (typeof license === 'string' && supported.length > 0 && !supported.includes(license as License)) {
    return badRequest(`License ${license} is not supported by account ${accountId}; supported: ${supported.join(', ')}.`);
  }

  if (typeof name === 'string') account.Name = name;
  if (typeof license === 'string') account.DefaultLicense = license as License;
  return { body: { Account: account } };
}

export function listAccounts(state: ChimeState, query: URLSearchParams, awsAccountId?: string): OpResult {
  const pageSize = parsePageSize(query.get('max-results'));
  if (pageSize === undefined) return badRequest('MaxResults must be an integer between 1 and 200.');
  const offset = decodeNextToken(query.get('next-token'));
  if (offset === undefined) return badRequest('Invalid NextToken.');
  const email = query.get('user-email');
  if (email !== null && !/^.+@.+\..+$/.test(email)) return badRequest('UserEmail is not a valid e-mail address.');

  const prefix = query.get('name') ?? '';
  const matching = [...state.accounts.values()].filter(
    (a) =>
      (awsAccountId === undefined || a.AwsAccountId === awsAccountId) &&
      (a.Name ?? '').startsWith(prefix) &&
      (email === null || isMember(state, a, email)),
  );
  const page = matching.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  return { body: next < matching.length ? { Accounts: page, NextToken: encodeNextToken(next) } : { Accounts: page } };
}

function parseObject(raw: string): Record<string, unknown> | undefined {
  if (raw.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function validateName(name: unknown): string | undefined {
  if (name === undefined) return undefined;
  if (typeof name !== 'string') return 'Name must be a string.';
  const length = [...name].length;
  if (length < 1 || length > 100) return `Name must be 1 to 100 characters long (got ${length}).`;
  if (!/\S/.test(name)) return 'Name must contain at least one non-whitespace character.';
  return undefined;
}

function validateLicense(license: unknown): string | undefined {
  if (license === undefined) return undefined;
  if (typeof license !== 'string' || !LICENSES.includes(license)) {
    return `DefaultLicense ${JSON.stringify(license)} is invalid; it must be one of ${LICENSES.join(', ')}.`;
  }
  return undefined;
}

function parsePageSize(raw: string | null): number | undefined {
  if (raw === null) return DEFAULT_PAGE_SIZE;
  if (!/^\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= 1 && n <= MAX_PAGE_SIZE ? n : undefined;
}

function encodeNextToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function decodeNextToken(raw: string | null): number | undefined {
  if (raw === null) return 0;
  const match = /^offset:(\d{1,9})$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

function isMember(state: ChimeState, account: Account, email: string): boolean {
  const emails = state.members.get(account.AccountId ?? '') ?? [];
  return emails.some((e) => e.toLowerCase() === email.toLowerCase());
}
