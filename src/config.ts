/**
 * Settings from the environment and the policy file, validated. A problem stops the bot with one line per problem
 * naming the variable or key — never a secret's value.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseDuration } from './domain/duration.ts';
import { describePolicyErrors, type Policy, policySchema } from './domain/policy.ts';
import { DATABASE_URL_FORMS, DEFAULT_DATABASE_URL, databaseKind } from './store/open.ts';

const channelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/, { error: 'must be a channel ID such as C0123ABCD' });

const NOT_A_METRICS_PORT = { error: 'must be a port number (0–65535), or unset to serve /metrics on PORT' };

const envSchema = z.object({
  SLACK_BOT_TOKEN: z
    .string({ error: 'is required (the xoxb- bot token)' })
    .startsWith('xoxb-', { error: 'must be a bot token starting with xoxb-' }),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z.string().startsWith('xapp-', { error: 'must be an app-level token starting with xapp-' }).optional(),
  SLACK_API_URL: z.url({ error: 'must be a URL' }).optional(),
  SLACK_TEAM_IDS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[TE][A-Z0-9]{2,}$/, { error: 'must list team (T…) or enterprise (E…) IDs, comma-separated' })))
    .optional(),
  PORT: z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65535).default(3000),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  CHIME_TIMEOUT_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(100).max(60_000).default(5_000),
  // The SDK reads AWS_MAX_ATTEMPTS itself; the bot reads it too, to know how long a change's calls can take.
  AWS_MAX_ATTEMPTS: z.coerce.number({ error: 'must be a whole number of attempts' }).int().min(1).max(10).default(3),
  SWEEP_INTERVAL_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(100).max(3_600_000).default(30_000),
  OUTBOX_LEASE_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(1_000).max(3_600_000).default(90_000),
  APPLY_LEASE_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(1_000).max(3_600_000).optional(),
  POLICY_FILE: z.string().min(1).default('./policy.yml'),
  DATABASE_URL: z
    .string()
    .refine((url) => databaseKind(url) !== undefined, { error: `must be ${DATABASE_URL_FORMS}` })
    .default(DEFAULT_DATABASE_URL),
  AUDIT_CHANNEL_ID: channelId.optional(),
  AUDIT_ANCHOR_INTERVAL: z
    .string()
    .default('1h')
    .transform((text, ctx) => {
      if (text.trim() === 'off') return 0;
      const ms = parseDuration(text);
      if (ms === undefined || ms < 60_000) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration of at least a minute such as "15m" or "1h", or "off"' });
        return z.NEVER;
      }
      return ms;
    }),
  APPROVAL_CHANNEL_ID: channelId.optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty'], { error: 'must be json or pretty' }).default('json'),
  // Unset or equal to PORT: /metrics is served on PORT; otherwise on a server of its own on this port.
  METRICS_PORT: z.coerce
    .number(NOT_A_METRICS_PORT)
    .int(NOT_A_METRICS_PORT)
    .min(0, NOT_A_METRICS_PORT)
    .max(65535, NOT_A_METRICS_PORT)
    .optional(),
});

type Env = z.output<typeof envSchema>;

export interface Config {
  slack: {
    botToken: string;
    signingSecret?: string;
    appToken?: string;
    apiUrl?: string;
    teamIds?: string[];
    auditChannelId?: string;
    approvalChannelId?: string;
  };
  port: number;
  /** Where GET /metrics is served when not on `port` (METRICS_PORT set to another port); undefined: on `port`. */
  metricsPort?: number;
  aws: { region: string; timeoutMs: number; maxAttempts: number };
  /** How long a replica's claim on an applying request lasts: longer than its calls to Chime can take to land. */
  applyLeaseMs: number;
  /** How long a replica's claim on outbox posts lasts; a dead replica's posts wait this long for another. */
  outboxLeaseMs: number;
  /** How often the leader expires pending requests and settles interrupted ones. */
  sweepMs: number;
  /** How often the audit chain's head is posted to the audit channel (and after each applied change); 0: only then. */
  auditAnchorIntervalMs: number;
  /** DATABASE_URL: `sqlite:<path>` or `postgres://…` (holds the password: never log it). Open it with openStore. */
  databaseUrl: string;
  /** The SQLite file when databaseUrl is sqlite:, else ''. Kept until app.ts opens databaseUrl with openStore. */
  databasePath: string;
  policyFile: string;
  policy: Policy;
  logLevel: Env['LOG_LEVEL'];
  /** json: one JSON object per line (production); pretty: pino-pretty's lines for a person at a terminal. */
  logFormat: Env['LOG_FORMAT'];
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/** Treats empty variables as unset, as people leave `FOO=` in .env files. */
function present(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
}

export function loadConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const vars = present(env);
  const parsed = envSchema.safeParse(vars);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`);
  if (!vars.SLACK_APP_TOKEN && !vars.SLACK_SIGNING_SECRET)
    problems.push('SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
  if (parsed.success && parsed.data.APPLY_LEASE_MS !== undefined) {
    const least = parsed.data.CHIME_TIMEOUT_MS * parsed.data.AWS_MAX_ATTEMPTS;
    if (parsed.data.APPLY_LEASE_MS < least)
      problems.push(
        `APPLY_LEASE_MS must be at least CHIME_TIMEOUT_MS × AWS_MAX_ATTEMPTS (${least} ms): a shorter claim could be taken over while its UpdateAccount can still land`,
      );
  }
  if (!parsed.success || problems.length > 0) return { ok: false, problems };
  const e = parsed.data;
  const policy = loadPolicy(e.POLICY_FILE);
  if (!policy.ok) return { ok: false, problems: policy.problems };
  return {
    ok: true,
    config: {
      slack: {
        botToken: e.SLACK_BOT_TOKEN,
        signingSecret: e.SLACK_SIGNING_SECRET,
        appToken: e.SLACK_APP_TOKEN,
        apiUrl: e.SLACK_API_URL,
        teamIds: e.SLACK_TEAM_IDS,
        auditChannelId: e.AUDIT_CHANNEL_ID,
        approvalChannelId: e.APPROVAL_CHANNEL_ID,
      },
      port: e.PORT,
      metricsPort: e.METRICS_PORT === undefined || e.METRICS_PORT === e.PORT ? undefined : e.METRICS_PORT,
      aws: { region: e.AWS_REGION, timeoutMs: e.CHIME_TIMEOUT_MS, maxAttempts: e.AWS_MAX_ATTEMPTS },
      outboxLeaseMs: e.OUTBOX_LEASE_MS,
      sweepMs: e.SWEEP_INTERVAL_MS,
      auditAnchorIntervalMs: e.AUDIT_ANCHOR_INTERVAL,
      applyLeaseMs: e.APPLY_LEASE_MS ?? longestApplyMs(e.CHIME_TIMEOUT_MS, e.AWS_MAX_ATTEMPTS),
      databaseUrl: e.DATABASE_URL,
      databasePath: sqlitePath(e.DATABASE_URL),
      policyFile: e.POLICY_FILE,
      policy: policy.policy,
      logLevel: e.LOG_LEVEL,
      logFormat: e.LOG_FORMAT,
    },
  };
}

function sqlitePath(url: string): string {
  const target = databaseKind(url);
  return target?.kind === 'sqlite' ? target.path : '';
}

export function loadPolicy(file: string): { ok: true; policy: Policy } | { ok: false; problems: string[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, problems: [`POLICY_FILE ${file} cannot be read (${code ?? 'error'}); copy policy.example.yml to start`] };
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    return { ok: false, problems: [`POLICY_FILE ${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`] };
  }
  const parsed = policySchema.safeParse(data ?? {});
  if (!parsed.success) return { ok: false, problems: describePolicyErrors(parsed.error).map((p) => `policy ${file}: ${p}`) };
  return { ok: true, policy: parsed.data };
}

/**
 * The longest a change's calls to Chime can take to land: every attempt's connection and request timeouts, the
 * SDK's backoff between attempts (capped at 20 s), and a 10 s margin for a service that commits after answering.
 */
export function longestApplyMs(timeoutMs: number, attempts: number): number {
  return attempts * (timeoutMs + Math.min(timeoutMs, 3_000)) + (attempts - 1) * 20_000 + 10_000;
}
