import type { Account } from '@aws-sdk/client-chime';
import type { ChimeFault } from './faults.ts';

/** One request the emulator received (control routes excluded). */
export interface ChimeCall {
  /** GetAccount | UpdateAccount | ListAccounts, or 'Unknown' for an unrouted request. */
  operation: string;
  accountId?: string;
  query?: Record<string, string>;
  /** Parsed JSON body, or the raw text when it was not JSON. */
  body?: unknown;
  /** HTTP status answered; 0 while the request is pending (latency) or hanging. */
  status: number;
  requestId: string;
  /** Date.now() when the request arrived. */
  at: number;
  /** Date.now() when it was answered (unset while pending or hanging): the call's own time is answeredAt − at. */
  answeredAt?: number;
}

/** Who made one Chime call, as CloudTrail records it (GET /_emulator/trail). */
export interface TrailEntry {
  at: string;
  operation: string;
  accountId?: string;
  /** AssumedRole: credentials the STS emulator issued; Base: any other credentials. */
  identityType: 'AssumedRole' | 'Base';
  accessKeyId: string;
  /** The AWS account the call acted in (the role's; for Base, the emulator's baseAwsAccountId if set). */
  awsAccountId?: string;
  roleArn?: string;
  sessionName?: string;
  sourceIdentity?: string;
  tags?: Record<string, string>;
  status: number;
}

export interface ChimeEmulator {
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  /** Live state; tests read and write it. */
  accounts: Map<string, Account>;
  /** AccountId → users' e-mail addresses, for ListAccounts' `user-email` filter. */
  members: Map<string, string[]>;
  /** Every Chime request received, in order. */
  calls: ChimeCall[];
  /** Who made each Chime call, in order (CloudTrail's view). */
  trail: TrailEntry[];
  addFault(f: ChimeFault): void;
  clearFaults(): void;
  /** The faults still live, in order (copies: one with `times` counts down as requests use it, then is gone). */
  faults(): ChimeFault[];
  /** Reseed accounts, clear calls and faults. */
  reset(): void;
  /** Stops listening and destroys open sockets (hanging requests included). */
  close(): Promise<void>;
}
