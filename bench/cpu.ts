/**
 * CPU accounting from /proc, for a shared machine: how much of the CPUs processes *other* than the
 * benchmarked ones used while a call ran. Linux only (the benchmark's machine).
 */
import { readFileSync } from 'node:fs';

/**
 * Measures what the rest of the machine did during a call. The machine is shared: `end()` returns
 * the share of all CPUs that processes other than the benchmarked ones used since `begin()`.
 */
export interface Meter {
  begin(): void;
  end(): number;
}

/** All CPUs' ticks since boot: busy (everything but idle and iowait) and total. */
export function systemTicks(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] as string).trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
}

/** utime + stime of a process (all its threads), in the same ticks as /proc/stat; 0 if it is gone. */
export function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces; fields resume after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

export { pidsWith } from '../test/kit/process-memory.js';

/** A Meter that counts every process `ours()` lists as the benchmarked one. */
export function procMeter(ours: () => number[]): Meter {
  let start: { busy: number; total: number; ours: Map<number, number> } | undefined;
  const snapshot = () => {
    const ticks = new Map(ours().map((pid) => [pid, processTicks(pid)]));
    return { ...systemTicks(), ours: ticks };
  };
  return {
    begin() {
      start = snapshot();
    },
    end() {
      if (!start) return 0;
      const now = snapshot();
      let oursDelta = 0;
      for (const [pid, ticks] of now.ours) oursDelta += ticks - (start.ours.get(pid) ?? 0);
      const total = now.total - start.total;
      const others = now.busy - start.busy - oursDelta;
      return total > 0 ? Math.max(0, others / total) : 0;
    },
  };
}
