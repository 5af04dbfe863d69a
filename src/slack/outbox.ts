/**
 * Sends what the store queued for Slack, in order per channel, and retries until Slack takes it: 429 after its
 * Retry-After, 5xx and network errors with backoff. A channel the bot can't post to is permanent: the requester is
 * told by response_url or DM instead. The audit row was committed before the post was queued, so a Slack outage
 * only delays the channel's copy.
 */
import type { KnownBlock } from '@slack/types';
import { type ChatPostMessageArguments, ErrorCode, type WebClient } from '@slack/web-api';
import { type ChangeRequest, hasCard } from '../domain/request.ts';
import { type OutboxEntry, type OutboxItem, type Store, StoreUnavailableError } from '../store/store.ts';
import type { Logger } from '../workflow/ports.ts';
import type { Notifier } from './notifier.ts';
import { channelLink, esc, md } from './views/text.ts';

const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'msg_too_long',
  'no_text',
  'invalid_blocks',
  'invalid_arguments',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'restricted_action',
  'too_many_attachments',
]);
const MAX_BACKOFF_MS = 60_000;

type Failure = { retryInMs: number; error: string } | { permanent: string };

export function classify(error: unknown, attempts: number): Failure {
  const e = error as { code?: string; retryAfter?: number; data?: { error?: string }; statusCode?: number; message?: string };
  const backoff = Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** attempts);
  if (e.code === ErrorCode.RateLimitedError) return { retryInMs: Math.max(1, e.retryAfter ?? 1) * 1_000, error: 'ratelimited' };
  if (e.code === ErrorCode.PlatformError) {
    const name = e.data?.error ?? 'unknown_error';
    return PERMANENT.has(name) ? { permanent: name } : { retryInMs: backoff, error: name };
  }
  if (e.code === ErrorCode.HTTPError) return { retryInMs: backoff, error: `http_${e.statusCode}` };
  return { retryInMs: backoff, error: e.code ?? e.message ?? 'error' };
}

export interface OutboxOptions {
  store: Store;
  client: WebClient;
  logger: Logger;
  /** Tells the requester privately when the channel can't be posted to. */
  notifier: Notifier;
  renderCard: (request: ChangeRequest) => { text: string; blocks: KnownBlock[] };
  pollMs?: number;
  /** This process's name in the outbox's claims (replicas share the outbox). */
  owner: string;
  /**
   * How long a claim on posts lasts (default 90 s). Posts claimed by a process that died wait this long for another;
   * a pass sends for at most a third of it, so a post begun late (Slack's ~31 s worst case) still ends in time.
   */
  leaseMs?: number;
}

/** True when `item` posts or updates the card of request `requestId`. */
const isCardOf = (item: OutboxItem, requestId: string) => item.kind === 'card' && item.requestId === requestId;

/** Posts claimed at a time. */
const BATCH = 20;
/**
 * Passes at a time in one process. A kick while a pass waits on a slow channel starts another, which claims only
 * what no pass holds and nothing behind a held post of its channel (the store's claim), so a post that becomes due
 * never waits for another channel's slow one.
 */
const PASSES = 4;

export class Outbox {
  readonly #o: OutboxOptions;
  #timer?: NodeJS.Timeout;
  readonly #running = new Set<Promise<void>>();
  /** Kicks so far: a pass that saw fewer when it started runs again (what it could not claim may be free now). */
  #kicks = 0;
  #stopped = false;
  #storeDown = false;

  constructor(options: OutboxOptions) {
    this.#o = options;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.kick(), this.#o.pollMs ?? 1_000);
    this.#timer.unref();
    this.kick();
  }

  /** Sends what is due now, in a pass of its own (with PASSES under way, in their next round). */
  kick(): void {
    if (this.#stopped) return;
    this.#kicks += 1;
    if (this.#running.size >= PASSES) return;
    const run: Promise<void> = this.#loop().finally(() => this.#running.delete(run));
    this.#running.add(run);
  }

  /** Waits for the sending under way to finish (graceful shutdown, tests). */
  async settle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }

  /** Sends no more (a late kick must not start a pass on a store about to close) and waits for the pass under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.settle();
  }

  async #loop(): Promise<void> {
    let seen: number;
    do {
      seen = this.#kicks;
      try {
        await this.#pass();
        this.#storeDown = false;
      } catch (error) {
        // The database away: said once, not at every poll; the posts wait in it and go out once it is back.
        if (!(error instanceof StoreUnavailableError)) this.#o.logger.error('outbox pass failed', error);
        else if (!this.#storeDown) this.#o.logger.warn('outbox: the database is unavailable; queued posts wait until it is back');
        this.#storeDown = error instanceof StoreUnavailableError;
      }
    } while (this.#kicks !== seen && !this.#stopped);
  }

  /**
   * Claims the posts due now (no other replica sends them while the claim lasts; a channel's posts keep their order)
   * and sends them, each channel's in order and the channels side by side, so a change's summary never waits behind
   * the audit channel's posts; a channel whose post failed waits, with its later posts, for the retry.
   */
  async #pass(): Promise<void> {
    const leaseMs = this.#o.leaseMs ?? 90_000;
    for (;;) {
      const now = new Date();
      const claimed = await this.#o.store.claimOutbox(this.#o.owner, now, BATCH, new Date(now.getTime() + leaseMs));
      const settled = claimed.map(() => Promise.withResolvers<void>());
      const lanes = new Map<string, number[]>();
      claimed.forEach((entry, i) => {
        const lane = lanes.get(entry.channelId);
        if (lane) lane.push(i);
        else lanes.set(entry.channelId, [i]);
      });
      const sendLane = async (lane: number[]) => {
        let waiting = false;
        for (const i of lane) {
          const entry = claimed[i]!;
          try {
            // Behind a post of its channel that failed in this pass, or past a third of the claim: released, in order.
            if (waiting || Date.now() - now.getTime() > leaseMs / 3)
              await this.#o.store.outboxRetry(entry.id, new Date(), 'released for the next pass');
            else {
              // A link to a request's card, which may be in another channel's lane: that card's posting goes first.
              const linkTo = entry.item.kind === 'post' ? entry.item.linkTo : undefined;
              if (linkTo) await Promise.all(settled.filter((_, k) => k < i && isCardOf(claimed[k]!.item, linkTo)).map((d) => d.promise));
              if (!(await this.#send(entry))) waiting = true;
            }
          } finally {
            settled[i]!.resolve();
          }
        }
      };
      const results = await Promise.allSettled([...lanes.values()].map(sendLane));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      if (claimed.length < BATCH) return;
    }
  }

  /** True when the entry is settled (sent, or given up for good); false when it waits. */
  async #send(entry: OutboxEntry): Promise<boolean> {
    const { store, client, logger } = this.#o;
    const item = entry.item;
    try {
      if (item.kind === 'card') {
        const request = await store.getRequest(item.requestId);
        if (!request) return this.#done(entry, 'request not found');
        const message = this.#o.renderCard(request);
        if (request.cardTs) await client.chat.update({ channel: request.cardChannelId, ts: request.cardTs, ...message });
        else {
          const res = await client.chat.postMessage({ channel: request.cardChannelId, ...message, unfurl_links: false });
          if (res.ts) await store.setCardTs(request.id, res.ts);
        }
      } else {
        let threadTs: string | undefined;
        if (item.threadOf) {
          const request = await store.getRequest(item.threadOf);
          threadTs = request?.cardTs;
          if (!threadTs && request && hasCard(request)) {
            // The card is not posted yet (it is earlier in this channel's queue, or waiting): try again soon.
            await store.outboxRetry(entry.id, new Date(Date.now() + 1_000), 'waiting for the card');
            return false;
          }
        }
        const blocks = item.linkTo ? await this.#withLink(item) : item.blocks;
        await client.chat.postMessage({
          channel: item.channelId,
          text: item.text,
          blocks,
          thread_ts: threadTs,
          reply_broadcast: threadTs ? item.broadcast : undefined,
          unfurl_links: false,
          unfurl_media: false,
        } as ChatPostMessageArguments);
      }
      return this.#done(entry);
    } catch (error) {
      const failure = classify(error, entry.attempts);
      if ('permanent' in failure) {
        logger.warn(`outbox #${entry.id}: Slack refused the post for good (${failure.permanent})`);
        if (item.kind === 'post' && item.fallback) await this.#tellRequester(item, failure.permanent);
        return this.#done(entry, failure.permanent);
      }
      logger.warn(`outbox #${entry.id}: ${failure.error}; retrying in ${failure.retryInMs} ms (attempt ${entry.attempts + 1})`);
      await store.outboxRetry(entry.id, new Date(Date.now() + failure.retryInMs), failure.error);
      return false;
    }
  }

  /** The post's text with a link to the request's card thread; without it when Slack can't give one. */
  async #withLink(item: Extract<OutboxItem, { kind: 'post' }>): Promise<unknown[]> {
    const blocks: unknown[] = item.blocks ?? [{ type: 'section', text: md(item.text) }];
    const request = await this.#o.store.getRequest(item.linkTo!);
    if (!request?.cardTs) return blocks;
    try {
      const res = await this.#o.client.chat.getPermalink({ channel: request.cardChannelId, message_ts: request.cardTs });
      if (res.permalink && /^https:\/\/[^\s|<>]+$/.test(res.permalink))
        return [...blocks, { type: 'context', elements: [md(`<${res.permalink}|See the request and its thread>`)] }];
    } catch (error) {
      this.#o.logger.warn(`no permalink for request ${request.id}: ${(error as Error).message}`);
    }
    return blocks;
  }

  async #done(entry: OutboxEntry, error?: string): Promise<boolean> {
    await this.#o.store.outboxDone(entry.id, error);
    return true;
  }

  /** The channel can't be posted to: tell the requester what would have been posted, ephemerally or by DM. */
  async #tellRequester(item: Extract<OutboxItem, { kind: 'post' }>, reason: string): Promise<void> {
    const { userId, responseUrl } = item.fallback!;
    const why =
      reason === 'not_in_channel'
        ? `I’m not a member of ${channelLink(item.channelId)}, so I couldn’t post this there. Invite me with \`/invite\` to see changes in the channel.`
        : `I couldn’t post this in ${channelLink(item.channelId)} (${esc(reason)}).`;
    const blocks: KnownBlock[] = [{ type: 'context', elements: [md(why)] }, ...((item.blocks as KnownBlock[]) ?? [])];
    await this.#o.notifier.tell({ userId, responseUrl }, item.text, blocks);
  }
}
