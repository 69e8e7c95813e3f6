/**
 * Errors that keep their class, `status` and `code` across the worker boundary.
 *
 * comlink sends a thrown error as message, name and stack only, so a 400 `empty_documents` would
 * arrive on the page as a bare Error. This replaces comlink's "throw" transfer handler with one
 * that sends every error as a serialized RerankError (anything else becomes a 500
 * `internal_error`, as everywhere else) and rebuilds it on the other side. Both sides of the
 * boundary must call it: the worker to serialize, the page to deserialize.
 */
import { transferHandlers, type TransferHandler } from 'comlink';
import { deserializeRerankError, serializeRerankError, toRerankError, type SerializedRerankError } from '../../core/errors.js';

interface Thrown {
  value: unknown;
}

interface WireError {
  webrerank: 1;
  error: SerializedRerankError;
}

let installed = false;

/** Installs the handler in this realm (idempotent). */
export function registerErrorTransfer(): void {
  if (installed) return;
  const original = transferHandlers.get('throw') as TransferHandler<Thrown, unknown> | undefined;
  if (!original) throw new Error('comlink has no "throw" transfer handler to replace.');
  const handler: TransferHandler<Thrown, WireError | unknown> = {
    // comlink marks thrown values with a private symbol; its own check is the only way to test it.
    canHandle: (value): value is Thrown => original.canHandle(value),
    serialize({ value }) {
      const wire: WireError = { webrerank: 1, error: serializeRerankError(toRerankError(value)) };
      return [wire, []];
    },
    deserialize(wire) {
      if (isWireError(wire)) throw deserializeRerankError(wire.error);
      // A peer without our handler (an older worker, say) sent comlink's own format.
      return original.deserialize(wire);
    },
  };
  transferHandlers.set('throw', handler as TransferHandler<unknown, unknown>);
  installed = true;
}

function isWireError(value: unknown): value is WireError {
  return typeof value === 'object' && value !== null && (value as { webrerank?: unknown }).webrerank === 1 && typeof (value as { error?: unknown }).error === 'object';
}
