/** The emulator's own HTTP routes under /_emulator/ (not part of the Chime API), to drive it from another process. */
import type { ServerResponse } from 'node:http';
import type { Account } from '@aws-sdk/client-chime';
import { z } from 'zod';
import type { ChimeFaults } from './faults.ts';
import { faultSchema } from './faults.ts';
import { jsonOrText, sendJson } from './http.ts';
import { safeDecode } from './route.ts';
import { AWS_ACCOUNT_ID } from './seed.ts';
import type { ChimeCall, TrailEntry } from './types.ts';

export const CONTROL_PREFIX = '/_emulator/';

export interface ControlTarget {
  accounts: Map<string, Account>;
  calls: ChimeCall[];
  trail: TrailEntry[];
  faults: ChimeFaults;
  reset(): void;
}

const license = z.enum(['Basic', 'Plus', 'Pro', 'ProTrial']);
const accountSchema = z.strictObject({
  AwsAccountId: z.string().default(AWS_ACCOUNT_ID),
  AccountId: z.string().optional(),
  Name: z.string(),
  AccountType: z.enum(['Team', 'EnterpriseDirectory', 'EnterpriseLWA', 'EnterpriseOIDC']).optional(),
  CreatedTimestamp: z.iso
    .datetime({ offset: true })
    .transform((s) => new Date(s))
    .optional(),
  DefaultLicense: license.optional(),
  SupportedLicenses: z.array(license).optional(),
  AccountStatus: z.enum(['Active', 'Suspended']).optional(),
  SigninDelegateGroups: z.array(z.strictObject({ GroupName: z.string().optional() })).optional(),
});

/**
 * POST /_emulator/faults (JSON ChimeFault), GET|DELETE /_emulator/faults, POST /_emulator/reset,
 * GET /_emulator/calls, GET /_emulator/trail, GET /_emulator/accounts, GET|PUT /_emulator/accounts/{id}.
 */
export function handleControl(
  target: ControlTarget,
  method: string,
  path: string,
  rawBody: string,
  res: ServerResponse,
  requestId: string,
): void {
  const send = (status: number, body: unknown): void => sendJson(res, status, body, requestId);
  const route = `${method} ${path.slice(CONTROL_PREFIX.length)}`;
  const accountMatch = /^accounts\/([^/]+)$/.exec(path.slice(CONTROL_PREFIX.length));
  const accountId = accountMatch?.[1] ? safeDecode(accountMatch[1]) : undefined;

  if (route === 'POST faults') {
    const parsed = faultSchema.safeParse(jsonOrText(rawBody));
    if (!parsed.success) return send(400, { error: 'invalid fault', issues: parsed.error.issues });
    target.faults.add(parsed.data);
    return send(200, { ok: true, faults: target.faults.list() });
  }
  if (route === 'GET faults') return send(200, target.faults.list());
  if (route === 'DELETE faults') {
    target.faults.clear();
    return send(200, { ok: true });
  }
  if (route === 'POST reset') {
    target.reset();
    return send(200, { ok: true });
  }
  if (route === 'GET calls') return send(200, target.calls);
  if (route === 'GET trail') return send(200, target.trail);
  if (route === 'GET accounts') return send(200, [...target.accounts.values()]);
  if (accountId !== undefined && method === 'GET') {
    const account = target.accounts.get(accountId);
    return account ? send(200, account) : send(404, { error: `no account ${accountId}` });
  }
  if (accountId !== undefined && method === 'PUT') {
    const parsed = accountSchema.safeParse(jsonOrText(rawBody));
    if (!parsed.success) return send(400, { error: 'invalid account', issues: parsed.error.issues });
    const account: Account = { ...parsed.data, AccountId: accountId };
    target.accounts.set(accountId, account);
    return send(200, account);
  }
  send(404, { error: `unknown emulator route: ${method} ${path}` });
}
