/**
 * How long a page's main thread ran each of its tasks, from a Chromium trace.
 *
 * The Long Tasks API measures a task in wall time: on a loaded 2-core machine, where the model's
 * threads, the GPU process and the test runner all want a core, a 10 ms layout that the scheduler
 * paused reads as a 100 ms long task. The trace also records each task's thread time (`tdur`): the
 * CPU the main thread actually spent on it, which is what a page that tokenizes or scores on its
 * main thread would spend, however quiet the machine.
 */
import type { Browser, Page } from 'playwright-core';

export interface MainThreadTask {
  /** From the task's start to its end. */
  wallMs: number;
  /** The main thread's CPU time in it. */
  cpuMs: number;
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string; data?: { url?: string } };
}

/** Runs `work` while tracing `page`, and returns its main thread's tasks in that time. */
export async function traceMainThread<T>(browser: Browser, page: Page, work: () => Promise<T>): Promise<{ value: T; tasks: MainThreadTask[] }> {
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
  let value: T;
  try {
    value = await work();
  } catch (error) {
    await browser.stopTracing();
    throw error;
  }
  const trace = await browser.stopTracing();
  return { value, tasks: mainThreadTasks(JSON.parse(trace.toString('utf8')).traceEvents as TraceEvent[], new URL(page.url()).origin) };
}

/** The top-level tasks of the renderer main thread that ran `origin`'s scripts. */
export function mainThreadTasks(events: TraceEvent[], origin: string): MainThreadTask[] {
  const mains = new Set(events.filter((event) => event.ph === 'M' && event.name === 'thread_name' && event.args?.name === 'CrRendererMain').map(threadOf));
  const pageThreads = new Set(events.filter((event) => event.name === 'FunctionCall' && mains.has(threadOf(event)) && event.args?.data?.url?.startsWith(origin)).map(threadOf));
  if (pageThreads.size !== 1) throw new Error(`expected one renderer main thread running ${origin} in the trace, found ${pageThreads.size}`);
  return events
    .filter((event) => event.ph === 'X' && event.name === 'RunTask' && pageThreads.has(threadOf(event)))
    .map((event) => ({ wallMs: (event.dur ?? 0) / 1000, cpuMs: (event.tdur ?? event.dur ?? 0) / 1000 }));
}

function threadOf(event: TraceEvent): string {
  return `${event.pid}:${event.tid}`;
}
