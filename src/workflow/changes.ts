/**
 * The life of a change request, from the requester's confirm to UpdateAccount: create, approve, reject, cancel,
 * expire, apply (exactly once, with a drift check), and reconcile after a crash. No Slack, no AWS: the store,
 * the Chime adapter and the announcer (which renders Slack posts) come in as ports.
 */
import { randomUUID } from 'node:crypto';
import { type Account, type AccountChange, type AccountValues, applied, sameValues, valuesOf } from '../domain/account.ts';
import type { AuditEntry } from '../domain/audit.ts';
import { accountAllowed, checkRole, type Directory, needsApproval, type Policy, type Role, type RoleCheck } from '../domain/policy.ts';
import { approvalBlocker, type ChangeRequest } from '../domain/request.ts';
import type { Effects, OutboxItem, Store } from '../store/store.ts';
import { type Accounts, AccountsFailure } from './ports.ts';

/** Turns what happened into Slack posts for the outbox (the Slack edge implements it). */
export interface Announcer {
  announce(entry: AuditEntry, request?: ChangeRequest, account?: Account): OutboxItem[];
}

export interface Logger {
  info(...msg: unknown[]): void;
  warn(...msg: unknown[]): void;
  error(...msg: unknown[]): void;
}

export interface WorkflowDeps {
  store: Store;
  accounts: Accounts;
  directory: Directory;
  announcer: Announcer;
  logger: Logger;
  policy: () => Policy;
  approvalChannelId?: string;
  now?: () => Date;
  /** Called after anything is queued in the outbox, so it is sent now rather than at the next poll. */
  onQueued?: () => void;
  /** Called after each commit with the audit entries it wrote (metrics, the audit anchor). */
  onRecorded?: (entries: readonly AuditEntry[]) => void;
}

export interface Actor {
  userId: string;
  teamId: string;
  enterpriseId?: string;
}

export interface NewChange {
  actor: Actor;
  channelId: string;
  responseUrl?: string;
  accountId: string;
  before: AccountValues;
  change: AccountChange;
  reason?: string;
  revertOf?: string;
}

export type Outcome<T = ChangeRequest> = { ok: true; value: T } | { ok: false; message: string };

export class ChangeWorkflow {
  readonly #d: WorkflowDeps;
  readonly #inFlight = new Set<string>();
  readonly #running = new Set<Promise<unknown>>();

  constructor(deps: WorkflowDeps) {
    this.#d = deps;
  }

  get policy(): Policy {
    return this.#d.policy();
  }

  #now(): Date {
    return this.#d.now?.() ?? new Date();
  }

  checkRole(role: Role, userId: string): Promise<RoleCheck> {
    return checkRole(this.policy, role, userId, this.#d.directory);
  }

  /** Records a refusal (audit store and audit channel); the caller tells the person. */
  async refuse(actor: Actor, what: { channelId?: string; accountId?: string; requestId?: string; detail: string }): Promise<void> {
    await this.#record(this.#effects(this.#entry('refused', actor, what)));
  }

  /**
   * The requester confirmed a change in the review view. Checks role and policy now, stores the request — pending,
   * or approved when the policy needs no second person — and, when approved, starts applying it.
   */
  async submit(input: NewChange): Promise<Outcome> {
    const policy = this.policy;
    const role = await this.checkRole('requesters', input.actor.userId);
    if (!role.ok) return this.#refused(input.actor, input, roleMessage(role));
    if (!accountAllowed(policy, input.accountId))
      return this.#refused(input.actor, input, 'The policy does not let this bot change this account.');
    if (policy.approval.reason === 'required' && !input.reason?.trim())
      return { ok: false, message: 'The policy asks for a reason with every change.' };

    const now = this.#now();
    const direct = !needsApproval(policy, input.change);
    const request: ChangeRequest = {
      id: randomUUID(),
      teamId: input.actor.teamId,
      enterpriseId: input.actor.enterpriseId,
      channelId: input.channelId,
      cardChannelId: this.#d.approvalChannelId ?? input.channelId,
      responseUrl: input.responseUrl,
      requesterId: input.actor.userId,
      accountId: input.accountId,
      before: input.before,
      change: input.change,
      reason: input.reason?.trim() || undefined,
      state: direct ? 'approved' : 'pending',
      approvalsRequired: direct ? 0 : policy.approval.approvers_required,
      approvals: [],
      revertOf: input.revertOf,
      createdAt: now,
      expiresAt: new Date(now.getTime() + policy.approval.expires_after),
      updatedAt: now,
    };
    const stored = await this.#d.store.createRequest(request, (r) =>
      this.#effects(
        this.#entry('requested', input.actor, {
          ...fromRequest(r),
          detail: direct ? 'no approval needed' : `needs ${r.approvalsRequired} approval(s)`,
        }),
        r,
      ),
    );
    this.#queued();
    if (direct) this.#background(() => this.apply(stored.id));
    return { ok: true, value: stored };
  }

  /** Checks whether `actor` may approve or reject `requestId` now: role, workspace, state, expiry, not their own. */
  async canDecide(actor: Actor, requestId: string): Promise<Outcome> {
    const request = await this.#d.store.getRequest(requestId);
    if (!request || request.teamId !== actor.teamId) return { ok: false, message: 'There is no such request in this workspace.' };
    // The same rules the store applies again inside the approval's transaction; the cheap ones before the role lookup.
    const blocker = approvalBlocker(request, actor.userId, actor.teamId, this.#now());
    if (blocker) return { ok: false, message: blocker };
    const role = await this.checkRole('approvers', actor.userId);
    if (!role.ok) return this.#refused(actor, fromRequest(request), roleMessage(role));
    return { ok: true, value: request };
  }

  async approve(actor: Actor, requestId: string, comment?: string): Promise<Outcome> {
    const allowed = await this.canDecide(actor, requestId);
    if (!allowed.ok) return allowed;
    const approval = { userId: actor.userId, at: this.#now(), comment: comment?.trim() || undefined };
    const result = await this.#d.store.approve(requestId, actor.teamId, approval, (r, complete) =>
      this.#effects(
        this.#entry('approved', actor, {
          ...fromRequest(r),
          detail: `${r.approvals.length} of ${r.approvalsRequired}${complete ? ', complete' : ''}${approval.comment ? `: ${approval.comment}` : ''}`,
        }),
        r,
      ),
    );
    if (!result.ok) return { ok: false, message: result.reason };
    this.#queued();
    if (result.complete) this.#background(() => this.apply(requestId));
    return { ok: true, value: result.request };
  }

  async reject(actor: Actor, requestId: string, reason: string): Promise<Outcome> {
    const allowed = await this.canDecide(actor, requestId);
    if (!allowed.ok) return allowed;
    return this.#end(requestId, ['pending'], 'rejected', actor, reason, 'This request is no longer pending.');
  }

  async cancel(actor: Actor, requestId: string): Promise<Outcome> {
    const request = await this.#d.store.getRequest(requestId);
    if (!request || request.teamId !== actor.teamId) return { ok: false, message: 'There is no such request in this workspace.' };
    if (request.requesterId !== actor.userId) return { ok: false, message: 'Only the person who asked for this change can cancel it.' };
    return this.#end(requestId, ['pending'], 'cancelled', actor, undefined, `This request is already ${request.state}.`);
  }

  async #end(
    requestId: string,
    from: ChangeRequest['state'][],
    to: 'rejected' | 'cancelled' | 'expired',
    actor: Actor,
    detail: string | undefined,
    lostRace: string,
  ): Promise<Outcome> {
    const updated = await this.#d.store.transition(requestId, from, to, { decidedBy: actor.userId, outcomeDetail: detail }, (r) =>
      this.#effects(this.#entry(to, actor, { ...fromRequest(r), detail }), r),
    );
    if (!updated) return { ok: false, message: lostRace };
    this.#queued();
    return { ok: true, value: updated };
  }

  /** Marks every pending request past its expiry as expired; returns how many. */
  async expireDue(): Promise<number> {
    let count = 0;
    for (const r of await this.#d.store.expiredPending(this.#now())) {
      const actor = { userId: 'system', teamId: r.teamId };
      const done = await this.#end(r.id, ['pending'], 'expired', actor, 'not approved in time', '');
      if (done.ok) count++;
    }
    return count;
  }

  /**
   * Applies an approved request exactly once: claims it (approved → applying) atomically, reads the account again,
   * refuses to apply over a change made since the review (stale), then calls UpdateAccount with only the changed
   * fields and records applied or failed.
   */
  async apply(requestId: string): Promise<ChangeRequest | undefined> {
    const claimed = await this.#d.store.transition(requestId, ['approved'], 'applying', {}, () => ({ audit: [], posts: [] }));
    if (!claimed) return undefined;
    this.#inFlight.add(requestId);
    // The change is the requester's, whoever approved it: the approvers are on the request and in the audit.
    const actor: Actor = { userId: claimed.requesterId, teamId: claimed.teamId, enterpriseId: claimed.enterpriseId };
    try {
      let current: Account;
      try {
        current = await this.#d.accounts.get(claimed.accountId);
      } catch (error) {
        return await this.#fail(claimed, actor, error, 'before the change (nothing was changed)');
      }
      if (!sameValues(valuesOf(current), claimed.before)) {
        const now = valuesOf(current);
        return await this.#d.store.transition(
          requestId,
          ['applying'],
          'stale',
          { outcomeDetail: `the account changed since the review: it is now ${describeValues(now)}` },
          (r) => this.#effects(this.#entry('stale', actor, { ...fromRequest(r), detail: r.outcomeDetail }), r, current),
        );
      }
      try {
        const { account, requestId: awsRequestId } = await this.#d.accounts.update(claimed.accountId, claimed.change);
        this.#d.logger.info(`request ${requestId}: UpdateAccount ${claimed.accountId} applied (aws request ${awsRequestId ?? 'n/a'})`);
        return await this.#d.store.transition(requestId, ['applying'], 'applied', { awsRequestId }, (r) =>
          this.#effects(this.#entry('applied', actor, { ...fromRequest(r), awsRequestId }), r, account),
        );
      } catch (error) {
        return await this.#fail(claimed, actor, error, '');
      }
    } finally {
      this.#inFlight.delete(requestId);
      this.#queued();
    }
  }

  async #fail(request: ChangeRequest, actor: Actor, error: unknown, when: string): Promise<ChangeRequest | undefined> {
    const failure = error instanceof AccountsFailure ? error : undefined;
    const words = failure?.userMessage ?? 'An unexpected error stopped the change.';
    this.#d.logger.error(
      `request ${request.id}: ${failure?.kind ?? 'error'} ${when} (aws request ${failure?.requestId ?? 'n/a'}, status ${failure?.status ?? 'n/a'})`,
      failure?.cause ?? error,
    );
    return this.#d.store.transition(request.id, ['applying'], 'failed', { outcomeDetail: words, awsRequestId: failure?.requestId }, (r) =>
      this.#effects(this.#entry('failed', actor, { ...fromRequest(r), detail: words, awsRequestId: failure?.requestId }), r),
    );
  }

  /**
   * At start-up and in the sweep: a request left `applying` by a process that died between UpdateAccount and its
   * record is settled by reading the account; an `approved` one that never got applied is applied now.
   */
  async reconcile(): Promise<void> {
    for (const r of await this.#d.store.requestsIn('applying')) {
      if (this.#inFlight.has(r.id)) continue;
      let current: Account;
      try {
        current = await this.#d.accounts.get(r.accountId);
      } catch (error) {
        this.#d.logger.warn(`request ${r.id}: cannot reconcile yet: ${(error as Error).message}`);
        continue;
      }
      const values = valuesOf(current);
      const actor = { userId: 'system', teamId: r.teamId };
      const landed = sameValues(values, applied(r.before, r.change));
      const to = landed ? 'applied' : 'failed';
      const detail = landed
        ? 'the bot stopped while applying; Amazon Chime shows the change, so it was applied'
        : sameValues(values, r.before)
          ? 'the bot stopped while applying; Amazon Chime does not show the change, so it was not applied. Request it again if still needed.'
          : `the bot stopped while applying; the account now is ${describeValues(values)}, which is neither before nor after`;
      await this.#d.store.transition(r.id, ['applying'], to, { outcomeDetail: detail }, (u) =>
        this.#effects(this.#entry(to, actor, { ...fromRequest(u), detail }), u, current),
      );
      this.#queued();
    }
    for (const r of await this.#d.store.requestsIn('approved')) this.#background(() => this.apply(r.id));
  }

  /** Resolves when every apply started in the background has finished (graceful shutdown, tests). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  async #refused(
    actor: Actor,
    what: { channelId?: string; accountId?: string; requestId?: string },
    message: string,
  ): Promise<Outcome<never>> {
    await this.refuse(actor, { ...what, detail: message });
    return { ok: false, message };
  }

  async #record(effects: Effects): Promise<void> {
    await this.#d.store.record(effects);
    this.#queued();
  }

  #effects(entry: AuditEntry, request?: ChangeRequest, account?: Account): Effects {
    return { audit: [entry], posts: this.#d.announcer.announce(entry, request, account) };
  }

  #entry(
    action: AuditEntry['action'],
    actor: Actor,
    what: Partial<Pick<AuditEntry, 'channelId' | 'accountId' | 'requestId' | 'before' | 'change' | 'detail' | 'awsRequestId'>>,
  ): AuditEntry {
    return { at: this.#now(), action, actorId: actor.userId, teamId: actor.teamId || 'unknown', ...what };
  }

  /** Starts `work` after the current handler has acked (next turn of the event loop), and tracks it for idle(). */
  #background(work: () => Promise<unknown>): void {
    const p = new Promise((resolve) => setImmediate(resolve))
      .then(work)
      .catch((error) => this.#d.logger.error('background work failed', error))
      .finally(() => this.#running.delete(p));
    this.#running.add(p);
  }

  #queued(): void {
    this.#d.onQueued?.();
  }
}

function fromRequest(r: ChangeRequest) {
  return { channelId: r.channelId, accountId: r.accountId, requestId: r.id, before: r.before, change: r.change };
}

export function roleMessage(check: Exclude<RoleCheck, { ok: true }>): string {
  return check.reason === 'lookup-failed'
    ? `The bot could not confirm that you have the *${check.role}* role (Slack did not answer), so it refused. Try again.`
    : `You need the *${check.role}* role for this. Ask a Chime admin to add you to it in the bot's policy.`;
}

export function describeValues(v: AccountValues): string {
  return `“${v.name}” with license ${v.license ?? 'none'}`;
}
