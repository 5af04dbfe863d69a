/**
 * Who may do what, and when a change needs a second person: the policy file, validated, and the role check.
 * Membership that needs Slack (user groups, admins) is asked of a `Directory` the Slack edge provides.
 */
import { z } from 'zod';
import type { AccountChange } from './account.ts';
import { formatDuration, parseDuration } from './duration.ts';

export const ROLES = ['viewers', 'requesters', 'approvers'] as const;
export type Role = (typeof ROLES)[number];

/** What each role lets a person do, for messages that name a missing role. */
export const ROLE_PURPOSE: Record<Role, string> = {
  viewers: 'view Chime accounts and their history',
  requesters: 'request changes to Chime accounts',
  approvers: 'approve or reject changes to Chime accounts',
};

const member = z.string().regex(/^(\*|workspace_admins|[UW][A-Z0-9]{2,}|S[A-Z0-9]{2,})$/, {
  error: 'a member is a user ID (U…/W…), a user group ID (S…), "workspace_admins" or "*"',
});

const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: 'a duration such as "30m", "24h" or "7d"' });
    return z.NEVER;
  }
  return ms;
});

const escalationMember = z.string().regex(/^([UW][A-Z0-9]{2,}|S[A-Z0-9]{2,})$/, {
  error: 'a user group ID (S…) or user IDs (U…/W…)',
});

/**
 * What makes reminders and escalation meaningless: each must fall before the request expires, escalation needs
 * someone to escalate to (and the reverse), and escalating before the approvers were even reminded is refused —
 * the reminder comes at `expires_after − remind_before`, the escalation at `escalate_after`, both from the request.
 */
function escalationProblems(a: {
  expires_after: number;
  remind_before?: number;
  escalate_after?: number;
  escalate_to?: string[];
}): { key: string; message: string }[] {
  const out: { key: string; message: string }[] = [];
  const expiry = formatDuration(a.expires_after);
  if (a.remind_before !== undefined && a.remind_before >= a.expires_after)
    out.push({
      key: 'remind_before',
      message: `must be shorter than expires_after (${expiry}): the reminder is sent this long before the request expires`,
    });
  if (a.escalate_after !== undefined && a.escalate_to === undefined)
    out.push({ key: 'escalate_to', message: 'is required with escalate_after: whom should the bot escalate to?' });
  if (a.escalate_to !== undefined && a.escalate_after === undefined)
    out.push({ key: 'escalate_after', message: 'is required with escalate_to: when should the bot escalate?' });
  if (a.escalate_after !== undefined && a.escalate_after >= a.expires_after)
    out.push({ key: 'escalate_after', message: `must be shorter than expires_after (${expiry}): the request would expire first` });
  if (a.escalate_after !== undefined && a.remind_before !== undefined && a.remind_before < a.expires_after) {
    const remindAt = a.expires_after - a.remind_before;
    if (a.escalate_after < remindAt)
      out.push({
        key: 'escalate_after',
        message: `escalation (${formatDuration(a.escalate_after)} after the request) would come before the reminder (${formatDuration(remindAt)} after it, i.e. remind_before ${formatDuration(a.remind_before)} before expires_after ${expiry}): escalate_after must be at least ${formatDuration(remindAt)}`,
      });
  }
  return out;
}
/** One AWS account whose Chime accounts the bot manages, through AssumeRole of this role. */
const awsAccount = z.strictObject({
  role_arn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, {
    error: 'a role ARN such as arn:aws:iam::111122223333:role/chime-account-bot',
  }),
  external_id: z
    .string()
    .regex(/^[\w+=,.@:/-]{2,1224}$/, { error: 'an external id of 2 to 1224 characters of letters, digits and +=,.@:/-_' })
    .optional(),
});

const awsAccounts = z
  .record(z.string(), awsAccount)
  .superRefine((accounts, ctx) => {
    for (const [id, a] of Object.entries(accounts))
      if (!/^\d{12}$/.test(id))
        ctx.addIssue({ code: 'custom', path: [id], message: 'the key must be an AWS account ID of 12 digits (quote it in YAML)' });
      else if (!a.role_arn.includes(`::${id}:role/`))
        ctx.addIssue({ code: 'custom', path: [id, 'role_arn'], message: `the role must be in AWS account ${id}` });
  })
  .optional();

export const policySchema = z
  .strictObject({
    roles: z.strictObject({
      viewers: z.array(member).default(['*']),
      requesters: z.array(member).default([]),
      approvers: z.array(member).default([]),
    }),
    approval: z
      .strictObject({
        required: z.enum(['always', 'never', 'license-changes']).default('always'),
        approvers_required: z.number().int().min(1).max(3).default(1),
        expires_after: duration.default(24 * 3_600_000),
        reason: z.enum(['optional', 'required']).default('optional'),
        mention: z
          .string()
          .regex(/^S[A-Z0-9]{2,}$/, { error: 'a user group ID (S…)' })
          .optional(),
        /** One reminder in the card's thread this long before expiry (the sweep posts it). */
        remind_before: duration.optional(),
        /** Still pending this long after the request: `escalate_to` is mentioned and DMed (the sweep does it). */
        escalate_after: duration.optional(),
        /** Who escalation goes to; they may approve like approvers. A group (S…) or user IDs. */
        escalate_to: z
          .union([escalationMember.transform((m) => [m]), z.array(escalationMember).min(1, { error: 'list at least one user ID' })])
          .optional(),
      })
      .superRefine((approval, ctx) => {
        for (const problem of escalationProblems(approval)) ctx.addIssue({ code: 'custom', path: [problem.key], message: problem.message });
      })
      .prefault({}),
    accounts: z.array(z.string().min(1)).default(['*']),
    /** When set, every Chime call goes through AssumeRole of the AWS account's role (see src/chime/accounts.ts). */
    aws_accounts: awsAccounts,
  })
  .superRefine((policy, ctx) => {
    const problem = unmeetableApproval(policy);
    if (problem) ctx.addIssue({ code: 'custom', path: ['roles', 'approvers'], message: problem });
  });

/**
 * Why no request could ever be approved under this policy, or undefined. Groups, `workspace_admins` and `*` can grow,
 * so only a list of user IDs alone is counted against `approvers_required`.
 */
function unmeetableApproval(policy: { roles: { approvers: string[] }; approval: { required: string; approvers_required: number } }) {
  if (policy.approval.required === 'never') return undefined;
  const approvers = policy.roles.approvers;
  const needed = policy.approval.approvers_required;
  if (approvers.length === 0)
    return `approval.required is "${policy.approval.required}" but no approvers are listed, so no change could ever be approved`;
  const open = approvers.some((m) => m === '*' || m === 'workspace_admins' || m.startsWith('S'));
  if (!open && new Set(approvers).size < needed)
    return `approval.approvers_required is ${needed} but only ${new Set(approvers).size} approver(s) are listed and no group, so no change could ever be approved`;
  return undefined;
}

export type Policy = z.output<typeof policySchema>;

/** One line per problem, naming the key: `approval.required: Invalid option: expected one of …`. */
export function describePolicyErrors(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
}

export function needsApproval(policy: Policy, change: AccountChange): boolean {
  switch (policy.approval.required) {
    case 'always':
      return true;
    case 'never':
      return false;
    case 'license-changes':
      return change.license !== undefined;
  }
}

export function accountAllowed(policy: Policy, accountId: string): boolean {
  return policy.accounts.includes('*') || policy.accounts.includes(accountId);
}

/**
 * What the Slack edge answers about people; both may throw, and a throw means "no". `fresh` asks Slack now instead of
 * a recent answer: every decision that changes something asks for it.
 */
export interface Directory {
  isWorkspaceAdmin(userId: string, opts?: { fresh?: boolean }): Promise<boolean>;
  groupMembers(groupId: string, opts?: { fresh?: boolean }): Promise<readonly string[]>;
}

/**
 * Who holds `role` under the policy: its members, and for approvers also `approval.escalate_to` — the people a
 * request is escalated to may approve it like approvers (at any time, not only once it was escalated).
 */
export function roleMembers(policy: Policy, role: Role): readonly string[] {
  const members = policy.roles[role];
  const escalation = role === 'approvers' ? (policy.approval.escalate_to ?? []) : [];
  return escalation.length ? [...members, ...escalation.filter((m) => !members.includes(m))] : members;
}

export type RoleCheck = { ok: true } | { ok: false; role: Role; reason: 'not-member' | 'lookup-failed' };

/**
 * Whether `userId` holds `role` now. Direct matches need no lookups; groups and admins are asked of the
 * directory only when needed. Any lookup failure denies (fail closed).
 */
export async function checkRole(
  policy: Policy,
  role: Role,
  userId: string,
  directory: Directory,
  opts: { fresh?: boolean } = {},
): Promise<RoleCheck> {
  const members = roleMembers(policy, role);
  if (members.includes('*') || members.includes(userId)) return { ok: true };
  let lookupFailed = false;
  const lookups: Promise<boolean>[] = members.flatMap((m) => {
    if (m === 'workspace_admins') return [directory.isWorkspaceAdmin(userId, opts)];
    if (m.startsWith('S')) return [directory.groupMembers(m, opts).then((users) => users.includes(userId))];
    return [];
  });
  const results = await Promise.allSettled(lookups);
  for (const r of results) {
    if (r.status === 'fulfilled' && r.value) return { ok: true };
    if (r.status === 'rejected') lookupFailed = true;
  }
  return { ok: false, role, reason: lookupFailed ? 'lookup-failed' : 'not-member' };
}
