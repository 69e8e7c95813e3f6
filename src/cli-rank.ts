/**
 * `webrerank rank`: one request in, one response out. Errors go to stderr as the server's JSON
 * error body, with a non-zero exit code, so scripts can branch on `error.status`.
 */
import { parseArgs } from 'node:util';
import { RerankError, toRerankError } from './errors.js';
import { DEFAULT_MODEL_ID } from './models.js';
import { createReranker } from './node.js';
import type { Dtype, RerankRequest } from './protocol.js';

const HELP = `Usage: webrerank rank [options] < request.json
       webrerank rank --query TEXT --document TEXT [--document TEXT ...] [options]

Reads a POST /v1/rerank body ({"model", "query", "documents", ...}) from stdin, or builds one from
flags, and prints the response JSON.

Options:
  --model-path DIR     model folder in transformers.js layout (default: download from the hub)
  --model ID           the id that folder is served as (default ${DEFAULT_MODEL_ID})
  --backend cpu|wasm   onnxruntime-node (default) or onnxruntime-web's WASM backend
  --dtype q8|fp32      model precision (default q8)
  --threads N          inference threads
  --max-length N       longest query+document pair in tokens (default 512)
  --query TEXT         the query (instead of stdin)
  --document TEXT      a document; repeat for more
  --top-n N            return only the best N
  --return-documents   include each document's text
`;

export async function rank(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'model-path': { type: 'string' },
      model: { type: 'string' },
      backend: { type: 'string' },
      dtype: { type: 'string' },
      threads: { type: 'string' },
      'max-length': { type: 'string' },
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
    const backend = values.backend ?? 'cpu';
    if (backend !== 'cpu' && backend !== 'wasm') throw usageError(`--backend must be cpu or wasm, got "${backend}".`);
    const dtype = values.dtype ?? 'q8';
    if (dtype !== 'q8' && dtype !== 'fp32' && dtype !== 'fp16') throw usageError(`--dtype must be q8, fp32 or fp16, got "${dtype}".`);

    const reranker = await createReranker({
      backend,
      dtype: dtype as Dtype,
      preload: false,
      ...(values['model-path'] !== undefined ? { modelPath: values['model-path'] } : {}),
      ...(values.model !== undefined ? { model: values.model } : {}),
      ...(values.threads !== undefined ? { threads: positiveInteger('--threads', values.threads) } : {}),
      ...(values['max-length'] !== undefined ? { maxLength: positiveInteger('--max-length', values['max-length']) } : {}),
    });
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

function positiveInteger(flag: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw usageError(`${flag} must be a positive integer, got "${value}".`);
  return number;
}

function usageError(message: string): RerankError {
  return new RerankError('invalid_request', message);
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw usageError('Pipe a request body to stdin, or pass --query and --document.');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
