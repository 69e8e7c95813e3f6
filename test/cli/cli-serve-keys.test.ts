/**
 * `webrerank serve` never opens by accident: a keys file or WEBRERANK_API_KEYS that yields no key
 * stops it before listening (exit 2), unless `--open` says an open server is meant.
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { startServeProcess } from '../kit/serve-process.js';

const modelPath = inject('tinyModelDir');

describe('a keys source without keys', () => {
  it('refuses a keys file of only comments and blank lines (exit code 2), naming the file and --open', async () => {
    const keysFile = join(tmpdir(), `webrerank-no-keys-${process.pid}.txt`);
    await writeFile(keysFile, '# keys go here\n\n   \n');
    await expect(startServeProcess(['--model-path', modelPath, '--port', '0', '--api-keys-file', keysFile])).rejects.toThrow(/exited with 2 before listening:\n.*--api-keys-file .*holds no API key.*--open/);
  });

  it('refuses an empty --keys JSON-lines file, and one of only comments (exit code 2), naming the file and --open', async () => {
    for (const [name, text] of [['empty', ''], ['comments', '# {"name":"team","sha256":"…"} goes here\n\n']] as const) {
      const keysFile = join(tmpdir(), `webrerank-no-keys-${name}-${process.pid}.jsonl`);
      await writeFile(keysFile, text);
      await expect(startServeProcess(['--model-path', modelPath, '--port', '0', '--keys', keysFile])).rejects.toThrow(/exited with 2 before listening:\n.*keys file .*holds no API key.*--open/);
    }
  });

  it('refuses WEBRERANK_API_KEYS=" , " (exit code 2)', async () => {
    await expect(startServeProcess(['--model-path', modelPath, '--port', '0'], { WEBRERANK_API_KEYS: ' , ' })).rejects.toThrow(/exited with 2 before listening:\n.*WEBRERANK_API_KEYS holds no API key/);
  });

  it('starts open with --open, and says so', async () => {
    const server = await startServeProcess(['--model-path', modelPath, '--port', '0', '--open'], { WEBRERANK_API_KEYS: ' , ' });
    try {
      expect(server.stdout.join('\n')).toMatch(/no API keys configured: the server is open/);
    } finally {
      await server.stop();
    }
  });
});
