/**
 * `webrerank rank --jsonl FILE`: a batch job. Each non-empty line of FILE is one request body;
 * each gets one line on stdout, in order — the response, or `{"error": {…}, "line": N}` — so output
 * line N answers request N. The model loads once for all of them. A progress bar goes to stderr
 * when stderr is a terminal. Exit code 1 if any request failed.
 */
import { readFile } from 'node:fs/promises';
import { RerankError, toRerankError } from '../core/errors.js';
import type { RerankRequest } from '../core/contract.js';
import { createReranker, type NodeRerankerOptions } from '../node/create-node-reranker.js';
import { ProgressBar } from './progress-bar.js';
import { UsageError } from './usage.js';
import { fromStandin, standinWarner } from './standin-warning.js';

interface Streams {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown; isTTY?: boolean };
}

export async function rankJsonl(file: string, options: Omit<NodeRerankerOptions, 'preload'>, streams: Streams = { out: process.stdout, err: process.stderr }): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --jsonl ${file}: ${(error as Error).message}`);
  }
  const lines = text
    .split(/\r?\n/)
    .map((body, index) => ({ body, number: index + 1 }))
    .filter(({ body }) => body.trim() !== '');
  const bar = streams.err.isTTY ? new ProgressBar(streams.err, lines.length, 'requests') : undefined;
  const reranker = await createReranker({ ...options, preload: false });
  const warn = standinWarner(streams.err);
  let failed = 0;
  try {
    for (const { body, number } of lines) {
      try {
        const response = await reranker.rerank(parseLine(body, number));
        warn(fromStandin(response));
        streams.out.write(`${JSON.stringify(response)}\n`);
      } catch (error) {
        failed++;
        streams.out.write(`${JSON.stringify({ ...toRerankError(error).toJSON(), line: number })}\n`);
      }
      bar?.tick();
    }
  } finally {
    bar?.finish();
    await reranker.dispose();
  }
  return failed > 0 ? 1 : 0;
}

function parseLine(body: string, number: number): RerankRequest {
  try {
    return JSON.parse(body) as RerankRequest;
  } catch (error) {
    throw new RerankError('invalid_request', `line ${number} is not valid JSON: ${(error as Error).message}`);
  }
}
