/**
 * Turning a single-file ONNX model into a small graph plus external weights — without copying a
 * byte of the weights.
 *
 * Why: onnxruntime-web given one model buffer copies it into the WASM heap and then parses the
 * initializers out of that copy into tensors of their own, so the weights sit in WASM memory twice
 * while the session is built — and a WASM heap never shrinks. Given a small graph whose
 * initializers point into *external data*, it copies each tensor once, straight from the JS bytes
 * into its final place: the weights are in WASM memory once, at the peak and after it (figures:
 * docs/performance.md).
 *
 * The external data is the original file itself: each moved initializer gets
 * `location`/`offset`/`length` pointing at its `raw_data` bytes inside the file, so the same
 * buffer serves as the weights file and nothing is copied or re-laid out.
 *
 * Only the protobuf wire format is walked (ModelProto.graph → GraphProto.initializer →
 * TensorProto.raw_data); every other byte is kept as it is.
 */

/**
 * The model's bytes as the splitter reads them: in memory, or read on demand from a file (the
 * browser's model store), so a 569 MB model need not be in memory to be split.
 */
export interface ByteSource {
  readonly length: number;
  /** The byte at `index` (0 past the end). */
  byteAt(index: number): number;
  /** The bytes in `[begin, end)`, as a view or a copy. */
  bytes(begin: number, end: number): Uint8Array;
}

/** What {@link splitOnnxWeights} produced. */
export interface SplitOnnxModel {
  /** The model with its large initializers pointing into the external data. */
  graph: Uint8Array;
  /** How many initializers now live in the external data. */
  movedTensors: number;
  /** Bytes of weights left in the original buffer (the external data). */
  movedBytes: number;
}

// Field numbers of onnx.proto.
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_RAW_DATA = 9;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;
const DATA_LOCATION_EXTERNAL = 1;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

type MessageKind = 'model' | 'graph' | 'tensor';

/**
 * Rewrites `model` (a complete ONNX file) so that every initializer of at least `minBytes` raw
 * bytes is external data at `location`, where `location` names `model` itself. Returns null when
 * nothing would move (no inline raw data, or weights already external).
 *
 * @example
 * const split = splitOnnxWeights(bytes, 'weights');
 * const session = await ort.InferenceSession.create(split.graph, { externalData: [{ path: 'weights', data: bytes }] });
 */
export function splitOnnxWeights(model: Uint8Array | ByteSource, location: string, minBytes = 1024): SplitOnnxModel | null {
  // A ByteSource may itself be a Uint8Array (the browser's stored bytes), so ask for the interface.
  const splitter = new Splitter('byteAt' in model ? model : memorySource(model), location, minBytes);
  const parts: Uint8Array[] = [];
  splitter.copyMessage(0, model.length, parts, 'model');
  if (splitter.movedTensors === 0) return null;
  return { graph: concat(parts), movedTensors: splitter.movedTensors, movedBytes: splitter.movedBytes };
}

class Splitter {
  movedTensors = 0;
  movedBytes = 0;
  readonly #locationEntry: Uint8Array;

  constructor(
    private readonly bytes: ByteSource,
    location: string,
    private readonly minBytes: number,
  ) {
    this.#locationEntry = entry('location', location);
  }

  /**
   * Copies the message in `[start, end)` into `sink`, descending into the graph and its
   * initializers. Unchanged stretches are pushed as views of the input, not copies.
   */
  copyMessage(start: number, end: number, sink: Uint8Array[], kind: MessageKind): void {
    const bytes = this.bytes;
    let position = start;
    let unchangedFrom = start;
    while (position < end) {
      const fieldStart = position;
      const [tag, afterTag] = readVarint(bytes, position);
      const field = Math.floor(tag / 8);
      const wire = tag % 8;
      position = afterTag;
      if (wire === WIRE_VARINT) {
        position = readVarint(bytes, position)[1];
        continue;
      }
      if (wire === WIRE_FIXED64 || wire === WIRE_FIXED32) {
        position += wire === WIRE_FIXED64 ? 8 : 4;
        continue;
      }
      if (wire !== WIRE_LENGTH_DELIMITED) throw new Error(`Not an ONNX model: protobuf wire type ${wire} at byte ${fieldStart}.`);
      const [length, bodyStart] = readVarint(bytes, position);
      const bodyEnd = bodyStart + length;
      if (bodyEnd > end) throw new Error(`Not an ONNX model: a field at byte ${fieldStart} runs past its message.`);
      position = bodyEnd;

      const nested: MessageKind | undefined = kind === 'model' && field === MODEL_GRAPH ? 'graph' : kind === 'graph' && field === GRAPH_INITIALIZER ? 'tensor' : undefined;
      if (nested) {
        sink.push(bytes.bytes(unchangedFrom, fieldStart));
        const inner: Uint8Array[] = [];
        this.copyMessage(bodyStart, bodyEnd, inner, nested);
        sink.push(encodeVarint(tag), encodeVarint(byteLength(inner)), ...inner);
        unchangedFrom = position;
      } else if (kind === 'tensor' && field === TENSOR_RAW_DATA && length >= this.minBytes) {
        // The tensor's bytes stay where they are; the graph points at them.
        sink.push(bytes.bytes(unchangedFrom, fieldStart));
        sink.push(this.#locationEntry, entry('offset', String(bodyStart)), entry('length', String(length)));
        sink.push(encodeVarint(TENSOR_DATA_LOCATION * 8 + WIRE_VARINT), encodeVarint(DATA_LOCATION_EXTERNAL));
        this.movedTensors += 1;
        this.movedBytes += length;
        unchangedFrom = position;
      }
    }
    sink.push(bytes.bytes(unchangedFrom, end));
  }
}

function memorySource(model: Uint8Array): ByteSource {
  return { length: model.length, byteAt: (index) => model[index] ?? 0, bytes: (begin, end) => model.subarray(begin, end) };
}

const encoder = new TextEncoder();

/** One `external_data` entry (a StringStringEntryProto) of a TensorProto. */
function entry(key: string, value: string): Uint8Array {
  const body = concat([lengthDelimited(ENTRY_KEY, encoder.encode(key)), lengthDelimited(ENTRY_VALUE, encoder.encode(value))]);
  return lengthDelimited(TENSOR_EXTERNAL_DATA, body);
}

function lengthDelimited(field: number, body: Uint8Array): Uint8Array {
  return concat([encodeVarint(field * 8 + WIRE_LENGTH_DELIMITED), encodeVarint(body.length), body]);
}

// Varints as plain numbers: exact up to 2^53, far past any ONNX file a browser can hold.
function readVarint(bytes: ByteSource, start: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let position = start; position < bytes.length; position++) {
    const byte = bytes.byteAt(position);
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, position + 1];
    scale *= 128;
  }
  throw new Error('Not an ONNX model: the file ends inside a protobuf varint.');
}

function encodeVarint(value: number): Uint8Array {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Uint8Array.from(out);
}

function byteLength(parts: readonly Uint8Array[]): number {
  let total = 0;
  for (const part of parts) total += part.length;
  return total;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(byteLength(parts));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
