/**
 * The orchestrator's handle on one loaded variant: a Node child process (bench/node-variant.ts) or
 * a fresh headless Chromium with the bench page (bench/page/). Both speak the Driver protocol of
 * core.ts, so the orchestrator can interleave calls across them.
 *
 * Chromium: the project's Vite dev server (its vite.config.ts, so the COOP/COEP headers are the
 * real ones) serves the page and bench/.models/; each variant gets its own browser and profile, so
 * its renderer's peak RSS is its alone.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromiumWithProfile } from '../test/kit/chromium.js';
import { startDevServer, type TestServer } from '../test/kit/servers.js';
import { BENCH_MODELS_PREFIX, REPLY_MARKER, type DriverReply, type VariantSpec } from './core.js';
import { pidsWith } from './cpu.js';
import { MODELS_DIR } from './models.js';

export interface Session {
  readonly spec: VariantSpec;
  load(): Promise<DriverReply>;
  call(keepScores: boolean): Promise<DriverReply>;
  dispose(): Promise<DriverReply>;
  /** The processes doing this variant's work, for CPU accounting. */
  pids(): number[];
  /** Ends the load phase of the memory record: peaks after this are the reranking's. */
  startCalls(): void;
  /** Peak resident memory (Chromium: its largest renderer), MiB: overall, and while reranking. */
  peakRssMib(): { overall: number | null; calls: number | null };
  /** Resident memory now (Chromium: its largest renderer), MiB. */
  rssMib(): number | null;
  close(): Promise<void>;
}

/** Longest a single command may take before the variant counts as failed. */
const COMMAND_TIMEOUT_MS = 20 * 60_000;

function statusKib(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** The largest current RSS of `pids`, MiB. */
function largestRssMib(pids: number[]): number | null {
  const kib = Math.max(0, ...pids.map((pid) => statusKib(pid, 'VmRSS')));
  return kib > 0 ? Math.round(kib / 1024) : null;
}

/**
 * Peak RSS of a set of processes, sampled every 250 ms from VmHWM (each process's own peak), in
 * two phases: loading, then reranking. Between them each process's VmHWM is reset (writing 5 to
 * /proc/PID/clear_refs), so the second phase's peak is what reranking needs, model included.
 */
class PeakMemory {
  #overall = 0;
  #calls = 0;
  #phase: 'load' | 'calls' = 'load';
  readonly #timer: NodeJS.Timeout;

  constructor(private readonly pids: () => number[]) {
    this.#timer = setInterval(() => this.sample(), 250);
  }

  sample(): void {
    for (const pid of this.pids()) {
      const kib = statusKib(pid, 'VmHWM');
      this.#overall = Math.max(this.#overall, kib);
      if (this.#phase === 'calls') this.#calls = Math.max(this.#calls, kib);
    }
  }

  startCalls(): void {
    this.sample();
    for (const pid of this.pids()) {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
      } catch {
        // not permitted (or gone): the calls' peak then includes the load's
      }
    }
    this.#phase = 'calls';
    this.sample();
  }

  result(): { overall: number | null; calls: number | null } {
    this.sample();
    const mib = (kib: number) => (kib > 0 ? Math.round(kib / 1024) : null);
    return { overall: mib(this.#overall), calls: mib(this.#calls) };
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

function withTimeout(reply: Promise<DriverReply>, what: string): Promise<DriverReply> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<DriverReply>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout({ ok: false, error: `${what} timed out after ${COMMAND_TIMEOUT_MS / 60_000} min` }), COMMAND_TIMEOUT_MS);
  });
  return Promise.race([reply, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// Node

export function openNodeSession(spec: VariantSpec, modelDir: string): Session {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', resolve('bench/node-variant.ts'), modelDir], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let pending: ((reply: DriverReply) => void) | undefined;
  let exited: string | undefined;
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith(REPLY_MARKER)) pending?.(JSON.parse(line.slice(REPLY_MARKER.length)) as DriverReply);
  });
  const memory = new PeakMemory(() => (child.pid && !exited ? [child.pid] : []));
  child.on('exit', (code, signal) => {
    memory.stop();
    exited = `the process ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${stderr ? `: ${lastLine(stderr)}` : ''}`;
    pending?.({ ok: false, error: exited });
  });
  const send = (command: object, what: string): Promise<DriverReply> => {
    if (exited) return Promise.resolve({ ok: false, error: exited });
    const reply = new Promise<DriverReply>((resolveReply) => (pending = resolveReply));
    child.stdin.write(`${JSON.stringify(command)}\n`);
    return withTimeout(reply, what);
  };
  return {
    spec,
    load: () => send({ op: 'load', spec }, 'load'),
    call: (keepScores) => send({ op: 'call', keepScores }, 'call'),
    dispose: () => send({ op: 'dispose' }, 'dispose'),
    pids: () => (child.pid && !exited ? [child.pid] : []),
    startCalls: () => memory.startCalls(),
    peakRssMib: () => memory.result(),
    rssMib: () => largestRssMib(child.pid && !exited ? [child.pid] : []),
    async close() {
      memory.stop();
      if (!exited) {
        child.stdin.end();
        const done = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await done;
        clearTimeout(timer);
      }
    },
  };
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter((line) => line.trim()).slice(-1)[0] ?? '';
}

// ---------------------------------------------------------------------------------------------
// Chromium

/** The Vite server for every Chromium session of a run. */
export interface ChromiumHost {
  url: string;
  version: string;
  close(): Promise<void>;
}

export async function startChromiumHost(): Promise<ChromiumHost> {
  const server: TestServer = await startDevServer([{ prefix: BENCH_MODELS_PREFIX, dir: MODELS_DIR, requests: [] }]);
  const profile = mkdtempSync(join(tmpdir(), 'webrerank-bench-'));
  let version = 'unknown';
  try {
    const context = await launchChromiumWithProfile(profile);
    version = context.browser()?.version() ?? 'unknown';
    await context.close();
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  return { url: server.url, version, close: () => server.close() };
}

/**
 * A fresh Chromium for `spec`. With `profile`, it uses that profile folder and leaves it for the
 * caller (a second browser on it finds the first one's model cache); without, a temporary one.
 */
export function openChromiumSession(host: ChromiumHost, spec: VariantSpec, log: (line: string) => void, profile?: string): Session {
  const ownProfile = profile === undefined;
  const profileDir = profile ?? mkdtempSync(join(tmpdir(), 'webrerank-bench-'));
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  let crashed: string | undefined;
  let onCrash: ((reply: DriverReply) => void) | undefined;
  // The page, its workers and ORT's threads live in one renderer; the largest renderer is ours.
  const renderers = () => pidsWith(profileDir).filter((pid) => readCmdline(pid).includes('--type=renderer'));
  const memory = new PeakMemory(renderers);

  const evaluate = (what: 'load' | 'call' | 'dispose', argument: unknown): Promise<DriverReply> => {
    if (crashed) return Promise.resolve({ ok: false, error: crashed });
    const crash = new Promise<DriverReply>((resolveCrash) => (onCrash = resolveCrash));
    const run = (page as Page)
      .evaluate(
        ([op, arg]) => {
          const bench = window.bench as NonNullable<Window['bench']>;
          return op === 'load' ? bench.load(arg as VariantSpec) : op === 'call' ? bench.call(arg as boolean) : bench.dispose();
        },
        [what, argument] as const,
      )
      .catch((error: unknown): DriverReply => ({ ok: false, error: crashed ?? (error instanceof Error ? (error.message.split('\n')[0] as string) : String(error)) }));
    return withTimeout(Promise.race([run, crash]), what);
  };

  return {
    spec,
    async load() {
      try {
        context = await launchChromiumWithProfile(profileDir);
        page = context.pages()[0] ?? (await context.newPage());
        page.on('console', (message) => {
          if (message.type() === 'error') log(`    [page] ${message.text().slice(0, 300)}`);
        });
        page.on('crash', () => {
          crashed = 'the renderer crashed (out of memory?)';
          onCrash?.({ ok: false, error: crashed });
        });
        await page.goto(new URL('bench/page/index.html', host.url).href);
        await page.waitForFunction(() => window.bench !== undefined, null, { timeout: 120_000 });
      } catch (error) {
        return { ok: false, error: `the bench page did not start: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
      }
      return evaluate('load', spec);
    },
    call: (keepScores) => evaluate('call', keepScores),
    dispose: () => evaluate('dispose', undefined),
    pids: () => pidsWith(profileDir),
    startCalls: () => memory.startCalls(),
    peakRssMib: () => memory.result(),
    rssMib: () => largestRssMib(renderers()),
    async close() {
      memory.stop();
      await context?.close().catch(() => undefined);
      if (ownProfile) rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}
