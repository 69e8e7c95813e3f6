/**
 * The runnable shell blocks of the README and docs/, and a bash script that runs them in order.
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
  /** The Markdown file, relative to the repository root, for messages. */
  file: string;
  /** 1-based line of the opening fence, for messages. */
  line: number;
  code: string;
  serves?: { port: number; ready?: string };
}

/** The blocks of `markdown` (the contents of `file`) opened with ` ```sh KIND `, in order. */
function shellBlocks(markdown: string, file: string, kind: string) {
  return [...markdown.matchAll(new RegExp(`^\`\`\`sh ${kind}([^\\n]*)\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((match) => ({
    file,
    line: markdown.slice(0, match.index).split('\n').length,
    attributes: match[1] as string,
    code: match[2] as string,
  }));
}

/** The runnable blocks of `markdown` (the contents of `file`), in order. */
export function runnableBlocks(markdown: string, file: string): ShellBlock[] {
  const blocks: ShellBlock[] = [];
  for (const match of shellBlocks(markdown, file, 'runnable')) {
    const attributes = new Map([...match.attributes.matchAll(/(\w+)=(\S+)/g)].map((attribute) => [attribute[1] as string, attribute[2] as string]));
    const block: ShellBlock = { file, line: match.line, code: match.code };
    const port = attributes.get('serves');
    if (port !== undefined) {
      const ready = attributes.get('ready');
      block.serves = ready === undefined ? { port: Number(port) } : { port: Number(port), ready };
    }
    blocks.push(block);
  }
  return blocks;
}

/**
 * Steps a reader runs in their own app's folder: the blocks of `markdown` (the contents of `file`)
 * opened with ` ```sh app `. The README's install steps are one such block (with the packed tarball
 * where the README says a checkout leaves it); docs/frameworks.md has one per framework.
 */
export function appBlocks(markdown: string, file: string): string[] {
  return shellBlocks(markdown, file, 'app').map((block) => block.code);
}

/** The README's install steps: its one ` ```sh app ` block. */
export function appInstallBlock(readme: string): string {
  const blocks = appBlocks(readme, 'README.md');
  if (blocks.length !== 1) throw new Error(`README.md has ${blocks.length} \`\`\`sh app blocks; the install steps are one`);
  return blocks[0] as string;
}

/** Where a block is, as its marker names it: `README.md:27`. */
export const blockPlace = (block: ShellBlock) => `${block.file}:${block.line}`;

/** Bash that runs `blocks` in order, printing `@@ block FILE:LINE ok|failed` markers; exits non-zero at the first failure. */
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
      lines.push(`bash -euo pipefail ${file} || { mark "${blockPlace(block)} failed"; exit 1; }`, `mark "${blockPlace(block)} ok"`);
      return;
    }
    const { port, ready } = block.serves;
    const probe = ready ? `curl -sf -o /dev/null http://localhost:${port}${ready}` : `curl -s -o /dev/null http://localhost:${port}/`;
    lines.push(
      `setsid bash -euo pipefail ${file} & servers+=($!)`,
      `for i in $(seq ${waitSeconds * 2}); do ${probe} && break; kill -0 $! 2>/dev/null || break; sleep 0.5; done`,
      `${probe} || { mark "${blockPlace(block)} failed: nothing answered on port ${port}${ready ?? ''}"; exit 1; }`,
      `mark "${blockPlace(block)} ok"`,
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
