/** Sample Chime accounts: every account type and the edge cases the bot has to handle, plus filler for paging. */
import type { Account, License } from '@aws-sdk/client-chime';

export const AWS_ACCOUNT_ID = '111122223333';

/** Fixed AccountIds of the named sample accounts. */
export const SAMPLE = {
  /** 'Acme Sales': Team, Active, default Pro, all four licenses. */
  team: 'c0ffee00-0000-4000-8000-000000000001',
  /** 'Acme Engineering': EnterpriseDirectory with SigninDelegateGroups. */
  directory: 'c0ffee00-0000-4000-8000-000000000002',
  /** 'Acme Support': EnterpriseLWA, SupportedLicenses ['Basic', 'Pro'] only. */
  lwa: 'c0ffee00-0000-4000-8000-000000000003',
  /** 'Globex': EnterpriseOIDC. */
  oidc: 'c0ffee00-0000-4000-8000-000000000004',
  /** 'Initech': Team, Suspended. */
  suspended: 'c0ffee00-0000-4000-8000-000000000005',
  /** 'Umbrella Research': Team with an empty SupportedLicenses list. */
  noLicenses: 'c0ffee00-0000-4000-8000-000000000006',
  /** 'acme sandbox': lower-case name, to show the name filter is case-sensitive. */
  lowercase: 'c0ffee00-0000-4000-8000-000000000007',
} as const;

/** Names of the sample accounts, as seeded. */
export const SAMPLE_NAMES: Record<keyof typeof SAMPLE, string> = {
  team: 'Acme Sales',
  directory: 'Acme Engineering',
  lwa: 'Acme Support',
  oidc: 'Globex',
  suspended: 'Initech',
  noLicenses: 'Umbrella Research',
  lowercase: 'acme sandbox',
};

/** Number of filler accounts 'Test Account 001' … 'Test Account 035'. */
export const GENERATED_ACCOUNT_COUNT = 35;

const ALL_LICENSES: readonly License[] = ['Basic', 'Plus', 'Pro', 'ProTrial'];

function named(key: keyof typeof SAMPLE, created: string, fields: Partial<Account>): Account {
  return {
    AwsAccountId: AWS_ACCOUNT_ID,
    AccountId: SAMPLE[key],
    Name: SAMPLE_NAMES[key],
    AccountType: 'Team',
    CreatedTimestamp: new Date(created),
    DefaultLicense: 'Pro',
    SupportedLicenses: [...ALL_LICENSES],
    AccountStatus: 'Active',
    ...fields,
  };
}

function generated(n: number): Account {
  const num = String(n).padStart(3, '0');
  return {
    AwsAccountId: AWS_ACCOUNT_ID,
    AccountId: `7e570000-0000-4000-8000-000000000${num}`,
    Name: `Test Account ${num}`,
    AccountType: 'Team',
    CreatedTimestamp: new Date(Date.UTC(2022, 0, n, 9, 30)),
    DefaultLicense: n % 3 === 0 ? 'Basic' : 'Pro',
    SupportedLicenses: [...ALL_LICENSES],
    AccountStatus: 'Active',
  };
}

/** A fresh copy of the seed accounts (safe to mutate). */
export function seedAccounts(): Account[] {
  return [
    named('team', '2019-03-04T10:15:00.000Z', {}),
    named('directory', '2019-06-11T08:00:00.000Z', {
      AccountType: 'EnterpriseDirectory',
      SigninDelegateGroups: [{ GroupName: 'chime-users' }, { GroupName: 'chime-pro-users' }],
    }),
    named('lwa', '2020-01-20T14:45:30.000Z', {
      AccountType: 'EnterpriseLWA',
      DefaultLicense: 'Basic',
      SupportedLicenses: ['Basic', 'Pro'],
    }),
    named('oidc', '2020-09-02T16:20:00.000Z', { AccountType: 'EnterpriseOIDC' }),
    named('suspended', '2018-11-30T12:00:00.000Z', { AccountStatus: 'Suspended', DefaultLicense: 'Basic' }),
    named('noLicenses', '2021-05-05T05:05:05.000Z', { DefaultLicense: 'Basic', SupportedLicenses: [] }),
    named('lowercase', '2021-07-14T18:00:00.000Z', { DefaultLicense: 'ProTrial' }),
    ...Array.from({ length: GENERATED_ACCOUNT_COUNT }, (_, i) => generated(i + 1)),
  ];
}

/** Users' e-mail addresses per AccountId, for ListAccounts' `user-email` filter. */
export function seedMembers(): Record<string, string[]> {
  return {
    [SAMPLE.team]: ['alice@acme.example', 'bob@acme.example'],
    [SAMPLE.directory]: ['alice@acme.example', 'carol@acme.example'],
    [SAMPLE.oidc]: ['dave@globex.example'],
  };
}
