/**
 * `POST /v1/rerank` with `Accept: text/event-stream`: the ranking as server-sent events — a
 * `partial` event after each batch (`{results, scored, total, done: false}`, texts left out) and
 * one `done` event carrying the normal response body.
 *
 * The stream opens only once the first item is there: a request refused before any scoring (bad
 * input, busy, quota) still gets its ordinary JSON error and status. A failure after that arrives
 * as one `error` event with the ordinary error body, so every request still gets exactly one answer.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { RerankRequest } from '../core/contract.js';
import type { RerankFinal } from '../core/reranker.js';
import { streamRerank, type PartialRerank } from '../core/rerank-stream.js';

/** Whether the client asked for an event stream. */
export function wantsEventStream(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*text\/event-stream\s*(;|,|$)/i.test(accept);
}

export interface EventStreamRendering {
  /** The `done` event's body: the dialect's own rendering of the final response. */
  render(final: RerankFinal): unknown;
  /** The `error` event's body for a failure after the stream opened. */
  errorBody(error: unknown): unknown;
}

/**
 * Runs `rerank` and streams its items to the client once the first is there (a failure before it
 * rejects, for the ordinary error answer). The client going away (the request's signal) or
 * leaving the stream stops the rerank.
 */
export async function eventStreamResponse(c: Context, rerank: PartialRerank<RerankRequest>, request: RerankRequest, rendering: EventStreamRendering): Promise<Response> {
  const iterator = streamRerank(rerank, request, { signal: c.req.raw.signal })[Symbol.asyncIterator]();
  const first = await iterator.next();
  return streamSSE(c, async (stream) => {
    stream.onAbort(() => void iterator.return?.());
    let next = first;
    try {
      while (!next.done && !stream.aborted) {
        const item = next.value;
        if (item.done) {
          await stream.writeSSE({ event: 'done', data: JSON.stringify(rendering.render(item)) });
          return;
        }
        await stream.writeSSE({ event: 'partial', data: JSON.stringify(item) });
        next = await iterator.next();
      }
    } catch (error) {
      if (!stream.aborted) await stream.writeSSE({ event: 'error', data: JSON.stringify(rendering.errorBody(error)) });
    }
  });
}
