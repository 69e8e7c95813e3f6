/**
 * A one-line progress bar for a terminal: redrawn in place with `\r`, finished with a newline.
 * Only for a stream that is a TTY — a pipe or a log file gets no bar at all.
 */
const WIDTH = 30;

export interface BarStream {
  write(text: string): unknown;
}

export class ProgressBar {
  #done = 0;
  #text: string | undefined;

  constructor(
    private readonly stream: BarStream,
    private readonly total: number,
    private readonly unit: string,
  ) {
    this.#draw();
  }

  /** One more item done. */
  tick(): void {
    this.#done = Math.min(this.total, this.#done + 1);
    this.#draw();
  }

  /** Jumps to `done` of the total, with `text` in place of the count (e.g. "2 of 4 files, 3 MB of 9 MB"). */
  moveTo(done: number, text?: string): void {
    this.#done = Math.min(this.total, Math.max(this.#done, done));
    this.#text = text;
    this.#draw();
  }

  /** Leaves the bar as it stands and moves to the next line. */
  finish(): void {
    this.stream.write('\n');
  }

  #draw(): void {
    const filled = this.total === 0 ? WIDTH : Math.round((WIDTH * this.#done) / this.total);
    this.stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${this.#text ?? `${this.#done}/${this.total} ${this.unit}`}\x1b[K`);
  }
}
