/**
 * The page's clock on a worker's start: quiet for the stall time (plus the page's grace) means a
 * 503 `model_load_stalled` that says what the worker was doing, and the worker is stopped; any
 * progress restarts the clock.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LoadProgress } from '../../src/core/progress.js';
import { watchWorkerStart } from '../../src/browser/page/worker-start-watch.js';

const never = new Promise<never>(() => undefined);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Settles `promise` into a value or an error, so fake time can run while it is pending. */
function outcome<T>(promise: Promise<T>): { value?: T; error?: unknown; settled: boolean } {
  const state: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { value, settled: true }),
    (error: unknown) => Object.assign(state, { error, settled: true }),
  );
  return state;
}

/** A `progress` event for `loaded` of `total` bytes of one file. */
function progressEvent(file: string, loaded: number, total: number): LoadProgress {
  return {
    status: 'progress', model: 'm', file, loaded, total, progress: (100 * loaded) / total,
    fileLoaded: loaded, fileTotal: total, filesDone: loaded === total ? 1 : 0, fileCount: 1, sizeKnown: true,
    label: `${loaded} of ${total} bytes`,
  };
}

describe('watchWorkerStart', () => {
  it('rejects a silent start with 503 model_load_stalled naming the worker start, and stops the worker', async () => {
    const onStall = vi.fn();
    const watch = watchWorkerStart(1_000, undefined);
    const state = outcome(watch.guard(never, onStall));
    await vi.advanceTimersByTimeAsync(5_999);
    expect(state.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    expect(state.error).toMatchObject({ status: 503, code: 'model_load_stalled' });
    expect((state.error as Error).message).toBe('The rerank worker made no progress for 6 s while waiting for the worker to start, probe this device and begin loading the model.');
    expect(onStall).toHaveBeenCalledOnce();
  });

  it('restarts the clock on each progress event, passes the events on, and names the last wait', async () => {
    const seen: LoadProgress[] = [];
    const watch = watchWorkerStart(1_000, (event) => seen.push(event));
    const state = outcome(watch.guard(never, () => undefined));
    for (let step = 1; step <= 4; step++) {
      await vi.advanceTimersByTimeAsync(5_000);
      watch.progress(progressEvent('onnx/model.onnx', step * 100_000, 1_000_000));
    }
    expect(state.settled).toBe(false);
    expect(seen).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(6_001);
    expect((state.error as Error).message).toMatch(/waiting for more bytes of the model files \(0\.4 of 1\.0 MB so far\)\.$/);
  });

  it('after all bytes, names the runtime building its session', async () => {
    const watch = watchWorkerStart(1_000, undefined);
    const state = outcome(watch.guard(never, () => undefined));
    watch.progress(progressEvent('', 10, 10));
    await vi.advanceTimersByTimeAsync(6_001);
    expect((state.error as Error).message).toMatch(/onnxruntime-web to build the inference session in the worker \(its WASM module and threads\)\.$/);
  });

  it('settles with the start when it comes in time, and never fires afterwards', async () => {
    const onStall = vi.fn();
    const watch = watchWorkerStart(1_000, undefined);
    const state = outcome(watch.guard(Promise.resolve('started'), onStall));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(state.value).toBe('started');
    expect(onStall).not.toHaveBeenCalled();
  });

  it('waits forever when the timeout is 0 (turned off)', async () => {
    const watch = watchWorkerStart(0, undefined);
    const state = outcome(watch.guard(never, () => undefined));
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(state.settled).toBe(false);
  });
});
