/**
 * Answers the policy's questions about people from Slack — user group members (usergroups.users.list) and
 * workspace admins (users.info) — cached for at most 60 s so a removed member loses the role within a minute.
 * Concurrent questions share one call; a failed call is not cached (and denies: see checkRole).
 */
import type { WebClient } from '@slack/web-api';
import type { Directory } from '../domain/policy.ts';

const TTL_MS = 60_000;

export class SlackDirectory implements Directory {
  readonly #client: WebClient;
  readonly #cache = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(client: WebClient) {
    this.#client = client;
  }

  #cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.#cache.get(key);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.value as Promise<T>;
    const value = load();
    this.#cache.set(key, { at: Date.now(), value });
    value.catch(() => this.#cache.delete(key));
    if (this.#cache.size > 5_000) this.#cache.delete(this.#cache.keys().next().value!);
    return value;
  }

  groupMembers(groupId: string): Promise<readonly string[]> {
    return this.#cached(`group:${groupId}`, async () => {
      const res = await this.#client.usergroups.users.list({ usergroup: groupId });
      return res.users ?? [];
    });
  }

  isWorkspaceAdmin(userId: string): Promise<boolean> {
    return this.#cached(`admin:${userId}`, async () => {
      const res = await this.#client.users.info({ user: userId });
      return Boolean(!res.user?.deleted && (res.user?.is_admin || res.user?.is_owner));
    });
  }

  clear(): void {
    this.#cache.clear();
  }
}
