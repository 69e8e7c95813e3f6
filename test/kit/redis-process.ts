/**
 * A `redis-server` of the tests' own, on a loopback port with its data in a temporary folder and
 * append-only persistence on (so a restart keeps what was written), stopped by whoever started it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisProcess {
  /** `redis://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** The running redis-server's process id (undefined while stopped). */
  pid(): number | undefined;
  /** Stops Redis (it writes its append-only file first); resolves once it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port and folder. */
  start(): Promise<void>;
  /** Stops it and deletes its folder. */
  destroy(): Promise<void>;
}

/** A port that was free a moment ago (redis-server can't be told to pick one itself). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface RedisOptions {
  /**
   * When Redis syncs its append-only file: `always` (the default here: a test that restarts Redis
   * must find every write) or `everysec` (Redis' own default, as docs/deploy.md runs it).
   */
  appendfsync?: 'always' | 'everysec';
}

/** Starts `redis-server` and resolves once it accepts connections. */
export async function startRedis(options: RedisOptions = {}): Promise<RedisProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'webrerank-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', options.appendfsync ?? 'always', '--save', '', '--daemonize', 'no'];
      const started = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      let output = '';
      started.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        if (/Ready to accept connections/.test(output)) resolve();
      });
      started.once('error', reject);
      started.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`)));
    });

  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    await exited;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: () => child?.pid,
    stop,
    start,
    async destroy() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
