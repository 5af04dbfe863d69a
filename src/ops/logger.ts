/**
 * The bot's logs: pino, one JSON object per line on stdout (LOG_FORMAT=json), or pino-pretty's lines for a person at
 * a terminal (LOG_FORMAT=pretty). Every line written while one Slack request is handled carries its request id
 * (`req`) and the team and user behind it (inRequest, started for each request by ops/observe.ts), so one request can
 * be followed through its Slack calls, its Chime calls (with their AWS request ids) and what the workflow said.
 *
 * Secrets never reach a line. pino's `redact` blanks fields that hold them (tokens, the signing secret, response
 * URLs, Authorization headers, passwords); and since Bolt and the Web API client write raw text at debug (bodies,
 * headers, errors), every finished line is also scrubbed of the bot's own secret values (the tokens, the signing
 * secret, the database password — in plain, JSON-escaped and URL-encoded form), of anything shaped like a Slack
 * token, of response URLs and …token values in logged JSON, and of the Socket Mode connection's ticket.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { format } from 'node:util';
import type { Logger as BoltLogger, LogLevel } from '@slack/bolt';
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** What every line written while one Slack request is handled carries. */
export interface RequestFields {
  /** A random id for this one incoming request (command, interaction, options load or event). */
  req: string;
  kind?: string;
  team?: string;
  user?: string;
}

const requests = new AsyncLocalStorage<RequestFields>();

/** Runs `fn` as the handling of one Slack request: every log line written inside it (and in work it starts) has `req`. */
export function inRequest<T>(fields: Omit<RequestFields, 'req'>, fn: () => T): T {
  return requests.run({ req: randomBytes(6).toString('hex'), ...fields }, fn);
}

/**
 * Fields that hold secrets, at the top of a line and in the objects a line may carry. Named paths only: pino's
 * wildcard paths (`*.token`) cost about 130 µs a line here against 6 µs for these; the line scrubber below catches
 * a secret in any other place.
 */
const SECRET_FIELDS = ['token', 'botToken', 'appToken', 'signingSecret', 'response_url', 'responseUrl', 'authorization', 'Authorization'];
const REDACT = ['', 'headers.', 'body.', 'payload.', 'config.', 'err.']
  .flatMap((at) => SECRET_FIELDS.map((key) => `${at}${key}`))
  .concat(['password', 'err.password', 'databaseUrl', 'DATABASE_URL']);

/** Text that is a secret wherever it appears, whatever the bot's own values are. */
const SECRET_SHAPES: RegExp[] = [/\bxox[a-z]-[A-Za-z0-9-]+/g, /\bxapp-[A-Za-z0-9-]+/g, /https:\/\/hooks\.slack(?:-gov)?\.com\/[^\s"'\\]+/g];
/**
 * Secret values by their place: a response_url or any …token in JSON, also when that JSON is itself inside a JSON
 * string (\"response_url\":\"…\" — the Socket Mode client logs each envelope at debug, with the command's response
 * URL and verification token), and the one-time ticket in the Socket Mode WebSocket URL.
 */
const SECRET_PLACES: RegExp[] = [/((?:response_url|token)\\*"\s*:\s*\\*")[^"\\]+/g, /([?&]ticket=)[^&\s"'\\]+/g];
const REDACTED = '[redacted]';

/** A function that removes every secret from a finished log line. `secrets` are the bot's own values (short ones ignored). */
export function scrubber(secrets: readonly (string | undefined)[]): (line: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < 6) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
    forms.add(encodeURIComponent(secret));
  }
  const escaped = [...forms].sort((a, b) => b.length - a.length).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const literal = escaped.length > 0 ? new RegExp(escaped.join('|'), 'g') : undefined;
  return (line) => {
    let out = literal ? line.replace(literal, REDACTED) : line;
    for (const shape of SECRET_SHAPES) out = out.replace(shape, REDACTED);
    for (const place of SECRET_PLACES) out = out.replace(place, `$1${REDACTED}`);
    return out;
  };
}

/** The password in a DATABASE_URL (postgres://user:password@…), decoded; undefined for SQLite or none. */
export function databasePassword(url: string | undefined): string | undefined {
  if (!url || !/^postgres(ql)?:/.test(url)) return undefined;
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

export interface LoggerOptions {
  level: 'debug' | 'info' | 'warn' | 'error';
  format: 'json' | 'pretty';
  /** The bot's own secret values: never written, in any field or message. */
  secrets: readonly (string | undefined)[];
  /** Where lines go; default stdout (synchronously, so nothing is lost when the process exits). */
  destination?: NodeJS.WritableStream;
}

export async function createLogger(o: LoggerOptions): Promise<Logger> {
  const scrub = scrubber(o.secrets);
  let out: { write(line: string): unknown } = o.destination ?? pino.destination({ fd: 1, sync: true });
  if (o.format === 'pretty') {
    // Loaded only when asked for: production's JSON needs none of it. In this thread, not a worker: nothing is lost at exit.
    const { default: pretty } = await import('pino-pretty');
    out = pretty({ sync: true, destination: o.destination ?? 1 });
  }
  const stream: DestinationStream = { write: (line: string) => void out.write(scrub(line)) };
  return pino(
    {
      level: o.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => ({ ...requests.getStore() }),
      redact: { paths: REDACT, censor: REDACTED },
    },
    stream,
  );
}

/**
 * Bolt's Logger on top of pino (Bolt, its receivers and the Web API client all log through it). Bolt calls with any
 * arguments: strings and values become the message (as console.log would print them), an Error goes in `err`.
 */
export function boltLogger(base: Logger): BoltLogger {
  let log = base;
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]): void => {
      if (!log.isLevelEnabled(level)) return;
      const err = args.find((a) => a instanceof Error);
      const rest = err ? args.filter((a) => a !== err) : args;
      const msg = rest.length > 0 ? format(...rest) : (err as Error | undefined)?.message;
      if (err) log[level]({ err }, msg);
      else log[level](msg);
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel(level: LogLevel) {
      base.level = level;
      log.level = level;
    },
    getLevel: () => log.level as LogLevel,
    setName(name: string) {
      log = base.child({ name });
    },
  };
}
