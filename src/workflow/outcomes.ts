/**
 * What the workflow answers: a value, or a refusal with a machine-readable code (listeners and tests branch on the
 * code) and plain words (no Slack markup: the Slack edge escapes and decorates them).
 */
import type { Role } from '../domain/policy.ts';
import { ROLE_PURPOSE } from '../domain/policy.ts';
import type { AccountsFailure } from './ports.ts';

export const REFUSAL_CODES = [
  /** Not in the role the step needs. */
  'no-role',
  /** Slack could not say whether the person is in the role: refused (fail closed). */
  'role-unknown',
  /** The policy's `accounts` list leaves this account out. */
  'account-not-allowed',
  'account-suspended',
  /** What was typed is not valid; `errors` says which field. */
  'invalid-input',
  /** The modal is not one this person opened here, or it was used already. */
  'form-expired',
  'no-such-request',
  'other-workspace',
  'not-pending',
  'expired',
  /** Four-eyes: nobody approves or rejects their own request. */
  'own-request',
  'already-approved',
  'not-requester',
  'not-applied',
  /** Amazon Chime failed; `failure` has the kind and the AWS request id. */
  'chime-failed',
  /** The bot's database could not be reached: nothing was changed. */
  'store-unavailable',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** The refusals that are policy decisions about a person: each is written to the audit log (and its channel). */
export const AUDITED_REFUSALS: ReadonlySet<RefusalCode> = new Set<RefusalCode>([
  'no-role',
  'role-unknown',
  'account-not-allowed',
  'own-request',
  'other-workspace',
  'not-requester',
]);

export type InputField = 'name' | 'license' | 'reason' | 'comment';

export interface Refusal {
  ok: false;
  code: RefusalCode;
  message: string;
  /** With `no-role` / `role-unknown`: the role that was missing. */
  role?: Role;
  /** With `invalid-input`: a message per field. */
  errors?: Partial<Record<InputField, string>>;
  failure?: AccountsFailure;
  /** Where the person can be told privately (the channel and response_url their form was opened from). */
  replyTo?: { channelId?: string; responseUrl?: string };
}

export type Outcome<T> = { ok: true; value: T } | Refusal;

export function ok<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

export function refusal(code: RefusalCode, message: string, extra: Partial<Omit<Refusal, 'ok' | 'code' | 'message'>> = {}): Refusal {
  return { ok: false, code, message, ...extra };
}

export function roleRefusal(role: Role, reason: 'not-member' | 'lookup-failed'): Refusal {
  return reason === 'lookup-failed'
    ? refusal(
        'role-unknown',
        `The bot could not confirm that you have the ${role} role (Slack did not answer), so it refused. Try again.`,
        {
          role,
        },
      )
    : refusal('no-role', `You need the ${role} role to ${ROLE_PURPOSE[role]}. Ask a Chime admin to add you to it in the bot's policy.`, {
        role,
      });
}

export function invalid(errors: Partial<Record<InputField, string>>): Refusal {
  return refusal('invalid-input', Object.values(errors).join(' '), { errors });
}

export const FORM_EXPIRED = refusal(
  'form-expired',
  'This form is no longer valid (it was not opened by you, or it has expired). Run the command again.',
);
