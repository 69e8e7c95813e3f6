/**
 * Time bounds for tests that promise "at once" or "within the bound". One place holds the slack a
 * shared 2-core CI machine needs, so that no test invents its own margin.
 */

/** How much slower than a quiet developer machine CI may be: its two cores run Chromium too. */
export const TIMING_SLACK = process.env.CI ? 2 : 1;

/** The upper bound for something that should take at most `ms` on a quiet machine. */
export function withinMs(ms: number): number {
  return ms * TIMING_SLACK;
}

/** Runs `work` and measures how long it took. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}
