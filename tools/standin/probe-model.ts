/**
 * The WebGPU probe's model: a tiny fp16 graph (Cast → MatMul → Softmax → Cast) that Node's
 * WebGPU probe runs once to learn whether the adapter computes in half precision. It is built
 * here, with the stand-in's ONNX writer, and embedded in the library as base64; a test checks
 * that the two agree.
 */
import { PROBE_WEIGHTS } from '../../src/node/webgpu-probe.js';
import { OnnxGraphBuilder, encodeOnnxModel } from './onnx-graph.js';

/** The probe model's bytes. */
export function buildProbeModel(): Uint8Array {
  const graph = new OnnxGraphBuilder('webrerank_webgpu_probe');
  const input = graph.input('x', 'float32', [2, 4]);
  const half = graph.op('Cast', [input], { name: 'to_fp16', attributes: { to: { int: 10 } } });
  const weights = graph.floatInitializer('w', 'float16', [4, 4], Float32Array.from(PROBE_WEIGHTS));
  const product = graph.op('MatMul', [half, weights], { name: 'matmul' });
  const softmax = graph.op('Softmax', [product], { name: 'softmax', attributes: { axis: { int: -1 } } });
  graph.node('Cast', [softmax], { name: 'to_fp32', outputNames: ['y'], attributes: { to: { int: 1 } } });
  graph.output('y', 'float32', [2, 4]);
  return encodeOnnxModel(graph, { producerName: 'webrerank', producerVersion: '1', docString: 'WebGPU shader-f16 probe' });
}
