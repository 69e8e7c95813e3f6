/**
 * `webrerank rank`: one request in, one response out. Errors go to stderr as the server's JSON
 * error body, with a non-zero exit code, so scripts can branch on `error.status`.
 */
import { parseArgs } from 'node:util';
import { RerankError, toRerankError } from '../core/errors.js';
import { MODEL_FLAGS, modelFlagsHelp, modelOptionsFromFlags, usageError } from './options.js';
import { DEFAULT_MODEL_ID } from '../core/models.js';
import { createReranker } from '../node/create-node-reranker.js';
import type { RerankRequest } from '../core/contract.js';

const HELP = `Usage: webrerank rank [options] < request.json
       webrerank rank --query TEXT --document TEXT [--document TEXT ...] [options]

Reads a POST /v1/rerank body ({"model", "query", "documents", ...}) from stdin, or builds one from
flags, and prints the response JSON.

Options:
${modelFlagsHelp(DEFAULT_MODEL_ID)}
  --query TEXT         the query (instead of stdin)
  --document TEXT      a document; repeat for more
  --top-n N            return only the best N
  --return-documents   include each document's text
`;

export async function rank(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...MODEL_FLAGS,
      query: { type: 'string' },
      document: { type: 'string', multiple: true },
      'top-n': { type: 'string' },
      'return-documents': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }

  try {
    const request = values.query !== undefined ? requestFromFlags(values) : parseBody(await readStdin());
    const reranker = await createReranker({ ...modelOptionsFromFlags(values), preload: false });
    try {
      const response = await reranker.rerank(request);
      process.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
      return 0;
    } finally {
      await reranker.dispose();
    }
  } catch (error) {
    process.stderr.write(`${JSON.stringify(toRerankError(error).toJSON())}\n`);
    return 1;
  }
}

function requestFromFlags(values: {
  model?: string;
  query?: string;
  document?: string[];
  'top-n'?: string;
  'return-documents'?: boolean;
}): RerankRequest {
  const request: RerankRequest = { model: values.model ?? DEFAULT_MODEL_ID, query: values.query ?? '', documents: values.document ?? [] };
  // Left to the validator: a bad --top-n gets the same 400 as a bad top_n in JSON.
  if (values['top-n'] !== undefined) request.top_n = Number(values['top-n']);
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
  if (process.stdin.isTTY) throw usageError('Pipe a request body to stdin, or pass --query and --document.');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
