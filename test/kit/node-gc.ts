/**
 * A full garbage collection in a running Node process and in every worker thread it has, through
 * the process's inspector (started with `--inspect=127.0.0.1:0`).
 *
 * What a process keeps is what a leak grows; what it holds at an instant under load also counts V8's
 * spare pages and garbage not yet collected, 10–100 MB here whenever you look. Collecting first
 * makes two readings of RSS comparable. Each V8 isolate has its own heap, so the engine's thread is
 * reached through the NodeWorker domain.
 */
import { WebSocket } from 'undici';

/** The inspector's WebSocket URL from the "Debugger listening on ws://…" line of stderr. */
export function inspectorUrl(stderrLines: readonly string[]): string | undefined {
  for (const line of stderrLines) {
    const match = /Debugger listening on (ws:\/\/\S+)/.exec(line);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

interface InspectorMessage {
  id?: number;
  method?: string;
  params?: { sessionId?: string; message?: string };
  error?: { message: string };
}

/** Collects garbage in the main isolate and every worker's; resolves with how many isolates. */
export async function collectGarbageEverywhere(url: string): Promise<number> {
  const socket = new WebSocket(url);
  await new Promise<void>((opened, failed) => {
    socket.addEventListener('open', () => opened(), { once: true });
    socket.addEventListener('error', () => failed(new Error(`inspector at ${url} refused the connection`)), { once: true });
  });
  const replies = new Map<number, (message: InspectorMessage) => void>();
  const workerReplies = new Map<string, () => void>();
  const workers: string[] = [];
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as InspectorMessage;
    if (message.id !== undefined) replies.get(message.id)?.(message);
    if (message.method === 'NodeWorker.attachedToWorker' && message.params?.sessionId) workers.push(message.params.sessionId);
    if (message.method === 'NodeWorker.receivedMessageFromWorker' && message.params?.sessionId) {
      const reply = JSON.parse(message.params.message ?? '{}') as InspectorMessage;
      if (reply.id === 1) workerReplies.get(message.params.sessionId)?.();
    }
  });
  let nextId = 1;
  const call = (method: string, params: object = {}): Promise<InspectorMessage> =>
    new Promise((answered, failed) => {
      const id = nextId++;
      replies.set(id, (message) => (message.error ? failed(new Error(`${method}: ${message.error.message}`)) : answered(message)));
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    await call('NodeWorker.enable', { waitForDebuggerOnStart: false });
    // Attached workers are announced as events right after enable.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await call('HeapProfiler.collectGarbage');
    for (const sessionId of workers) {
      const done = new Promise<void>((collected) => workerReplies.set(sessionId, collected));
      await call('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }) });
      await done;
    }
    return 1 + workers.length;
  } finally {
    socket.close();
  }
}
