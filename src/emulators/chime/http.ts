/** Small HTTP helpers shared by the Chime routes and the control routes. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody as readBodyUpTo } from '../body.ts';

const MAX_BODY_BYTES = 1024 * 1024;

export { jsonOrText } from '../body.ts';

export const readBody = (req: IncomingMessage): Promise<string> => readBodyUpTo(req, MAX_BODY_BYTES);

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  requestId: string,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
    ...headers,
  });
  res.end(text);
}
