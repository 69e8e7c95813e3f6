/**
 * Writing a model file into OPFS as it downloads: in pieces of a few MB (each write is a round
 * trip to the browser's storage process, so 64 kB network chunks would be thousands of them), and
 * giving up cleanly — once, with the store told why — when the disk fills.
 */

// Larger pieces mean fewer round trips to the storage process; 8 MB is ~1 % of the q8 model.
const WRITE_PIECE_BYTES = 8 * 2 ** 20;

/** The hashes of a completely written file (see file-digest.ts). */
export interface FileHashes {
  sha256: string;
  xxh128: string;
}

/** A file being written: bytes in order, then `finish` with their hash. */
export interface StoreWriter {
  write(bytes: Uint8Array): Promise<void>;
  /** Records size and hashes; until then the file does not count as stored. True when it is stored. */
  finish(hashes: FileHashes): Promise<boolean>;
  /** Drops what was written (a failed download). */
  abort(): Promise<void>;
}


/** Writes in pieces of WRITE_PIECE_BYTES; the first failure aborts and reports once. */
export class PieceWriter implements StoreWriter {
  readonly #piece = new Uint8Array(WRITE_PIECE_BYTES);
  #filled = 0;
  #written = 0;
  #failed = false;

  constructor(
    private readonly writable: FileSystemWritableFileStream,
    private readonly hooks: { finish(bytes: number, hashes: FileHashes): Promise<void>; fail(error: unknown): Promise<void> },
  ) {}

  async write(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length && !this.#failed) {
      const take = Math.min(bytes.length - offset, this.#piece.length - this.#filled);
      this.#piece.set(bytes.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
      if (this.#filled === this.#piece.length) await this.#flush();
    }
  }

  async finish(hashes: FileHashes): Promise<boolean> {
    await this.#flush();
    if (this.#failed) return false;
    try {
      await this.writable.close();
      await this.hooks.finish(this.#written, hashes);
      return true;
    } catch (error) {
      await this.#fail(error);
      return false;
    }
  }

  async abort(): Promise<void> {
    if (this.#failed) return;
    this.#failed = true;
    await this.writable.abort().catch(() => undefined);
  }

  async #flush(): Promise<void> {
    if (this.#failed || this.#filled === 0) return;
    try {
      await this.writable.write(this.#piece.subarray(0, this.#filled));
      this.#written += this.#filled;
      this.#filled = 0;
    } catch (error) {
      await this.#fail(error);
    }
  }

  async #fail(error: unknown): Promise<void> {
    await this.abort();
    await this.hooks.fail(error);
  }
}

