/**
 * The logs as production writes them: the bot built (`scripts/build.mjs`, pino left out of the bundle) and run as a
 * real process (`node dist/main.js`) on a real PostgreSQL at LOG_LEVEL=debug, driven through a whole approval by
 * Slack-signed requests. Every stdout line is one JSON object; the lines of one Slack request share its request id,
 * the Chime call's line among them with the AWS request id the Chime emulator answered; and no secret — the bot
 * token, the signing secret, the AWS secret key, a response_url, the database password — is anywhere in the output.
 * Then the logger itself: redaction of fields and of text, the app token, LOG_FORMAT=pretty, Bolt's Logger calls.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { SAMPLE } from '../../src/emulators/chime/seed.ts';
import { type ChimeEmulator, startChimeEmulator } from '../../src/emulators/chime/server.ts';
import type { SlackUserClient } from '../../src/emulators/slack/client.ts';
import { DEFAULT_APP_TOKEN, type SlackEmulator, startSlackEmulator } from '../../src/emulators/slack/server.ts';
import { boltLogger, createLogger, databasePassword, inRequest } from '../../src/ops/logger.ts';
import { type Driver, modalOf, requestChange, SIGNING_SECRET } from '../helpers/harness.ts';
import { postgresUrl } from '../helpers/postgres.ts';
import { cardFor, ROOT, until } from '../helpers/proof.ts';
import { socketUserClient, userClient } from '../helpers/slack.ts';

const run = promisify(execFile);

const POLICY = {
  roles: { viewers: ['*'], requesters: ['U0ALICE'], approvers: ['U0BOB'] },
  approval: { required: 'always', approvers_required: 1, expires_after: '24h' },
  accounts: ['*'],
};

type Line = { level: string; time: string; msg: string; req?: string; [key: string]: unknown };

/** The build, once for the file: in a directory beside a node_modules (the repository's), as the image lays it out. */
const work = mkdtempSync(join(tmpdir(), 'chime-account-logs-'));
after(() => rmSync(work, { recursive: true, force: true }));
let built: Promise<string> | undefined;
function build(): Promise<string> {
  built ??= (async () => {
    symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'));
    await run(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--outdir', join(work, 'dist')]);
    writeFileSync(join(work, 'policy.yml'), stringify(POLICY));
    return work;
  })();
  return built;
}

interface Run {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/**
 * Runs `node dist/main.js` as production does (npm start's flags) at LOG_LEVEL=debug with `env`; once its start line
 * matches `ready`, `drive` gets the port it names; then SIGTERM. Resolves with all it wrote and its exit code.
 */
async function runBuilt(env: Record<string, string>, ready: RegExp, drive: (port: number) => Promise<void>): Promise<Run> {
  await build();
  const out: Run = { stdout: '', stderr: '', exitCode: null };
  const child = spawn(process.execPath, ['--max-semi-space-size=8', '--optimize-for-size', join(work, 'dist/main.js')], {
    cwd: work,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: work,
      PORT: '0',
      POLICY_FILE: join(work, 'policy.yml'),
      AUDIT_CHANNEL_ID: 'C0AUDIT',
      AWS_ACCESS_KEY_ID: 'AKIDLOGTEST',
      AWS_SECRET_ACCESS_KEY: AWS_SECRET,
      AWS_REGION: 'us-east-1',
      AWS_MAX_ATTEMPTS: '1',
      LOG_LEVEL: 'debug',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  const exited = once(child, 'exit');
  try {
    const port = Number((await until(() => ready.exec(out.stdout), 30_000, 'the bot to start'))[1]);
    await drive(port);
  } catch (error) {
    // What the bot wrote by then, read now (not when the wait began): why it did not start or do its part.
    throw new Error(`${(error as Error).message}\nthe bot's output:\n${(out.stdout + out.stderr).slice(-4_000)}`);
  } finally {
    child.kill('SIGTERM');
    out.exitCode = (await exited)[0] as number | null;
  }
  return out;
}

const AWS_SECRET = 'aws-secret-key-for-the-log-test';

/** Wraps the simulated user's command() to keep each response URL it was given, to look for them in the log. */
function keepResponseUrls(user: SlackUserClient, into: string[]): SlackUserClient {
  const command = user.command.bind(user);
  user.command = async (...args: Parameters<SlackUserClient['command']>) => {
    const res = await command(...args);
    into.push(res.responseUrl);
    return res;
  };
  return user;
}

const parseLines = (text: string): Line[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);

describe('the built bot logs JSON lines, one request id per Slack request, and no secret', () => {
  let chime: ChimeEmulator;
  let slack: SlackEmulator;
  let databaseUrl: string;
  let stdout = '';
  let stderr = '';
  let exitCode: number | null = null;
  const responseUrls: string[] = [];

  before(async () => {
    [chime, slack, databaseUrl] = await Promise.all([startChimeEmulator(), startSlackEmulator(), postgresUrl()]);
    assert.ok(databasePassword(databaseUrl), 'the database URL has a password to hide');
    const env = {
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      DATABASE_URL: databaseUrl,
      AWS_ENDPOINT_URL_CHIME: chime.url,
    };
    ({ stdout, stderr, exitCode } = await runBuilt(env, /listening on port (\d+)/, async (port) => {
      const user = keepResponseUrls(userClient(slack, port), responseUrls);
      const h: Driver = { slack, user };
      await requestChange(h, 'U0ALICE', SAMPLE.team, { name: 'Acme Logged', reason: 'log test' });
      const card = await cardFor(h, SAMPLE.team);
      await user.clickButton('U0BOB', { message: card, actionId: 'request_approve' });
      const modal = await modalOf(h, 'U0BOB', 'chime_approve');
      await user.submitView('U0BOB', modal.id, { comment: { comment_input: 'fine' } });
      await until(() => chime.accounts.get(SAMPLE.team)?.Name === 'Acme Logged', 10_000, 'the change to be applied');
      await until(() => slack.messages.some((m) => m.thread_ts === card.ts && /updated/.test(m.text)), 10_000, 'the summary in the thread');
      await user.command('U0ALICE', `show ${SAMPLE.directory}`);
      await slack.waitFor(() => slack.ephemerals.find((e) => e.user === 'U0ALICE' && /Acme Engineering/.test(JSON.stringify(e))));
    }));
  });

  after(async () => {
    await Promise.all([chime?.close(), slack?.close()]);
  });

  const lines = (): Line[] => parseLines(stdout);

  it('stops with exit 0 on SIGTERM, everything on stdout, nothing on stderr', () => {
    assert.equal(exitCode, 0, stdout.slice(-3_000));
    assert.equal(stderr, '');
  });

  it('every stdout line is one JSON object with level, time and msg', () => {
    const all = stdout.split('\n').filter(Boolean);
    assert.ok(all.length > 50, `a debug run says plenty (${all.length} lines)`);
    for (const raw of all) {
      let line: Line;
      assert.doesNotThrow(() => (line = JSON.parse(raw) as Line), raw);
      assert.match(line!.level, /^(debug|info|warn|error|fatal)$/, raw);
      assert.ok(!Number.isNaN(Date.parse(line!.time)), raw);
      assert.equal(typeof line!.msg, 'string', raw);
    }
    const levels = new Set(lines().map((l) => l.level));
    assert.ok(levels.has('debug') && levels.has('info'), [...levels].join(', '));
  });

  it('the lines of one request share its id: the approval submit, its drift check and UpdateAccount with their AWS request ids', () => {
    const all = lines();
    const submit = all.find((l) => l.kind === 'view' && l.msg === 'slack view chime_approve');
    assert.ok(submit?.req, 'the approval submit starts a request with an id');
    assert.equal(submit.user, 'U0BOB');
    assert.equal(submit.team, 'T0TEAM');
    const mine = all.filter((l) => l.req === submit.req);
    const update = mine.find((l) => l.chime === 'UpdateAccount');
    assert.ok(update, `the UpdateAccount line carries the request id:\n${mine.map((l) => l.msg).join('\n')}`);
    const call = chime.calls.find((c) => c.operation === 'UpdateAccount' && c.accountId === SAMPLE.team);
    assert.equal(update.awsRequestId, call?.requestId, "the AWS request id is the one Chime's emulator answered");
    assert.equal(update.account, SAMPLE.team);
    assert.ok(
      mine.some((l) => l.chime === 'GetAccount' && typeof l.awsRequestId === 'string'),
      'the drift check too',
    );
    assert.ok(
      mine.some((l) => /UpdateAccount .* applied \(aws request /.test(l.msg)),
      "the workflow's own line",
    );
    assert.ok(
      mine.some((l) => l.slack === 'views.update' || l.slack === 'chat.postMessage' || l.slack === 'chat.update'),
      'a Slack call it made',
    );
  });

  it('the command opening the form: its Slack calls and its Chime read are on lines with its id, and no other request shares it', () => {
    const all = lines();
    const commands = all.filter((l) => l.kind === 'command');
    assert.equal(commands.filter((l) => l.msg === 'slack command /chime-account').length, 2, 'update and show');
    const first = commands[0]!;
    const mine = all.filter((l) => l.req === first.req);
    assert.ok(
      mine.some((l) => l.slack === 'views.open' && l.error === 'ok'),
      'views.open, on a line with the request id',
    );
    assert.ok(
      mine.some((l) => l.chime === 'GetAccount' && l.awsRequestId),
      'the form read the account',
    );
    const ids = new Set(all.filter((l) => l.msg.startsWith('slack ') && l.kind).map((l) => l.req));
    const starts = all.filter((l) => /^slack (command|view|action|options|event)\b/.test(l.msg));
    assert.equal(ids.size, starts.length, 'each request has an id of its own');
  });

  it('no secret anywhere in the output: tokens, signing secret, AWS secret key, response URLs, the database password', () => {
    const output = stdout + stderr;
    const password = databasePassword(databaseUrl)!;
    assert.ok(responseUrls.length >= 2);
    for (const [what, secret] of [
      ['the bot token', slack.botToken],
      ['the signing secret', SIGNING_SECRET],
      ['the AWS secret key', AWS_SECRET],
      ['the database password', password],
      ['the database URL', databaseUrl],
      ...responseUrls.map((u) => ['a response_url', u] as const),
      ...responseUrls.map((u) => ['a response_url id', u.split('/').at(-1)!] as const),
    ])
      assert.ok(!output.includes(secret), `${what} is not in the log`);
    assert.doesNotMatch(output, /xox[bpa]-/, 'nothing shaped like a Slack token');
  });
});

describe('in Socket Mode too: the SDK client logs each envelope at debug, and its secrets are scrubbed', () => {
  let chime: ChimeEmulator;
  let slack: SlackEmulator;
  let result: Run;
  const responseUrls: string[] = [];

  before(async () => {
    [chime, slack] = await Promise.all([startChimeEmulator(), startSlackEmulator()]);
    const env = {
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_APP_TOKEN: DEFAULT_APP_TOKEN,
      SLACK_API_URL: slack.apiUrl,
      DATABASE_URL: `sqlite:${join(work, 'socket.db')}`,
      AWS_ENDPOINT_URL_CHIME: chime.url,
    };
    result = await runBuilt(env, /running in Socket Mode \(health on port (\d+)\)/, async () => {
      await slack.socketMode.waitForConnections(1);
      const user = keepResponseUrls(socketUserClient(slack), responseUrls);
      await user.command('U0ALICE', `show ${SAMPLE.team}`);
      await slack.waitFor(() => slack.ephemerals.find((e) => e.user === 'U0ALICE' && /Acme Sales/.test(JSON.stringify(e))));
    });
  });
  after(async () => {
    await Promise.all([chime?.close(), slack?.close()]);
  });

  it('every line JSON, the SDK client’s lines through the bot logger, the request id on the command’s lines', () => {
    assert.equal(result.exitCode, 0, result.stdout.slice(-3_000));
    assert.equal(result.stderr, '');
    const all = parseLines(result.stdout);
    assert.ok(
      all.some((l) => /^Sending a WebSocket message: /.test(l.msg)),
      'the SDK client logs (its acks, at debug) through the bot logger',
    );
    const command = all.find((l) => l.msg === 'slack command /chime-account');
    assert.ok(command?.req);
    assert.ok(
      all.some((l) => l.req === command.req && l.chime === 'GetAccount' && l.awsRequestId),
      'the Chime read, with the request id',
    );
  });

  it('no app-level token, bot token, connection ticket or response_url in the output', () => {
    const output = result.stdout + result.stderr;
    assert.ok(responseUrls.length === 1);
    for (const [what, secret] of [
      ['the app-level token', DEFAULT_APP_TOKEN],
      ['the bot token', slack.botToken],
      ['the AWS secret key', AWS_SECRET],
      ['the response_url', responseUrls[0]!],
    ] as [string, string][])
      assert.ok(!output.includes(secret), `${what} is not in the log`);
    assert.doesNotMatch(output, /xox[bpa]-|xapp-|ticket=(?!\[redacted\])/);
  });
});

describe('the logger', () => {
  const capture = async (o: { level?: 'debug' | 'info'; format?: 'json' | 'pretty'; secrets?: string[] } = {}) => {
    const out: string[] = [];
    const log = await createLogger({
      level: o.level ?? 'debug',
      format: o.format ?? 'json',
      secrets: o.secrets ?? [],
      destination: new Writable({
        write(chunk, _encoding, done) {
          out.push(String(chunk));
          done();
        },
      }),
    });
    return { log, out, text: () => out.join('') };
  };

  it('redacts secrets in fields and in text, in every form they are written', async () => {
    const appToken = 'xapp-1-A0APP-1234-abcdef0123456789';
    const password = 'p@ss "word"/with:odd%chars';
    const { log, text } = await capture({ secrets: [appToken, 'the-signing-secret', password] });
    const bolt = boltLogger(log);
    bolt.debug(
      `Received a message on the WebSocket: ${JSON.stringify({ payload: { response_url: 'https://hooks.slack.com/commands/T0/1/abc', token: 'xoxb-123-456-secret' } })}`,
    );
    bolt.info('connecting with', appToken, 'and signing with the-signing-secret');
    bolt.error(
      'the database failed',
      new Error(`connect to postgres://chime:${encodeURIComponent(password)}@db/chime refused (${password})`),
    );
    log.info(
      { token: 'xoxb-field', headers: { authorization: 'Bearer xoxb-header' }, response_url: 'http://127.0.0.1:9/response/abc' },
      'fields',
    );
    log.info({ body: { response_url: 'http://127.0.0.1:9/response/nested' } }, 'nested');
    const all = text();
    for (const secret of [
      'xoxb-',
      appToken,
      'the-signing-secret',
      password,
      encodeURIComponent(password),
      JSON.stringify(password).slice(1, -1),
      'hooks.slack.com',
      '/response/abc',
      '/response/nested',
    ])
      assert.ok(!all.includes(secret), `${secret} redacted:\n${all}`);
    assert.match(all, /\[redacted\]/);
    for (const line of all.trim().split('\n')) JSON.parse(line);
  });

  it("adds the request's id, team and user inside inRequest, and nothing outside", async () => {
    const { log, out } = await capture();
    log.info('outside');
    await inRequest({ kind: 'command', team: 'T1', user: 'U1' }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      log.info('inside, after an await');
    });
    const [outside, inside] = out.map((l) => JSON.parse(l) as Line);
    assert.equal(outside!.req, undefined);
    assert.match(inside!.req ?? '', /^[0-9a-f]{12}$/);
    assert.equal(inside!.user, 'U1');
    assert.equal(inside!.team, 'T1');
  });

  it("Bolt's Logger: variadic messages, an Error in err, levels set and read, a name", async () => {
    const { log, out } = await capture({ level: 'info' });
    const bolt = boltLogger(log);
    bolt.debug('not written at info');
    bolt.info('two', 'parts', 3);
    bolt.warn('with an error', new Error('boom'));
    bolt.setLevel('debug' as never);
    assert.equal(bolt.getLevel(), 'debug');
    bolt.setName('bolt-app');
    bolt.debug('now written');
    const lines = out.map((l) => JSON.parse(l) as Line & { err?: { message: string } });
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['two parts 3', 'with an error', 'now written'],
    );
    assert.equal(lines[1]!.err?.message, 'boom');
    assert.equal(lines[2]!.name, 'bolt-app');
  });

  it('LOG_FORMAT=pretty: readable lines (pino-pretty), still scrubbed', async () => {
    const { log, text } = await capture({ format: 'pretty', secrets: ['pretty-secret-value'] });
    log.info({ user: 'U1' }, 'hello pretty-secret-value');
    const all = text();
    assert.match(all, /INFO.*hello \[redacted\]/);
    assert.doesNotMatch(all, /pretty-secret-value|^\{/);
  });
});
