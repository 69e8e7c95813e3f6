/**
 * Collects the store steps that requests ask for in one turn of the event loop and hands them to
 * the store in one go at the turn's end: one transaction (SQLite) or one script (Redis) for all of
 * them instead of one each. Under load many requests reach the store in the same turn, and a round
 * trip or a commit, not a step, is what costs; with one request in flight nothing waits longer
 * than the rest of its turn.
 */

/** How one step of a batch went: its result, or the error that only its own caller is told. */
export type StepOutcome<Result> = { ok: true; value: Result } | { ok: false; error: unknown };

/** Runs a batch of steps in order; one outcome per step. Throwing fails every step of the batch. */
export type RunBatch<Step, Result> = (steps: Step[]) => StepOutcome<Result>[] | Promise<StepOutcome<Result>[]>;

interface Waiting<Step, Result> {
  step: Step;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

export class TurnBatch<Step, Result> {
  readonly #run: RunBatch<Step, Result>;
  readonly #maxSteps: number;
  #waiting: Waiting<Step, Result>[] = [];

  /** `maxSteps` bounds one batch, so one script or transaction stays short however deep the queue. */
  constructor(run: RunBatch<Step, Result>, maxSteps = 256) {
    this.#run = run;
    this.#maxSteps = maxSteps;
  }

  /** Queues `step` for the batch at the end of this turn; resolves with its own result. */
  add(step: Step): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      if (this.#waiting.length === 0) setImmediate(() => this.flush());
      this.#waiting.push({ step, resolve, reject });
    });
  }

  /** Runs what is queued now, in batches of at most `maxSteps` (also called to run it early). */
  flush(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (let start = 0; start < waiting.length; start += this.#maxSteps) void this.#runBatch(waiting.slice(start, start + this.#maxSteps));
  }

  async #runBatch(batch: Waiting<Step, Result>[]): Promise<void> {
    let outcomes: StepOutcome<Result>[];
    try {
      outcomes = await this.#run(batch.map((waiting) => waiting.step));
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    batch.forEach((waiting, index) => {
      const outcome = outcomes[index];
      if (outcome === undefined) waiting.reject(new Error(`the store answered ${outcomes.length} steps of a batch of ${batch.length}`));
      else if (outcome.ok) waiting.resolve(outcome.value);
      else waiting.reject(outcome.error);
    });
  }
}
