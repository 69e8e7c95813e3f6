import { describe, expect, it } from 'vitest';
import { readEventStream, type ServerSentEvent } from '../../src/remote/event-stream.js';

function body(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function read(chunks: string[]): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  await readEventStream(body(chunks), (event) => events.push(event));
  return events;
}

describe('readEventStream', () => {
  const text = 'event: partial\ndata: {"a":1}\n\n: a comment\nevent: done\ndata: line one\ndata: line two\n\n';
  const expected = [
    { event: 'partial', data: '{"a":1}' },
    { event: 'done', data: 'line one\nline two' },
  ];

  it('reads named events with multi-line data, skipping comments', async () => {
    expect(await read([text])).toEqual(expected);
  });

  it('reads the same events however the body is cut into chunks', async () => {
    for (let cut = 1; cut < text.length; cut++) expect(await read([text.slice(0, cut), text.slice(cut)])).toEqual(expected);
    expect(await read([...text])).toEqual(expected);
  });

  it('treats CRLF and CR as line ends, also when a CRLF is cut between chunks', async () => {
    const crlf = text.replace(/\n/g, '\r\n');
    for (let cut = 1; cut < crlf.length; cut++) expect(await read([crlf.slice(0, cut), crlf.slice(cut)])).toEqual(expected);
    expect(await read([text.replace(/\n/g, '\r')])).toEqual(expected);
  });

  it('decodes a multi-byte character split between chunks', async () => {
    const bytes = new TextEncoder().encode('data: é\n\n');
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 7));
        controller.enqueue(bytes.slice(7));
        controller.close();
      },
    });
    const events: ServerSentEvent[] = [];
    await readEventStream(stream, (event) => events.push(event));
    expect(events).toEqual([{ event: 'message', data: 'é' }]);
  });
});
