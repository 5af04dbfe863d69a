/**
 * The Amazon Chime adapter: GetAccount, UpdateAccount and ListAccounts through @aws-sdk/client-chime, with the SDK's
 * own retries (adaptive mode unless AWS_RETRY_MODE says otherwise) and a per-attempt timeout the bot sets, so no
 * handler waits forever. The endpoint comes from AWS_ENDPOINT_URL_CHIME, which the SDK reads itself.
 */
import {
  ChimeClient,
  GetAccountCommand,
  ListAccountsCommand,
  type Account as SdkAccount,
  UpdateAccountCommand,
} from '@aws-sdk/client-chime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Account, AccountChange } from '../domain/account.ts';
import type { Accounts } from '../workflow/ports.ts';
import { toFailure } from './errors.ts';

export interface ChimeAccountsOptions {
  region: string;
  /** Per attempt; the SDK retries within its own limits. */
  timeoutMs: number;
  /** For tests and the emulator; production leaves these to the SDK's environment and provider chain. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  maxAttempts?: number;
}

export function createChimeClient(options: ChimeAccountsOptions): ChimeClient {
  return new ChimeClient({
    region: options.region,
    endpoint: options.endpoint,
    credentials: options.credentials,
    maxAttempts: options.maxAttempts,
    retryMode: process.env.AWS_RETRY_MODE ? undefined : 'adaptive',
    requestHandler: new NodeHttpHandler({
      connectionTimeout: Math.min(options.timeoutMs, 3_000),
      requestTimeout: options.timeoutMs,
      // Without this, a request past requestTimeout only logs a warning and goes on waiting.
      throwOnRequestTimeout: true,
    }),
  });
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

export class ChimeAccounts implements Accounts {
  readonly #client: ChimeClient;

  constructor(client: ChimeClient) {
    this.#client = client;
  }

  async get(accountId: string): Promise<Account> {
    try {
      const out = await this.#client.send(new GetAccountCommand({ AccountId: accountId }));
      if (!out.Account) throw new Error('GetAccount returned no Account');
      return toAccount(out.Account);
    } catch (error) {
      throw toFailure(error, { accountId, operation: 'read the account (chime:GetAccount)' });
    }
  }

  async update(accountId: string, change: AccountChange): Promise<{ account: Account; requestId?: string }> {
    try {
      const out = await this.#client.send(
        new UpdateAccountCommand({ AccountId: accountId, Name: change.name, DefaultLicense: change.license }),
      );
      if (!out.Account) throw new Error('UpdateAccount returned no Account');
      return { account: toAccount(out.Account), requestId: out.$metadata.requestId };
    } catch (error) {
      throw toFailure(error, { accountId, operation: 'change the account (chime:UpdateAccount)' });
    }
  }

  async list(query: { namePrefix?: string; maxResults?: number; nextToken?: string }) {
    try {
      const out = await this.#client.send(
        new ListAccountsCommand({ Name: query.namePrefix || undefined, MaxResults: query.maxResults, NextToken: query.nextToken }),
      );
      return { accounts: (out.Accounts ?? []).map(toAccount), nextToken: out.NextToken };
    } catch (error) {
      throw toFailure(error, { operation: 'list accounts (chime:ListAccounts)' });
    }
  }
}
