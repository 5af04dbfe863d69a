/**
 * Whole change requests through the bot, as a simulated Slack user would make them (emulators/slack/client.ts), spread
 * over the bot's replicas round-robin per request as a load balancer would: the command on one, the form's submit on
 * the next, the confirm on the next, the approval on another.
 *
 * - confirmToSummary: name changes that need no approval; from the signed Confirm (view_submission) being sent to the
 *   summary's chat.postMessage arriving at the Slack emulator, next to the Chime calls' own time in between
 *   (GetAccount, the drift check, + UpdateAccount, arrival → answer as the Chime emulator sees them).
 * - approvalBursts: license changes that need one approval; the approver's submit is delivered `copies` times at once,
 *   split among the replicas (double clicks, Slack's retries, two tabs): exactly one UpdateAccount each, from the
 *   Chime emulator's trail (what GET /_emulator/trail serves).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChimeCall, ChimeEmulator } from '../../emulators/chime/server.ts';
import { SlackUserClient } from '../../emulators/slack/client.ts';
import type { EmuCall, EmuMessage, SlackEmulator } from '../../emulators/slack/server.ts';

export interface FlowTarget {
  /** The bot's HTTP port. */
  port: number;
}

export interface FlowCtx {
  slack: SlackEmulator;
  chime: ChimeEmulator;
  secret: string;
  replicas: FlowTarget[];
}

/** Requesters of the concurrent lanes (one modal each at a time); the approver is U0BOB. */
export const REQUESTERS = ['U0ALICE', 'U0CAROL', 'U0EVE', 'U0DAVE'] as const;
export const APPROVER = 'U0BOB';
/** The Chime emulator's filler accounts 'Test Account 001' … '035': the first 25 for the direct changes, then bursts. */
const filler = (n: number) => `7e570000-0000-4000-8000-000000000${String(n).padStart(3, '0')}`;
const DIRECT_ACCOUNTS = Array.from({ length: 25 }, (_, i) => filler(i + 1));
const BURST_ACCOUNTS = Array.from({ length: 10 }, (_, i) => filler(i + 26));
export const MAX_BURSTS = BURST_ACCOUNTS.length;
const WAIT_MS = 15_000;

/** Round-robin over the replicas, one step per request sent (a load balancer's choice). */
function balancer(ctx: FlowCtx) {
  const clients = ctx.replicas.map(
    (r) => new SlackUserClient({ appUrl: `http://127.0.0.1:${r.port}/slack/events`, signingSecret: ctx.secret, emulator: ctx.slack }),
  );
  let next = 0;
  return () => clients[next++ % clients.length]!;
}

/** Polls `probe` every 2 ms; `what` names it in the error (a function: what was seen by then, for diagnosis). */
async function until<T>(what: string | (() => string), probe: () => T | undefined | false, limitMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(2);
  }
}

/** Diagnosis: the Chime operations on `accountId` since trail index `from`, with their statuses. */
function trailOf(chime: ChimeEmulator, accountId: string, from: number): string {
  const ops = chime.trail.slice(from).filter((t) => t.accountId === accountId);
  return `Chime: ${ops.map((t) => `${t.operation} ${t.status}`).join(', ') || 'no calls'}`;
}

/** Diagnosis: the Slack posts and updates since call index `from`, first words of each. */
function postsSince(slack: SlackEmulator, from: number): string {
  const posts = slack.calls.slice(from).filter((c) => c.method.startsWith('chat.'));
  return `Slack: ${posts.map((c) => `${c.method} ${c.status} "${String(c.args.text ?? '').slice(0, 40)}"`).join('; ') || 'no posts'}`;
}

/** The first Slack call after index `from` matching `pred` (scanning only what arrived since). */
function callAfter(slack: SlackEmulator, from: number, pred: (c: EmuCall) => boolean): EmuCall | undefined {
  for (let i = from; i < slack.calls.length; i++) if (pred(slack.calls[i]!)) return slack.calls[i];
  return undefined;
}

/** The view the bot opened with `triggerId` (views.open), once the emulator answered it. */
function viewOpenedWith(slack: SlackEmulator, from: number, triggerId: string): string | undefined {
  const call = callAfter(slack, from, (c) => c.method === 'views.open' && c.args.trigger_id === triggerId && c.status === 200);
  return (call?.response as { view?: { id?: string } } | undefined)?.view?.id;
}

/** `/chime-account update <id>` → the filled form → its submit → the review; returns the review's view id. */
async function review(
  ctx: FlowCtx,
  next: () => SlackUserClient,
  user: string,
  accountId: string,
  values: Record<string, Record<string, string>>,
): Promise<string> {
  const from = ctx.slack.calls.length;
  const cmd = await next().command(user, `update ${accountId}`);
  if (cmd.status !== 200) throw new Error(`update command answered ${cmd.status}`);
  const viewId = await until('the form to open', () => viewOpenedWith(ctx.slack, from, cmd.triggerId));
  await until('the form to be filled', () => JSON.stringify(ctx.slack.views.get(viewId)?.view.blocks ?? []).includes('name_input'));
  const submitted = await next().submitView(user, viewId, values);
  if (submitted.json?.view?.callback_id !== 'chime_review') throw new Error(`no review after the form's submit: ${submitted.body}`);
  return viewId;
}

/** The Chime calls for `accountId` that arrived in [from, to], with their own time (arrival → answer). */
function chimeCallsBetween(chime: ChimeEmulator, accountId: string, from: number, to: number): ChimeCall[] {
  return chime.calls.filter((c) => c.accountId === accountId && c.at >= from && c.at <= to);
}
const ownMs = (calls: ChimeCall[]) => calls.reduce((n, c) => n + ((c.answeredAt ?? c.at) - c.at), 0);

const summaryOf = (accountName: string) => (c: EmuCall) =>
  c.method === 'chat.postMessage' &&
  c.status === 200 &&
  String(c.args.text ?? '').startsWith(`Amazon Chime account ${accountName} updated`);

export interface SummarySample {
  /** Confirm sent → the summary's chat.postMessage at the emulator, ms. */
  toSummaryMs: number;
  /** The Chime calls' own time in between (GetAccount + UpdateAccount), ms. */
  chimeMs: number;
  /** Which Chime operations were made in between. */
  chimeOps: string[];
  /** Confirm's ack time, ms. */
  ackMs: number;
  /**
   * Where the rest went (the bot's own time, ms): Confirm sent → GetAccount arrives (confirm, store the request,
   * claim it); GetAccount answered → UpdateAccount arrives; UpdateAccount answered → the summary arrives (record the
   * outcome, the outbox claims and posts it).
   */
  steps?: { toGetAccount: number; betweenCalls: number; toSummary: number };
}

function stepsOf(calls: ChimeCall[], sentAt: number, summaryAt: number): SummarySample['steps'] {
  const get = calls.find((c) => c.operation === 'GetAccount');
  const update = calls.find((c) => c.operation === 'UpdateAccount');
  if (!get?.answeredAt || !update?.answeredAt) return undefined;
  return { toGetAccount: get.at - sentAt, betweenCalls: update.at - get.answeredAt, toSummary: summaryAt - update.answeredAt };
}

/**
 * `samples` name changes that need no approval, `lanes` at a time (one requester each, each lane on its own accounts
 * in turn). Throws if one does not end in a summary in time.
 */
export async function confirmToSummary(ctx: FlowCtx, samples: number, lanes: number, tag: string): Promise<SummarySample[]> {
  const next = balancer(ctx);
  const out: SummarySample[] = [];
  let started = 0;
  const lane = async (k: number) => {
    const mine = DIRECT_ACCOUNTS.filter((_, i) => i % lanes === k);
    for (let turn = 0; ; turn++) {
      const i = started++;
      if (i >= samples) return;
      const accountId = mine[turn % mine.length]!;
      const user = REQUESTERS[k]!;
      const newName = `Bench ${tag} ${i + 1}`;
      const viewId = await review(ctx, next, user, accountId, { name: { name_input: newName } });
      const from = ctx.slack.calls.length;
      const sentAt = Date.now();
      const confirm = await next().submitView(user, viewId, {});
      if (confirm.status !== 200) throw new Error(`confirm answered ${confirm.status}: ${confirm.body}`);
      const summary = await until(`the summary of "${newName}"`, () => callAfter(ctx.slack, from, summaryOf(newName)));
      const calls = chimeCallsBetween(ctx.chime, accountId, sentAt, summary.at);
      out.push({
        toSummaryMs: summary.at - sentAt,
        chimeMs: ownMs(calls),
        chimeOps: calls.map((c) => c.operation),
        ackMs: confirm.ms,
        steps: stepsOf(calls, sentAt, summary.at),
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, REQUESTERS.length) }, (_, k) => lane(k)));
  return out;
}

export interface BurstResult {
  requests: number;
  copiesEach: number;
  /** Requests whose summary was posted (applied). */
  applied: number;
  /** UpdateAccount calls in the Chime emulator's trail, per request. */
  updatesPerRequest: number[];
  /** Requests with more than one UpdateAccount. */
  doubled: number;
  /** Requests with none. */
  missing: number;
  /** Approval submits answered 200, of all delivered. */
  answered: number;
  delivered: number;
  /** First approval submit sent → the summary's chat.postMessage, ms. */
  toSummaryMs: number[];
  /** Chime calls' own time in between, ms. */
  chimeMs: number[];
}

/** The approval card of the request for `accountId`, once posted after Slack call index `from`. */
function cardAfter(slack: SlackEmulator, from: number, accountId: string): EmuMessage | undefined {
  const call = callAfter(
    slack,
    from,
    (c) =>
      c.method === 'chat.postMessage' &&
      c.status === 200 &&
      String(c.args.text ?? '').includes(accountId) &&
      JSON.stringify(c.args.blocks ?? []).includes('request_approve'),
  );
  const ts = (call?.response as { ts?: string } | undefined)?.ts;
  return ts ? slack.messages.find((m) => m.ts === ts) : undefined;
}

/**
 * `requests` license changes, one after another, each approved by `copies` concurrent deliveries of the approver's
 * submit split among the replicas. Counts UpdateAccount per request in the trail once all are settled.
 */
export async function approvalBursts(ctx: FlowCtx, requests: number, copies: number): Promise<BurstResult> {
  const next = balancer(ctx);
  const user = REQUESTERS[0];
  const trailFrom = ctx.chime.trail.length;
  const result: BurstResult = {
    requests,
    copiesEach: copies,
    applied: 0,
    updatesPerRequest: [],
    doubled: 0,
    missing: 0,
    answered: 0,
    delivered: 0,
    toSummaryMs: [],
    chimeMs: [],
  };
  const used: string[] = [];
  for (let i = 0; i < Math.min(requests, BURST_ACCOUNTS.length); i++) {
    const accountId = BURST_ACCOUNTS[i]!;
    used.push(accountId);
    const name = ctx.chime.accounts.get(accountId)?.Name ?? accountId;
    const viewId = await review(ctx, next, user, accountId, { license: { license_select: 'Plus' } });
    const from = ctx.slack.calls.length;
    const confirm = await next().submitView(user, viewId, {});
    if (confirm.status !== 200) throw new Error(`confirm answered ${confirm.status}: ${confirm.body}`);
    const card = await until(`the approval card for ${accountId}`, () => cardAfter(ctx.slack, from, accountId));
    const clickFrom = ctx.slack.calls.length;
    const click = await next().clickButton(APPROVER, { message: card, actionId: 'request_approve' });
    if (click.status !== 200) throw new Error(`approve click answered ${click.status}`);
    const modalId = await until('the approve modal', () => viewOpenedWith(ctx.slack, clickFrom, click.triggerId));
    const burstFrom = ctx.slack.calls.length;
    const sentAt = Date.now();
    // All sent before any answer arrives: submitView checks the view synchronously, then awaits the POST.
    const answers = await Promise.all(
      Array.from({ length: copies }, () =>
        next()
          .submitView(APPROVER, modalId, {}, { skipClientChecks: true })
          .catch(() => undefined),
      ),
    );
    result.delivered += copies;
    result.answered += answers.filter((a) => a?.status === 200).length;
    const summary = await until(
      () => `the summary for ${accountId} (${trailOf(ctx.chime, accountId, trailFrom)}; ${postsSince(ctx.slack, burstFrom)})`,
      () => callAfter(ctx.slack, burstFrom, summaryOf(name)),
    );
    result.applied++;
    result.toSummaryMs.push(summary.at - sentAt);
    result.chimeMs.push(ownMs(chimeCallsBetween(ctx.chime, accountId, sentAt, summary.at)));
  }
  // A doubled UpdateAccount would come from a replica that lost the race: give stragglers a moment to land.
  await sleep(500);
  const trail = ctx.chime.trail.slice(trailFrom);
  for (const accountId of used) {
    const n = trail.filter((t) => t.operation === 'UpdateAccount' && t.accountId === accountId).length;
    result.updatesPerRequest.push(n);
    if (n > 1) result.doubled++;
    if (n === 0) result.missing++;
  }
  return result;
}
