/** The emulated workspace everyone starts from. */
import type { EmuChannel, EmuUser, SlackSeed } from './types.ts';

export const DEFAULT_BOT_TOKEN = 'xoxb-test-token';
export const DEFAULT_TEAM_ID = 'T0TEAM';
export const DEFAULT_BOT_USER_ID = 'U0BOT';
export const BOT_ID = 'B0BOT';
export const APP_ID = 'A0APP';
export const TEAM_DOMAIN = 'emulated';

export const DEFAULT_USERS: readonly EmuUser[] = [
  { id: 'U0ALICE', name: 'alice' },
  { id: 'U0BOB', name: 'bob' },
  { id: 'U0CAROL', name: 'carol' },
  { id: 'U0DAVE', name: 'dave', is_admin: true },
  { id: 'U0EVE', name: 'eve' },
  { id: 'U0OWEN', name: 'owen', is_owner: true },
];

export const DEFAULT_USERGROUPS: Readonly<Record<string, readonly string[]>> = {
  S0CHIMEOPS: ['U0ALICE', 'U0CAROL'],
  S0SECOPS: ['U0BOB', 'U0CAROL'],
};

export const DEFAULT_CHANNELS: readonly EmuChannel[] = [
  { id: 'C0OPS', name: 'chime-ops', botIsMember: true },
  { id: 'C0AUDIT', name: 'chime-audit', botIsMember: true },
  { id: 'C0APPROVALS', name: 'chime-approvals', botIsMember: true },
  { id: 'C0RANDOM', name: 'random', botIsMember: false },
];

export const DEFAULT_SEED: SlackSeed = {
  users: [...DEFAULT_USERS],
  usergroups: Object.fromEntries(Object.entries(DEFAULT_USERGROUPS).map(([id, members]) => [id, [...members]])),
  channels: [...DEFAULT_CHANNELS],
};

/** Fresh, mutable copies of a seed's parts (missing parts come from the default seed). */
export function seedState(seed: SlackSeed = DEFAULT_SEED): {
  users: Map<string, EmuUser>;
  usergroups: Map<string, string[]>;
  channels: Map<string, EmuChannel>;
} {
  const users = seed.users ?? DEFAULT_SEED.users ?? [];
  const groups = seed.usergroups ?? DEFAULT_SEED.usergroups ?? {};
  const channels = seed.channels ?? DEFAULT_SEED.channels ?? [];
  return {
    users: new Map(users.map((u) => [u.id, { ...u }])),
    usergroups: new Map(Object.entries(groups).map(([id, members]) => [id, [...members]])),
    channels: new Map(channels.map((c) => [c.id, { ...c }])),
  };
}
