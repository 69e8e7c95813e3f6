/**
 * Reads of a stored model file go through a small buffer of their own, so that the browser is
 * never handed the 244 MiB tensor scratch (it would keep that alive until V8's next full
 * collection, the bench's peak): the caller still gets every byte in place.
 */
import { describe, expect, it } from 'vitest';
import { bytesOnDemand, throughBounceBuffer } from '../../src/browser/cache/stored-file.js';

const file = Uint8Array.from({ length: 10_000 }, (_, index) => (index * 31 + 7) % 251);

function recordingReader() {
  const targets: ArrayBufferLike[] = [];
  const read = (target: Uint8Array, at: number): number => {
    targets.push(target.buffer);
    const piece = file.subarray(at, at + target.length);
    target.set(piece);
    return piece.length;
  };
  return { read, targets };
}

describe('stored file reads through a bounce buffer', () => {
  it('fills a tensor larger than the bounce buffer with the file bytes, never handing the tensor buffer to the reader', () => {
    const reader = recordingReader();
    const bytes = bytesOnDemand({ size: file.length, read: throughBounceBuffer(reader.read, 1024), close: () => undefined });
    const tensor = bytes.subarray(1_000, 9_500);
    expect(Array.from(tensor)).toEqual(Array.from(file.subarray(1_000, 9_500)));
    // 8,500 bytes in pieces of at most 1,024: nine reads, all into the one bounce buffer.
    expect(reader.targets.length).toBe(9);
    expect(new Set(reader.targets).size).toBe(1);
    expect(reader.targets).not.toContain(tensor.buffer);
    bytes.close();
  });

  it('reports the end of the file as 0 bytes read, so a truncated file is an error, not garbage', () => {
    const reader = recordingReader();
    const bytes = bytesOnDemand({ size: file.length + 10, read: throughBounceBuffer(reader.read, 1024), close: () => undefined });
    expect(() => bytes.subarray(9_000, file.length + 10)).toThrow(/ended at byte 10000/);
  });
});
