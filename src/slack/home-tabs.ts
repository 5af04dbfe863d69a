/**
 * Publishes people's App Home tabs: when they open it, and again when a request that concerns them changes state
 * (WorkflowDeps.onRecorded). Refreshes are debounced per person and paced under views.publish's rate limit
 * (Tier 4: 100+ per minute per workspace); a 429 pauses them for its Retry-After. A failure is logged and dropped:
 * it never reaches the change that caused it, and the next open of the tab publishes it afresh.
 */
import { ErrorCode, type WebClient } from '@slack/web-api';
import type { AuditEntry } from '../domain/audit.ts';
import { roleMembers } from '../domain/policy.ts';
import { type InboxPorts, inbox } from '../workflow/inbox.ts';
import type { Logger } from '../workflow/ports.ts';
import { type HomeMetadata, homeView } from './views/home.ts';

export interface HomeTabsOptions {
  client: WebClient;
  ports: InboxPorts;
  logger: Logger;
  now?: () => Date;
  /** A person's refreshes within this window become one publish (default 500 ms). */
  debounceMs?: number;
  /** views.publish calls per minute at most (default 100, Tier 4), in bursts of up to `burst` (default 10). */
  perMinute?: number;
  burst?: number;
}

/** Audit actions that move a request to another state (refusals and reconciliation notes do not). */
const STATE_CHANGES = new Set<AuditEntry['action']>([
  'requested',
  'approved',
  'rejected',
  'cancelled',
  'expired',
  'applied',
  'failed',
  'stale',
]);
/** The people the bot remembers a Home tab for (those who opened it, those it published for): a bound on memory. */
const MAX_KNOWN = 10_000;

interface Known {
  teamId: string;
  userId: string;
  /** The hash of the view last published or reported by app_home_opened: a publish over another one is a conflict. */
  hash?: string;
  dm?: string;
}

export class HomeTabs {
  readonly #o: Required<Pick<HomeTabsOptions, 'debounceMs' | 'perMinute' | 'burst'>> & HomeTabsOptions;
  readonly #known = new Map<string, Known>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** Keys waiting for a publish, in order; `#inFlight` ones wait until their publish ends. */
  readonly #queue = new Set<string>();
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #background = new Set<Promise<unknown>>();
  #tokens: number;
  #refilledAt = Date.now();
  #pausedUntil = 0;
  #pumpTimer?: NodeJS.Timeout;
  #disabled = false;
  #stopped = false;

  constructor(options: HomeTabsOptions) {
    this.#o = { debounceMs: 500, perMinute: 100, burst: 10, ...options };
    this.#tokens = this.#o.burst;
  }

  /** app_home_opened on the Home tab: publish for this person now (ahead of refreshes), over the view they see. */
  opened(teamId: string, userId: string, seen: { channel?: string; hash?: string }): void {
    this.#disabled = false; // Slack sends this only when the app has a Home tab
    const known = this.#remember(teamId, userId);
    if (seen.channel && /^D[A-Z0-9]{2,}$/.test(seen.channel)) known.dm = seen.channel;
    if (seen.hash) known.hash = seen.hash;
    const key = keyOf(teamId, userId);
    clearTimeout(this.#timers.get(key));
    this.#timers.delete(key);
    this.#queue.delete(key);
    // Put it first: the person is looking at the tab.
    const rest = [...this.#queue];
    this.#queue.clear();
    this.#queue.add(key);
    for (const k of rest) this.#queue.add(k);
    this.#pump();
  }

  /** Refreshes these people's tabs soon (debounced per person). */
  refresh(teamId: string, userIds: Iterable<string>): void {
    if (this.#disabled || this.#stopped) return;
    for (const userId of userIds) {
      if (!/^[UW][A-Z0-9]{2,}$/.test(userId)) continue;
      const key = keyOf(teamId, userId);
      if (this.#timers.has(key)) continue;
      this.#remember(teamId, userId);
      const timer = setTimeout(() => {
        this.#timers.delete(key);
        this.#queue.add(key);
        this.#pump();
      }, this.#o.debounceMs);
      timer.unref();
      this.#timers.set(key, timer);
    }
  }

  /**
   * WorkflowDeps.onRecorded: for each request that changed state, refresh the tabs of the people concerned — the
   * requester, whoever acted or decided, those who approved it, and the people who may approve it (the approvers
   * and escalate_to listed by ID, members of listed groups, and for `*` / `workspace_admins` everyone whose tab the
   * bot knows). An applied change also reaches every known tab of the workspace: it shows in Recent changes.
   * Never throws and never waits: the change is committed already.
   */
  recorded(entries: readonly AuditEntry[]): void {
    if (this.#disabled || this.#stopped) return;
    for (const entry of entries) {
      if (!entry.requestId || !STATE_CHANGES.has(entry.action)) continue;
      this.#track(
        this.#concerned(entry).then(
          (users) => this.refresh(entry.teamId, users),
          (error) => this.#o.logger.warn(`home tabs: could not work out whom request ${entry.requestId} concerns: ${message(error)}`),
        ),
      );
    }
  }

  /** Resolves when nothing waits to be published (tests, shutdown). */
  async settle(): Promise<void> {
    for (;;) {
      if (this.#background.size) await Promise.allSettled([...this.#background]);
      else if (this.#inFlight.size) await Promise.allSettled([...this.#inFlight.values()]);
      else if (this.#timers.size || this.#queue.size) await new Promise((r) => setTimeout(r, 20));
      else return;
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.#queue.clear();
    clearTimeout(this.#pumpTimer);
  }

  async #concerned(entry: AuditEntry): Promise<Set<string>> {
    const users = new Set<string>([entry.actorId]);
    const request = await this.#o.ports.store.getRequest(entry.requestId!);
    if (!request) return users;
    users.add(request.requesterId);
    if (request.decidedBy) users.add(request.decidedBy);
    for (const a of request.approvals) users.add(a.userId);
    const knownHere = [...this.#known.values()].filter((k) => k.teamId === entry.teamId).map((k) => k.userId);
    const members = roleMembers(this.#o.ports.policy(), 'approvers');
    const everyone = entry.action === 'applied' || members.some((m) => m === '*' || m === 'workspace_admins');
    if (everyone) for (const u of knownHere) users.add(u);
    const groups = await Promise.allSettled(members.filter((m) => m.startsWith('S')).map((g) => this.#o.ports.directory.groupMembers(g)));
    for (const g of groups) if (g.status === 'fulfilled') for (const u of g.value) users.add(u);
    for (const m of members) if (/^[UW]/.test(m)) users.add(m);
    return users;
  }

  #remember(teamId: string, userId: string): Known {
    const key = keyOf(teamId, userId);
    let known = this.#known.get(key);
    if (!known) {
      known = { teamId, userId };
      this.#known.set(key, known);
      if (this.#known.size > MAX_KNOWN) this.#known.delete(this.#known.keys().next().value!);
    }
    return known;
  }

  #pump(): void {
    if (this.#stopped || this.#pumpTimer) return;
    for (const key of this.#queue) {
      if (this.#inFlight.has(key)) continue;
      const wait = this.#waitMs();
      if (wait > 0) {
        this.#pumpTimer = setTimeout(() => {
          this.#pumpTimer = undefined;
          this.#pump();
        }, wait);
        this.#pumpTimer.unref();
        return;
      }
      this.#tokens -= 1;
      this.#queue.delete(key);
      const done = this.#publish(key).finally(() => {
        this.#inFlight.delete(key);
        if (this.#queue.size) this.#pump();
      });
      this.#inFlight.set(key, done);
    }
  }

  /** 0 when a publish may go now, else how long until one may. */
  #waitMs(): number {
    const now = Date.now();
    if (now < this.#pausedUntil) return this.#pausedUntil - now;
    const perMs = this.#o.perMinute / 60_000;
    this.#tokens = Math.min(this.#o.burst, this.#tokens + (now - this.#refilledAt) * perMs);
    this.#refilledAt = now;
    return this.#tokens >= 1 ? 0 : Math.ceil((1 - this.#tokens) / perMs);
  }

  async #publish(key: string, retried = false): Promise<void> {
    const known = this.#known.get(key);
    if (!known || this.#stopped) return;
    const { client, logger } = this.#o;
    try {
      const now = this.#o.now?.() ?? new Date();
      const content = await inbox(this.#o.ports, { userId: known.userId, teamId: known.teamId }, now);
      const metadata: HomeMetadata = known.dm ? { dm: known.dm } : {};
      const res = await client.views.publish({ user_id: known.userId, view: homeView(content, now, metadata), hash: known.hash });
      known.hash = res.view?.hash;
    } catch (error) {
      const e = error as { code?: string; retryAfter?: number; data?: { error?: string } };
      if (e.code === ErrorCode.RateLimitedError) {
        this.#pausedUntil = Date.now() + Math.max(1, e.retryAfter ?? 1) * 1_000;
        logger.warn(`home tabs: views.publish rate limited; pausing refreshes for ${Math.max(1, e.retryAfter ?? 1)} s`);
        this.#queue.add(key);
        return;
      }
      const name = e.data?.error;
      if (name === 'hash_conflict' && !retried) {
        // Someone published over the view we knew (another replica, or an open we had not seen): read it all again.
        known.hash = undefined;
        return this.#publish(key, true);
      }
      if (name === 'not_enabled') {
        if (!this.#disabled)
          logger.warn('home tabs: Slack says this app has no Home tab (features.app_home.home_tab_enabled); not refreshing tabs');
        this.#disabled = true;
        return;
      }
      logger.warn(`home tabs: publishing ${known.userId}'s Home tab failed: ${name ?? message(error)}`);
    }
  }

  #track(p: Promise<unknown>): void {
    this.#background.add(p);
    void p.finally(() => this.#background.delete(p));
  }
}

function keyOf(teamId: string, userId: string): string {
  return `${teamId}:${userId}`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
