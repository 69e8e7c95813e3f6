/**
 * The clients and frameworks people already use, from npm, against a real `webrerank serve`
 * process on the stand-in model: cohere-ai v1 (string, object and rank_fields documents) and v2,
 * the AI SDK with @ai-sdk/cohere and @ai-sdk/togetherai, @langchain/cohere, @llamaindex/cohere
 * and a TEI request. Each must succeed with the same scores `POST /v1/rerank` gives.
 */
import { createCohere } from '@ai-sdk/cohere';
import { createTogetherAI } from '@ai-sdk/togetherai';
import { Document } from '@langchain/core/documents';
import { CohereRerank as LangChainCohereRerank } from '@langchain/cohere';
import { CohereRerank as LlamaIndexCohereRerank } from '@llamaindex/cohere';
import { TextNode } from '@llamaindex/core/schema';
import { rerank } from 'ai';
import { CohereClient, CohereClientV2 } from 'cohere-ai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HOSTED_EXAMPLE } from '../kit/documents.js';
import { startServeProcess, type ServeProcess } from '../kit/serve-process.js';

const modelPath = inject('tinyModelDir');
const KEY = 'sk-clients-4d1e';
const MODEL = HOSTED_EXAMPLE.model;
const { query, documents } = HOSTED_EXAMPLE;
/** cohere-ai's and the frameworks' hard-wired default model names, mapped to the served model. */
const ALIASES = ['rerank-english-v2.0', 'rerank-v3.5', 'rerank-english-v3.0'];

let server: ServeProcess;
/** `POST /v1/rerank`'s score for each document, by index: what every client must reproduce. */
let reference: number[];

async function rerankV1(body: Record<string, unknown>): Promise<{ results: { index: number; relevance_score: number }[] }> {
  const response = await fetch(`${server.url}/v1/rerank`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: MODEL, query, ...body }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { results: { index: number; relevance_score: number }[] };
}

function scoresByIndex(results: readonly { index: number; score: number }[]): number[] {
  const scores: number[] = [];
  for (const { index, score } of results) scores[index] = score;
  return scores;
}

function expectReferenceScores(results: readonly { index: number; score: number }[]): void {
  expect(results.map((result) => result.score)).toEqual([...results.map((result) => result.score)].sort((a, b) => b - a));
  const scores = scoresByIndex(results);
  expect(scores).toHaveLength(reference.length);
  scores.forEach((score, index) => expect(score).toBeCloseTo(reference[index] as number, 12));
}

beforeAll(async () => {
  server = await startServeProcess(['--model-path', modelPath, '--port', '0', ...ALIASES.flatMap((alias) => ['--model-alias', `${alias}=${MODEL}`])], { WEBRERANK_API_KEYS: KEY });
  for (let attempt = 0; attempt < 300 && (await fetch(`${server.url}/health`)).status !== 200; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
  const { results } = await rerankV1({ documents });
  reference = scoresByIndex(results.map(({ index, relevance_score }) => ({ index, score: relevance_score })));
}, 60_000);
afterAll(() => server?.stop());

describe('cohere-ai', () => {
  const client = () => new CohereClient({ token: KEY, environment: server.url });

  it('v1 ranks string documents with the scores of /v1/rerank, and answers with an id and Cohere meta', async () => {
    const response = await client().rerank({ model: MODEL, query, documents });
    expectReferenceScores(response.results.map(({ index, relevanceScore }) => ({ index, score: relevanceScore })));
    expect(response.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.meta).toMatchObject({ apiVersion: { version: '1' }, billedUnits: { searchUnits: 1 } });
  });

  it('v1 ranks {text} documents as their text and returns them as given', async () => {
    const response = await client().rerank({ model: 'rerank-english-v2.0', query, documents: documents.map((text) => ({ text, source: 'wiki' })), returnDocuments: true });
    expectReferenceScores(response.results.map(({ index, relevanceScore }) => ({ index, score: relevanceScore })));
    for (const result of response.results) expect(result.document).toEqual({ text: documents[result.index], source: 'wiki' });
  });

  it('v1 ranks object documents by rank_fields, joined as "key: value" lines in that order', async () => {
    const objects = documents.map((body, index) => ({ title: `Note ${index}`, body, ignored: 'x' }));
    const response = await client().rerank({ model: MODEL, query, documents: objects, rankFields: ['title', 'body'] });
    const { results } = await rerankV1({ documents: objects.map(({ title, body }) => `title: ${title}\nbody: ${body}`) });
    const expected = scoresByIndex(results.map(({ index, relevance_score }) => ({ index, score: relevance_score })));
    const scores = scoresByIndex(response.results.map(({ index, relevanceScore }) => ({ index, score: relevanceScore })));
    scores.forEach((score, index) => expect(score).toBeCloseTo(expected[index] as number, 12));
    expect(scores).not.toEqual(reference);
  });

  it('v2 ranks with the scores of /v1/rerank, through a model alias', async () => {
    const v2 = new CohereClientV2({ token: KEY, environment: server.url });
    const response = await v2.rerank({ model: 'rerank-v3.5', query, documents, topN: 4 });
    expectReferenceScores(response.results.map(({ index, relevanceScore }) => ({ index, score: relevanceScore })));
    expect(response.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('v2 cuts each document to max_tokens_per_doc: a long document then scores as its beginning', async () => {
    const v2 = new CohereClientV2({ token: KEY, environment: server.url });
    const head = documents[0] as string;
    const long = `${head} ${'pizza is a popular italian food and the weather is sunny '.repeat(20)}`;
    const headTokens = await documentTokens(head);
    const capped = await v2.rerank({ model: MODEL, query, documents: [long], maxTokensPerDoc: headTokens });
    const uncapped = await v2.rerank({ model: MODEL, query, documents: [long] });
    expect(capped.results[0]?.relevanceScore).toBeCloseTo(reference[0] as number, 12);
    expect(uncapped.results[0]?.relevanceScore).not.toBeCloseTo(reference[0] as number, 6);
  });
});

/** A document's token count, from `usage`: the pair with it minus the pair with an empty document. */
async function documentTokens(text: string): Promise<number> {
  const tokens = async (document: string) => {
    const response = await fetch(`${server.url}/v1/rerank`, { method: 'POST', headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ model: MODEL, query, documents: [document] }) });
    return ((await response.json()) as { usage: { total_tokens: number } }).usage.total_tokens;
  };
  return (await tokens(text)) - (await tokens(''));
}

describe('the AI SDK', () => {
  it('rerank() with @ai-sdk/cohere gets the scores of /v1/rerank', async () => {
    const cohere = createCohere({ apiKey: KEY, baseURL: `${server.url}/v1` });
    const { ranking } = await rerank({ model: cohere.reranking(MODEL), query, documents, maxRetries: 0 });
    expectReferenceScores(ranking.map(({ originalIndex, score }) => ({ index: originalIndex, score })));
  });

  it('rerank() with @ai-sdk/togetherai gets the scores of /v1/rerank (its usage check passes)', async () => {
    const together = createTogetherAI({ apiKey: KEY, baseURL: `${server.url}/v1` });
    const { ranking } = await rerank({ model: together.reranking(MODEL), query, documents, maxRetries: 0 });
    expectReferenceScores(ranking.map(({ originalIndex, score }) => ({ index: originalIndex, score })));
  });
});

describe('the frameworks’ Cohere rerankers', () => {
  it('@langchain/cohere CohereRerank, given a CohereClient for the server, writes the scores of /v1/rerank', async () => {
    // @langchain/cohere is typed against cohere-ai 7; the 8.x client it is given here works the same.
    const client = new CohereClient({ token: KEY, environment: server.url }) as unknown as NonNullable<ConstructorParameters<typeof LangChainCohereRerank>[0]>['client'];
    const reranker = new LangChainCohereRerank({ client, model: MODEL, topN: documents.length });
    const ranked = await reranker.compressDocuments(documents.map((pageContent, index) => new Document({ pageContent, metadata: { index } })), query);
    expectReferenceScores(ranked.map((document) => ({ index: document.metadata.index as number, score: document.metadata.relevanceScore as number })));
  });

  it('@llamaindex/cohere CohereRerank with baseUrl scores the nodes as /v1/rerank does', async () => {
    const reranker = new LlamaIndexCohereRerank({ apiKey: KEY, baseUrl: server.url, model: MODEL, topN: documents.length });
    // No metadata: this reranker sends a node's metadata along with its text.
    const nodes = documents.map((text) => ({ node: new TextNode({ text }), score: 0 }));
    const ranked = await reranker.postprocessNodes(nodes, query);
    expectReferenceScores(ranked.map(({ node, score }) => ({ index: nodes.findIndex((candidate) => candidate.node === node), score: score as number })));
  });
});

describe('a TEI client', () => {
  async function tei(body: Record<string, unknown>): Promise<Response> {
    return fetch(`${server.url}/rerank`, { method: 'POST', headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  }

  it('POST /rerank answers [{index, score, text}] sorted, with the scores of /v1/rerank', async () => {
    const response = await tei({ query, texts: documents, raw_scores: false, return_text: true, truncate: true, truncation_direction: 'Right' });
    expect(response.status).toBe(200);
    const ranks = (await response.json()) as { index: number; score: number; text: string }[];
    expectReferenceScores(ranks);
    for (const rank of ranks) expect(rank.text).toBe(documents[rank.index]);
  });

  it('raw_scores gives the logit, whose sigmoid is the score', async () => {
    const ranks = (await (await tei({ query, texts: documents, raw_scores: true })).json()) as { index: number; score: number; text?: string }[];
    for (const rank of ranks) {
      expect(rank.text).toBeUndefined();
      expect(1 / (1 + Math.exp(-rank.score))).toBeCloseTo(reference[rank.index] as number, 12);
    }
  });

  it("answers errors in TEI's shape: 400 for no texts, 422 for a body that isn't a request, 413 for too many texts", async () => {
    const empty = await tei({ query, texts: [] });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({ error: expect.any(String), error_type: 'empty' });
    const malformed = await tei({ query, texts: 'not a list' });
    expect(malformed.status).toBe(422);
    expect(await malformed.json()).toMatchObject({ error_type: 'validation' });
    const many = await tei({ query, texts: Array.from({ length: 1001 }, () => 'a') });
    expect(many.status).toBe(413);
    expect(await many.json()).toMatchObject({ error_type: 'validation' });
  });
});
