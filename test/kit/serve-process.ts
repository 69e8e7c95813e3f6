/**
 * Runs `webrerank serve` as its own process, from source through tsx (or the built `dist/`, as
 * installed), the way an operator runs it: flags and environment in, the startup banner and one
 * log line per request out.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export interface ServeProcess {
  /** The URL from the "listening on" line. */
  url: string;
  /** The server's process id (to read its memory from /proc). */
  pid: number;
  /** Every stdout line so far (banner, request log). */
  readonly stdout: string[];
  /** Every stderr line so far (warnings). */
  readonly stderr: string[];
  /** Sends SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Resolves with the exit code when the process exits, however it was told to. */
  exited: Promise<number | null>;
}

const CLI_SOURCE = resolve('src/cli.ts');
const CLI_BUILT = resolve('dist/src/cli.js');

/** How to start the `webrerank` command: from source by default, or an installed one (`[node, cli.js]`). */
const FROM_SOURCE = [process.execPath, '--import', 'tsx', CLI_SOURCE];

/** Starts `webrerank serve ARGS` and resolves once it is listening (the model may still be loading). */
export function startServeProcess(args: string[], env: NodeJS.ProcessEnv = {}, options: { built?: boolean; cwd?: string; command?: string[] } = {}): Promise<ServeProcess> {
  const command = options.command ?? (options.built ? [process.execPath, CLI_BUILT] : FROM_SOURCE);
  const [program, ...before] = command as [string, ...string[]];
  const child = spawn(program, [...before, 'serve', ...args], {
    env: { ...process.env, ...env },
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  collectLines(child.stderr, stderr);

  return new Promise((resolvePromise, reject) => {
    collectLines(child.stdout, stdout, (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match?.[1]) {
        resolvePromise({
          url: match[1],
          pid: child.pid as number,
          stdout,
          stderr,
          exited,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`webrerank serve exited with ${code} before listening:\n${stderr.join('\n')}`)));
  });
}

function collectLines(stream: NodeJS.ReadableStream, into: string[], onLine?: (line: string) => void): void {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      into.push(line);
      onLine?.(line);
    }
  });
}

/**
 * Resolves once `GET /health` says 200 (the model has loaded). Every answer is read, so no
 * connection is left half-used for the requests that follow.
 */
export async function untilHealthy(url: string): Promise<void> {
  for (;;) {
    const health = await fetch(`${url}/health`);
    await health.text();
    if (health.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
