/**
 * A real HTTP server on 127.0.0.1 that answers each request with the next scripted behaviour:
 * a real answer from a real reranker, an error status, garbage, a hang or a dropped connection.
 * Remote-client and upstream tests point at it instead of mocking fetch.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { RerankRequest } from '../../src/core/contract.js';
import type { Reranker } from '../../src/core/reranker.js';

export type Behaviour =
  /** Rank the request with the real reranker and answer 200 in the /v1/rerank shape. */
  | { kind: 'answer' }
  /** Rank a TEI-shaped request with the real reranker and answer TEI's `[{index, score}]`, by index. */
  | { kind: 'tei-answer' }
  /** Answer `status` with `body` (JSON-encoded unless a string) and headers. */
  | { kind: 'respond'; status: number; body: unknown; headers?: Record<string, string> }
  /** Read the request and never answer. */
  | { kind: 'hang' }
  /** Read the request, then destroy the socket without a response. */
  | { kind: 'drop' };

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FaultServer {
  url: string;
  /** Every request received, in order. */
  readonly requests: SeenRequest[];
  /** Queues behaviours for the next requests; when the queue is empty, requests get `answer`. */
  script(...behaviours: Behaviour[]): void;
  /** Forgets the requests seen and any behaviours not yet used. */
  reset(): void;
  close(): Promise<void>;
}

/** Starts a fault server whose real answers come from `reranker`. */
export async function startFaultServer(reranker: Reranker): Promise<FaultServer> {
  const queue: Behaviour[] = [];
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: incoming.method ?? '', path: incoming.url ?? '', headers: incoming.headers, body });
      behave(queue.shift() ?? { kind: 'answer' }, body, incoming, outgoing).catch((error: unknown) => {
        send(outgoing, 500, { error: { message: `fault server: ${String(error)}` } });
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function behave(behaviour: Behaviour, body: string, incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    switch (behaviour.kind) {
      case 'answer':
        return send(outgoing, 200, await reranker.rerank(JSON.parse(body) as RerankRequest));
      case 'tei-answer': {
        const tei = JSON.parse(body) as { query: string; texts: string[] };
        const response = await reranker.rerank({ model: 'BAAI/bge-reranker-v2-m3', query: tei.query, documents: tei.texts });
        const byIndex = [...response.results].sort((a, b) => a.index - b.index);
        return send(outgoing, 200, byIndex.map((result) => ({ index: result.index, score: result.relevance_score })));
      }
      case 'respond':
        return send(outgoing, behaviour.status, behaviour.body, behaviour.headers);
      case 'hang':
        return;
      case 'drop':
        incoming.socket.destroy();
        return;
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...behaviours) => void queue.push(...behaviours),
    reset() {
      queue.length = 0;
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function send(outgoing: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  outgoing.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  outgoing.end(text);
}
