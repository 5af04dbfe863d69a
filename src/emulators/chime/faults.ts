/** Injected faults: which requests they hit, and how many times. */
import { z } from 'zod';
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

/** Faults in the order they were added; the first live match handles a request. */
export class FaultList {
  #faults: ChimeFault[] = [];

  add(fault: ChimeFault): void {
    this.#faults.push(faultSchema.parse(fault));
  }

  clear(): void {
    this.#faults = [];
  }

  list(): ChimeFault[] {
    return this.#faults.map((f) => ({ ...f }));
  }

  /** Finds the first fault matching the request, counts one use of it, and returns it. */
  take(operation: ChimeOperation, accountId: string | undefined): ChimeFault | undefined {
    const index = this.#faults.findIndex(
      (f) =>
        (f.times === undefined || f.times > 0) &&
        (f.operation === undefined || f.operation === operation) &&
        (f.accountId === undefined || f.accountId === accountId),
    );
    const fault = this.#faults[index];
    if (!fault) return undefined;
    if (fault.times !== undefined) {
      fault.times -= 1;
      if (fault.times === 0) this.#faults.splice(index, 1);
    }
    return fault;
  }
}
