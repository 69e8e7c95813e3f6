import { describe, expect, it } from 'vitest';
import { FairQueue } from '../../src/browser/worker/fair-queue.js';

/** A task that records its start and finishes when the test says so. */
function gate(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { task: async () => { log.push(name); await done; return name; }, finish };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Runs every queued job to the end, one after another, and returns the order they started in. */
async function drain(queue: FairQueue, jobs: Array<[string, string]>): Promise<string[]> {
  const log: string[] = [];
  const results = jobs.map(([key, name]) => queue.run(key, async () => { log.push(name); await settle(); return name; }));
  await Promise.all(results);
  return log;
}

describe('FairQueue', () => {
  it('takes turns between tabs instead of serving one tab’s backlog first', async () => {
    const queue = new FairQueue();
    const jobs: Array<[string, string]> = [
      ...Array.from({ length: 5 }, (_, i): [string, string] => ['a', `a${i}`]),
      ['b', 'b0'],
      ['b', 'b1'],
      ['c', 'c0'],
    ];
    expect(await drain(queue, jobs)).toEqual(['a0', 'b0', 'c0', 'a1', 'b1', 'a2', 'a3', 'a4']);
  });

  it('serves a tab that arrives while another tab’s backlog runs next, not after it', async () => {
    const queue = new FairQueue();
    const log: string[] = [];
    const first = gate(log, 'a0');
    const a0 = queue.run('a', first.task);
    const rest = Array.from({ length: 49 }, (_, i) => queue.run('a', async () => { log.push(`a${i + 1}`); }));
    await settle();
    const b = queue.run('b', async () => { log.push('b0'); });
    first.finish();
    await Promise.all([a0, b, ...rest]);
    // a0 was a's turn: b, arriving during it, goes before a1.
    expect(log.slice(0, 3)).toEqual(['a0', 'b0', 'a1']);
    expect(log).toHaveLength(51);
  });

  it('runs one job at a time', async () => {
    const queue = new FairQueue();
    let running = 0;
    let most = 0;
    const job = async () => { running++; most = Math.max(most, running); await settle(); running--; };
    await Promise.all([queue.run('a', job), queue.run('b', job), queue.run('a', job), queue.run('c', job)]);
    expect(most).toBe(1);
  });

  it('takes an aborted job out of the line with an AbortError, and never runs it', async () => {
    const queue = new FairQueue();
    const log: string[] = [];
    const first = gate(log, 'a0');
    const a0 = queue.run('a', first.task);
    const controller = new AbortController();
    const b0 = queue.run('b', async () => { log.push('b0'); }, controller.signal);
    controller.abort();
    await expect(b0).rejects.toMatchObject({ name: 'AbortError', code: 'aborted', status: 499 });
    expect(queue.size).toBe(0);
    first.finish();
    await a0;
    expect(log).toEqual(['a0']);
  });

  it('rejects a job whose signal already fired without queueing it', async () => {
    const queue = new FairQueue();
    await expect(queue.run('a', async () => 'ran', AbortSignal.abort())).rejects.toMatchObject({ code: 'aborted' });
    expect(queue.size).toBe(0);
  });

  it('drops a closed tab’s waiting jobs with the given error and keeps serving the others', async () => {
    const queue = new FairQueue();
    const log: string[] = [];
    const first = gate(log, 'a0');
    const a0 = queue.run('a', first.task);
    const gone = [queue.run('a', async () => { log.push('a1'); }), queue.run('a', async () => { log.push('a2'); })];
    const b0 = queue.run('b', async () => { log.push('b0'); return 'b'; });
    queue.drop('a', new Error('tab closed'));
    for (const job of gone) await expect(job).rejects.toThrow('tab closed');
    first.finish();
    expect(await Promise.all([a0, b0])).toEqual(['a0', 'b']);
    expect(log).toEqual(['a0', 'b0']);
  });

  it('keeps going after a job fails', async () => {
    const queue = new FairQueue();
    const failed = queue.run('a', async () => { throw new Error('boom'); });
    const next = queue.run('b', async () => 'ok');
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('ok');
  });
});
