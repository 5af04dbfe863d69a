/**
 * Builds the bot: the Bolt app and its listeners, the store, the Chime adapter, the workflow, the outbox and the
 * expiry sweep. Follow `/chime-account` from here: slack/listeners/command.ts → change-modal.ts (the form) →
 * change-form.ts (review) → change-review.ts (confirm) → workflow/changes.ts (confirm, apply → chime/accounts.ts
 * UpdateAccount) → slack/announcer.ts (which posts) → slack/views/account.ts (the summary) → slack/outbox.ts (sent).
 */

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { App, type BlockAction, type ButtonAction, LogLevel } from '@slack/bolt';
import { AuditAnchor } from './audit/anchor.ts';
import { ChimeAccounts, type ChimeAccountsOptions, createChimeClient } from './chime/accounts.ts';
import type { Config } from './config.ts';
// ship (issue 9): truthful health and start-up
import { Health, watchChime } from './ops/health.ts';
import { boltLogger } from './ops/logger.ts';
// obs (issue 9): metrics and logs
import type { Metrics } from './ops/metrics.ts';
import { observe } from './ops/observe.ts';
import { initSlack, watchSlack } from './ops/startup.ts';
import { SlackAnnouncer } from './slack/announcer.ts';
import type { Deps } from './slack/context.ts';
import { SlackDirectory } from './slack/directory.ts';
import { HomeTabs } from './slack/home-tabs.ts';
import { ids } from './slack/ids.ts';
import { accountOptionsListener, accountPickedListener } from './slack/listeners/account-picker.ts';
import { changeFormListener } from './slack/listeners/change-form.ts';
import { changeReviewListener } from './slack/listeners/change-review.ts';
import { commandListener } from './slack/listeners/command.ts';
import { decisionListener } from './slack/listeners/decision.ts';
import { guard } from './slack/listeners/guard.ts';
import { homeOpenedListener, newChangeListener } from './slack/listeners/home.ts';
import {
  cancelButtonListener,
  decisionButtonListener,
  listNextListener,
  revertButtonListener,
  updateFromListListener,
} from './slack/listeners/request-buttons.ts';
import { storeDown } from './slack/listeners/store-down.ts';
import { Notifier } from './slack/notifier.ts';
import { Outbox } from './slack/outbox.ts';
import { createReceiver } from './slack/receiver.ts';
import { ScreenedSocketModeReceiver } from './slack/socket-receiver.ts';
import { cardMessage } from './slack/views/requests.ts';
import { openStore } from './store/open.ts';
import type { Store } from './store/store.ts';
import { ChangeWorkflow } from './workflow/changes.ts';

export interface BotOptions {
  /** Overrides for the Chime client (tests: static credentials, one attempt). */
  chime?: Partial<ChimeAccountsOptions>;
  /** How often to expire requests and settle interrupted ones; default 30 s. */
  sweepMs?: number;
  outboxPollMs?: number;
  /** How long a claim on an applying request lasts (default: config.applyLeaseMs). */
  applyLeaseMs?: number;
  /** App Home refreshes of one person within this window become one publish; default 500 ms. */
  homeDebounceMs?: number;
  /** How often /healthz's Slack check (auth.test) runs while the bot runs; default 60 s. */
  slackCheckMs?: number;
  /** Socket Mode: the SDK's pong timeout, which also paces its reconnects (default 5000). */
  socketPingTimeoutMs?: number;
  /** HTTP mode: listen on this address only (the sandbox: 127.0.0.1); default every interface. */
  host?: string;
}

export interface Bot {
  app: App;
  store: Store;
  workflow: ChangeWorkflow;
  outbox: Outbox;
  homeTabs: HomeTabs;
  /** Resolves once no listener, sweep, background apply or outbox pass is running (tests, graceful shutdown). */
  idle(): Promise<void>;
  /** What /healthz reports. */
  health: Health;
  /** What /metrics reports. */
  metrics: Metrics;
  /** Checks the bot token (auth.test; a refused token throws a StartupError), then starts listening; resolves with the HTTP port (HTTP mode) once ready. */
  start(): Promise<number | undefined>;
  /** Graceful: stops taking requests, finishes the work in flight, flushes what it can, closes the store. */
  stop(): Promise<void>;
}

type Button = BlockAction<ButtonAction>;

const LEVELS = { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR } as const;

export async function createBot(config: Config, options: BotOptions = {}): Promise<Bot> {
  // ship: /healthz names what is broken (ops/health.ts); filled in below once the store and Chime client exist.
  let health: Health | undefined;
  // obs: the pino logger (Bolt's too), /metrics and the hooks that feed them (ops/observe.ts).
  const obs = await observe(config);
  const socketMode = Boolean(config.slack.appToken);
  const customRoutes = [
    {
      path: '/healthz',
      method: ['GET'],
      handler: (req: IncomingMessage, res: ServerResponse) => {
        if (health) return health.handler(req, res);
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"status":"starting"}\n');
      },
    },
    ...obs.routes,
  ];
  // HTTP mode: Bolt's receiver, with bodies Bolt can't handle answered 400 in front of it (slack/receiver.ts).
  // Socket Mode: Bolt's, screening envelopes the same way, with /healthz on PORT (slack/socket-receiver.ts).
  const socketReceiver = config.slack.appToken
    ? new ScreenedSocketModeReceiver({
        appToken: config.slack.appToken,
        apiUrl: config.slack.apiUrl,
        port: config.port,
        customRoutes,
        // Its own Bolt Logger on the same pino: the receiver rewires one method of the logger it is given.
        logger: boltLogger(obs.log),
        fetch: obs.slackFetch,
        logLevel: LEVELS[config.logLevel],
        clientPingTimeout: options.socketPingTimeoutMs,
      })
    : undefined;
  const receiver =
    socketReceiver ??
    createReceiver({
      signingSecret: config.slack.signingSecret ?? '',
      customRoutes,
      processBeforeResponse: false,
      logger: obs.logger,
      logLevel: LEVELS[config.logLevel],
    });
  const app = new App({
    token: config.slack.botToken,
    appToken: config.slack.appToken,
    socketMode,
    logger: obs.logger,
    logLevel: LEVELS[config.logLevel],
    // start() runs Bolt's auth.test itself (initSlack), so a bad token stops the bot and an unreachable Slack is retried.
    deferInitialization: true,
    // The bot keeps no conversation state; Bolt's default store would do work on every request for nothing.
    convoStore: false,
    clientOptions: {
      slackApiUrl: config.slack.apiUrl,
      timeout: 10_000,
      // An interactive bot can't wait Slack's default ~30 minutes of retries: a few quick ones, then the outbox.
      retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 1_000 },
      rejectRateLimitedCalls: true,
      fetch: obs.slackFetch,
    },
    receiver,
  });
  const logger = app.logger;
  obs.attach(app);

  const store = await openStore(config.databaseUrl);
  // This replica's name in claims: unique among processes sharing the database.
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const chimeOptions = {
    region: config.aws.region,
    timeoutMs: config.aws.timeoutMs,
    maxAttempts: config.aws.maxAttempts,
    watch: obs.watchChime,
    ...options.chime,
  };
  const chimeClient = createChimeClient(chimeOptions);
  const awsAccounts = config.policy.aws_accounts;
  // With the policy's aws_accounts, changes run under AssumeRole of each AWS account's role (chime/accounts.ts).
  const accounts = new ChimeAccounts(
    chimeClient,
    awsAccounts && Object.keys(awsAccounts).length > 0 ? { options: chimeOptions, awsAccounts } : undefined,
  );
  // ship: /healthz asks the store's ping and Chime's credential chain, and hears how each Chime call ended.
  const botHealth = new Health({
    store: () => store.ping(),
    chimeCredentials: () => chimeClient.config.credentials(),
    slackConnection: socketReceiver ? () => socketReceiver.connected() : undefined,
  });
  health = botHealth;
  watchChime(chimeClient, botHealth);
  obs.metrics.outboxFrom(() => store.outboxStats(new Date()));
  const notifier = new Notifier(app.client, logger);
  const auditChannelId = config.slack.auditChannelId;
  const anchor = new AuditAnchor({
    head: async () => (await store.history({ limit: 1 }))[0],
    post: auditChannelId
      ? async (text) => {
          await store.record({ audit: [], posts: [{ kind: 'post', channelId: auditChannelId, text }] });
          outbox.kick();
        }
      : undefined,
    log: (line) => logger.info(line),
    intervalMs: config.auditAnchorIntervalMs,
    leads: () => store.lead(),
    onError: (error) => logger.error('audit anchor failed', error),
  });
  const outbox = new Outbox({
    store,
    client: app.client,
    logger,
    notifier,
    renderCard: (r) => cardMessage(r, config.policy.approval.mention),
    pollMs: options.outboxPollMs,
    owner,
    leaseMs: config.outboxLeaseMs,
  });
  const directory = new SlackDirectory(app.client);
  const policy = () => config.policy;
  const homeTabs = new HomeTabs({ client: app.client, ports: { store, directory, policy }, logger, debounceMs: options.homeDebounceMs });
  const workflow = new ChangeWorkflow({
    store,
    accounts,
    directory,
    announcer: new SlackAnnouncer({ auditChannelId: config.slack.auditChannelId }),
    logger,
    policy,
    approvalChannelId: config.slack.approvalChannelId,
    onQueued: () => outbox.kick(),
    owner,
    applyLeaseMs: options.applyLeaseMs ?? config.applyLeaseMs,
    // Committed audit entries: the audit anchor after each applied change, and the Home tabs of those concerned.
    onRecorded: (entries) => {
      obs.metrics.recorded(entries);
      anchor.recorded(entries);
      homeTabs.recorded(entries);
    },
  });
  const deps: Deps = { workflow: obs.countRefusals(workflow), notifier, logger };

  // Listeners go on after their ack; idle() waits for them too.
  const handling = new Set<Promise<void>>();
  app.use(async ({ next }) => {
    const run = next();
    handling.add(run);
    try {
      await run;
    } finally {
      handling.delete(run);
    }
  });
  app.use(guard(config.slack.teamIds, logger));
  // The database unreachable: every request is answered "nothing was changed", once for all listeners.
  app.use(storeDown(deps));
  app.command(/.*/, commandListener(deps));
  app.options({ action_id: ids.action.pickAccount }, accountOptionsListener(deps));
  app.action<BlockAction>({ type: 'block_actions', action_id: ids.action.pickAccount }, accountPickedListener(deps));
  app.view(ids.view.change, changeFormListener(deps));
  app.view(ids.view.review, changeReviewListener(deps));
  app.action<Button>({ type: 'block_actions', action_id: ids.action.approve }, decisionButtonListener(deps, 'approve'));
  app.action<Button>({ type: 'block_actions', action_id: ids.action.reject }, decisionButtonListener(deps, 'reject'));
  app.view(ids.view.approve, decisionListener(deps, 'approve'));
  app.view(ids.view.reject, decisionListener(deps, 'reject'));
  app.action<Button>({ type: 'block_actions', action_id: ids.action.cancel }, cancelButtonListener(deps));
  app.action<Button>({ type: 'block_actions', action_id: ids.action.revert }, revertButtonListener(deps));
  app.action<Button>({ type: 'block_actions', action_id: ids.action.updateFromList }, updateFromListListener(deps));
  app.action<Button>({ type: 'block_actions', action_id: ids.action.listNext }, listNextListener(deps));
  app.event('app_home_opened', homeOpenedListener(homeTabs));
  app.action<Button>({ type: 'block_actions', action_id: ids.action.newChange }, newChangeListener(deps));
  app.error(async (error) => {
    logger.error('unhandled error in a listener', error);
  });

  let sweep: NodeJS.Timeout | undefined;
  let soon: NodeJS.Timeout | undefined;
  let server: Server | undefined;
  let stopping = false;
  let slackWatch: NodeJS.Timeout | undefined;
  const starting = new AbortController();
  let listening = false;
  /**
   * Expiry and reconcile, on one replica at a time (the store's leadership: an advisory lock in PostgreSQL). When a
   * claim left by a dead process runs out before the next sweep, the sweep runs again right then.
   */
  let sweeping: Promise<void> | undefined;
  /** One sweep at a time; stop() waits for the one under way before it closes the store. */
  const runSweep = () => {
    sweeping ??= sweepOnce().finally(() => {
      sweeping = undefined;
    });
    return sweeping;
  };
  const sweepOnce = async () => {
    try {
      if (stopping || !(await store.lead())) return;
      await workflow.expireDue();
      await workflow.nudge();
      const next = await workflow.reconcile();
      if (next && !stopping) {
        clearTimeout(soon);
        soon = setTimeout(runSweep, Math.max(0, next.getTime() - Date.now()) + 50);
        soon.unref();
      }
    } catch (error) {
      logger.error('sweep failed', error);
    }
  };

  return {
    app,
    store,
    workflow,
    outbox,
    homeTabs,
    async idle() {
      do {
        await Promise.allSettled([...handling]);
        // A sweep under way may be about to start an apply in the background: wait for it first.
        await sweeping;
        await workflow.idle();
        await outbox.settle();
      } while (handling.size > 0);
    },
    health: botHealth,
    metrics: obs.metrics,
    async start() {
      await obs.start();
      await initSlack(app, botHealth, { log: (line) => logger.warn(line), signal: starting.signal });
      const started = (await app.start(options.host ? { port: config.port, host: options.host } : config.port)) as Server | undefined;
      listening = true;
      server = socketMode ? undefined : started;
      const address = socketReceiver ? { port: socketReceiver.port() } : server?.address();
      outbox.start();
      sweep = setInterval(runSweep, options.sweepMs ?? config.sweepMs);
      sweep.unref();
      void runSweep();
      anchor.start();
      slackWatch = watchSlack(app, botHealth, options.slackCheckMs);
      botHealth.phase = 'running';
      return typeof address === 'object' && address ? address.port : config.port;
    },
    async stop() {
      botHealth.phase = 'stopping';
      stopping = true;
      clearInterval(sweep);
      clearTimeout(soon);
      clearInterval(slackWatch);
      if (!listening) {
        // Stopped while start() still waited for Slack: nothing was taken in, nothing to finish.
        starting.abort();
        await store.close();
        await obs.stop();
        return;
      }
      // app.stop() waits for every open connection to end: a client that never finishes sending its request must
      // not hold the shutdown up. Past Bolt's 3 s ack window every request it received has been answered.
      const cut = setTimeout(() => server?.closeAllConnections(), 3_500);
      await app.stop();
      clearTimeout(cut);
      await sweeping;
      await workflow.idle();
      homeTabs.stop();
      await homeTabs.settle();
      anchor.stop();
      await anchor.idle();
      outbox.kick();
      await outbox.settle();
      await outbox.stop();
      await store.close();
      await obs.stop();
    },
  };
}
