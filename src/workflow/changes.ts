/**
 * The one authority: every rule about a change is decided here, through the ports — the role (read fresh for every
 * decision that changes something), the policy's account lock, validation, whether approval is needed, the reason
 * rule, four-eyes, expiry and each state move — and every refusal of a person is audited here, the same way.
 * Listeners translate Slack payloads into these calls and render the outcome; they decide nothing.
 *
 * The life of a request: confirm → pending (or approved when the policy needs nobody else) → approvals → applying
 * (claimed once, drift-checked with GetAccount) → UpdateAccount → applied | failed | stale; or rejected, cancelled,
 * expired. After a crash, `reconcile` settles what a dead process left.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type Account,
  type AccountChange,
  type AccountValues,
  applied,
  lockReason,
  sameValues,
  validateChange,
  valuesOf,
} from '../domain/account.ts';
import type { AuditEntry, AuditRow } from '../domain/audit.ts';
import { accountAllowed, checkRole, needsApproval, type Policy, type Role } from '../domain/policy.ts';
import { approvalBlock, type ChangeRequest, REASON_MAX } from '../domain/request.ts';
import type { Effects, ModalSession } from '../store/store.ts';
import {
  AUDITED_REFUSALS,
  FORM_EXPIRED,
  invalid,
  type Outcome,
  ok,
  type Refusal,
  type RefusalCode,
  refusal,
  roleRefusal,
} from './outcomes.ts';
import { type AccountPage, AccountsFailure, type OnBehalfOf, type WorkflowPorts } from './ports.ts';

export interface Actor {
  userId: string;
  teamId: string;
  enterpriseId?: string;
}

/** Where a form was opened from: the summary and the requester's private notes go there. */
export interface FormContext {
  channelId: string;
  responseUrl?: string;
  /** Set when the form reverts an applied request. */
  revertOf?: string;
}

/** What the change form shows: the account, why it can't be changed (if so), how approval works, the inputs' start. */
export interface FormModel {
  account: Account;
  lock?: Refusal;
  approval: { required: Policy['approval']['required']; approvers: number };
  initial: AccountValues;
  reverting: boolean;
}

/** What the review shows: the exact change, and what confirming it will do. */
export interface ReviewModel {
  account: Account;
  change: AccountChange;
  needsApproval: boolean;
  approvers: number;
  reason: Policy['approval']['reason'];
}

export interface Revert {
  request: ChangeRequest;
  /** Only what the earlier change touched; the other field starts from the account as it is now. */
  prefill: Partial<AccountValues>;
}

/**
 * A claim held this long by another process without an outcome (and not about to run out): the thread says the
 * outcome is being checked.
 */
const CHECKING_AFTER_MS = 2_000;
export const DEFAULT_APPLY_LEASE_MS = 60_000;
/** An approved request nobody claimed for this long is applied by the sweep (its own replica normally does at once). */
const UNCLAIMED_AFTER_MS = 2_000;
const PROCESS_OWNER = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

/** Rough upper bound for a modal's life; older sessions are refused. Slack closes idle modals long before. */
const SESSION_TTL_MS = 24 * 3_600_000;

export class ChangeWorkflow {
  readonly #p: WorkflowPorts;
  readonly #inFlight = new Set<string>();
  readonly #running = new Set<Promise<unknown>>();
  readonly #startedAt = new Date();

  constructor(ports: WorkflowPorts) {
    this.#p = ports;
  }

  get #owner(): string {
    return this.#p.owner ?? PROCESS_OWNER;
  }

  get #leaseMs(): number {
    return this.#p.applyLeaseMs ?? DEFAULT_APPLY_LEASE_MS;
  }

  get policy(): Policy {
    return this.#p.policy();
  }

  #now(): Date {
    return this.#p.now?.() ?? new Date();
  }

  // ── roles and refusals ──────────────────────────────────────────────────────────────────────────────────────

  /**
   * Whether `actor` holds `role` now; a refusal is audited. `fresh` asks Slack now rather than a recent answer: every
   * decision that changes something passes it.
   */
  async #role(
    actor: Actor,
    role: Role,
    where: { channelId?: string; accountId?: string; requestId?: string },
    fresh = false,
  ): Promise<Refusal | undefined> {
    const check = await checkRole(this.policy, role, actor.userId, this.#p.directory, { fresh });
    if (check.ok) return undefined;
    return this.#refuse(actor, roleRefusal(role, check.reason), where);
  }

  /** Records the refusal when it is one the audit keeps (AUDITED_REFUSALS), and returns it. */
  async #refuse(actor: Actor, r: Refusal, where: { channelId?: string; accountId?: string; requestId?: string }): Promise<Refusal> {
    if (AUDITED_REFUSALS.has(r.code))
      await this.#write((fx) => this.#p.store.record(fx(this.#entry('refused', actor, { ...where, detail: r.message }))));
    return r;
  }

  #refusal(code: RefusalCode, message: string, actor: Actor, where: { channelId?: string; accountId?: string; requestId?: string }) {
    return this.#refuse(actor, refusal(code, message), where);
  }

  // ── reading ─────────────────────────────────────────────────────────────────────────────────────────────────

  async show(actor: Actor, accountId: string): Promise<Outcome<Account>> {
    const refused = await this.#role(actor, 'viewers', { accountId });
    if (refused) return refused;
    return this.#chime(() => this.#p.accounts.get(accountId));
  }

  async list(actor: Actor, query: { prefix?: string; nextToken?: string; pageSize: number }): Promise<Outcome<AccountPage>> {
    const refused = await this.#role(actor, 'viewers', {});
    if (refused) return refused;
    return this.#chime(() => this.#p.accounts.list({ namePrefix: query.prefix, maxResults: query.pageSize, nextToken: query.nextToken }));
  }

  async history(actor: Actor, accountId?: string): Promise<Outcome<AuditRow[]>> {
    const refused = await this.#role(actor, 'viewers', { accountId });
    if (refused) return refused;
    return ok(await this.#p.store.history({ teamId: actor.teamId, accountId, limit: 10 }));
  }

  /** The account picker's type-ahead, for the form `viewId` that this requester opened. */
  async accountOptions(actor: Actor, viewId: string | undefined, prefix: string): Promise<Outcome<Account[]>> {
    const session = await this.#session(actor, viewId);
    if (!session) return FORM_EXPIRED;
    const refused = await this.#role(actor, 'requesters', { channelId: session.channelId });
    if (refused) return refused;
    const page = await this.#chime(() => this.#p.accounts.list({ namePrefix: prefix.trim() || undefined, maxResults: 100 }));
    return page.ok ? ok(page.value.accounts) : page;
  }

  // ── the change form: open, fill, review, confirm ───────────────────────────────────────────────────────────

  /** May `actor` start a change here? (The first render of a form: a recent answer about groups is fine.) */
  async mayRequest(actor: Actor, where: { channelId: string; accountId?: string }): Promise<Outcome<void>> {
    const refused = await this.#role(actor, 'requesters', where);
    return refused ?? ok(undefined);
  }

  /** Remembers the modal `viewId` as this person's form, opened from `context`. */
  async formOpened(actor: Actor, viewId: string, context: FormContext): Promise<void> {
    await this.#p.store.saveModal({
      viewId,
      teamId: actor.teamId,
      enterpriseId: actor.enterpriseId,
      userId: actor.userId,
      channelId: context.channelId,
      responseUrl: context.responseUrl,
      revertOf: context.revertOf,
      createdAt: this.#now(),
    });
  }

  /** Reads the account for the open form `viewId` and says what the form shows. `prefill` starts a revert's inputs. */
  async fillForm(actor: Actor, viewId: string, accountId: string, prefill?: Partial<AccountValues>): Promise<Outcome<FormModel>> {
    const session = await this.#session(actor, viewId);
    if (!session) return FORM_EXPIRED;
    const read = await this.#chime(() => this.#p.accounts.get(accountId));
    if (!read.ok) return read;
    const account = read.value;
    await this.#p.store.saveModal({ ...session, accountId: account.accountId, account, change: undefined });
    const policy = this.policy;
    return ok({
      account,
      lock: this.#lock(account),
      approval: { required: policy.approval.required, approvers: policy.approval.approvers_required },
      initial: { name: prefill?.name ?? account.name, license: prefill?.license ?? account.defaultLicense },
      reverting: Boolean(prefill),
    });
  }

  /** The picker's choice: the role again (it may have changed since the form opened), then the form for it. */
  async pickAccount(actor: Actor, viewId: string, accountId: string): Promise<Outcome<FormModel>> {
    const session = await this.#session(actor, viewId);
    if (!session) return FORM_EXPIRED;
    const refused = await this.#role(actor, 'requesters', { channelId: session.channelId, accountId });
    if (refused) return refused;
    return this.fillForm(actor, viewId, accountId);
  }

  /** The form's submit: role, lock and validation; the proposed change is kept with the session for the confirm. */
  async review(actor: Actor, viewId: string, input: { name?: string | null; license?: string | null }): Promise<Outcome<ReviewModel>> {
    const session = await this.#session(actor, viewId);
    if (!session?.account) return FORM_EXPIRED;
    const where = { channelId: session.channelId, accountId: session.account.accountId };
    const replyTo = { channelId: session.channelId, responseUrl: session.responseUrl };
    const refused = await this.#role(actor, 'requesters', where);
    if (refused) return { ...refused, replyTo };
    const lock = this.#lock(session.account);
    if (lock) return { ...(await this.#refuse(actor, lock, where)), replyTo };
    const result = validateChange(session.account, input);
    if (!result.ok) return invalid(result.errors);
    await this.#p.store.saveModal({ ...session, change: result.change });
    const policy = this.policy;
    return ok({
      account: session.account,
      change: result.change,
      needsApproval: needsApproval(policy, result.change),
      approvers: policy.approval.approvers_required,
      reason: policy.approval.reason,
    });
  }

  /**
   * The review's Confirm: the requester asks for the exact change shown. Checks the reason, claims the session (of
   * several deliveries of one confirm, only the first goes on), then the role as it is now and the lock, and stores
   * the request — pending, or approved when the policy needs nobody else, and then applied in the background.
   */
  async confirm(actor: Actor, viewId: string, reasonInput: string | null | undefined): Promise<Outcome<ChangeRequest>> {
    const session = await this.#session(actor, viewId);
    if (!session?.account || !session.change) return FORM_EXPIRED;
    const policy = this.policy;
    const reason = reasonInput?.trim() || undefined;
    if (reasonInput && [...reasonInput].length > REASON_MAX) return invalid({ reason: `Use at most ${REASON_MAX} characters.` });
    if (policy.approval.reason === 'required' && !reason)
      return invalid({ reason: 'Give a reason: the policy asks for one with every change.' });
    if (!(await this.#p.store.deleteModal(session.viewId))) return FORM_EXPIRED;

    const account = session.account;
    const where = { channelId: session.channelId, accountId: account.accountId };
    const replyTo = { channelId: session.channelId, responseUrl: session.responseUrl };
    const refused = await this.#role(actor, 'requesters', where, true);
    if (refused) return { ...refused, replyTo };
    if (!accountAllowed(policy, account.accountId)) return { ...(await this.#refuse(actor, notAllowed(), where)), replyTo };

    const now = this.#now();
    const direct = !needsApproval(policy, session.change);
    const request: ChangeRequest = {
      id: randomUUID(),
      teamId: actor.teamId,
      enterpriseId: actor.enterpriseId,
      channelId: session.channelId,
      cardChannelId: this.#p.approvalChannelId ?? session.channelId,
      responseUrl: session.responseUrl,
      requesterId: actor.userId,
      accountId: account.accountId,
      before: valuesOf(account),
      change: session.change,
      reason,
      state: direct ? 'approved' : 'pending',
      approvalsRequired: direct ? 0 : policy.approval.approvers_required,
      approvals: [],
      revertOf: session.revertOf,
      createdAt: now,
      expiresAt: new Date(now.getTime() + policy.approval.expires_after),
      updatedAt: now,
    };
    const stored = await this.#write((fx) =>
      this.#p.store.createRequest(request, (r) =>
        fx(
          this.#entry('requested', actor, {
            ...fromRequest(r),
            detail: direct ? 'no approval needed' : `needs ${r.approvalsRequired} approval(s)`,
          }),
          r,
        ),
      ),
    );
    if (direct) this.#background(() => this.apply(stored.id));
    return ok(stored);
  }

  // ── approving, rejecting, cancelling, reverting ────────────────────────────────────────────────────────────

  /**
   * May `actor` approve or reject `requestId` now? Workspace, state, expiry, four-eyes, then the approver role. Used
   * when the button is clicked (to open the modal: a recent answer about groups is fine) and again, fresh, at submit.
   */
  async canDecide(actor: Actor, requestId: string, fresh = false): Promise<Outcome<ChangeRequest>> {
    const request = await this.#p.store.getRequest(requestId);
    if (!request || request.teamId !== actor.teamId)
      return this.#refusal(request ? 'other-workspace' : 'no-such-request', 'There is no such request in this workspace.', actor, {
        requestId,
      });
    const where = fromRequest(request);
    const block = approvalBlock(request, actor.userId, actor.teamId, this.#now());
    if (block) return this.#refusal(block.code, block.message, actor, where);
    const refused = await this.#role(actor, 'approvers', where, fresh);
    return refused ?? ok(request);
  }

  /** Remembers the approve / reject modal `viewId` that `actor` opened for `request`. */
  async decisionOpened(actor: Actor, viewId: string, request: ChangeRequest, channelId?: string): Promise<void> {
    await this.#p.store.saveModal({
      viewId,
      teamId: actor.teamId,
      enterpriseId: actor.enterpriseId,
      userId: actor.userId,
      channelId: channelId ?? request.cardChannelId,
      requestId: request.id,
      createdAt: this.#now(),
    });
  }

  /** The approve / reject modal's submit: every check again, with the role read fresh, then recorded atomically. */
  async decide(
    actor: Actor,
    viewId: string,
    kind: 'approve' | 'reject',
    commentInput: string | null | undefined,
  ): Promise<Outcome<ChangeRequest>> {
    const session = await this.#session(actor, viewId);
    if (!session?.requestId) return FORM_EXPIRED;
    const comment = commentInput?.trim() ?? '';
    if ([...comment].length > REASON_MAX) return invalid({ comment: `Use at most ${REASON_MAX} characters.` });
    if (kind === 'reject' && !comment) return invalid({ comment: 'Say why you reject it: the requester will see this.' });
    const result =
      kind === 'approve' ? await this.#approve(actor, session.requestId, comment) : await this.#reject(actor, session.requestId, comment);
    if (result.ok) await this.#p.store.deleteModal(session.viewId);
    return result;
  }

  async #approve(actor: Actor, requestId: string, comment: string): Promise<Outcome<ChangeRequest>> {
    const allowed = await this.canDecide(actor, requestId, true);
    if (!allowed.ok) return allowed;
    const approval = { userId: actor.userId, at: this.#now(), comment: comment || undefined };
    const result = await this.#write((fx) =>
      this.#p.store.approve(requestId, actor.teamId, approval, (r, complete) =>
        fx(
          this.#entry('approved', actor, {
            ...fromRequest(r),
            detail: `${r.approvals.length} of ${r.approvalsRequired}${complete ? ', complete' : ''}${approval.comment ? `: ${approval.comment}` : ''}`,
          }),
          r,
        ),
      ),
    );
    // Lost a race inside the transaction (another approval completed it, it expired): the store said why.
    if (!result.ok) return refusal('not-pending', result.reason);
    if (result.complete) this.#background(() => this.apply(requestId));
    return ok(result.request);
  }

  async #reject(actor: Actor, requestId: string, reason: string): Promise<Outcome<ChangeRequest>> {
    const allowed = await this.canDecide(actor, requestId, true);
    if (!allowed.ok) return allowed;
    return this.#end(requestId, 'rejected', actor, reason, 'This request is no longer pending.');
  }

  /** Only the requester may withdraw their own pending request (no role needed: withdrawing never changes Chime). */
  async cancel(actor: Actor, requestId: string): Promise<Outcome<ChangeRequest>> {
    const request = await this.#p.store.getRequest(requestId);
    if (!request || request.teamId !== actor.teamId)
      return this.#refusal(request ? 'other-workspace' : 'no-such-request', 'There is no such request in this workspace.', actor, {
        requestId,
      });
    if (request.requesterId !== actor.userId)
      return this.#refusal('not-requester', 'Only the person who asked for this change can cancel it.', actor, fromRequest(request));
    return this.#end(requestId, 'cancelled', actor, undefined, `This request is already ${request.state}.`);
  }

  /** Revert: an applied change of this workspace, by a requester (role read fresh); the form restores its "before". */
  async revert(actor: Actor, requestId: string, channelId?: string): Promise<Outcome<Revert>> {
    const request = await this.#p.store.getRequest(requestId);
    if (!request || request.teamId !== actor.teamId || request.state !== 'applied')
      return refusal('not-applied', 'There is no applied change to revert here.');
    const refused = await this.#role(actor, 'requesters', { channelId, accountId: request.accountId, requestId }, true);
    if (refused) return refused;
    const prefill = {
      ...(request.change.name !== undefined ? { name: request.before.name } : {}),
      ...(request.change.license !== undefined ? { license: request.before.license } : {}),
    };
    return ok({ request, prefill });
  }

  async #end(
    requestId: string,
    to: 'rejected' | 'cancelled' | 'expired',
    actor: Actor,
    detail: string | undefined,
    lostRace: string,
  ): Promise<Outcome<ChangeRequest>> {
    const updated = await this.#write((fx) =>
      this.#p.store.transition(requestId, ['pending'], to, { decidedBy: actor.userId, outcomeDetail: detail }, (r) =>
        fx(this.#entry(to, actor, { ...fromRequest(r), detail }), r),
      ),
    );
    return updated ? ok(updated) : refusal('not-pending', lostRace);
  }

  // ── the sweep: expiry, apply, reconcile ────────────────────────────────────────────────────────────────────

  /** Marks every pending request past its expiry as expired; returns how many. */
  async expireDue(): Promise<number> {
    let count = 0;
    for (const r of await this.#p.store.expiredPending(this.#now())) {
      const done = await this.#end(r.id, 'expired', { userId: 'system', teamId: r.teamId }, 'not approved in time', '');
      if (done.ok) count++;
    }
    return count;
  }

  /**
   * Applies an approved request exactly once: claims it (approved → applying, with a lease in this process's name)
   * atomically, reads the account again, refuses to apply over a change made since the review (stale), then calls
   * UpdateAccount with only the changed fields and records applied or failed — only while it still holds the claim.
   * The change is the requester's, whoever approved it.
   */
  async apply(requestId: string): Promise<ChangeRequest | undefined> {
    const now = this.#now();
    const claimed = await this.#p.store.claimApply(requestId, 'approved', this.#owner, new Date(now.getTime() + this.#leaseMs), now);
    return claimed && this.#run(claimed, 'apply');
  }

  /**
   * With the claim held: the drift check, then UpdateAccount. On a takeover (the claim of a process that died while
   * applying has run out, so its call can no longer land), the account is read and the outcome recorded from what
   * Amazon Chime shows; the change is not sent again.
   */
  async #run(claimed: ChangeRequest, mode: 'apply' | 'takeover'): Promise<ChangeRequest | undefined> {
    const requestId = claimed.id;
    this.#inFlight.add(requestId);
    const actor: Actor =
      mode === 'apply'
        ? { userId: claimed.requesterId, teamId: claimed.teamId, enterpriseId: claimed.enterpriseId }
        : { userId: 'system', teamId: claimed.teamId };
    const on = onBehalfOf(claimed);
    try {
      let current: Account;
      try {
        current = await this.#p.accounts.get(claimed.accountId, on);
      } catch (error) {
        if (mode === 'takeover') {
          // Can't tell yet: leave it applying (claim runs out again) and try at the next sweep.
          this.#p.logger.warn(`request ${requestId}: cannot check the interrupted change yet: ${(error as Error).message}`);
          return undefined;
        }
        return await this.#fail(claimed, actor, error, 'before the change (nothing was changed)');
      }
      const values = valuesOf(current);
      if (mode === 'takeover') return await this.#settleFromRead(claimed, actor, values, current);
      if (!sameValues(values, claimed.before)) {
        const detail = `the account changed since the review: it is now ${describeValues(values)}`;
        return await this.#settle(claimed, 'stale', actor, { outcomeDetail: detail }, current);
      }
      let updated: Awaited<ReturnType<WorkflowPorts['accounts']['update']>>;
      try {
        updated = await this.#p.accounts.update(claimed.accountId, claimed.change, on);
      } catch (error) {
        return await this.#fail(claimed, actor, error, '');
      }
      const { account, requestId: awsRequestId } = updated;
      this.#p.logger.info(`request ${requestId}: UpdateAccount ${claimed.accountId} applied (aws request ${awsRequestId ?? 'n/a'})`);
      // Outside the try: a database that fails to record this must never turn it into "failed". The request stays
      // applying under this claim, and once the claim runs out the sweep records what Chime shows (applied).
      return await this.#settle(claimed, 'applied', actor, { awsRequestId }, account);
    } finally {
      this.#inFlight.delete(requestId);
    }
  }

  /** A dead process's apply, settled from the account as Chime shows it now that its call can no longer land. */
  #settleFromRead(r: ChangeRequest, actor: Actor, values: AccountValues, current: Account) {
    if (sameValues(values, applied(r.before, r.change)))
      return this.#settle(
        r,
        'applied',
        actor,
        {
          outcomeDetail:
            'applying was interrupted (the bot stopped, or lost its database); Amazon Chime shows the change, so it was applied',
        },
        current,
      );
    if (sameValues(values, r.before))
      return this.#settle(r, 'failed', actor, {
        outcomeDetail:
          'applying was interrupted (the bot stopped, or lost its database); Amazon Chime does not show the change, so it was not applied. Request it again if still needed.',
      });
    return this.#settle(
      r,
      'stale',
      actor,
      {
        outcomeDetail: `applying was interrupted (the bot stopped, or lost its database); the account now is ${describeValues(values)}, which is neither before nor after`,
      },
      current,
    );
  }

  async #settle(
    request: ChangeRequest,
    to: 'applied' | 'failed' | 'stale',
    actor: Actor,
    patch: { outcomeDetail?: string; awsRequestId?: string },
    account?: Account,
  ): Promise<ChangeRequest | undefined> {
    const settled = await this.#write((fx) =>
      this.#p.store.transition(
        request.id,
        ['applying'],
        to,
        patch,
        (r) => fx(this.#entry(to, actor, { ...fromRequest(r), detail: patch.outcomeDetail, awsRequestId: patch.awsRequestId }), r, account),
        { owner: this.#owner },
      ),
    );
    if (!settled)
      this.#p.logger.warn(
        `request ${request.id}: lost its claim before recording ${to}; the replica that took it over records the outcome`,
      );
    return settled;
  }

  async #fail(request: ChangeRequest, actor: Actor, error: unknown, when: string): Promise<ChangeRequest | undefined> {
    const failure = error instanceof AccountsFailure ? error : undefined;
    const words = failure?.userMessage ?? 'An unexpected error stopped the change.';
    this.#p.logger.error(
      `request ${request.id}: ${failure?.kind ?? 'error'} ${when} (aws request ${failure?.requestId ?? 'n/a'}, status ${failure?.status ?? 'n/a'})`,
      failure?.cause ?? error,
    );
    return this.#settle(request, 'failed', actor, { outcomeDetail: words, awsRequestId: failure?.requestId });
  }

  /**
   * The sweep's second half (on one replica at a time). A request left `applying` under someone else's claim is
   * never settled while that claim lasts — the call it made may still land — but once its claim has been held longer
   * than a normal apply takes, the thread says the outcome is being checked (once). When the claim runs out, this
   * process takes it over and records what Amazon Chime shows. `approved` requests nobody claimed are applied.
   * Returns when it should run again (the earliest claim to run out), if sooner than the next sweep matters.
   */
  async reconcile(): Promise<Date | undefined> {
    const now = this.#now();
    let next: Date | undefined;
    for (const r of await this.#p.store.requestsIn('applying')) {
      if (this.#inFlight.has(r.id)) continue;
      const until = r.claim?.until;
      if (until && until.getTime() > now.getTime()) {
        if (!next || until < next) next = until;
        const heldMs = now.getTime() - (until.getTime() - this.#leaseMs);
        const leftMs = until.getTime() - now.getTime();
        if (r.claim!.owner !== this.#owner && heldMs >= CHECKING_AFTER_MS && leftMs >= CHECKING_AFTER_MS / 2)
          await this.#beingChecked(r, until);
        continue;
      }
      const taken = await this.#p.store.claimApply(r.id, 'expired-claim', this.#owner, new Date(now.getTime() + this.#leaseMs), now);
      if (taken) await this.#run(taken, 'takeover');
    }
    // Approved but never claimed: its process died before applying it. One approved just now is its replica's to apply.
    for (const r of await this.#p.store.requestsIn('approved')) {
      const due = new Date(r.updatedAt.getTime() + UNCLAIMED_AFTER_MS);
      // Approved before this process started: its replica may be gone, so no reason to wait.
      if (due > now && r.updatedAt >= this.#startedAt) {
        if (!next || due < next) next = due;
      } else this.#background(() => this.apply(r.id));
    }
    return next;
  }

  /** Says once per claim, in the audit and the request's thread, that the outcome is not known yet. */
  async #beingChecked(r: ChangeRequest, until: Date): Promise<void> {
    const detail = `the change was interrupted while being applied; its outcome is being checked and will be known by ${until.toISOString()}`;
    await this.#once(`checking:${r.id}:${r.claim?.owner ?? ''}`, this.#entry('reconciled', SYSTEM(r), { ...fromRequest(r), detail }), r);
  }

  /**
   * The sweep's reminders and escalations, each exactly once per request however often it runs, on any replica
   * (the store keeps which were sent): `remind_before` expiry, the approvers are reminded in the card's thread;
   * `escalate_after` the request, `escalate_to` is mentioned there and messaged directly. Returns how many it sent.
   */
  async nudge(): Promise<number> {
    const { approval, roles } = this.policy;
    if (approval.remind_before === undefined && approval.escalate_after === undefined) return 0;
    const now = this.#now().getTime();
    let sent = 0;
    for (const r of await this.#p.store.requestsIn('pending')) {
      if (r.expiresAt.getTime() <= now) continue;
      if (approval.remind_before !== undefined && now >= r.expiresAt.getTime() - approval.remind_before) {
        const entry = this.#entry('reminded', SYSTEM(r), { ...fromRequest(r), detail: `expires ${r.expiresAt.toISOString()}` });
        if (await this.#once(`remind:${r.id}`, entry, r, { mention: roles.approvers.filter(isId) })) sent++;
      }
      if (approval.escalate_after !== undefined && approval.escalate_to && now >= r.createdAt.getTime() + approval.escalate_after) {
        const targets = approval.escalate_to;
        const direct = new Set(targets.filter((m) => !m.startsWith('S')));
        for (const group of targets.filter((m) => m.startsWith('S')))
          try {
            for (const u of await this.#p.directory.groupMembers(group)) direct.add(u);
          } catch (error) {
            this.#p.logger.warn(`escalation: the members of ${group} could not be read (${(error as Error).message}); mentioned only`);
          }
        direct.delete(r.requesterId);
        const entry = this.#entry('escalated', SYSTEM(r), { ...fromRequest(r), detail: `to ${targets.join(', ')}` });
        if (await this.#once(`escalate:${r.id}`, entry, r, { mention: targets, direct: [...direct] })) sent++;
      }
    }
    return sent;
  }

  /** Writes `entry` and its posts the first time `key` is seen (ever, on any replica); true when this call did. */
  async #once(key: string, entry: AuditEntry, r: ChangeRequest, people?: { mention?: readonly string[]; direct?: readonly string[] }) {
    const effects = { audit: [entry], posts: this.#p.announcer.announce(entry, r, undefined, people) };
    if (!(await this.#p.store.claimOnce(key, effects))) return false;
    this.#committed(effects);
    return true;
  }

  /** Resolves when every apply started in the background has finished (graceful shutdown, tests). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  // ── helpers ─────────────────────────────────────────────────────────────────────────────────────────────────

  /** The server's record of an open modal, if `viewId` is one this person opened in this workspace, not too old. */
  async #session(actor: Actor, viewId: string | undefined): Promise<ModalSession | undefined> {
    if (typeof viewId !== 'string' || !viewId) return undefined;
    const session = await this.#p.store.getModal(viewId);
    if (!session || session.userId !== actor.userId || session.teamId !== actor.teamId) return undefined;
    if (this.#now().getTime() - session.createdAt.getTime() > SESSION_TTL_MS) return undefined;
    return session;
  }

  /** Why this account can't be changed (the policy's `accounts`, or Chime's own suspension), or undefined. */
  #lock(account: Account): Refusal | undefined {
    if (!accountAllowed(this.policy, account.accountId)) return notAllowed();
    const reason = lockReason(account, true);
    return reason ? refusal('account-suspended', reason) : undefined;
  }

  async #chime<T>(call: () => Promise<T>): Promise<Outcome<T>> {
    try {
      return ok(await call());
    } catch (error) {
      if (error instanceof AccountsFailure) return refusal('chime-failed', error.userMessage, { failure: error });
      throw error;
    }
  }

  /**
   * Runs one store write whose effects are built by `fx`; after it commits, tells onQueued (the outbox) and
   * onRecorded (metrics, the anchor, Home tabs) what it wrote. A write that lost its race builds nothing.
   */
  async #write<T>(run: (fx: (entry: AuditEntry, request?: ChangeRequest, account?: Account) => Effects) => Promise<T>): Promise<T> {
    let written: Effects | undefined;
    const result = await run((entry, request, account) => {
      written = { audit: [entry], posts: this.#p.announcer.announce(entry, request, account) };
      return written;
    });
    if (written) this.#committed(written);
    return result;
  }

  /**
   * After a commit: the outbox sends now if anything was queued (a pass with nothing to send still costs a claiming
   * transaction, which replicas take in turns), and the observers (metrics, the anchor, Home tabs) hear what was written.
   */
  #committed({ audit, posts }: Effects): void {
    if (posts.length > 0) this.#p.onQueued?.();
    try {
      this.#p.onRecorded?.(audit);
    } catch (error) {
      this.#p.logger.error('an onRecorded observer failed', error);
    }
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
      .catch((error) => this.#p.logger.error('background work failed', error))
      .finally(() => this.#running.delete(p));
    this.#running.add(p);
  }
}

const SYSTEM = (r: ChangeRequest): Actor => ({ userId: 'system', teamId: r.teamId });
const isId = (m: string) => /^[UWS][A-Z0-9]{2,}$/.test(m);

function notAllowed(): Refusal {
  return refusal('account-not-allowed', 'The policy does not let this bot change this account.');
}

function fromRequest(r: ChangeRequest) {
  return { channelId: r.channelId, accountId: r.accountId, requestId: r.id, before: r.before, change: r.change };
}

function onBehalfOf(r: ChangeRequest): OnBehalfOf {
  return { requestId: r.id, teamId: r.teamId, requesterId: r.requesterId, approverIds: r.approvals.map((a) => a.userId) };
}

export function describeValues(v: AccountValues): string {
  return `“${v.name}” with license ${v.license ?? 'none'}`;
}
