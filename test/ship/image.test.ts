/**
 * The container image, without a Docker engine: this test reads the Dockerfile and runs its npm commands and its
 * CMD on a clean copy of the repository (the files git tracks or would track), in two directories standing for the
 * two stages: the build stage's install and `npm run build`, then the runtime stage's production install with only
 * dist/ copied in. The process the CMD starts must answer /healthz 200 (and the HEALTHCHECK command must pass), answer
 * a Slack-signed command, and on SIGTERM exit 0 and free its port. A production install must also resolve every
 * package src/ imports (each one in `dependencies`). npm runs offline-first from this machine's cache.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { SAMPLE, SAMPLE_NAMES } from '../../src/emulators/chime/seed.ts';
import { type ChimeEmulator, startChimeEmulator } from '../../src/emulators/chime/server.ts';
import { type SlackEmulator, startSlackEmulator } from '../../src/emulators/slack/server.ts';
import { openStore } from '../../src/store/open.ts';
import { DEFAULT_POLICY, SIGNING_SECRET } from '../helpers/harness.ts';
import { closedPort } from '../helpers/ports.ts';
import { ROOT, texts } from '../helpers/proof.ts';
import { userClient } from '../helpers/slack.ts';

const run = promisify(execFile);

interface Stage {
  name: string;
  runs: string[];
}

/** The Dockerfile's stages with their RUN commands (build-time `--mount=…` options left out), and CMD/HEALTHCHECK. */
function readDockerfile(text: string) {
  const lines = text.replace(/\\\n\s*/g, ' ').split('\n');
  const stages: Stage[] = [];
  let cmd: string[] | undefined;
  let healthcheck: string[] | undefined;
  for (const line of lines.map((l) => l.trim())) {
    const from = /^FROM\s+\S+\s+AS\s+(\S+)/i.exec(line);
    if (from) stages.push({ name: from[1]!, runs: [] });
    const runLine = /^RUN\s+(.*)$/.exec(line);
    if (runLine) stages.at(-1)!.runs.push(runLine[1]!.replace(/^(--\S+\s+)+/, ''));
    if (line.startsWith('CMD ')) cmd = JSON.parse(line.slice(4)) as string[];
    const hc = /^HEALTHCHECK .*?CMD (\[.*\])$/.exec(line);
    if (hc) healthcheck = JSON.parse(hc[1]!) as string[];
  }
  return { stages, cmd, healthcheck };
}

describe('the image, built and run the way the Dockerfile does it', () => {
  const dockerfile = readDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  let work: string;
  let buildDir: string;
  let appDir: string;
  let chime: ChimeEmulator;
  let slack: SlackEmulator;
  /** Node 24 (this test's) first on PATH, as in the node:24-slim image. */
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, npm_config_prefer_offline: 'true' };
  const sh = (command: string, cwd: string) => run('sh', ['-c', command], { cwd, env, timeout: 240_000, maxBuffer: 16 << 20 });
  const npmRuns = (stage: string) => {
    const runs = dockerfile.stages.find((s) => s.name === stage)?.runs.filter((r) => r.startsWith('npm ')) ?? [];
    assert.ok(runs.length > 0, `the ${stage} stage runs npm`);
    return runs;
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'chime-account-image-'));
    buildDir = join(work, 'build');
    appDir = join(work, 'app');
    // A clean copy: what git tracks, plus new files it would track, from this working tree.
    const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
      maxBuffer: 16 << 20,
    });
    for (const file of stdout.split('\0').filter(Boolean)) {
      if (!existsSync(join(ROOT, file))) continue; // deleted in the working tree
      mkdirSync(dirname(join(buildDir, file)), { recursive: true });
      cpSync(join(ROOT, file), join(buildDir, file));
    }
    chime = await startChimeEmulator();
    slack = await startSlackEmulator();
  });
  after(async () => {
    await Promise.all([chime?.close(), slack?.close()]);
    rmSync(work, { recursive: true, force: true });
  });

  it('the Dockerfile: two stages on node:24-slim, a non-root user, a HEALTHCHECK, CMD = node with npm start’s flags', () => {
    assert.deepEqual(
      dockerfile.stages.map((s) => s.name),
      ['build', 'runtime'],
    );
    const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    assert.match(text, /^ARG NODE_IMAGE=node:24-slim$/m);
    assert.match(text, /^USER node$/m);
    assert.match(text, /^STOPSIGNAL SIGTERM$/m);
    assert.deepEqual(npmRuns('runtime'), ['npm ci --omit=dev --ignore-scripts --no-audit --no-fund']);
    const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
    assert.deepEqual(dockerfile.cmd, start.split(/\s+/), 'CMD runs node directly, with the flags of npm start');
    assert.equal(dockerfile.healthcheck?.[0], 'node');
  });

  it('build stage, runtime stage, start: /healthz 200, a signed command answered, SIGTERM → exit 0 and the port freed', async () => {
    // Build stage: its npm commands in the copy (dev dependencies; npm run build).
    for (const command of npmRuns('build')) await sh(command, buildDir);
    assert.ok(existsSync(join(buildDir, 'dist/main.js')), 'npm run build made dist/main.js');

    // Runtime stage: package files, the production install, dist/ from the build stage; nothing else.
    mkdirSync(appDir);
    for (const f of ['package.json', 'package-lock.json']) cpSync(join(buildDir, f), join(appDir, f));
    for (const command of npmRuns('runtime')) await sh(command, appDir);
    cpSync(join(buildDir, 'dist'), join(appDir, 'dist'), { recursive: true });
    assert.ok(!existsSync(join(appDir, 'node_modules/esbuild')), 'no dev dependency in the runtime stage');
    assert.ok(!existsSync(join(appDir, 'src')), 'no sources in the runtime stage');

    const data = join(work, 'data');
    mkdirSync(data);
    const policy = join(work, 'policy.yml');
    writeFileSync(policy, stringify(DEFAULT_POLICY));
    const port = await closedPort();
    const [command, ...args] = dockerfile.cmd!;
    assert.equal(command, 'node');
    const bot = spawn(process.execPath, args, {
      cwd: appDir,
      env: {
        PATH: env.PATH,
        HOME: work,
        NODE_ENV: 'production',
        PORT: String(port),
        DATABASE_URL: `sqlite:${join(data, 'chime-account.db')}`,
        POLICY_FILE: policy,
        SLACK_BOT_TOKEN: slack.botToken,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        AWS_ENDPOINT_URL_CHIME: chime.url,
        AWS_ACCESS_KEY_ID: 'AKIDTEST',
        AWS_SECRET_ACCESS_KEY: 'test-secret',
        AWS_REGION: 'us-east-1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    bot.stdout!.on('data', (d) => (output += d));
    bot.stderr!.on('data', (d) => (output += d));
    const exited = once(bot, 'exit');
    try {
      await waitForHealthz(port, bot, () => output);
      // The image's HEALTHCHECK command, as Docker would run it inside the container.
      const [hcCommand, ...hcArgs] = dockerfile.healthcheck!;
      assert.equal(hcCommand, 'node');
      await run(process.execPath, hcArgs, { env: { PORT: String(port) } });

      const user = userClient(slack, port);
      const res = await user.command('U0ALICE', `show ${SAMPLE.team}`);
      assert.equal(res.status, 200);
      const answer = await slack.waitFor(() => slack.ephemerals.find((e) => texts(e).includes(SAMPLE_NAMES.team)));
      assert.ok(answer, 'the account was shown');
      assert.ok(
        chime.calls.some((c) => c.operation === 'GetAccount'),
        'through the Chime emulator',
      );

      bot.kill('SIGTERM');
      const [code, signal] = await exited;
      assert.equal(code, 0, `exit 0 after SIGTERM (signal ${signal}):\n${output}`);
      assert.equal(await connects(port), false, 'the port is free');
      assert.doesNotMatch(output, /\n\s+at\s/, 'no stack trace in the output');
    } finally {
      if (bot.exitCode === null && bot.signalCode === null) bot.kill('SIGKILL');
    }
  });

  it('every package src/ imports at run time is in dependencies (type-only imports aside)', async () => {
    const esbuild = await import('esbuild');
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: ['src/main.ts', 'src/cli/audit.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      outdir: join(work, 'meta'),
      logLevel: 'silent',
    });
    const imported = new Set<string>();
    for (const [file, input] of Object.entries(result.metafile.inputs)) {
      if (!file.startsWith('src/')) continue;
      for (const i of input.imports) {
        const spec = i.original ?? i.path;
        if (spec.startsWith('.') || spec.startsWith('node:') || i.external) continue;
        imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    assert.ok(imported.has('@slack/bolt') && imported.has('@aws-sdk/client-chime'), [...imported].join(', '));
    for (const name of imported) assert.ok(name in pkg.dependencies, `${name} is imported by src/ at run time: it must be in dependencies`);
  });

  it('a production install resolves every package src/ imports', async () => {
    assert.ok(existsSync(join(appDir, 'node_modules')), 'runs after the runtime stage');
    cpSync(join(buildDir, 'src'), join(appDir, 'src'), { recursive: true });
    // An ES module links all its static imports before it runs: reaching the settings check proves they resolved.
    const r = await run(process.execPath, ['src/main.ts'], {
      cwd: appDir,
      env: { PATH: env.PATH, HOME: work, DOTENV_CONFIG_PATH: join(work, 'none.env') },
    }).catch((e: { code: number; stderr: string }) => e);
    assert.equal((r as { code?: number }).code, 1);
    assert.doesNotMatch((r as { stderr: string }).stderr, /ERR_MODULE_NOT_FOUND|Cannot find (package|module)/);
    assert.match((r as { stderr: string }).stderr, /chime-account cannot start:[\s\S]*SLACK_BOT_TOKEN/);
    // The audit CLI too, on a database that exists (a missing one is an error: exit 2).
    await (await openStore(`sqlite:${join(work, 'audit.db')}`)).close();
    const audit = await run(process.execPath, ['src/cli/audit.ts', 'verify'], {
      cwd: appDir,
      env: { PATH: env.PATH, HOME: work, DATABASE_URL: `sqlite:${join(work, 'audit.db')}` },
    });
    assert.match(audit.stdout, /audit log intact/);
  });
});

async function waitForHealthz(port: number, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null) throw new Error(`the bot exited ${child.exitCode}:\n${output()}`);
    const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
    if (res?.status === 200) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`/healthz never answered 200:\n${output()}`);
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
