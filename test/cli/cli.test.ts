/**
 * `webrerank rank`, run as a user runs it: the built bin, a body on stdin, JSON out.
 */
import { describe, expect, inject, it } from 'vitest';
import type { RerankResponse } from '../../src/core/contract.js';
import { runCli } from '../support/cli.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';
import { scoreOf } from '../support/scores.js';

const modelPath = inject('tinyModelDir');

describe('webrerank rank', () => {
  it('prints four sorted results for the hosted API example piped on stdin', async () => {
    const { code, stdout } = await runCli(['rank', '--model-path', modelPath], JSON.stringify(HOSTED_EXAMPLE));
    expect(code).toBe(0);
    const response = JSON.parse(stdout) as RerankResponse;
    expect(response.results.map((r) => r.index).sort()).toEqual([0, 1, 2, 3]);
    const scores = response.results.map(scoreOf);
    expect(scores.every((s) => s > 0 && s < 1)).toBe(true);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('honours return_documents and top_n from the body', async () => {
    const { code, stdout } = await runCli(['rank', '--model-path', modelPath], JSON.stringify({ ...HOSTED_EXAMPLE, top_n: 2, return_documents: true }));
    expect(code).toBe(0);
    const { results } = JSON.parse(stdout) as RerankResponse;
    expect(results).toHaveLength(2);
    for (const result of results) expect(result.document?.text).toBe(HOSTED_EXAMPLE.documents[result.index]);
  });

  it('builds the request from --query and --document flags', async () => {
    const args = ['rank', '--model-path', modelPath, '--query', HOSTED_EXAMPLE.query, '--top-n', '1'];
    for (const document of HOSTED_EXAMPLE.documents) args.push('--document', document);
    const { code, stdout } = await runCli(args);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as RerankResponse).results).toHaveLength(1);
  });

  it('exits non-zero with a 400 error body on stderr for "documents": []', async () => {
    const { code, stdout, stderr } = await runCli(['rank', '--model-path', modelPath], JSON.stringify({ ...HOSTED_EXAMPLE, documents: [] }));
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(JSON.parse(stderr)).toEqual({ error: { status: 400, code: 'empty_documents', message: 'documents must not be empty.' } });
  });

  it('exits non-zero with a 400 for a body that is not JSON', async () => {
    const { code, stderr } = await runCli(['rank', '--model-path', modelPath], '{"model": ');
    expect(code).not.toBe(0);
    expect(JSON.parse(stderr).error).toMatchObject({ status: 400, code: 'invalid_request' });
  });

  it('answers --max-length 16 with a 12-token query by a 400 that names the limit', async () => {
    const query = 'the cat sat on the mat and the dog sat on the rug and then they slept';
    const { code, stdout, stderr } = await runCli(['rank', '--model-path', modelPath, '--max-length', '16'], JSON.stringify({ ...HOSTED_EXAMPLE, query, documents: ['a short document'] }));
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    const { error } = JSON.parse(stderr);
    expect(error).toMatchObject({ status: 400, code: 'query_too_long' });
    expect(error.message).toContain('12 tokens');
    expect(error.message).toContain('maxLength 16');
  });

  it('exits 2 with a 503 model_unavailable when the model folder does not exist', async () => {
    const { code, stderr } = await runCli(['rank', '--model-path', '/nonexistent/model'], JSON.stringify(HOSTED_EXAMPLE));
    expect(code).toBe(2);
    expect(JSON.parse(stderr).error).toMatchObject({ status: 503, code: 'model_unavailable' });
  });
});
