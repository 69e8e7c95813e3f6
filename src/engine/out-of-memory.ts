/**
 * Telling an allocation failure from other failures, so that running out of memory is a clear
 * answer — 503 `out_of_memory` saying which model needed how much — instead of a crash message.
 *
 * The ways it shows: V8 can't allocate an ArrayBuffer ("Array buffer allocation failed"), the WASM
 * heap can't grow (onnxruntime's `std::bad_alloc`, "Cannot enlarge memory", a RangeError from
 * `WebAssembly.Memory.grow`, a buffer size past 4 GB in onnxruntime's SafeInt), or a GPU gives up (WebGPU "device lost", "out of memory").
 */
import { RerankError } from '../core/errors.js';

// onnxruntime's SafeInt overflow is a buffer size past what a 32-bit heap can address.
const OUT_OF_MEMORY = /array buffer allocation failed|bad_alloc|safeintonoverflow|out of memory|cannot enlarge memory|memory\.grow|maximum memory size|allocation failed|failed to allocate|device (?:was )?lost|\boom\b/i;

/** True when `error` (or its cause) says memory ran out. */
export function isOutOfMemory(error: unknown): boolean {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    if (current instanceof RerankError && current.code === 'out_of_memory') return true;
    const message = current instanceof Error ? `${current.name}: ${current.message}` : String(current);
    if (OUT_OF_MEMORY.test(message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** A 503 `out_of_memory`: `what` ran out of memory; `advice` says what might fit. */
export function outOfMemoryError(what: string, error: unknown, advice: string): RerankError {
  const detail = error instanceof Error ? error.message : String(error);
  return new RerankError('out_of_memory', `${what} ran out of memory (${detail.split('\n')[0]}). ${advice}`, { cause: error });
}
