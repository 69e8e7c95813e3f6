/**
 * A browser's memory as the machine sees it, from /proc (Linux only): the sum over every process
 * of one Chromium profile — browser, GPU, utility and renderer processes, the one that hosts a
 * SharedWorker included. Used where the question is "did the browser load the model again?".
 *
 * RSS counts pages shared between processes once per process; PSS splits each shared page among
 * the processes that map it, so the PSS sum is what the processes take together.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Pids whose command line contains `marker` (e.g. a Chromium profile folder). */
export function pidsWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) pids.push(Number(entry));
    } catch {
      // gone between listing and reading
    }
  }
  return pids;
}

/** Memory of a set of processes now, MiB. */
export interface ProcessesMemory {
  processes: number;
  /** Sum of resident set sizes (shared pages counted in every process). */
  rssMib: number;
  /** Sum of proportional set sizes (shared pages split): the processes' memory together. */
  pssMib: number;
}

/** One field of /proc/PID/smaps_rollup (`Rss`, `Pss`) in kB; 0 if the process is gone. */
function rollupKib(pid: number, field: 'Rss' | 'Pss'): number {
  try {
    return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The summed memory of every process whose command line contains `marker`. */
export function processesMemory(marker: string): ProcessesMemory {
  const pids = pidsWith(marker);
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    rss += rollupKib(pid, 'Rss');
    pss += rollupKib(pid, 'Pss');
  }
  return { processes: pids.length, rssMib: Math.round(rss / 1024), pssMib: Math.round(pss / 1024) };
}

/**
 * The memory of `marker`'s processes once it has settled: `collect` is asked to collect garbage
 * first (a browser: `collectGarbageEverywhere` in browser-gc.ts — else a model-sized buffer dropped
 * after loading may be freed in the middle of a later measurement), then readings 1 s apart until
 * two agree within 16 MiB (at most 20 s).
 */
export async function settledProcessesMemory(marker: string, collect: () => Promise<unknown>): Promise<ProcessesMemory> {
  await collect();
  let last = processesMemory(marker);
  for (let i = 0; i < 20; i++) {
    await new Promise((done) => setTimeout(done, 1000));
    const now = processesMemory(marker);
    if (Math.abs(now.pssMib - last.pssMib) < 16) return now;
    last = now;
  }
  return last;
}
