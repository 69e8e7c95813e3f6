/**
 * `webrerank serve` as a process: flags and environment, the startup banner, loading → ready,
 * and a clean stop on SIGTERM.
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { HOSTED_EXAMPLE } from '../kit/documents.js';
import { startServeProcess } from '../kit/serve-process.js';

const modelPath = inject('tinyModelDir');

async function waitUntilReady(url: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if ((await fetch(`${url}/health`)).status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the model never became ready');
}

describe('webrerank serve', () => {
  it('serves the model with keys from the environment and a file, logs each request without keys, and stops on SIGTERM', async () => {
    const keysFile = join(tmpdir(), `webrerank-keys-${process.pid}.txt`);
    await writeFile(keysFile, '# one key per line\nsk-from-file\n\n');
    const server = await startServeProcess(['--model-path', modelPath, '--port', '0', '--api-keys-file', keysFile, '--rate-limit', '1000'], {
      WEBRERANK_API_KEYS: 'sk-from-env',
    });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.stdout.join('\n')).toMatch(/2 API keys accepted/);
      await waitUntilReady(server.url);
      for (const key of ['sk-from-env', 'sk-from-file']) {
        const response = await fetch(`${server.url}/v1/rerank`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(HOSTED_EXAMPLE),
        });
        expect(response.status).toBe(200);
      }
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(server.stdout.filter((line) => line.startsWith('POST /v1/rerank 200 '))).toHaveLength(2);
    expect(server.stdout.join('\n')).not.toMatch(/sk-from/);
  });

  it('says on startup that a server without keys is open and bound to this machine only', async () => {
    const server = await startServeProcess(['--model-path', modelPath, '--port', '0'], { WEBRERANK_API_KEYS: '' });
    try {
      expect(server.stdout.join('\n')).toMatch(/no API keys configured: the server is open, bound to 127\.0\.0\.1 \(reachable from this machine only\)/);
    } finally {
      await server.stop();
    }
  });

  it('refuses at the door a text past --max-document-characters, and a request past --max-total-characters', async () => {
    const server = await startServeProcess(['--model-path', modelPath, '--port', '0', '--max-document-characters', '60', '--max-total-characters', '100'], { WEBRERANK_API_KEYS: '' });
    const refusal = async (documents: string[]) => {
      const response = await fetch(`${server.url}/v1/rerank`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...HOSTED_EXAMPLE, documents }) });
      const { error } = (await response.json()) as { error: { code: string; message: string } };
      return { status: response.status, ...error };
    };
    try {
      expect(await refusal(['x'.repeat(61)])).toMatchObject({ status: 413, code: 'document_too_large', message: expect.stringMatching(/at most 60 are allowed/) });
      expect(await refusal(['x'.repeat(50), 'y'.repeat(50)])).toMatchObject({ status: 413, code: 'payload_too_large', message: expect.stringMatching(/at most 100 are allowed/) });
    } finally {
      await server.stop();
    }
  });

  it('refuses a bad flag before listening, naming it (exit code 2)', async () => {
    await expect(startServeProcess(['--rate-limit', 'fast'])).rejects.toThrow(/exited with 2 before listening:\nwebrerank serve: --rate-limit must be a positive number, got "fast"/);
  });
});
