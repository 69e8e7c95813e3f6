/**
 * CLI for the stand-in model generator.
 *
 *   npm run make:model                                       (tiny, into models/standin-tiny)
 *   npm run make:model -- --preset tiny --out DIR
 *   npm run make:model -- --preset full --out DIR            (bge-reranker-v2-m3 dimensions, q8)
 *   npm run make:model -- --out DIR --hidden 1024 --layers 2 --vocab 250002 --dtypes fp32,q8
 */
import { parseArgs } from 'node:util';
import type { ModelDimensions, PresetName, StandinDtype } from './index.js';
import { DEFAULT_SEED, formatBytes, generateStandinModel, presets } from './index.js';
import { statSync } from 'node:fs';
import { join } from 'node:path';

const USAGE = `Usage: make-model [--out DIR] [--preset ${Object.keys(presets).join('|')}] [--seed N]
       [--hidden N] [--layers N] [--heads N] [--intermediate N] [--vocab N] [--max-positions N]
       [--dtypes fp32,fp16,q8] [--massive-activations N] [--external-data] [--reuse]

Writes a random-weight XLM-R reranker (config.json, tokenizer.json, tokenizer_config.json,
onnx/model.onnx, onnx/model_fp16.onnx, onnx/model_quantized.onnx) in transformers.js' layout.
Same options, same bytes. fp16 is the real fp16 export's form: float16 weights and activations,
int64 inputs, float32 logits. --massive-activations N gives every layer N feed-forward channels
with activations near 80000, as trained XLM-R has: fine in fp32, Infinity/NaN in fp16.
--out defaults to models/standin-PRESET (models/standin-custom with dimension flags): a
stand-in's folder never bears a real model's name, and config.json marks it (webrerank_standin),
so every answer from it carries a warning.
Seed defaults to ${DEFAULT_SEED}; dimensions and dtypes default to the preset's (tiny).
Weights over protobuf's 2 GB limit (fp32 at full size) go to onnx/model*.onnx_data;
--external-data puts them there at any size. --reuse keeps a folder that already holds
the same model.`;

const DTYPES: readonly StandinDtype[] = ['fp32', 'fp16', 'q8'];

function integerFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${flag} needs a non-negative integer, got "${text}"`);
  return value;
}

function parseDtypes(text: string | undefined): StandinDtype[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((item) => {
    const dtype = item.trim();
    if (!(DTYPES as readonly string[]).includes(dtype)) throw new Error(`--dtypes takes ${DTYPES.join(',')}; got "${dtype}"`);
    return dtype as StandinDtype;
  });
}

function parsePreset(text: string | undefined): PresetName | undefined {
  if (text === undefined) return undefined;
  if (!Object.hasOwn(presets, text)) throw new Error(`--preset takes ${Object.keys(presets).join(', ')}; got "${text}"`);
  return text as PresetName;
}

/** `models/standin-PRESET`: named for what it is, never like the real model it stands in for. */
function defaultOutFolder(preset: string | undefined, values: Record<string, unknown>): string {
  const custom = ['hidden', 'layers', 'heads', 'intermediate', 'vocab', 'max-positions'].some((flag) => values[flag] !== undefined);
  return join('models', `standin-${custom ? 'custom' : (preset ?? 'tiny')}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      preset: { type: 'string' },
      seed: { type: 'string' },
      hidden: { type: 'string' },
      layers: { type: 'string' },
      heads: { type: 'string' },
      intermediate: { type: 'string' },
      vocab: { type: 'string' },
      'max-positions': { type: 'string' },
      dtypes: { type: 'string' },
      reuse: { type: 'boolean' },
      'external-data': { type: 'boolean' },
      'massive-activations': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }

  const dimensions: Partial<ModelDimensions> = {
    hiddenSize: integerFlag('hidden', values.hidden),
    numHiddenLayers: integerFlag('layers', values.layers),
    numAttentionHeads: integerFlag('heads', values.heads),
    intermediateSize: integerFlag('intermediate', values.intermediate),
    vocabSize: integerFlag('vocab', values.vocab),
    maxPositionEmbeddings: integerFlag('max-positions', values['max-positions']),
  };
  const started = Date.now();
  const model = await generateStandinModel({
    out: values.out ?? defaultOutFolder(values.preset, values),
    preset: parsePreset(values.preset),
    seed: integerFlag('seed', values.seed),
    dimensions,
    dtypes: parseDtypes(values.dtypes),
    reuseExisting: values.reuse ?? false,
    externalData: values['external-data'] ? 'always' : 'auto',
    massiveActivations: integerFlag('massive-activations', values['massive-activations']),
    onProgress: (message) => console.log(message),
  });
  console.log(`${model.reused ? 'reused' : 'wrote'} ${model.dir} in ${((Date.now() - started) / 1000).toFixed(1)} s:`);
  for (const file of model.files) console.log(`  ${file}  ${formatBytes(statSync(join(model.dir, file)).size)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
