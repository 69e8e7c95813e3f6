/**
 * The dtype picker's choices: the model's dtypes that this device can run on the chosen backend,
 * asked of the same planner the reranker uses, so the page never offers what would be refused.
 */
import { isRerankError, planBackends, type Capabilities, type Dtype } from '../../src/index.js';

export function runnableDtypes(capabilities: Capabilities, device: 'webgpu' | 'wasm' | undefined, modelDtypes: readonly Dtype[]): Dtype[] {
  return modelDtypes.filter((dtype) => {
    try {
      return planBackends(capabilities, { ...(device ? { device } : {}), dtype }).runtimes.length > 0;
    } catch (error) {
      if (isRerankError(error)) return false;
      throw error;
    }
  });
}
