/**
 * `webrerank rank`: one request in, one response out (or a batch with `--jsonl`, rank-jsonl.ts).
 * A failed request goes to stderr as the server's JSON error body with exit code 1, so scripts can
 * branch on `error.status`; a mistake in the flags is a usage error (exit code 2), found first —
 * and so is a model, backend or dtype that can't run here (its JSON body, 503 model_unavailable).
 */
import { RerankError, toRerankError } from '../core/errors.js';
import { MODEL_FLAGS, modelFlagsHelp, modelOptionsFromFlags } from './options.js';
import { rankJsonl } from './rank-jsonl.js';
import { USAGE_EXIT_CODE, UsageError, integerFlag, parseFlags } from './usage.js';
import { fromStandin, standinWarner } from './standin-warning.js';
import { DEFAULT_MODEL_ID } from '../core/models.js';
import { createReranker } from '../node/create-node-reranker.js';
import type { RerankRequest } from '../core/contract.js';

const HELP = `Usage: webrerank rank [options] < request.json
       webrerank rank --query TEXT --document TEXT [--document TEXT ...] [options]
       webrerank rank --jsonl requests.jsonl [options] > responses.jsonl

Reads a POST /v1/rerank body ({"model", "query", "documents", ...}) from stdin, or builds one from
flags, and prints the response JSON. With --jsonl, ranks every line of the file (one request body
per line) and prints one response per line, in order, with a progress bar on stderr in a terminal.

Options:
${modelFlagsHelp(DEFAULT_MODEL_ID)}
  --query TEXT         the query (instead of stdin)
  --document TEXT      a document; repeat for more
  --top-n N            return only the best N
  --return-documents   include each document's text
  --jsonl FILE         a batch: one request body per line
`;

const RANK_FLAGS = {
  ...MODEL_FLAGS,
  query: { type: 'string' },
  document: { type: 'string', multiple: true },
  'top-n': { type: 'string' },
  'return-documents': { type: 'boolean' },
  jsonl: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs `webrerank rank`; resolves with the exit code. Usage errors are thrown (cli.ts prints them). */
export async function rank(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, RANK_FLAGS);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  // Every flag is checked before anything loads.
  const modelOptions = modelOptionsFromFlags(values);
  if (values.jsonl !== undefined) {
    if (values.query !== undefined || values.document !== undefined) throw new UsageError('--jsonl reads its requests from the file: leave out --query and --document');
    return rankJsonl(values.jsonl, modelOptions);
  }
  if (values.query === undefined && values.document !== undefined) throw new UsageError('--document needs --query');
  if (values.query === undefined && values['top-n'] !== undefined) throw new UsageError('--top-n goes with --query; a request on stdin sets top_n itself');
  const topN = values['top-n'] === undefined ? undefined : integerFlag('--top-n', values['top-n']);
  if (values.query === undefined && process.stdin.isTTY) throw new UsageError('pipe a request body to stdin, or pass --query and --document, or --jsonl FILE');

  try {
    const request = values.query !== undefined ? requestFromFlags(values, topN) : parseBody(await readStdin());
    const reranker = await createReranker({ ...modelOptions, preload: false });
    try {
      const response = await reranker.rerank(request);
      standinWarner()(fromStandin(response));
      process.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
      return 0;
    } finally {
      await reranker.dispose();
    }
  } catch (error) {
    const failure = toRerankError(error);
    process.stderr.write(`${JSON.stringify(failure.toJSON())}\n`);
    // The model, backend or dtype the flags asked for can't run here: a mistake in the command line.
    return failure.code === 'model_unavailable' ? USAGE_EXIT_CODE : 1;
  }
}

function requestFromFlags(values: {
  model?: string;
  query?: string;
  document?: string[];
  'return-documents'?: boolean;
}, topN: number | undefined): RerankRequest {
  const request: RerankRequest = { model: values.model ?? DEFAULT_MODEL_ID, query: values.query ?? '', documents: values.document ?? [] };
  if (topN !== undefined) request.top_n = topN;
  if (values['return-documents']) request.return_documents = true;
  return request;
}

function parseBody(text: string): RerankRequest {
  try {
    return JSON.parse(text) as RerankRequest;
  } catch (error) {
    throw new RerankError('invalid_request', `stdin is not valid JSON: ${(error as Error).message}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
