/**
 * Who plays in the sandbox: its policy and the people of the Slack emulator's seeded workspace (src/emulators/slack/
 * seed.ts), each labelled with what the policy makes them. The labels are for the identity switch only; what each
 * person may do is decided by the bot, from this policy, as in production.
 */

export const POLICY = `roles:
  viewers: ["S0CHIMEOPS", "S0SECOPS", "U0DAVE"]
  requesters: ["S0CHIMEOPS"]
  approvers: ["S0SECOPS"]
approval:
  required: license-changes   # renames apply at once; license changes need a second person
  approvers_required: 1
  expires_after: 24h
  reason: optional
accounts: ["*"]
`;

/** Approval cards and the audit trail have channels of their own, as a deployment would set them. */
export const SETTINGS = { APPROVAL_CHANNEL_ID: 'C0APPROVALS', AUDIT_CHANNEL_ID: 'C0AUDIT' };

/** Where `/chime-account` is typed. */
export const COMMAND_CHANNEL = 'C0OPS';

export const PEOPLE: readonly { id: string; role: string }[] = [
  { id: 'U0ALICE', role: 'requester' },
  { id: 'U0BOB', role: 'approver' },
  { id: 'U0CAROL', role: 'requester, approver' },
  { id: 'U0DAVE', role: 'viewer' },
  { id: 'U0EVE', role: 'no role (a stranger)' },
];

/** Handles of the seeded user groups, for `<!subteam^…>` mentions. */
export const GROUPS: Readonly<Record<string, string>> = { S0CHIMEOPS: 'chime-ops', S0SECOPS: 'sec-ops' };
