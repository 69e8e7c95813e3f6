import { describe, expect, it } from 'vitest';
import { ANONYMOUS, createApiKeyVerifier } from '../../src/server/auth.js';
import { readJsonBody } from '../../src/server/body.js';
import { QuotaLedger } from '../../src/server/quota.js';
import { TokenBucketLimiter } from '../../src/server/rate-limit.js';

describe('createApiKeyVerifier', () => {
  const verifier = createApiKeyVerifier(['sk-one', 'sk-two', '']);

  it('identifies each configured key by position, never by the key itself', async () => {
    expect(await verifier.identify('Bearer sk-one')).toBe('key-1');
    expect(await verifier.identify('Bearer sk-two')).toBe('key-2');
    expect(await verifier.identify('bearer   sk-two ')).toBe('key-2');
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
    expect(await open.identify(undefined)).toBe(ANONYMOUS);
    expect(verifier.open).toBe(false);
  });
});

describe('TokenBucketLimiter', () => {
  it('allows a burst, then the sustained rate, and says how long to wait', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ requestsPerSecond: 2, burst: 3 }, () => now);
    expect([1, 2, 3].map(() => limiter.take('a').allowed)).toEqual([true, true, true]);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take('b').allowed).toBe(true);
    now += 500;
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    now += 10_000;
    expect([1, 2, 3, 4].map(() => limiter.take('a').allowed)).toEqual([true, true, true, false]);
  });

  it('asks for a longer wait at a slow rate', () => {
    const limiter = new TokenBucketLimiter({ requestsPerSecond: 0.1 }, () => 0);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 10 });
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new TokenBucketLimiter({ requestsPerSecond: 0 })).toThrow(RangeError);
  });
});

describe('QuotaLedger', () => {
  it('charges requests and documents per caller, refuses past either limit, and refunds failures', () => {
    const ledger = new QuotaLedger({ requests: 3, documents: 10 });
    expect(ledger.charge('a', 6)).toBe(true);
    expect(ledger.charge('a', 5)).toBe(false);
    expect(ledger.charge('a', 4)).toBe(true);
    expect(ledger.charge('a', 0)).toBe(true);
    expect(ledger.charge('a', 0)).toBe(false);
    ledger.refund('a', 4);
    expect(ledger.charge('a', 4)).toBe(true);
    expect(ledger.charge('b', 10)).toBe(true);
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
