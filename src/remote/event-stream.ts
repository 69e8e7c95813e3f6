/**
 * Reading a `text/event-stream` body (server-sent events) as it arrives. Written here rather than
 * taken from a library: the client needs only `event` and `data` fields, and this stays a few
 * lines of Web APIs that run in browsers, Node and edge runtimes alike.
 */

/** One event: its `event:` name (default `message`) and its `data:` lines joined by newlines. */
export interface ServerSentEvent {
  event: string;
  data: string;
}

/** Calls `onEvent` for each complete event in `body`, in order; resolves when the body ends. */
export async function readEventStream(body: ReadableStream<Uint8Array>, onEvent: (event: ServerSentEvent) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  let event = 'message';
  let data: string[] = [];
  const line = (text: string): void => {
    if (text === '') {
      if (data.length > 0) onEvent({ event, data: data.join('\n') });
      event = 'message';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  };
  // A chunk that ends in CR may have its LF in the next chunk: one line end, not two.
  let endedInCarriageReturn = false;
  for (;;) {
    const { done, value: bytes } = await reader.read();
    if (done) break;
    const value = decoder.decode(bytes, { stream: true });
    buffered += endedInCarriageReturn && value.startsWith('\n') ? value.slice(1) : value;
    endedInCarriageReturn = value.endsWith('\r');
    const lines = buffered.split(/\r\n|\r|\n/);
    // The last piece is a line still cut in two (empty when the chunk ended a line).
    buffered = lines.pop() ?? '';
    for (const text of lines) line(text);
  }
  if (buffered !== '') line(buffered);
  line('');
}
