/**
 * The Amazon Chime adapter: GetAccount, UpdateAccount and ListAccounts through @aws-sdk/client-chime, with the SDK's
 * own retries (adaptive mode unless AWS_RETRY_MODE says otherwise) and a per-attempt timeout the bot sets, so no
 * handler waits forever. The endpoint comes from AWS_ENDPOINT_URL_CHIME, which the SDK reads itself.
 *
 * With the policy's `aws_accounts`, every call goes through STS AssumeRole of the Chime account's own AWS account's
 * role (AWS_ENDPOINT_URL_STS is read by the STS client): a change and its drift check under a session named for the
 * request with SourceIdentity = the requester and tags for the approvers (src/chime/identity.ts), so CloudTrail names
 * the people; reads (show, list, picker) under one long-lived session per AWS account named `chime-account-read`.
 * Which AWS account a Chime AccountId is in is learnt from each listing and read (Account.AwsAccountId); an ID not
 * seen yet is looked for with GetAccount in every configured AWS account at once.
 */
import {
  ChimeClient,
  type ChimeClientConfig,
  GetAccountCommand,
  ListAccountsCommand,
  type Account as SdkAccount,
  UpdateAccountCommand,
} from '@aws-sdk/client-chime';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Account, AccountChange } from '../domain/account.ts';
import type { AccountPage, Accounts, AccountsFailure, OnBehalfOf } from '../workflow/ports.ts';
import { AssumeRoleError, toFailure } from './errors.ts';
import { roleSessionName, sessionTags, sourceIdentity } from './identity.ts';

export interface ChimeAccountsOptions {
  region: string;
  /** Per attempt; the SDK retries within its own limits. */
  timeoutMs: number;
  /** For tests and the emulator; production leaves these to the SDK's environment and provider chain. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  maxAttempts?: number;
  /** The STS endpoint for AssumeRole (tests); otherwise AWS_ENDPOINT_URL_STS or the SDK's default. */
  stsEndpoint?: string;
  /** Given every client made (the base one, each AssumeRole one): metrics and logs of its calls (ops/observe.ts). */
  watch?: (client: ChimeClient) => void;
}

/** The policy's `aws_accounts` entry: the role to assume in that AWS account. */
export interface AwsAccountRole {
  role_arn: string;
  external_id?: string;
}

function httpHandler(options: ChimeAccountsOptions): NodeHttpHandler {
  return new NodeHttpHandler({
    connectionTimeout: Math.min(options.timeoutMs, 3_000),
    requestTimeout: options.timeoutMs,
    // Without this, a request past requestTimeout only logs a warning and goes on waiting.
    throwOnRequestTimeout: true,
  });
}

export function createChimeClient(
  options: ChimeAccountsOptions,
  overrides: Pick<ChimeClientConfig, 'credentials' | 'requestHandler'> = {},
): ChimeClient {
  const client = new ChimeClient({
    region: options.region,
    endpoint: options.endpoint,
    credentials: overrides.credentials ?? options.credentials,
    maxAttempts: options.maxAttempts,
    retryMode: process.env.AWS_RETRY_MODE ? undefined : 'adaptive',
    requestHandler: overrides.requestHandler ?? httpHandler(options),
  });
  options.watch?.(client);
  return client;
}

/** The Chime adapter for these settings: one base client, or AssumeRole per AWS account when `awsAccounts` is set. */
export function createAccounts(options: ChimeAccountsOptions, awsAccounts?: Record<string, AwsAccountRole>): ChimeAccounts {
  const hasRoles = awsAccounts && Object.keys(awsAccounts).length > 0;
  return new ChimeAccounts(createChimeClient(options), hasRoles ? { options, awsAccounts } : undefined);
}

export function toAccount(a: SdkAccount): Account {
  return {
    accountId: a.AccountId ?? '',
    awsAccountId: a.AwsAccountId ?? '',
    name: a.Name ?? '',
    type: a.AccountType,
    status: a.AccountStatus,
    createdAt: a.CreatedTimestamp,
    defaultLicense: a.DefaultLicense,
    supportedLicenses: a.SupportedLicenses ?? [],
    signinDelegateGroups: (a.SigninDelegateGroups ?? []).map((g) => g.GroupName ?? '').filter(Boolean),
  };
}

const READ_SESSION = 'chime-account-read';
/** AccountId → AWS account, learnt from listings and reads; bounded so a flood of IDs can't grow it without end. */
const WHERE_LIMIT = 10_000;

export class ChimeAccounts implements Accounts {
  readonly #client: ChimeClient;
  readonly #roles?: { options: ChimeAccountsOptions; awsAccounts: Record<string, AwsAccountRole> };
  /** One HTTP handler (its sockets) for every client the roles need; per-change clients are cheap objects around it. */
  readonly #handler?: NodeHttpHandler;
  readonly #readers = new Map<string, ChimeClient>();
  readonly #where = new Map<string, string>();

  constructor(client: ChimeClient, roles?: { options: ChimeAccountsOptions; awsAccounts: Record<string, AwsAccountRole> }) {
    this.#client = client;
    if (roles) {
      this.#roles = roles;
      this.#handler = httpHandler(roles.options);
    }
  }

  /** The configured AWS accounts, or undefined when the bot uses its base identity only. */
  get awsAccountIds(): string[] | undefined {
    return this.#roles ? Object.keys(this.#roles.awsAccounts) : undefined;
  }

  async get(accountId: string, on?: OnBehalfOf): Promise<Account> {
    const operation = 'read the account (chime:GetAccount)';
    if (!this.#roles) return this.#getWith(this.#client, accountId, operation);
    const { awsAccountId, account } = await this.#locate(accountId);
    if (on) return this.#getWith(this.#personClient(awsAccountId, on), accountId, operation, awsAccountId);
    if (account) return account;
    return this.#getWith(this.#reader(awsAccountId), accountId, operation, awsAccountId).catch((error: AccountsFailure) => {
      this.#forgetReaderAfter(error, awsAccountId);
      throw error;
    });
  }

  async update(accountId: string, change: AccountChange, on?: OnBehalfOf): Promise<{ account: Account; requestId?: string }> {
    const operation = 'change the account (chime:UpdateAccount)';
    let client = this.#client;
    let awsAccountId: string | undefined;
    if (this.#roles) {
      awsAccountId = (await this.#locate(accountId)).awsAccountId;
      client = on ? this.#personClient(awsAccountId, on) : this.#reader(awsAccountId);
    }
    try {
      const out = await client.send(new UpdateAccountCommand({ AccountId: accountId, Name: change.name, DefaultLicense: change.license }));
      if (!out.Account) throw new Error('UpdateAccount returned no Account');
      return { account: this.#learn(toAccount(out.Account)), requestId: out.$metadata.requestId };
    } catch (error) {
      throw toFailure(error, { accountId, awsAccountId, operation });
    }
  }

  /**
   * One page of accounts. With several AWS accounts: each is asked at once for its share of the page, rows are merged
   * by name, and an AWS account that fails is named in `failures` while the others' rows are still returned. The
   * next-page token carries each AWS account's own token.
   */
  async list(query: { namePrefix?: string; maxResults?: number; nextToken?: string }): Promise<AccountPage> {
    const operation = 'list accounts (chime:ListAccounts)';
    if (!this.#roles) {
      try {
        const out = await this.#client.send(
          new ListAccountsCommand({ Name: query.namePrefix || undefined, MaxResults: query.maxResults, NextToken: query.nextToken }),
        );
        return { accounts: (out.Accounts ?? []).map(toAccount), nextToken: out.NextToken };
      } catch (error) {
        throw toFailure(error, { operation });
      }
    }
    const tokens = query.nextToken
      ? decodeTokens(query.nextToken)
      : Object.fromEntries(Object.keys(this.#roles.awsAccounts).map((id) => [id, '']));
    if (!tokens) throw toFailure(new Error('invalid next-page token'), { operation });
    const ids = Object.keys(tokens).filter((id) => this.#roles?.awsAccounts[id]);
    const share = query.maxResults === undefined ? undefined : Math.max(1, Math.ceil(query.maxResults / Math.max(1, ids.length)));
    const results = await Promise.allSettled(
      ids.map((id) =>
        this.#reader(id).send(
          new ListAccountsCommand({ Name: query.namePrefix || undefined, MaxResults: share, NextToken: tokens[id] || undefined }),
        ),
      ),
    );
    const accounts: Account[] = [];
    const failures: { awsAccountId: string; message: string }[] = [];
    const next: Record<string, string> = {};
    results.forEach((r, i) => {
      const id = ids[i] as string;
      if (r.status === 'rejected') {
        const failure = toFailure(r.reason, { awsAccountId: id, operation });
        this.#forgetReaderAfter(failure, id);
        failures.push({ awsAccountId: id, message: failure.userMessage });
        return;
      }
      for (const a of r.value.Accounts ?? []) accounts.push(this.#learn(toAccount(a)));
      if (r.value.NextToken) next[id] = r.value.NextToken;
    });
    accounts.sort((a, b) => a.name.localeCompare(b.name) || a.awsAccountId.localeCompare(b.awsAccountId));
    return {
      accounts,
      nextToken: Object.keys(next).length > 0 ? encodeTokens(next) : undefined,
      ...(failures.length > 0 ? { failures } : {}),
    };
  }

  async #getWith(client: ChimeClient, accountId: string, operation: string, awsAccountId?: string): Promise<Account> {
    try {
      const out = await client.send(new GetAccountCommand({ AccountId: accountId }));
      if (!out.Account) throw new Error('GetAccount returned no Account');
      return this.#learn(toAccount(out.Account));
    } catch (error) {
      throw toFailure(error, { accountId, awsAccountId, operation });
    }
  }

  #learn(account: Account): Account {
    if (this.#roles && account.awsAccountId) {
      if (this.#where.size >= WHERE_LIMIT) this.#where.clear();
      this.#where.set(account.accountId, account.awsAccountId);
    }
    return account;
  }

  /** Which configured AWS account holds `accountId` (and, when it had to look, the account as read). */
  async #locate(accountId: string): Promise<{ awsAccountId: string; account?: Account }> {
    const roles = this.#roles!;
    const known = this.#where.get(accountId);
    if (known && roles.awsAccounts[known]) return { awsAccountId: known };
    const ids = Object.keys(roles.awsAccounts);
    const operation = 'read the account (chime:GetAccount)';
    const tries = await Promise.allSettled(
      ids.map((id) =>
        this.#getWith(this.#reader(id), accountId, operation, id).catch((error: AccountsFailure) => {
          this.#forgetReaderAfter(error, id);
          throw error;
        }),
      ),
    );
    const found = tries.findIndex((t) => t.status === 'fulfilled');
    if (found >= 0) return { awsAccountId: ids[found] as string, account: (tries[found] as PromiseFulfilledResult<Account>).value };
    // Not found anywhere, unless some AWS account could not be asked: then say why that one failed, not "no such account".
    const failures = tries.map((t) => (t as PromiseRejectedResult).reason as { kind?: string });
    throw failures.find((f) => f.kind !== 'NotFound') ?? failures[0];
  }

  /**
   * A read session Chime no longer accepts (revoked, or expired earlier than the SDK expects) is dropped, so the next
   * read assumes the role afresh instead of failing until the SDK's own renewal.
   */
  #forgetReaderAfter(failure: AccountsFailure, awsAccountId: string): void {
    if (failure.kind === 'Unauthorized') this.#readers.delete(awsAccountId);
  }

  /** The long-lived read session in one AWS account (the SDK refreshes its credentials before they expire). */
  #reader(awsAccountId: string): ChimeClient {
    let client = this.#readers.get(awsAccountId);
    if (!client) {
      client = this.#assumed(awsAccountId, { RoleSessionName: READ_SESSION });
      this.#readers.set(awsAccountId, client);
    }
    return client;
  }

  /**
   * A client for one change: its own AssumeRole, naming the requester and approvers. Made per call and dropped after
   * (it shares the HTTP handler, so it holds no sockets of its own): credentials for one person never serve another.
   */
  #personClient(awsAccountId: string, on: OnBehalfOf): ChimeClient {
    return this.#assumed(awsAccountId, { RoleSessionName: roleSessionName(on), SourceIdentity: sourceIdentity(on), Tags: sessionTags(on) });
  }

  #assumed(awsAccountId: string, params: { RoleSessionName: string; SourceIdentity?: string; Tags?: { Key: string; Value: string }[] }) {
    const { options, awsAccounts } = this.#roles!;
    const role = awsAccounts[awsAccountId]!;
    const provider = fromTemporaryCredentials({
      params: { RoleArn: role.role_arn, ExternalId: role.external_id, DurationSeconds: 900, ...params },
      masterCredentials: options.credentials,
      clientConfig: {
        region: options.region,
        endpoint: options.stsEndpoint,
        maxAttempts: options.maxAttempts,
        requestHandler: this.#handler,
      },
    });
    const credentials = async (props?: Parameters<typeof provider>[0]) => {
      try {
        return await provider(props);
      } catch (error) {
        throw new AssumeRoleError(role.role_arn, error);
      }
    };
    return createChimeClient(options, { credentials, requestHandler: this.#handler });
  }
}

function encodeTokens(tokens: Record<string, string>): string {
  return Buffer.from(JSON.stringify(tokens)).toString('base64url');
}

function decodeTokens(raw: string): Record<string, string> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    return Object.values(value).every((v) => typeof v === 'string') ? (value as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}
