/**
 * Answers the policy's questions about people from Slack — user group members (usergroups.users.list) and
 * workspace admins (users.info). A recent answer (at most 60 s old) serves read-only views and a form's first render;
 * `fresh` asks Slack now, for every decision that changes something, so a person removed from a group just now
 * can't approve with the old answer. Concurrent questions share one call; a failed call is not kept (and denies:
 * see checkRole).
 */
import type { WebClient } from '@slack/web-api';
import type { Directory } from '../domain/policy.ts';

const TTL_MS = 60_000;
const MAX_ENTRIES = 5_000;

export class SlackDirectory implements Directory {
  readonly #client: WebClient;
  readonly #cache = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(client: WebClient) {
    this.#client = client;
  }

  #ask<T>(key: string, fresh: boolean, load: () => Promise<T>): Promise<T> {
    const hit = this.#cache.get(key);
    if (!fresh && hit && Date.now() - hit.at < TTL_MS) return hit.value as Promise<T>;
    const value = load();
    // A fresh answer also refreshes what later read-only views see.
    this.#cache.set(key, { at: Date.now(), value });
    value.catch(() => {
      if (this.#cache.get(key)?.value === value) this.#cache.delete(key);
    });
    if (this.#cache.size > MAX_ENTRIES) this.#cache.delete(this.#cache.keys().next().value!);
    return value;
  }

  groupMembers(groupId: string, opts: { fresh?: boolean } = {}): Promise<readonly string[]> {
    return this.#ask(`group:${groupId}`, Boolean(opts.fresh), async () => {
      const res = await this.#client.usergroups.users.list({ usergroup: groupId });
      return res.users ?? [];
    });
  }

  isWorkspaceAdmin(userId: string, opts: { fresh?: boolean } = {}): Promise<boolean> {
    return this.#ask(`admin:${userId}`, Boolean(opts.fresh), async () => {
      const res = await this.#client.users.info({ user: userId });
      return Boolean(!res.user?.deleted && (res.user?.is_admin || res.user?.is_owner));
    });
  }
}
