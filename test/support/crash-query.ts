/** The query that makes test/support/crashing-engine-thread.ts kill its thread. */
export const CRASH_QUERY = 'crash the engine thread';
