/**
 * The benchmark page. `window.bench` is a Driver (bench/core.ts): the orchestrator loads one
 * approach per browser, then asks for calls one at a time, so approaches in different browsers can
 * take turns.
 *
 * - webrerank: the page's public `createReranker` (src/index.ts) — its own worker, plan and all —
 *   timed here on the page, worker round trip included.
 * - recipe / raw: in a worker of their own (bench/page/approach.worker.ts), timed inside it.
 */
import { createReranker, type BrowserReranker } from '../../src/index.js';
import { BENCH_MODELS_PREFIX, Driver, rerankerTuning, scoresByIndex, type DriverReply, type Runner, type VariantSpec } from '../core.js';
import { WORKLOADS, type WorkloadName } from '../workloads.js';

function webrerankRunner(spec: VariantSpec): Runner {
  const { query, documents } = WORKLOADS[spec.workload as WorkloadName]();
  let reranker: BrowserReranker | undefined;
  return {
    async load() {
      // Where each model file came from: 'network' or 'cache' (the full-size bench's warm load).
      const sources: string[] = [];
      // When each phase began (ms since the call): the first event (worker started, plan made),
      // 'building' (every file read and checked), 'ready' (tokenizer and session built).
      const started = performance.now();
      const phases: Record<string, number> = {};
      reranker = await createReranker({
        models: [{ id: 'bench', source: { path: `${BENCH_MODELS_PREFIX}/${spec.model}` } }],
        device: 'wasm',
        dtype: spec.dtype,
        // Off unless asked: a benchmark must not fill the browser's storage with a gigabyte of weights.
        cache: spec.cache ?? false,
        // Timed calls repeat one request: they must run the model, not read the score cache.
        scoreCacheBytes: 0,
        onProgress: (event) => {
          if (event.status === 'download' && !sources.includes(`${event.file}: ${event.source}`)) sources.push(`${event.file}: ${event.source}`);
          const phase = event.status === 'building' || event.status === 'ready' ? event.status : 'first_event';
          phases[phase] ??= performance.now() - started;
        },
        ...rerankerTuning(spec),
      });
      const info = await reranker.info();
      return {
        threads: info.threads ?? null,
        batches: null,
        notes: {
          backend: info.backend,
          in_worker: info.inWorker,
          cross_origin_isolated: globalThis.crossOriginIsolated,
          plan: info.plan?.runtimes.map((runtime) => `${runtime.device}/${runtime.dtype}: ${runtime.reason}`),
          cache: info.cache,
          sources,
          load_phases_ms: loadPhases(phases, performance.now() - started),
        },
      };
    },
    async call() {
      const response = await (reranker as BrowserReranker).rerank({ model: 'bench', query, documents });
      return { scores: scoresByIndex(response.results, documents.length), tokens: response.usage?.total_tokens };
    },
    async dispose() {
      await reranker?.dispose();
    },
  };
}

/**
 * A load's time in phases (ms): worker start, probe and plan until the first progress event; the
 * files (read from the cache and checked, or downloaded) until 'building'; the tokenizer and the
 * session until 'ready'; and 'ready' to createReranker's answer.
 */
function loadPhases(at: Record<string, number>, total: number): Record<string, number> | undefined {
  const { first_event: first, building, ready } = at;
  if (first === undefined || building === undefined || ready === undefined) return undefined;
  return { start_to_first_event: Math.round(first), files: Math.round(building - first), tokenizer_and_session: Math.round(ready - building), ready_to_answer: Math.round(total - ready) };
}

/** A runner living in approach.worker.ts: every command is relayed to the worker's own Driver. */
class WorkerDriver {
  readonly #worker = new Worker(new URL('./approach.worker.ts', import.meta.url), { type: 'module' });
  #pending: ((reply: DriverReply) => void) | undefined;

  constructor() {
    this.#worker.onmessage = (event: MessageEvent<DriverReply>) => this.#pending?.(event.data);
    this.#worker.onerror = (event) => this.#pending?.({ ok: false, error: `worker error: ${event.message ?? 'the worker failed to start or crashed'}` });
  }

  handle(command: Parameters<Driver['handle']>[0]): Promise<DriverReply> {
    return new Promise((resolve) => {
      this.#pending = resolve;
      this.#worker.postMessage(command);
    });
  }

  terminate(): void {
    this.#worker.terminate();
  }
}

let driver: Pick<Driver, 'handle'> | undefined;

const bench = {
  /** Loads `spec`'s approach; the reply's value is its LoadInfo. */
  load(spec: VariantSpec): Promise<DriverReply> {
    driver = spec.approach === 'webrerank' ? new Driver(webrerankRunner) : new WorkerDriver();
    return driver.handle({ op: 'load', spec });
  },
  call(keepScores: boolean): Promise<DriverReply> {
    return (driver as Pick<Driver, 'handle'>).handle({ op: 'call', keepScores });
  },
  async dispose(): Promise<DriverReply> {
    const reply = await (driver as Pick<Driver, 'handle'>).handle({ op: 'dispose' });
    if (driver instanceof WorkerDriver) driver.terminate();
    return reply;
  },
};

declare global {
  interface Window {
    bench?: typeof bench;
  }
}

window.bench = bench;
