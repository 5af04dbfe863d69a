/**
 * The page's JSON endpoints. Each one is a person acting in Slack, passed to the Slack emulator's simulated client
 * (src/emulators/slack/client.ts), which signs the payload Slack would send and posts it to the bot's /slack/events —
 * or a change made to the Chime emulator in-process, behind the bot's back. Nothing here decides anything the bot
 * decides.
 */
import { z } from 'zod';
import type { Emulated } from '../cli/emulated.ts';
import type { ChimeFault } from '../emulators/chime/server.ts';
import { SlackRefusal, type SlackResponse } from '../emulators/slack/client.ts';
import { PEOPLE } from './cast.ts';

const person = z.enum(PEOPLE.map((p) => p.id) as [string, ...string[]]);
const id = z.string().min(1).max(255);

const schemas = {
  command: z.strictObject({ user: person, channel: id, text: z.string().max(4000) }),
  click: z.strictObject({
    user: person,
    actionId: id,
    blockId: id.optional(),
    where: z.union([
      z.strictObject({ message: z.strictObject({ channel: id, ts: id }) }),
      z.strictObject({ ephemeral: z.strictObject({ ts: id }) }),
      z.strictObject({ view: id }),
      z.strictObject({ home: z.literal(true) }),
    ]),
  }),
  select: z.strictObject({ user: person, viewId: id, blockId: id, actionId: id, value: z.string().max(2000) }),
  suggest: z.strictObject({ user: person, viewId: id, blockId: id, actionId: id, query: z.string().max(200) }),
  submit: z.strictObject({ user: person, viewId: id, values: z.record(z.string(), z.record(z.string(), z.string().max(4000))) }),
  close: z.strictObject({ user: person, viewId: id }),
  home: z.strictObject({ user: person }),
  account: z.strictObject({
    id,
    name: z.string().max(1000).optional(),
    license: z.enum(['Basic', 'Plus', 'Pro', 'ProTrial']).optional(),
    status: z.enum(['Active', 'Suspended']).optional(),
  }),
  fault: z.strictObject({ kind: z.enum(['throttle', 'forbidden', 'slow', 'clear']) }),
};

/** The faults the side panel's buttons inject, so every error path can be seen. */
const FAULTS: Record<'throttle' | 'forbidden' | 'slow', ChimeFault> = {
  throttle: { error: 'ThrottledClient' },
  forbidden: { error: 'Forbidden' },
  // Longer than Slack's 3 s for an answer, shorter than the bot's 5 s Chime timeout: the form's loading view shows.
  slow: { operation: 'GetAccount', latencyMs: 3500 },
};

export type Reply = { status: number; body: unknown };

/** A step the sandbox refuses on purpose (a message gone, an account unknown): the page shows its words. */
class Refusal extends Error {
  override name = 'Refusal';
}

/** What the page is told about a request the simulated client sent to the bot. */
function sent(res: SlackResponse & { blocked?: Record<string, string> }): Reply {
  return { status: 200, body: { status: res.status, timedOut: res.timedOut === true, blocked: res.blocked ?? {} } };
}

export class Actions {
  readonly #world: Emulated;

  constructor(world: Emulated) {
    this.#world = world;
  }

  has(name: string): name is keyof typeof schemas {
    return Object.hasOwn(schemas, name);
  }

  /**
   * Runs one endpoint; a body that doesn't parse is a 400, a step refused on purpose here or by Slack's client (a
   * closed view…) a 409 with its words. Anything else is a bug: logged here, a 500 with no details to the page.
   */
  async run(name: keyof typeof schemas, body: unknown): Promise<Reply> {
    const parsed = schemas[name].safeParse(body);
    if (!parsed.success) return { status: 400, body: { error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) } };
    try {
      return await this.#handlers[name](parsed.data as never);
    } catch (error) {
      if (error instanceof Refusal || error instanceof SlackRefusal) return { status: 409, body: { error: error.message } };
      console.error(`sandbox: /api/${name} failed:`, error);
      return { status: 500, body: { error: 'The sandbox failed to do that; its terminal shows why.' } };
    }
  }

  readonly #handlers: { [K in keyof typeof schemas]: (b: z.infer<(typeof schemas)[K]>) => Promise<Reply> } = {
    command: async (b) => sent(await this.#world.user.command(b.user, b.text, { channelId: b.channel })),
    click: async (b) => {
      const { user, slack } = this.#world;
      // The button's value is the one the message or view holds, as Slack sends it: the page can't choose it.
      const target = { actionId: b.actionId, blockId: b.blockId };
      const w = b.where;
      if ('home' in w) return sent(await user.clickHome(b.user, target));
      if ('view' in w) return sent(await user.clickButton(b.user, { ...target, viewId: w.view }));
      if ('message' in w) {
        const message = slack.messages.find((m) => m.channel === w.message.channel && m.ts === w.message.ts);
        if (!message) throw new Refusal('That message is gone.');
        return sent(await user.clickButton(b.user, { ...target, message }));
      }
      const ephemeral = slack.ephemerals.find((e) => e.ts === w.ephemeral.ts && e.user === b.user);
      if (!ephemeral) throw new Refusal('That message was only visible to someone else.');
      return sent(await user.clickButton(b.user, { ...target, ephemeral }));
    },
    select: async (b) => sent(await this.#world.user.selectOption(b.user, b.viewId, b.actionId, b.blockId, b.value)),
    suggest: async (b) => {
      const res = await this.#world.user.suggest(b.user, b.viewId, b.actionId, b.blockId, b.query);
      return { status: 200, body: { status: res.status, timedOut: res.timedOut === true, options: res.options ?? [] } };
    },
    submit: async (b) => sent(await this.#world.user.submitView(b.user, b.viewId, b.values)),
    close: async (b) => sent(await this.#world.user.closeView(b.user, b.viewId)),
    home: async (b) => sent(await this.#world.user.openHome(b.user)),
    // The Chime emulator is in this process: its accounts and faults are changed directly, and the page is sent its
    // state (faults included, as they are used up) with the next push.
    account: async (b) => {
      const { accounts } = this.#world.chime;
      const current = accounts.get(b.id);
      if (!current) throw new Refusal(`No Chime account ${b.id}.`);
      const account = {
        ...current,
        ...(b.name !== undefined ? { Name: b.name } : {}),
        ...(b.license ? { DefaultLicense: b.license } : {}),
        ...(b.status ? { AccountStatus: b.status } : {}),
      };
      accounts.set(b.id, account);
      return { status: 200, body: account };
    },
    fault: async (b) => {
      const { chime } = this.#world;
      if (b.kind === 'clear') chime.clearFaults();
      else chime.addFault(FAULTS[b.kind]);
      return { status: 200, body: { ok: true, faults: chime.faults() } };
    },
  };
}
