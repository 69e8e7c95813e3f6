import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS, createApiKeyVerifier, sha256Hex } from '../../src/server/auth.js';
import { readJsonBody } from '../../src/server/body.js';
import { KeysFileError, formatKeyLine, parseKeysFile } from '../../src/server/keys-file.js';
import { MemoryLimitsStore, NO_USAGE } from '../../src/server/limits-store.js';

describe('createApiKeyVerifier', () => {
  const verifier = createApiKeyVerifier(['sk-one', 'sk-two', '']);

  it('identifies each configured key by position, never by the key itself', async () => {
    expect(await verifier.identify('Bearer sk-one')).toEqual({ id: 'key-1' });
    expect(await verifier.identify('Bearer sk-two')).toEqual({ id: 'key-2' });
    expect(await verifier.identify('bearer   sk-two ')).toEqual({ id: 'key-2' });
  });

  it('identifies a key given only by its digest, by name, with its own limits', async () => {
    const named = createApiKeyVerifier([{ name: 'search-team', sha256: await sha256Hex('sk-team'), quota: { documents: 5 }, models: ['m'] }, 'sk-plain']);
    expect(await named.identify('Bearer sk-team')).toEqual({ id: 'search-team', quota: { documents: 5 }, models: ['m'] });
    expect(await named.identify('Bearer sk-plain')).toEqual({ id: 'key-2' });
    expect(await named.identify('Bearer sk-tea')).toBeNull();
  });

  it('records a key as the SHA-256 that `sha256sum` and hashlib give, non-ASCII keys as their UTF-8 bytes, with either hash', async () => {
    // python3 -c "import hashlib; print(hashlib.sha256('sk-ünïcode-ключ'.encode()).hexdigest())"
    const digest = '7f3f85d404054f22ce761e5182680390d05157b75668aacf70941228629af195';
    expect(await sha256Hex('sk-ünïcode-ключ')).toBe(digest);
    // WebCrypto's (the default, for edge runtimes) and node:crypto's (what `webrerank serve` passes).
    const nodeHash = (text: string) => createHash('sha256').update(text, 'utf8').digest();
    for (const verifier of [createApiKeyVerifier([{ name: 'unicode', sha256: digest }, 'sk-plain']), createApiKeyVerifier([{ name: 'unicode', sha256: digest }, 'sk-plain'], nodeHash)]) {
      expect(await verifier.identify('Bearer sk-ünïcode-ключ')).toEqual({ id: 'unicode' });
      expect(await verifier.identify('Bearer sk-plain')).toEqual({ id: 'key-2' });
      expect(await verifier.identify('Bearer sk-ünïcode-ключь')).toBeNull();
    }
  });

  it.each([undefined, '', 'sk-one', 'Basic sk-one', 'Bearer', 'Bearer ', 'Bearer sk-on', 'Bearer sk-one2', 'Bearer SK-ONE'])(
    'refuses %j',
    async (header) => {
      expect(await verifier.identify(header)).toBeNull();
    },
  );

  it('is open, with one anonymous caller, when no key is configured', async () => {
    const open = createApiKeyVerifier(['', '']);
    expect(open.open).toBe(true);
    expect(await open.identify(undefined)).toEqual({ id: ANONYMOUS });
    expect(verifier.open).toBe(false);
  });
});

describe('MemoryLimitsStore token buckets', () => {
  it('allows a burst, then the sustained rate, and says how long to wait', async () => {
    let now = 0;
    const store = new MemoryLimitsStore(() => now);
    const limit = { requestsPerSecond: 2, burst: 3 };
    const take = async (bucket: string) => (await store.takeToken(bucket, limit)).allowed;
    expect([await take('a'), await take('a'), await take('a')]).toEqual([true, true, true]);
    expect(await store.takeToken('a', limit)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(await take('b')).toBe(true);
    now += 500;
    expect(await take('a')).toBe(true);
    expect(await take('a')).toBe(false);
    now += 10_000;
    expect([await take('a'), await take('a'), await take('a'), await take('a')]).toEqual([true, true, true, false]);
  });

  it('asks for a longer wait at a slow rate', async () => {
    const store = new MemoryLimitsStore(() => 0);
    expect((await store.takeToken('a', { requestsPerSecond: 0.1 })).allowed).toBe(true);
    expect(await store.takeToken('a', { requestsPerSecond: 0.1 })).toEqual({ allowed: false, retryAfterSeconds: 10 });
  });

  it('refuses a rate that is not positive', async () => {
    await expect(new MemoryLimitsStore().takeToken('a', { requestsPerSecond: 0 })).rejects.toThrow(RangeError);
  });
});

describe('MemoryLimitsStore quotas and usage', () => {
  const units = (requests: number, documents: number) => ({ ...NO_USAGE, requests, documents });

  it('charges requests and documents per caller, refuses past either limit, and refunds failures', async () => {
    const store = new MemoryLimitsStore();
    const quota = { requests: 3, documents: 10 };
    const charge = (key: string, documents: number) => store.charge(key, '2026-12-07', units(1, documents), quota);
    expect(await charge('a', 6)).toBe(true);
    expect(await charge('a', 5)).toBe(false);
    expect(await charge('a', 4)).toBe(true);
    expect(await charge('a', 0)).toBe(true);
    expect(await charge('a', 0)).toBe(false);
    await store.refund('a', '2026-12-07', units(1, 4));
    expect(await charge('a', 4)).toBe(true);
    expect(await charge('b', 10)).toBe(true);
  });

  it('keeps usage per UTC day next to the totals', async () => {
    const store = new MemoryLimitsStore();
    await store.charge('a', '2026-12-06', units(1, 3), undefined);
    await store.charge('a', '2026-12-07', units(1, 2), undefined);
    await store.record('a', '2026-12-07', { ...NO_USAGE, tokens: 40 });
    expect(await store.usage('a', '2026-12-07')).toEqual({ total: { requests: 2, documents: 5, searchUnits: 0, tokens: 40 }, day: { requests: 1, documents: 2, searchUnits: 0, tokens: 40 } });
  });
});

describe('parseKeysFile', () => {
  it('reads one key per line, hashes plain keys and keeps each key\'s own limits', async () => {
    const digest = await sha256Hex('sk-two');
    const entries = await parseKeysFile(`# team keys\n{"name":"one","key":"sk-one","rate":5,"burst":10,"quota_documents":100}\n\n{"name":"two","sha256":"${digest.toUpperCase()}","models":["m"]}\n`);
    expect(entries).toEqual([
      { name: 'one', sha256: await sha256Hex('sk-one'), rateLimit: { requestsPerSecond: 5, burst: 10 }, quota: { documents: 100 } },
      { name: 'two', sha256: digest, models: ['m'] },
    ]);
    expect(await parseKeysFile(entries.map(formatKeyLine).join('\n'))).toEqual(entries);
    expect(entries.map(formatKeyLine).join('\n')).not.toContain('sk-one');
  });

  it.each([
    ['a line that is not JSON', '{"name":"a","key":"sk-secret"', /line 1: not a JSON object/],
    ['neither digest nor key', '{"name":"a"}', /line 1: .*give either "sha256" or "key"/],
    ['a short digest', '{"name":"a","sha256":"abc"}', /line 1: sha256: 64 hex digits/],
    ['an unknown field', '{"name":"a","key":"k","quota":1}', /line 1: .*quota/],
    ['a name used twice', '{"name":"a","key":"k1"}\n{"name":"a","key":"k2"}', /line 2: the name "a" is already used/],
  ])('refuses %s, naming the line but never echoing a key', async (_name, text, message) => {
    const error = await parseKeysFile(text).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KeysFileError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('sk-secret');
  });
});

describe('readJsonBody', () => {
  const request = (body: BodyInit | null, headers: Record<string, string> = {}) =>
    new Request('http://localhost/v1/rerank', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

  it('parses a JSON body', async () => {
    expect(await readJsonBody(request('{"a": [1, "ü"]}'), 100)).toEqual({ a: [1, 'ü'] });
  });

  it('refuses by Content-Length, and by bytes received while reading', async () => {
    await expect(readJsonBody(request('{}', { 'content-length': '1000' }), 100)).rejects.toMatchObject({ status: 413, code: 'payload_too_large' });
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(new Uint8Array(40).fill(32));
        controller.close();
      },
    });
    await expect(readJsonBody(request(chunks), 100)).rejects.toMatchObject({ status: 413 });
  });

  it.each([
    ['no body', null, /no body/],
    ['an empty body', '  ', /empty/],
    ['invalid JSON', '{"model":', /not valid JSON/],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), /UTF-8/],
  ])('refuses %s with 400 invalid_request', async (_name, body, message) => {
    await expect(readJsonBody(request(body), 100)).rejects.toMatchObject({ status: 400, code: 'invalid_request', message: expect.stringMatching(message) });
  });
});
