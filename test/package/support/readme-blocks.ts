/**
 * The README's runnable shell blocks, and a bash script that runs them in order.
 *
 * A block opened with ` ```sh runnable ` runs to completion and must exit 0. One opened with
 * ` ```sh runnable serves=PORT ` starts something that keeps running (a dev server, `webrerank
 * serve`): it is started in the background and waited for until http://localhost:PORT answers —
 * and, with `ready=/path`, until that path answers 2xx — then the next block runs; it is stopped
 * when all blocks are done.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export interface ShellBlock {
  /** 1-based line of the opening fence, for messages. */
  line: number;
  code: string;
  serves?: { port: number; ready?: string };
}

/** The runnable blocks of `markdown`, in order. */
export function runnableBlocks(markdown: string): ShellBlock[] {
  const blocks: ShellBlock[] = [];
  for (const match of markdown.matchAll(/^```sh runnable([^\n]*)\n([\s\S]*?)^```$/gm)) {
    const attributes = new Map([...(match[1] as string).matchAll(/(\w+)=(\S+)/g)].map((attribute) => [attribute[1] as string, attribute[2] as string]));
    const block: ShellBlock = { line: markdown.slice(0, match.index).split('\n').length, code: match[2] as string };
    const port = attributes.get('serves');
    if (port !== undefined) {
      const ready = attributes.get('ready');
      block.serves = ready === undefined ? { port: Number(port) } : { port: Number(port), ready };
    }
    blocks.push(block);
  }
  return blocks;
}

/** Bash that runs `blocks` in order, printing `@@ block LINE ok|failed` markers; exits non-zero at the first failure. */
export function driverScript(blocks: ShellBlock[], waitSeconds: number): string {
  const lines = [
    'set -uo pipefail',
    'servers=()',
    // Each server runs in its own process group (setsid), so stopping it stops npm, vite and all.
    'stop_servers() { for pid in "${servers[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done; wait 2>/dev/null; }',
    'trap stop_servers EXIT',
    // On a line of its own even when a block's output (curl's, say) ends without a newline.
    'mark() { printf \'\\n@@ block %s\\n\' "$1"; }',
  ];
  blocks.forEach((block, index) => {
    const file = `"$BLOCKS/${index}.sh"`;
    if (!block.serves) {
      lines.push(`bash -euo pipefail ${file} || { mark "${block.line} failed"; exit 1; }`, `mark "${block.line} ok"`);
      return;
    }
    const { port, ready } = block.serves;
    const probe = ready ? `curl -sf -o /dev/null http://localhost:${port}${ready}` : `curl -s -o /dev/null http://localhost:${port}/`;
    lines.push(
      `setsid bash -euo pipefail ${file} & servers+=($!)`,
      `for i in $(seq ${waitSeconds * 2}); do ${probe} && break; kill -0 $! 2>/dev/null || break; sleep 0.5; done`,
      `${probe} || { mark "${block.line} failed: nothing answered on port ${port}${ready ?? ''}"; exit 1; }`,
      `mark "${block.line} ok"`,
    );
  });
  return `${lines.join('\n')}\n`;
}

/** What a driver run printed, and its exit code. */
export interface DriverRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `$WORK/driver.sh` from `$cwdVariable` in a network namespace of its own (loopback only,
 * brought up), so nothing can be downloaded and fixed ports collide with nothing. Never throws:
 * a failure is a non-zero code.
 */
export function runDriverOffline(cwdVariable: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<DriverRun> {
  const script = `ip link set lo up && cd "$${cwdVariable}" && exec bash "$WORK/driver.sh"`;
  return promisify(execFile)('unshare', ['--net', 'bash', '-c', script], { env, maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? 1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
}
