/** Request-body helpers both emulators use. */
import type { IncomingMessage } from 'node:http';

/** The whole request body as text; bytes past `maxBytes` are dropped (which leaves the body invalid, as intended). */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= maxBytes) chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parsed JSON, or the raw text when it is not JSON (undefined when blank). */
export function jsonOrText(raw: string): unknown {
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}
