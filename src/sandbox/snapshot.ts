/**
 * What the page shows, read from the emulators' state: the workspace, the messages and ephemerals, each person's
 * open modal and Home tab, and the Chime emulator's accounts, faults and latest calls. Sent whole on every change.
 */
import type { Emulated } from '../cli/emulated.ts';
import type { EmuView } from '../emulators/slack/server.ts';
import { GROUPS, PEOPLE } from './cast.ts';

const RECENT_CALLS = 12;

export function snapshot(world: Emulated) {
  const { slack, chime } = world;
  const byPerson = <T>(pick: (id: string) => T) => Object.fromEntries(PEOPLE.map((p) => [p.id, pick(p.id)]));
  return {
    workspace: { team: slack.teamId, botUserId: slack.botUserId, botName: 'chime-account' },
    people: PEOPLE.map((p) => ({ ...p, name: slack.users.get(p.id)?.name ?? p.id })),
    users: [...slack.users.values()].map((u) => ({ id: u.id, name: u.name })),
    groups: GROUPS,
    channels: [...slack.channels.values()].filter((c) => c.botIsMember),
    messages: slack.messages.filter((m) => !m.deleted),
    ephemerals: slack.ephemerals,
    modals: byPerson((id) => {
      const top = slack.topView(id);
      return top && !top.closed ? modal(top) : null;
    }),
    home: byPerson((id) => {
      const home = slack.homeViews.get(id);
      return home ? { id: home.id, hash: home.hash, blocks: home.view.blocks } : null;
    }),
    chime: {
      accounts: [...chime.accounts.values()],
      faults: chime.faults(),
      calls: chime.calls.slice(-RECENT_CALLS).map((c) => ({ operation: c.operation, accountId: c.accountId, status: c.status, at: c.at })),
    },
  };
}

function modal(v: EmuView) {
  const { title, submit, close, blocks, state, callback_id } = v.view;
  return {
    id: v.id,
    hash: v.hash,
    depth: v.stack.length,
    view: { title, submit, close, blocks, state, callback_id },
    errors: v.errors ?? {},
    ackErrors: v.ackErrors ?? [],
  };
}

/**
 * Changes a poll can see without copying the state: every Web API and Chime call is counted when it arrives and
 * again when it is answered (the emulators record the answer after the state changed), and views opened or closed
 * and messages posted are counted too, for changes made to the emulator directly, and so are the live faults. The
 * sandbox's own steps (view acks, Chime changes) bump `local`.
 */
export function signature(world: Emulated, local: number): string {
  const answered = (calls: { status: number }[]) => calls.reduce((n, c) => n + (c.status === 0 ? 0 : 1), 0);
  const { slack, chime } = world;
  const closed = [...slack.views.values()].reduce((n, v) => n + (v.closed ? 1 : 0), 0);
  return [
    slack.calls.length,
    answered(slack.calls),
    chime.calls.length,
    answered(chime.calls),
    slack.views.size,
    closed,
    slack.messages.length,
    slack.ephemerals.length,
    chime.faults().length,
    local,
  ].join('.');
}
