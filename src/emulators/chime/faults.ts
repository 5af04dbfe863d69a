/** Injected faults: which requests they hit, and how many times. */

import { z } from 'zod';
import { FaultList } from '../faults.ts';
import type { ChimeErrorName } from './errors.ts';
import { CHIME_ERROR_NAMES } from './errors.ts';

export type ChimeOperation = 'GetAccount' | 'UpdateAccount' | 'ListAccounts';

export interface ChimeFault {
  /** Only this operation; default: any. */
  operation?: ChimeOperation;
  /** Only requests for this AccountId (never ListAccounts); default: any. */
  accountId?: string;
  /** Delay before answering. */
  latencyMs?: number;
  /** Never answer (until the client or the emulator closes the socket). */
  hang?: boolean;
  /** Answer with this error instead. */
  error?: ChimeErrorName;
  /** Error message override. */
  message?: string;
  /** Adds a Retry-After header to the error. */
  retryAfterSeconds?: number;
  /** How many matching requests it affects; default unlimited. */
  times?: number;
}

export const faultSchema = z.strictObject({
  operation: z.enum(['GetAccount', 'UpdateAccount', 'ListAccounts']).optional(),
  accountId: z.string().min(1).optional(),
  latencyMs: z.number().int().nonnegative().optional(),
  hang: z.boolean().optional(),
  error: z.enum(CHIME_ERROR_NAMES as [ChimeErrorName, ...ChimeErrorName[]]).optional(),
  message: z.string().optional(),
  retryAfterSeconds: z.number().int().nonnegative().optional(),
  times: z.number().int().nonnegative().optional(),
}) satisfies z.ZodType<ChimeFault>;

/** The Chime emulator's faults: the shared list, validated as they are added, matched by operation and account. */
export class ChimeFaults extends FaultList<ChimeFault> {
  constructor() {
    super((fault) => faultSchema.parse(fault));
  }

  /** The first live fault for this request, with one use counted. */
  takeFor(operation: ChimeOperation, accountId: string | undefined): ChimeFault | undefined {
    return this.take(
      (f) => (f.operation === undefined || f.operation === operation) && (f.accountId === undefined || f.accountId === accountId),
    );
  }
}
