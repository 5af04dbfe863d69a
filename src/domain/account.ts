/**
 * The account as this bot sees it, and the rules for a change to it.
 * Pure: no Slack, no AWS. The Chime adapter converts the SDK's shape into `Account`.
 */
import { z } from 'zod';

export const LICENSES = ['Basic', 'Plus', 'Pro', 'ProTrial'] as const;
export type License = (typeof LICENSES)[number];

export const NAME_MAX = 100;

export interface Account {
  accountId: string;
  awsAccountId: string;
  name: string;
  type?: string;
  status?: string;
  createdAt?: Date;
  defaultLicense?: string;
  supportedLicenses: string[];
  signinDelegateGroups: string[];
}

/** The two fields this bot changes. `license` can be absent on accounts that report none. */
export interface AccountValues {
  name: string;
  license?: string;
}

/** Only the fields that change. */
export interface AccountChange {
  name?: string;
  license?: License;
}

export function valuesOf(account: Account): AccountValues {
  return { name: account.name, license: account.defaultLicense };
}

/** Licenses the account may be set to: its SupportedLicenses, or all four when it lists none. */
export function licenseChoices(account: Pick<Account, 'supportedLicenses'>): License[] {
  const supported = LICENSES.filter((l) => account.supportedLicenses.includes(l));
  return supported.length > 0 ? supported : [...LICENSES];
}

/** Why an account can't be changed, or undefined when it can. */
export function lockReason(account: Account, allowed: boolean): string | undefined {
  if (!allowed) return 'The policy does not let this bot change this account.';
  if (account.status === 'Suspended') return 'This account is suspended; Amazon Chime does not allow changes to it.';
  return undefined;
}

// Control characters (C0, DEL, C1) and line/paragraph separators never belong in an account name.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's purpose
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
// Text-direction embeddings, overrides and isolates make a name (and the text after it) display in another order.
const DIRECTION = /[\u202a-\u202e\u2066-\u2069]/u;
// Invisible characters that only make look-alikes (zero-width space, word joiner, BOM). ZWJ and ZWNJ stay: emoji
// sequences and some scripts need them.
const INVISIBLE = /[\u200b\u2060\ufeff]/u;
// Something visible: not only spaces and format characters.
const VISIBLE = /[^\s\p{Z}\p{Cf}]/u;

export const accountNameSchema = z
  .string({ error: 'Enter a name.' })
  .trim()
  .min(1, { error: 'Enter a name: it can’t be blank.' })
  .refine((s) => VISIBLE.test(s), { error: 'Enter a name: it can’t be blank.' })
  .refine((s) => [...s].length <= NAME_MAX, { error: `Use at most ${NAME_MAX} characters.` })
  .refine((s) => !CONTROL.test(s), { error: 'Remove control characters from the name.' })
  .refine((s) => !DIRECTION.test(s), { error: 'Remove the text-direction characters from the name: they change how it displays.' })
  .refine((s) => !INVISIBLE.test(s), { error: 'Remove the invisible characters (such as zero-width spaces) from the name.' });

export const licenseSchema = z.enum(LICENSES, { error: `Choose one of ${LICENSES.join(', ')}.` });

export type FieldErrors = Partial<Record<'name' | 'license', string>>;

export type ValidationResult = { ok: true; change: AccountChange } | { ok: false; errors: FieldErrors };

/**
 * Validates what a person typed against the account as it is: a name of 1–100 characters that isn't blank,
 * a license the account supports, and at least one field that differs.
 */
export function validateChange(account: Account, input: { name?: string | null; license?: string | null }): ValidationResult {
  const errors: FieldErrors = {};
  const change: AccountChange = {};

  const name = accountNameSchema.safeParse(input.name ?? '');
  if (!name.success) errors.name = name.error.issues[0]?.message ?? 'Enter a valid name.';
  else if (name.data !== account.name) change.name = name.data;

  if (input.license != null && input.license !== '') {
    const license = licenseSchema.safeParse(input.license);
    if (!license.success) errors.license = license.error.issues[0]?.message ?? 'Choose a license.';
    else if (!licenseChoices(account).includes(license.data))
      errors.license = `This account supports ${licenseChoices(account).join(', ')} only.`;
    else if (license.data !== account.defaultLicense) change.license = license.data;
  } else if (account.defaultLicense === undefined) {
    // Nothing chosen and nothing set: no license change.
  } else {
    errors.license = 'Choose a license.';
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  if (change.name === undefined && change.license === undefined)
    return { ok: false, errors: { name: 'Nothing to change: the name and license are what the account has now.' } };
  return { ok: true, change };
}

/** The values the account will have once `change` is applied to `before`. */
export function applied(before: AccountValues, change: AccountChange): AccountValues {
  return { name: change.name ?? before.name, license: change.license ?? before.license };
}

export function sameValues(a: AccountValues, b: AccountValues): boolean {
  return a.name === b.name && (a.license ?? null) === (b.license ?? null);
}
