/** Parses the text after `/chime-account`. Pure; the subcommand is case-insensitive, IDs are kept as typed. */
import { clip } from './views/text.ts';

export type Subcommand =
  | { kind: 'update'; accountId?: string }
  | { kind: 'show'; accountId: string }
  | { kind: 'list'; prefix?: string }
  | { kind: 'history'; accountId?: string }
  | { kind: 'help'; problem?: string };

/** Chime account IDs are UUIDs; this accepts any plain ID-like token and nothing that could carry markup. */
export const ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

export function parseCommand(text: string): Subcommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { kind: 'update' };
  const [first, ...rest] = words;
  const verb = first!.toLowerCase();
  const id = (word: string | undefined, required: boolean): { accountId?: string; problem?: string } => {
    if (word === undefined) return required ? { problem: 'Give an account ID.' } : {};
    if (!ACCOUNT_ID.test(word)) return { problem: 'That isn’t an account ID. Find IDs with `/chime-account list`.' };
    return { accountId: word };
  };
  const tooMany = rest.length > 1 ? { problem: 'Too many words.' } : undefined;
  switch (verb) {
    case 'update':
    case 'show':
    case 'history': {
      const parsed = id(rest[0], verb === 'show');
      const problem = tooMany?.problem ?? parsed.problem;
      if (problem) return { kind: 'help', problem };
      if (verb === 'show') return { kind: 'show', accountId: parsed.accountId! };
      return { kind: verb, accountId: parsed.accountId };
    }
    case 'list':
      return { kind: 'list', prefix: rest.length ? text.trim().slice(first!.length).trim().slice(0, 100) : undefined };
    case 'help':
      return { kind: 'help' };
    default:
      if (words.length === 1 && ACCOUNT_ID.test(first!) && /\d|-/.test(first!)) return { kind: 'update', accountId: first };
      // Echo only the start of what was typed: the text can be as long as the request body.
      return { kind: 'help', problem: `I don’t know “${clip(first!, 40)}”.` };
  }
}

export const USAGE = [
  '*`/chime-account`* — change an Amazon Chime account’s name or default license:',
  '• `/chime-account` — pick an account, then change it',
  '• `/chime-account update <account-id>` (or just `<account-id>`) — change that account',
  '• `/chime-account show <account-id>` — every field of the account',
  '• `/chime-account list [name-prefix]` — accounts, with an Update button each',
  '• `/chime-account history [account-id]` — the last 10 audit entries',
  '• `/chime-account help` — this message',
].join('\n');
