// Starts the real engine for the SDK tests: `go build ./cmd/mediad`, then
// `mediad migrate` and `mediad all` against the dev stack (scripts/devstack)
// with a database, Redis database, bucket and ports of its own, and a fake
// WeChat. A service that cannot be reached fails the tests, naming it.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { APPID, SECRET, startFakeWeChat, type FakeWeChat } from './fakewechat';

const run = promisify(execFile);

/** The Redis database the SDK tests own (the Go tests use others). */
export const REDIS_DB = 13;

export interface Engine {
  /** http://127.0.0.1:<port>, the engine's MEDIA_PUBLIC_URL. */
  base: string;
  root: string;
  tmp: string;
  wechat: FakeWeChat;
  /** sql runs a query on the engine's database and returns psql's unaligned output. */
  sql(query: string): Promise<string>;
  /** logs returns the engine's recent stderr. */
  logs(): string;
  stop(): Promise<void>;
}

/** repoRoot walks up from here to the mediad module root. */
export function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const mod = path.join(dir, 'go.mod');
    if (fs.existsSync(mod) && fs.readFileSync(mod, 'utf8').includes('module github.com/wxalbum/mediad')) return dir;
    if (path.dirname(dir) === dir) throw new Error('cannot find the mediad repository (go.mod) above ' + __dirname);
  }
}

// The stack's settings: from the environment (scripts/clients-test evals
// `scripts/devstack env`), else asked from scripts/devstack itself.
const STACK_KEYS = [
  'MEDIA_DATABASE_URL',
  'MEDIA_REDIS_ADDR',
  'MEDIA_S3_ENDPOINT',
  'MEDIA_S3_ACCESS_KEY',
  'MEDIA_S3_SECRET_KEY',
];

async function stackEnv(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (STACK_KEYS.every((k) => process.env[k])) {
    for (const k of STACK_KEYS) out[k] = process.env[k] as string;
    return out;
  }
  let text: string;
  try {
    text = (await run('bash', [path.join(root, 'scripts', 'devstack'), 'env'], { cwd: root })).stdout;
  } catch (e) {
    throw new Error('the dev stack has no credentials yet: run scripts/devstack up (' + (e as Error).message.trim() + ')');
  }
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z0-9_]+)='(.*)'$/.exec(line);
    if (m) out[m[1]] = m[2].replace(/'\\''/g, "'");
  }
  for (const k of STACK_KEYS) if (!out[k]) throw new Error(`scripts/devstack env did not give ${k}`);
  return out;
}

/** toolEnv is the environment for go, psql and mediad: PATH with Go, no caller MEDIA_* settings. */
function toolEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MEDIA_')) env[k] = v;
  const p = (env.PATH ?? '').split(':');
  for (const dir of ['/usr/local/go/bin', '/usr/lib/postgresql/bin']) if (!p.includes(dir)) p.push(dir);
  env.PATH = p.join(':');
  return { ...env, ...extra };
}

function pgArgs(dbURL: string): { host: string; port: string; user: string; db: string } {
  const u = new URL(dbURL);
  return { host: u.hostname, port: u.port || '5432', user: decodeURIComponent(u.username) || 'postgres', db: u.pathname.slice(1) };
}

// redis sends commands over RESP and returns the replies' first lines.
function redis(addr: string, cmds: string[][]): Promise<string[]> {
  const [host, port] = addr.split(':');
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port: Number(port) });
    const timer = setTimeout(() => sock.destroy(new Error('no answer within 3 s')), 3000);
    let buf = '';
    sock.on('connect', () => {
      for (const c of cmds) sock.write(`*${c.length}\r\n` + c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join(''));
    });
    sock.on('data', (d) => {
      buf += d.toString();
      const lines = buf.split('\r\n').filter(Boolean);
      if (lines.length >= cmds.length) {
        clearTimeout(timer);
        sock.end();
        resolve(lines.slice(0, cmds.length));
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** checkServices fails naming every service (Go, PostgreSQL, Redis, MinIO) that cannot be reached. */
async function checkServices(stack: Record<string, string>, env: NodeJS.ProcessEnv): Promise<void> {
  const pg = pgArgs(stack.MEDIA_DATABASE_URL);
  const checks: [string, () => Promise<unknown>][] = [
    ['Go (go version)', () => run('go', ['version'], { env })],
    [
      `PostgreSQL at ${pg.host}:${pg.port}`,
      () => run('psql', ['-X', '-w', '-h', pg.host, '-p', pg.port, '-U', pg.user, '-d', 'postgres', '-tAc', 'select 1'], { env, timeout: 10_000 }),
    ],
    [
      `Redis at ${stack.MEDIA_REDIS_ADDR}`,
      async () => {
        const [pong] = await redis(stack.MEDIA_REDIS_ADDR, [['PING']]);
        if (pong !== '+PONG') throw new Error('PING answered ' + pong);
      },
    ],
    [
      `MinIO at ${stack.MEDIA_S3_ENDPOINT}`,
      async () => {
        const res = await fetch(`http://${stack.MEDIA_S3_ENDPOINT}/minio/health/live`, { signal: AbortSignal.timeout(5000) });
        if (!res.ok) throw new Error('health check answered ' + res.status);
      },
    ],
  ];
  const failed: string[] = [];
  await Promise.all(
    checks.map(async ([name, check]) => {
      try {
        await check();
      } catch (e) {
        const why = (e as { stderr?: string }).stderr || (e as Error).message || String(e);
        failed.push(`${name} is unreachable: ${why.trim().split('\n')[0]}`);
      }
    }),
  );
  if (failed.length) throw new Error(failed.join('; ') + ' (start the stack with scripts/devstack up)');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitReady(base: string, child: ChildProcess, logs: () => string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mediad all exited with ${child.exitCode}:\n${logs()}`);
    try {
      const res = await fetch(base + '/readyz', { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`mediad did not become ready within ${ms} ms (last /readyz: ${last}):\n${logs()}`);
}

/** startEngine builds and starts mediad with its own database, Redis DB, bucket and ports. */
export async function startEngine(): Promise<Engine> {
  const root = repoRoot();
  const stack = await stackEnv(root);
  const baseEnv = toolEnv({});
  await checkServices(stack, baseEnv);

  const tag = crypto.randomBytes(5).toString('hex');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mediad-sdk-'));
  const bin = path.join(tmp, 'mediad');
  await run('go', ['build', '-race', '-o', bin, './cmd/mediad'], { cwd: root, env: baseEnv, timeout: 300_000 }).catch((e) => {
    throw new Error('go build ./cmd/mediad failed: ' + (e.stderr || e.message));
  });

  const pg = pgArgs(stack.MEDIA_DATABASE_URL);
  const dbName = `mediad_sdk_${tag}`;
  const pgFlags = ['-w', '-h', pg.host, '-p', pg.port, '-U', pg.user];
  await run('createdb', [...pgFlags, dbName], { env: baseEnv });
  const dbURL = new URL(stack.MEDIA_DATABASE_URL);
  dbURL.pathname = '/' + dbName;
  // A previous run's queue and rate-limit counters must not leak into this one.
  await redis(stack.MEDIA_REDIS_ADDR, [['SELECT', String(REDIS_DB)], ['FLUSHDB']]);

  const wechat = await startFakeWeChat();
  const [httpPort, metricsPort] = [await freePort(), await freePort()];
  const base = `http://127.0.0.1:${httpPort}`;
  const deployment = `sdk-${tag}`;
  const env = toolEnv({
    ...stack,
    MEDIA_DATABASE_URL: dbURL.toString(),
    MEDIA_REDIS_DB: String(REDIS_DB),
    MEDIA_S3_BUCKET: deployment,
    MEDIA_HTTP_ADDR: `127.0.0.1:${httpPort}`,
    MEDIA_METRICS_ADDR: `127.0.0.1:${metricsPort}`,
    MEDIA_PUBLIC_URL: base,
    MEDIA_URL_SIGNING_KEY: crypto.randomBytes(32).toString('hex'),
    MEDIA_WECHAT_BASE_URL: wechat.url,
    MEDIA_WECHAT_APPID: APPID,
    MEDIA_WECHAT_SECRET: SECRET,
    MEDIA_DEPLOYMENT_NAME: deployment,
    MEDIA_UPLOAD_PART_SIZE: '5MiB',
    MEDIA_LOG_LEVEL: 'warn',
  });

  let logText = '';
  const logs = () => logText.split('\n').slice(-60).join('\n');
  let child: ChildProcess | undefined;
  let stopped = false;
  let raced = false; // the binary is built with -race, reusing make test's race-built packages
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    if (raced) console.error('mediad reported a data race while serving the SDK tests:\n' + logs());
    // purge-all removes the bucket and flushes the Redis database; then the database goes.
    await run(bin, ['purge-all', '--confirm', deployment], { env, timeout: 60_000 }).catch((e) =>
      console.error('mediad purge-all failed:', e.stderr || e.message),
    );
    await run('dropdb', [...pgFlags, '--if-exists', '--force', dbName], { env: baseEnv }).catch((e) =>
      console.error('dropdb failed:', e.stderr || e.message),
    );
    await wechat.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  try {
    await run(bin, ['migrate'], { env, timeout: 60_000 }).catch((e) => {
      throw new Error('mediad migrate failed: ' + (e.stderr || e.message));
    });
    child = spawn(bin, ['all'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => {
      const text = d.toString();
      raced ||= text.includes('WARNING: DATA RACE');
      logText = (logText + text).slice(-64_000);
    });
    await waitReady(base, child, logs, 30_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    base,
    root,
    tmp,
    wechat,
    logs,
    stop,
    sql: async (query) =>
      (await run('psql', ['-X', ...pgFlags, '-d', dbName, '-tAc', query], { env: baseEnv })).stdout.trim(),
  };
}
