/**
 * In-memory stand-ins for the workflow's ports: Chime accounts, the Slack directory, the announcer and a clock.
 * The store is the real SQLite store on `:memory:` — it is what enforces atomicity, and it runs in microseconds.
 */
import type { Account, AccountChange } from '../../src/domain/account.ts';
import type { AuditEntry } from '../../src/domain/audit.ts';
import { type Policy, policySchema } from '../../src/domain/policy.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { type Actor, ChangeWorkflow } from '../../src/workflow/changes.ts';
import { type Accounts, AccountsFailure, type Directory, type OnBehalfOf } from '../../src/workflow/ports.ts';

export class FakeAccounts implements Accounts {
  readonly accounts = new Map<string, Account>();
  readonly calls: { op: 'get' | 'update' | 'list'; accountId?: string; change?: AccountChange; on?: OnBehalfOf }[] = [];
  /** Next failures by operation, consumed one per call. */
  readonly fail: Partial<Record<'get' | 'update' | 'list', AccountsFailure[]>> = {};
  /** Runs before an update lands (to interleave something with it). */
  beforeUpdate?: () => Promise<void>;

  add(account: Partial<Account> & { accountId: string }): Account {
    const full: Account = {
      awsAccountId: '111122223333',
      name: 'Acme',
      defaultLicense: 'Pro',
      supportedLicenses: [],
      signinDelegateGroups: [],
      ...account,
    };
    this.accounts.set(full.accountId, full);
    return full;
  }

  #failure(op: 'get' | 'update' | 'list') {
    const next = this.fail[op]?.shift();
    if (next) throw next;
  }

  async get(accountId: string, on?: OnBehalfOf): Promise<Account> {
    this.calls.push({ op: 'get', accountId, on });
    this.#failure('get');
    const account = this.accounts.get(accountId);
    if (!account) throw new AccountsFailure({ kind: 'NotFound', userMessage: `No account ${accountId}.` });
    return structuredClone(account);
  }

  async update(accountId: string, change: AccountChange, on?: OnBehalfOf) {
    this.calls.push({ op: 'update', accountId, change, on });
    await this.beforeUpdate?.();
    this.#failure('update');
    const account = this.accounts.get(accountId)!;
    if (change.name !== undefined) account.name = change.name;
    if (change.license !== undefined) account.defaultLicense = change.license;
    return { account: structuredClone(account), requestId: `aws-${this.calls.length}` };
  }

  async list(query: { namePrefix?: string }) {
    this.calls.push({ op: 'list' });
    this.#failure('list');
    return { accounts: [...this.accounts.values()].filter((a) => !query.namePrefix || a.name.startsWith(query.namePrefix)) };
  }

  count(op: 'get' | 'update' | 'list'): number {
    return this.calls.filter((c) => c.op === op).length;
  }
}

/** Groups as Slack has them now (`groups`) and as a 60-second-old answer remembers them (`cached`). */
export class FakeDirectory implements Directory {
  readonly groups = new Map<string, string[]>();
  readonly cached = new Map<string, string[]>();
  admins = new Set<string>();
  down = false;
  freshReads = 0;

  async groupMembers(groupId: string, opts: { fresh?: boolean } = {}): Promise<readonly string[]> {
    if (this.down) throw new Error('slack is down');
    if (opts.fresh) this.freshReads++;
    return (opts.fresh ? undefined : this.cached.get(groupId)) ?? this.groups.get(groupId) ?? [];
  }

  async isWorkspaceAdmin(userId: string): Promise<boolean> {
    if (this.down) throw new Error('slack is down');
    return this.admins.has(userId);
  }
}

export interface World {
  workflow: ChangeWorkflow;
  store: SqliteStore;
  accounts: FakeAccounts;
  directory: FakeDirectory;
  /** Every audit entry the workflow reported as committed (onRecorded). */
  recorded: AuditEntry[];
  clock: { now: Date };
  policy: Policy;
  setPolicy(input: unknown): void;
}

export const ALICE: Actor = { userId: 'U0ALICE', teamId: 'T0TEAM' };
export const BOB: Actor = { userId: 'U0BOB', teamId: 'T0TEAM' };
export const CAROL: Actor = { userId: 'U0CAROL', teamId: 'T0TEAM' };
export const EVE: Actor = { userId: 'U0EVE', teamId: 'T0TEAM' };

export const ACCOUNT_ID = 'acct-1';

export function world(policyInput: unknown = {}, ports: { applyLeaseMs?: number } = {}): World {
  const store = new SqliteStore(':memory:');
  const accounts = new FakeAccounts();
  accounts.add({ accountId: ACCOUNT_ID, name: 'Acme', defaultLicense: 'Pro' });
  const directory = new FakeDirectory();
  directory.groups.set('S0APPROVERS', ['U0BOB', 'U0CAROL']);
  const recorded: AuditEntry[] = [];
  // Near the real time: the SQLite store prunes modal sessions by its own clock.
  const clock = { now: new Date() };
  const w = {
    store,
    accounts,
    directory,
    recorded,
    clock,
    policy: parse(policyInput),
    setPolicy(input: unknown) {
      w.policy = parse(input);
    },
  } as World;
  w.workflow = new ChangeWorkflow({
    store,
    accounts,
    directory,
    announcer: { announce: () => [] },
    logger: { info() {}, warn() {}, error() {} },
    policy: () => w.policy,
    now: () => clock.now,
    onRecorded: (entries) => recorded.push(...entries),
    owner: 'this-process',
    ...ports,
  });
  return w;
}

function parse(input: unknown): Policy {
  const defaults = {
    roles: { viewers: ['*'], requesters: ['U0ALICE', 'U0EVE'], approvers: ['S0APPROVERS'] },
    approval: { required: 'always', approvers_required: 1 },
  };
  const given = (input ?? {}) as { roles?: object; approval?: object; accounts?: string[] };
  return policySchema.parse({
    roles: { ...defaults.roles, ...given.roles },
    approval: { ...defaults.approval, ...given.approval },
    ...(given.accounts ? { accounts: given.accounts } : {}),
  });
}

/** Opens a form for `actor`, reviews `input` and confirms it with `reason`: the requester's three steps. */
export async function requestChange(
  w: World,
  actor: typeof ALICE,
  input: { name?: string; license?: string },
  opts: { reason?: string; viewId?: string; accountId?: string } = {},
) {
  const viewId = opts.viewId ?? `V${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
  await w.workflow.formOpened(actor, viewId, { channelId: 'C0OPS' });
  const form = await w.workflow.fillForm(actor, viewId, opts.accountId ?? ACCOUNT_ID);
  if (!form.ok) return form;
  const current = form.value.account;
  const review = await w.workflow.review(actor, viewId, {
    name: input.name ?? current.name,
    license: input.license ?? current.defaultLicense,
  });
  if (!review.ok) return review;
  return w.workflow.confirm(actor, viewId, opts.reason);
}

/** Approves `requestId` as `actor` through the modal path (open at click, submit). */
export async function approveAs(w: World, actor: typeof ALICE, requestId: string, comment = '') {
  const viewId = `VA${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
  const allowed = await w.workflow.canDecide(actor, requestId);
  if (!allowed.ok) return allowed;
  await w.workflow.decisionOpened(actor, viewId, allowed.value);
  return w.workflow.decide(actor, viewId, 'approve', comment);
}
