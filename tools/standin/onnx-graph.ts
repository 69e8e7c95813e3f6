/**
 * A small builder for ONNX graphs (IR 8, opset 17) on top of onnx-proto's compiled bindings,
 * plus the file writer.
 *
 * Initializers are encoded as soon as they are added and their raw bytes are referenced, not
 * copied, so a model of several hundred megabytes is written without holding it twice. The
 * graph is written as protobuf fragments (a message's repeated fields may be split across
 * fragments), which keeps each tensor's bytes out of protobufjs' single output buffer.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { onnx as OnnxNamespace } from 'onnx-proto';
import { toFloat16 } from './float16.js';

// onnx-proto is CommonJS with `module.exports = $root`, which ESM named imports cannot see.
const { onnx } = createRequire(import.meta.url)('onnx-proto') as { onnx: typeof OnnxNamespace };

/** The ONNX IR version and default-domain opset the stand-in targets (ORT node and web both run them). */
export const IR_VERSION = 8;
export const OPSET_VERSION = 17;

/** Element types the stand-in uses, by their JS array types. */
export type ElementType = 'float32' | 'float16' | 'uint8' | 'int8' | 'int32' | 'int64' | 'bool';

/** The float types a graph computes in: fp32, or fp16 for the `_fp16` file. */
export type FloatType = 'float32' | 'float16';

const ONNX_DATA_TYPE: Record<ElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  uint8: onnx.TensorProto.DataType.UINT8,
  int8: onnx.TensorProto.DataType.INT8,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
};

/** The ONNX `TensorProto.DataType` number of an element type (for Cast's `to`). */
export function onnxDataType(elementType: ElementType): number {
  return ONNX_DATA_TYPE[elementType];
}

/** Tensor contents accepted as initializers. */
/** Tensor contents accepted as initializers; float16 tensors are their bit patterns in a Uint16Array. */
export type TensorData = Float32Array | Uint16Array | Uint8Array | Int8Array | Int32Array | BigInt64Array;

/** A node attribute: the stand-in needs ints, floats and int lists only. */
export type Attribute = { readonly int: number } | { readonly float: number } | { readonly ints: readonly number[] };

/** A tensor dimension: a fixed size or a named dynamic one (`batch_size`). */
export type Dimension = number | string;

/** Where initializer bytes go when a model is too big for one protobuf message (2 GB). */
export interface ExternalDataTarget {
  /** File descriptor of the open `.onnx_data` file. */
  readonly fd: number;
  /** The file's name relative to the model, as written into each tensor. */
  readonly location: string;
}

// ORT memory-maps external tensors whose offset is aligned; unaligned ones are copied.
const EXTERNAL_DATA_ALIGNMENT = 4096;

function encodeVarint(value: number): Uint8Array {
  const bytes: number[] = [];
  let remaining = value;
  while (remaining >= 0x80) {
    bytes.push((remaining % 0x80) | 0x80);
    remaining = Math.floor(remaining / 0x80);
  }
  bytes.push(remaining);
  return Uint8Array.from(bytes);
}

/** A length-delimited protobuf field (wire type 2) made of several chunks. */
interface LengthDelimitedField {
  readonly chunks: readonly Uint8Array[];
  readonly byteLength: number;
}

function lengthDelimited(fieldNumber: number, body: readonly Uint8Array[]): LengthDelimitedField {
  const bodyLength = body.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  const header = [encodeVarint((fieldNumber << 3) | 2), encodeVarint(bodyLength)];
  const chunks = [...header, ...body];
  return { chunks, byteLength: chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0) };
}

/** `writeSync` may write less than asked; regular files rarely do, but a short write must not corrupt the model. */
function writeFully(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.byteLength) {
    written += writeSync(fd, bytes, written, bytes.byteLength - written);
  }
}

function asBytes(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function toAttributeProto(name: string, attribute: Attribute): OnnxNamespace.IAttributeProto {
  const types = onnx.AttributeProto.AttributeType;
  if ('int' in attribute) return { name, type: types.INT, i: attribute.int };
  if ('float' in attribute) return { name, type: types.FLOAT, f: attribute.float };
  return { name, type: types.INTS, ints: [...attribute.ints] };
}

function valueInfo(name: string, elementType: ElementType, dims: readonly Dimension[]): OnnxNamespace.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_DATA_TYPE[elementType],
        shape: { dim: dims.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim })) },
      },
    },
  };
}

/** Options of {@link OnnxGraphBuilder.node}. */
export interface NodeOptions {
  /** Node name; outputs are named after it. Defaults to `OpType_N`. */
  readonly name?: string;
  readonly attributes?: Readonly<Record<string, Attribute>>;
  /** How many outputs the node has (default 1). */
  readonly outputCount?: number;
  /** Explicit output names, for values the graph must expose under a fixed name. */
  readonly outputNames?: readonly string[];
}

/** Builds one ONNX graph: inputs, outputs, nodes, and initializers encoded as they arrive. */
export class OnnxGraphBuilder {
  private readonly nodes: OnnxNamespace.INodeProto[] = [];
  private readonly inputs: OnnxNamespace.IValueInfoProto[] = [];
  private readonly outputs: OnnxNamespace.IValueInfoProto[] = [];
  private readonly initializers: LengthDelimitedField[] = [];
  private readonly names = new Set<string>();
  private readonly constants = new Map<string, string>();
  private nodeCounter = 0;
  private externalOffset = 0;

  constructor(
    private readonly graphName: string,
    private readonly externalData?: ExternalDataTarget,
  ) {}

  /** Declares a graph input. */
  input(name: string, elementType: ElementType, dims: readonly Dimension[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, elementType, dims));
    return name;
  }

  /** Declares an existing value as a graph output. */
  output(name: string, elementType: ElementType, dims: readonly Dimension[]): void {
    this.outputs.push(valueInfo(name, elementType, dims));
  }

  /** Adds a node and returns its output names. */
  node(opType: string, inputs: readonly string[], options: NodeOptions = {}): string[] {
    const name = options.name ?? `${opType}_${this.nodeCounter++}`;
    const outputCount = options.outputCount ?? 1;
    const outputs =
      options.outputNames !== undefined
        ? [...options.outputNames]
        : Array.from({ length: outputCount }, (_, i) => (outputCount === 1 ? `${name}/output` : `${name}/output_${i}`));
    for (const output of outputs) this.claim(output);
    this.nodes.push({
      name,
      opType,
      input: [...inputs],
      output: outputs,
      attribute: Object.entries(options.attributes ?? {}).map(([key, value]) => toAttributeProto(key, value)),
    });
    return outputs;
  }

  /** Adds a single-output node and returns its output name. */
  op(opType: string, inputs: readonly string[], options: Omit<NodeOptions, 'outputCount'> = {}): string {
    return this.node(opType, inputs, options)[0]!;
  }

  /** Adds an initializer. Its bytes are referenced (inline) or written out (external data) now. */
  initializer(name: string, elementType: ElementType, dims: readonly number[], data: TensorData): string {
    this.claim(name);
    const header: OnnxNamespace.ITensorProto = { name, dims: [...dims], dataType: ONNX_DATA_TYPE[elementType] };
    const bytes = asBytes(data);
    // Small tensors stay inline even in external mode: ORT wants scalars and shapes at hand.
    if (this.externalData && bytes.byteLength >= EXTERNAL_DATA_ALIGNMENT) {
      const offset = Math.ceil(this.externalOffset / EXTERNAL_DATA_ALIGNMENT) * EXTERNAL_DATA_ALIGNMENT;
      if (offset > this.externalOffset) writeFully(this.externalData.fd, new Uint8Array(offset - this.externalOffset));
      writeFully(this.externalData.fd, bytes);
      this.externalOffset = offset + bytes.byteLength;
      header.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      header.externalData = [
        { key: 'location', value: this.externalData.location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(bytes.byteLength) },
      ];
      this.initializers.push(lengthDelimited(5, [onnx.TensorProto.encode(header).finish()]));
    } else {
      const rawData = lengthDelimited(9, [bytes]);
      this.initializers.push(lengthDelimited(5, [onnx.TensorProto.encode(header).finish(), ...rawData.chunks]));
    }
    return name;
  }

  /** Adds a float initializer in the graph's float type: float16 stores the nearest half of each value. */
  floatInitializer(name: string, floatType: FloatType, dims: readonly number[], values: Float32Array): string {
    return this.initializer(name, floatType, dims, floatType === 'float16' ? toFloat16(values) : values);
  }

  /** A shared constant initializer (scalar or small vector), created once per value. */
  constant(elementType: ElementType, values: readonly number[], dims: readonly number[] = []): string {
    const key = `${elementType}[${dims.join(',')}]:${values.join(',')}`;
    const existing = this.constants.get(key);
    if (existing) return existing;
    const name = `const_${elementType}_${this.constants.size}`;
    this.initializer(name, elementType, dims, typedArrayOf(elementType, values));
    this.constants.set(key, name);
    return name;
  }

  /** The bytes of the finished GraphProto, as fragments to be written in order. */
  graphFragments(): LengthDelimitedField {
    const head = onnx.GraphProto.encode({
      name: this.graphName,
      node: this.nodes,
      input: this.inputs,
      output: this.outputs,
    }).finish();
    return lengthDelimited(7, [head, ...this.initializers.flatMap((field) => field.chunks)]);
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`duplicate ONNX value name: ${name}`);
    this.names.add(name);
  }
}

function typedArrayOf(elementType: ElementType, values: readonly number[]): TensorData {
  switch (elementType) {
    case 'float32':
      return Float32Array.from(values);
    case 'float16':
      return toFloat16(Float32Array.from(values));
    case 'uint8':
    case 'bool':
      return Uint8Array.from(values);
    case 'int8':
      return Int8Array.from(values);
    case 'int32':
      return Int32Array.from(values);
    case 'int64':
      return BigInt64Array.from(values, (value) => BigInt(value));
  }
}

/** Model-level metadata written around the graph. */
export interface ModelMetadata {
  readonly producerName: string;
  readonly producerVersion: string;
  readonly docString: string;
}

/** A complete ModelProto in memory, for graphs small enough to hold at once. */
export function encodeOnnxModel(graph: OnnxGraphBuilder, metadata: ModelMetadata): Uint8Array {
  const head = modelHead(metadata);
  const chunks = [head, ...graph.graphFragments().chunks];
  const bytes = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function modelHead(metadata: ModelMetadata): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET_VERSION }],
    producerName: metadata.producerName,
    producerVersion: metadata.producerVersion,
    docString: metadata.docString,
  }).finish();
}

/** Writes `graph` as a complete ModelProto to `path`; returns the file size in bytes. */
export function writeOnnxModel(path: string, graph: OnnxGraphBuilder, metadata: ModelMetadata): number {
  const head = modelHead(metadata);
  const graphField = graph.graphFragments();
  const fd = openSync(path, 'w');
  try {
    writeFully(fd, head);
    for (const chunk of graphField.chunks) writeFully(fd, chunk);
  } finally {
    closeSync(fd);
  }
  return head.byteLength + graphField.byteLength;
}
