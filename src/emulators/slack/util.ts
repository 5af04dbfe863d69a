/** Tiny helpers for untrusted JSON and Slack-looking ids. */
import { randomBytes } from 'node:crypto';
import type { JsonObject } from './types.ts';

export function isObj(x: unknown): x is JsonObject {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function str(x: unknown): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

/** Form fields arrive as strings: 'true' / '1' count as true. */
export function bool(x: unknown): boolean {
  return x === true || x === 'true' || x === '1' || x === 1;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random id like Slack's generated block_ids ('XTkTR'). */
export function randomId(length = 5, alphabet = ALNUM): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** Slack's validation message format, as in response_metadata.messages. */
export function problem(message: string, pointer: string): string {
  return `[ERROR] ${message} [json-pointer:${pointer}]`;
}
