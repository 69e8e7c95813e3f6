/**
 * What a bench run measures: its sections, and the groups of variants that are loaded side by side
 * and take turns call by call.
 */
import { cpus } from 'node:os';
import type { VariantSpec } from './core.js';
import type { BenchModelName } from './models.js';

export type Section = 'compare' | 'docs100' | 'q8' | 'fullsize' | 'webgpu';
export const SECTIONS: readonly Section[] = ['compare', 'docs100', 'q8', 'fullsize', 'webgpu'];

/** Variants measured side by side, taking turns. */
export interface Group {
  section: Section;
  variants: VariantSpec[];
  /** Timed calls each variant gets after its first. */
  rounds: number;
  /** Extra rounds, at most, for variants with fewer clean calls than `rounds`. */
  extraRounds: number;
}

export interface Settings {
  quick: boolean;
  model: BenchModelName;
  rounds: number;
  extraRounds: number;
  sections: Section[];
  nodeWasm: boolean;
  /** The model of the WebGPU section (bench/webgpu.ts, which runs apart from these groups). */
  webgpuModel: BenchModelName;
}

/** The groups of variants a run with these settings measures, in order. */
export function plan(settings: Settings): Group[] {
  const { model, rounds, extraRounds } = settings;
  const cores = cpus().length;
  const groups: Group[] = [];
  const group = (section: Section, variants: VariantSpec[], groupRounds = rounds) => groups.push({ section, variants, rounds: groupRounds, extraRounds: Math.min(extraRounds, groupRounds) });
  const spec = (fields: Omit<VariantSpec, 'model'> & { model?: string }): VariantSpec => ({ model, ...fields });

  if (settings.sections.includes('compare')) {
    // The headline: Chromium WASM fp32, 40 documents; native onnxruntime-node beside it for reference.
    group('compare', [
      ...(['webrerank', 'recipe', 'raw'] as const).map((approach) => spec({ env: 'chromium-wasm', approach, dtype: 'fp32', workload: 'docs40' })),
      spec({ env: 'node-cpu', approach: 'native', dtype: 'fp32', workload: 'docs40', threads: cores }),
    ]);
    if (!settings.quick) {
      group('compare', [
        spec({ env: 'node-cpu', approach: 'webrerank', dtype: 'fp32', workload: 'docs40' }),
        spec({ env: 'node-cpu', approach: 'recipe', dtype: 'fp32', workload: 'docs40' }),
      ]);
    }
    if (settings.nodeWasm) group('compare', (['webrerank', 'recipe', 'raw'] as const).map((approach) => spec({ env: 'node-wasm', approach, dtype: 'fp32', workload: 'docs40' })));
  }
  if (settings.sections.includes('docs100')) {
    // The recipe's one batch of 100 × ~500 tokens may fail: then the failure is the finding.
    group('docs100', [spec({ env: 'chromium-wasm', approach: 'webrerank', dtype: 'fp32', workload: 'docs100' })], Math.min(rounds, 2));
    group('docs100', [spec({ env: 'chromium-wasm', approach: 'recipe', dtype: 'fp32', workload: 'docs100' })], 1);
    group('docs100', [spec({ env: 'node-cpu', approach: 'webrerank', dtype: 'fp32', workload: 'docs100' })], Math.min(rounds, 2));
  }
  if (settings.sections.includes('q8')) {
    // Batch-invariant q8 (the default: one pair per run, no padding) against batched q8.
    for (const env of ['chromium-wasm', 'node-cpu'] as const) {
      group('q8', [
        spec({ env, approach: 'webrerank', dtype: 'q8', workload: 'docs40' }),
        spec({ env, approach: 'webrerank', dtype: 'q8', workload: 'docs40', batchInvariant: false }),
        env === 'chromium-wasm' ? spec({ env, approach: 'raw', dtype: 'q8', workload: 'docs40' }) : spec({ env, approach: 'native', dtype: 'q8', workload: 'docs40', threads: cores }),
        // Defaults against defaults: q8 is both webrerank's and transformers.js' default on WASM.
        ...(env === 'chromium-wasm' ? [spec({ env, approach: 'recipe', dtype: 'q8', workload: 'docs40' })] : []),
      ]);
    }
  }
  // 'fullsize' and 'webgpu' run apart from these groups: bench/fullsize.ts, bench/webgpu.ts.
  return groups;
}
