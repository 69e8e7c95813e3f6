/**
 * What this device can do, probed for real and returned as one frozen object.
 *
 * Every answer comes from trying the thing: a WebGPU adapter is requested (a `navigator.gpu` that
 * hands back null is no GPU), a SharedArrayBuffer is posted through a MessageChannel (the global
 * can exist while posting it fails), a WebNN context is created. Probe where the model will run —
 * inside the worker — since a worker can differ from the page (no WebNN in some workers, say).
 * The backend choice is then a pure function of this object (see `planBackends`).
 */
import { messageOf } from '../../core/errors.js';

/** What the WebGPU probe found. */
export interface WebGpuCapabilities {
  /** `navigator.gpu.requestAdapter()` returned an adapter. */
  readonly available: boolean;
  /** A software adapter (e.g. SwiftShader): works, but slower than WASM for a model this size. */
  readonly isFallbackAdapter: boolean;
  /** The `shader-f16` feature, without which fp16 models can't run on WebGPU. */
  readonly shaderF16: boolean;
  /** Largest single GPU buffer, in bytes (0 without an adapter). */
  readonly maxBufferSize: number;
  /** Largest storage buffer one shader may bind, in bytes (0 without an adapter). */
  readonly maxStorageBufferBindingSize: number;
  /** Adapter vendor and architecture, when the browser tells. */
  readonly vendor?: string;
  readonly architecture?: string;
  /** Why WebGPU is unavailable, when it is. */
  readonly reason?: string;
}

/** What the WebNN probe found. Reported only: webrerank does not run models on WebNN. */
export interface WebNnCapabilities {
  /** `navigator.ml.createContext()` succeeded. */
  readonly available: boolean;
  readonly reason?: string;
}

/** Everything the backend plan needs to know about the device. */
export interface Capabilities {
  /** Where the probe ran: the model runs where it was probed. */
  readonly context: 'window' | 'worker' | 'node' | 'other';
  readonly webgpu: WebGpuCapabilities;
  /** WebAssembly exists (ORT's WASM backend can run at all). */
  readonly wasm: boolean;
  /** `crossOriginIsolated`: the page was served with COOP `same-origin` + COEP `require-corp`. */
  readonly crossOriginIsolated: boolean;
  /** A SharedArrayBuffer was actually posted — what WASM threads need. */
  readonly sharedArrayBuffer: boolean;
  /** Logical cores (`navigator.hardwareConcurrency`, 1 when unknown). */
  readonly hardwareConcurrency: number;
  /** Approximate RAM in GiB (`navigator.deviceMemory`, Chromium only, capped at 8); null when unknown. */
  readonly deviceMemory: number | null;
  readonly webnn: WebNnCapabilities;
}

/** How long one probe may take before it counts as "no": a hung driver must not hang the load. */
const PROBE_TIMEOUT_MS = 5_000;

interface GpuAdapterLike {
  readonly features: { has(name: string): boolean };
  readonly limits: { maxBufferSize?: number; maxStorageBufferBindingSize?: number };
  readonly isFallbackAdapter?: boolean;
  readonly info?: { vendor?: string; architecture?: string; isFallbackAdapter?: boolean };
}

interface NavigatorLike {
  gpu?: { requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null> };
  ml?: { createContext(options?: unknown): Promise<{ destroy?(): void } | undefined> };
  hardwareConcurrency?: number;
  deviceMemory?: number;
}

/**
 * Probes the current realm (page or worker). Takes well under a second on a normal device; each
 * probe gives up after a few seconds.
 *
 * @example
 * const capabilities = await probeCapabilities();
 * if (!capabilities.webgpu.available) console.log('No WebGPU:', capabilities.webgpu.reason);
 */
export async function probeCapabilities(): Promise<Capabilities> {
  const nav = (globalThis as { navigator?: NavigatorLike }).navigator;
  const [webgpu, sharedArrayBuffer, webnn] = await Promise.all([probeWebGpu(nav), probeSharedArrayBuffer(), probeWebNn(nav)]);
  const deviceMemory = nav?.deviceMemory;
  return deepFreeze({
    context: currentContext(),
    webgpu,
    wasm: typeof WebAssembly === 'object' && typeof WebAssembly.instantiate === 'function',
    crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    sharedArrayBuffer,
    hardwareConcurrency: positiveOr(nav?.hardwareConcurrency, 1),
    deviceMemory: typeof deviceMemory === 'number' && deviceMemory > 0 ? deviceMemory : null,
    webnn,
  });
}

function currentContext(): Capabilities['context'] {
  const scope = globalThis as { document?: unknown; WorkerGlobalScope?: unknown; process?: { release?: { name?: string } } };
  if (typeof scope.document === 'object') return 'window';
  if (typeof scope.WorkerGlobalScope === 'function') return 'worker';
  if (scope.process?.release?.name === 'node') return 'node';
  return 'other';
}

async function probeWebGpu(nav: NavigatorLike | undefined): Promise<WebGpuCapabilities> {
  const none = (reason: string): WebGpuCapabilities => ({ available: false, isFallbackAdapter: false, shaderF16: false, maxBufferSize: 0, maxStorageBufferBindingSize: 0, reason });
  if (!nav?.gpu) return none('navigator.gpu is missing (no WebGPU in this browser, or not a secure context)');
  let adapter: GpuAdapterLike | null;
  try {
    // The same preference transformers.js gives ORT, so we probe the adapter ORT will get.
    adapter = await withTimeout(nav.gpu.requestAdapter({ powerPreference: 'high-performance' }), 'requestAdapter');
  } catch (error) {
    return none(`requestAdapter() failed: ${messageOf(error)}`);
  }
  if (!adapter) return none('navigator.gpu.requestAdapter() returned null (WebGPU disabled or blocklisted)');
  const capabilities: { -readonly [K in keyof WebGpuCapabilities]: WebGpuCapabilities[K] } = {
    available: true,
    // `isFallbackAdapter` moved from the adapter to `adapter.info` in newer Chromium.
    isFallbackAdapter: adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false,
    shaderF16: adapter.features.has('shader-f16'),
    maxBufferSize: adapter.limits.maxBufferSize ?? 0,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize ?? 0,
  };
  if (adapter.info?.vendor) capabilities.vendor = adapter.info.vendor;
  if (adapter.info?.architecture) capabilities.architecture = adapter.info.architecture;
  return capabilities;
}

/** Posts a SharedArrayBuffer to ourselves: without cross-origin isolation this throws or arrives as a messageerror. */
async function probeSharedArrayBuffer(): Promise<boolean> {
  if (typeof SharedArrayBuffer !== 'function' || typeof MessageChannel !== 'function') return false;
  const { port1, port2 } = new MessageChannel();
  try {
    const received = new Promise<boolean>((resolve) => {
      port2.onmessage = (event: MessageEvent) => resolve(event.data instanceof SharedArrayBuffer);
      port2.onmessageerror = () => resolve(false);
    });
    port1.postMessage(new SharedArrayBuffer(8));
    // Threads also need shared wasm memory; some embedders allow one and not the other.
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return await withTimeout(received, 'SharedArrayBuffer post');
  } catch {
    return false;
  } finally {
    port1.close();
    port2.close();
  }
}

async function probeWebNn(nav: NavigatorLike | undefined): Promise<WebNnCapabilities> {
  if (!nav?.ml?.createContext) return { available: false, reason: 'navigator.ml is missing' };
  try {
    const context = await withTimeout(nav.ml.createContext(), 'createContext');
    context?.destroy?.();
    return { available: true };
  } catch (error) {
    return { available: false, reason: `navigator.ml.createContext() failed: ${messageOf(error)}` };
  }
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${PROBE_TIMEOUT_MS / 1000} s`)), PROBE_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function positiveOr(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}


/** Freezes an object and every object inside it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
