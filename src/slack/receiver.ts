/**
 * Bolt's HTTP receiver with one check in front of it: a signed body whose shape Bolt can't handle — `payload=null`,
 * a number, a string, an array, or an envelope whose `user`, `view`, `actions`… are null or of the wrong type — gets
 * a 400 at once. Without it Bolt throws outside any handler on some of them (the request then stays open until the
 * client gives up) and times out after 3 s on others. The signature is still checked first, by Bolt's own function,
 * so an unsigned body gets the 401 it always got; everything else goes to Bolt unchanged (it reuses the body read
 * here).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse } from 'node:querystring';
import { HTTPModuleFunctions, HTTPReceiver, type HTTPReceiverOptions, isValidSlackRequest } from '@slack/bolt';

/** Envelope fields Bolt reads before any listener runs, and what each must be when present. */
const OBJECTS = ['user', 'view', 'container', 'event', 'message', 'state'] as const;
/** Lists of objects: Events API envelopes carry `authorizations` as a list (Slack truncates it to one). */
const LISTS = ['actions', 'authorizations'] as const;
const NULLABLE_OBJECTS = ['team', 'enterprise', 'channel'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why Bolt could not handle this parsed body, or undefined when it can. */
export function payloadProblem(body: unknown): string | undefined {
  if (!isObject(body))
    return `the body is ${body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`}, not an object`;
  if (body.type !== undefined && typeof body.type !== 'string') return '`type` is not a string';
  for (const key of OBJECTS) if (key in body && body[key] !== undefined && !isObject(body[key])) return `\`${key}\` is not an object`;
  for (const key of NULLABLE_OBJECTS)
    if (key in body && body[key] !== undefined && body[key] !== null && !isObject(body[key])) return `\`${key}\` is not an object`;
  for (const key of LISTS)
    if (key in body && body[key] !== undefined && !(Array.isArray(body[key]) && body[key].every(isObject)))
      return `\`${key}\` is not a list of objects`;
  if (isObject(body.view) && 'state' in body.view && body.view.state !== undefined && !isObject(body.view.state))
    return '`view.state` is not an object';
  return undefined;
}

type Buffered = IncomingMessage & { rawBody: Buffer };

export function createReceiver(options: HTTPReceiverOptions & { signingSecret: string }): HTTPReceiver {
  const receiver = new HTTPReceiver(options);
  const endpoints = new Set(options.endpoints ? [options.endpoints].flat() : ['/slack/events']);
  const bolt = receiver.requestListener;
  receiver.requestListener = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method !== 'POST' || !endpoints.has(path)) return bolt(req, res);
    void screen(req, res).then(
      (pass) => pass && bolt(req, res),
      (error) => {
        // Too large or cut short: the answer Bolt gives to those.
        if (!res.headersSent) res.writeHead(HTTPModuleFunctions.isRawBodyError(error) ? error.statusCode : 400, { connection: 'close' });
        res.end();
      },
    );
  };
  return receiver;

  /** True when Bolt should handle the request; otherwise it has been answered here. */
  async function screen(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const buffered = (await HTTPModuleFunctions.bufferIncomingMessage(
      req,
      options.bodyLimit ?? HTTPModuleFunctions.defaultBodyLimit,
    )) as Buffered;
    // Slack's ssl_check is Bolt's to answer (it ignores anything smuggled with it).
    if (
      String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded') &&
      parse(buffered.rawBody.toString()).ssl_check === '1'
    )
      return true;
    let body: unknown;
    try {
      body = HTTPModuleFunctions.parseHTTPRequestBody(buffered);
    } catch {
      return true; // not JSON: Bolt answers 400 itself
    }
    const problem = payloadProblem(body);
    if (!problem) return true;
    const signed = isValidSlackRequest({
      signingSecret: options.signingSecret,
      body: buffered.rawBody.toString(),
      headers: {
        'x-slack-signature': String(req.headers['x-slack-signature'] ?? ''),
        'x-slack-request-timestamp': Number(req.headers['x-slack-request-timestamp']),
      },
    });
    res.writeHead(signed ? 400 : 401);
    res.end();
    if (signed) options.logger?.warn(`refused a signed request Bolt can't handle: ${problem}`);
    return false;
  }
}
