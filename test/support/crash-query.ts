/** The query that makes test/support/crashing-engine-thread.ts kill its thread. */
export const CRASH_QUERY = 'crash the engine thread';

/** The query that makes test/support/crashing-engine-thread.ts end its thread with `process.exit(7)`. */
export const EXIT_QUERY = 'exit the engine thread';
