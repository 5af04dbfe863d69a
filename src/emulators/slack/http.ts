/** Reading Web API requests the way Slack accepts them, and writing answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody as readBodyUpTo } from '../body.ts';
import type { JsonObject } from './types.ts';
import { isObj } from './util.ts';

const MAX_BODY_BYTES = 5 * 1024 * 1024;
/** Arguments that carry JSON inside a form field. */
const JSON_FIELDS = ['view', 'blocks', 'attachments', 'metadata'];

export const readBody = (req: IncomingMessage): Promise<string> => readBodyUpTo(req, MAX_BODY_BYTES);

/** Arguments from the query string and a form-encoded or JSON body; JSON form fields are parsed. */
export function parseArgs(contentType: string | undefined, raw: string, query: URLSearchParams): { args: JsonObject; error?: string } {
  const args: JsonObject = Object.fromEntries(query);
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (raw !== '') {
    if (type === 'application/json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        return { args, error: 'invalid_json' };
      }
      if (!isObj(parsed)) return { args, error: 'invalid_json' };
      Object.assign(args, parsed);
    } else if (type === 'application/x-www-form-urlencoded' || type === '') {
      Object.assign(args, Object.fromEntries(new URLSearchParams(raw)));
    } else {
      return { args, error: 'invalid_form_data' };
    }
  }
  for (const field of JSON_FIELDS) {
    const value = args[field];
    if (typeof value !== 'string') continue;
    try {
      args[field] = JSON.parse(value) as unknown;
    } catch {
      // left as a string: the method answers invalid_arguments / invalid_blocks_format
    }
  }
  return { args };
}

/** The token of `Authorization: Bearer …`, if any. */
export function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.headersSent) return;
  const isText = typeof body === 'string';
  const text = isText ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': isText ? 'text/html' : 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}
