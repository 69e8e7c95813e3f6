/**
 * The browser hands onnxruntime-web the weights as external data (a small graph whose tensors
 * point into the original file): the session must compute exactly what the single file computes.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, inject, it } from 'vitest';
import { splitOnnxWeights } from '../../src/engine/external-weights.js';
import { bytesOnDemand } from '../../src/browser/cache/stored-file.js';

const modelDir = inject('tinyModelDir');
ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = new URL('../../node_modules/onnxruntime-web/dist/', import.meta.url).href;

async function logits(session: ort.InferenceSession): Promise<Float32Array> {
  const ids = BigInt64Array.from([0n, 100n, 200n, 300n, 2n, 2n, 400n, 500n, 2n, 0n, 7n, 8n, 2n, 2n, 9n, 2n, 1n, 1n]);
  const mask = BigInt64Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0].map(BigInt));
  const output = await session.run({ input_ids: new ort.Tensor('int64', ids, [2, 9]), attention_mask: new ort.Tensor('int64', mask, [2, 9]) });
  return (output.logits as ort.Tensor).data as Float32Array;
}

describe.each(['model.onnx', 'model_quantized.onnx'])('weights as external data (%s)', (file) => {
  it('leaves a graph without the weights that scores exactly like the single file', async () => {
    const bytes = new Uint8Array(readFileSync(join(modelDir, 'onnx', file)));
    const split = splitOnnxWeights(bytes, 'weights.bin');
    expect(split).not.toBeNull();
    const { graph, movedBytes, movedTensors } = split as NonNullable<typeof split>;
    expect(movedTensors).toBeGreaterThan(10);
    // What stays in the graph is structure, not weights.
    expect(graph.length).toBeLessThan(bytes.length - movedBytes + 64 * movedTensors);
    expect(graph.length).toBeLessThan(bytes.length / 2);

    const whole = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const external = await ort.InferenceSession.create(graph, { executionProviders: ['wasm'], externalData: [{ path: 'weights.bin', data: bytes }] });
    expect(Array.from(await logits(external))).toEqual(Array.from(await logits(whole)));
    await Promise.all([whole.release(), external.release()]);
  });
});

describe('splitOnnxWeights on other input', () => {
  it('returns null for a model whose weights are already external, and throws on bytes that are not ONNX', () => {
    // A graph that was already split has nothing inline left to move.
    const bytes = new Uint8Array(readFileSync(join(modelDir, 'onnx', 'model_quantized.onnx')));
    const once = splitOnnxWeights(bytes, 'weights.bin');
    expect(splitOnnxWeights(once?.graph as Uint8Array, 'weights.bin')).toBeNull();
    expect(() => splitOnnxWeights(new TextEncoder().encode('<!doctype html><html></html>'), 'weights.bin')).toThrow(/Not an ONNX model/);
  });
});

describe('weights read from a file on demand', () => {
  it('scores exactly like the single file, the file read a tensor at a time', async () => {
    const path = join(modelDir, 'onnx', 'model_quantized.onnx');
    const whole = new Uint8Array(readFileSync(path));
    const descriptor = openSync(path, 'r');
    const reads: number[] = [];
    const onDemand = bytesOnDemand({
      size: fstatSync(descriptor).size,
      read: (target, at) => {
        reads.push(target.length);
        return readSync(descriptor, target, 0, target.length, at);
      },
      close: () => closeSync(descriptor),
    });
    try {
      const split = splitOnnxWeights(onDemand, 'weights.bin');
      expect(split?.graph).toEqual(splitOnnxWeights(whole, 'weights.bin')?.graph);
      // onnxruntime-web's external data loader takes it as bytes and reads each tensor with subarray().
      const external = await ort.InferenceSession.create(split?.graph as Uint8Array, { executionProviders: ['wasm'], externalData: [{ path: 'weights.bin', data: onDemand }] });
      const reference = await ort.InferenceSession.create(whole, { executionProviders: ['wasm'] });
      expect(Array.from(await logits(external))).toEqual(Array.from(await logits(reference)));
      expect(Math.max(...reads)).toBeLessThan(whole.length);
      await Promise.all([external.release(), reference.release()]);
    } finally {
      onDemand.close();
    }
  });
});
