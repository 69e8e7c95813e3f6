import { afterEach, describe, expect, it, vi } from 'vitest';
import { probeCapabilities } from '../../src/browser/shared/capabilities.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('probeCapabilities', () => {
  it('reports no WebGPU where there is no navigator.gpu, and freezes the answer', async () => {
    vi.stubGlobal('navigator', { hardwareConcurrency: 4 });
    const capabilities = await probeCapabilities();
    expect(capabilities.webgpu).toMatchObject({ available: false, reason: expect.stringMatching(/navigator.gpu is missing/) });
    expect(capabilities.hardwareConcurrency).toBe(4);
    expect(capabilities.deviceMemory).toBeNull();
    expect(capabilities.webnn.available).toBe(false);
    expect(Object.isFrozen(capabilities) && Object.isFrozen(capabilities.webgpu)).toBe(true);
  });

  it('counts a navigator.gpu whose requestAdapter() returns null as no WebGPU', async () => {
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => null } });
    expect((await probeCapabilities()).webgpu).toMatchObject({ available: false, reason: expect.stringMatching(/returned null/) });
  });

  it('reads the adapter: fallback flag, shader-f16 and buffer limits', async () => {
    const adapter = {
      features: new Set(['shader-f16']),
      limits: { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 27 },
      info: { vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true },
    };
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => adapter }, deviceMemory: 8, ml: { createContext: async () => ({}) } });
    const capabilities = await probeCapabilities();
    expect(capabilities.webgpu).toEqual({
      available: true,
      isFallbackAdapter: true,
      shaderF16: true,
      maxBufferSize: 2 ** 30,
      maxStorageBufferBindingSize: 2 ** 27,
      vendor: 'google',
      architecture: 'swiftshader',
    });
    expect(capabilities.deviceMemory).toBe(8);
    expect(capabilities.webnn).toEqual({ available: true });
  });

  it('reports a WebNN context that fails to open, with why', async () => {
    vi.stubGlobal('navigator', { ml: { createContext: async () => Promise.reject(new Error('no backend')) } });
    expect((await probeCapabilities()).webnn).toEqual({ available: false, reason: 'navigator.ml.createContext() failed: no backend' });
  });

  it('posts a SharedArrayBuffer for real (Node allows it)', async () => {
    expect((await probeCapabilities()).sharedArrayBuffer).toBe(true);
  });
});
