/**
 * `/health` while `webrerank serve` answers the 5 MB request, with the model on the main
 * thread (`--in-process`) and in its worker thread (the default), at 512-token pairs (the default)
 * and 128, in one run so the machine's load is the same for all. Each row starts its own server
 * on the tiny stand-in model. Prints a table and the load average before and after each row.
 *
 *   npm run bench:responsiveness                      # all rows
 *   npm run bench:responsiveness -- --rounds 2 --threads 2,1
 *   npm run bench:responsiveness -- --hidden 1024 --documents 20
 *       # the real model's width (2 layers, not 24): batches of ~1 s, as the real model's take
 *       # seconds; 20 of the request's documents keep the run short
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateStandinModel } from '../tools/standin/index.js';
import { probeDuringBigRerank, quantile } from '../test/kit/responsiveness.js';
import { startServeProcess, untilHealthy } from '../test/kit/serve-process.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '1' },
    'max-length': { type: 'string', default: '512,128' },
    modes: { type: 'string', default: 'in-process,thread' },
    threads: { type: 'string', default: '' },
    hidden: { type: 'string' },
    layers: { type: 'string', default: '2' },
    documents: { type: 'string', default: '1000' },
  },
});
const hidden = values.hidden === undefined ? undefined : Number(values.hidden);
const model = await generateStandinModel(
  hidden === undefined
    ? { preset: 'tiny', out: resolve('bench/.models/tiny'), reuseExisting: true }
    : {
        preset: 'tiny',
        out: resolve(`bench/.models/tiny-hidden${hidden}-layers${values.layers}`),
        reuseExisting: true,
        dimensions: { hiddenSize: hidden, intermediateSize: 4 * hidden, numAttentionHeads: Math.max(2, hidden / 64), numHiddenLayers: Number(values.layers) },
      },
);
console.log(`model: ${model.dir}; ${values.documents} documents of 5,000 characters without spaces`);
const lengths = values['max-length'].split(',');
const modes = values.modes.split(',');
const threadCounts = values.threads === '' ? [undefined] : values.threads.split(',');
const load = (): string => loadavg().map((value) => value.toFixed(1)).join(' ');

console.log('| pairs of | model runs | threads | rerank took | probes | p50 | p99 | max | small rerank first | load average before → after |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (let round = 0; round < Number(values.rounds); round++) {
  for (const length of lengths) {
    for (const mode of modes) {
      for (const threads of threadCounts) {
        const args = ['--model-path', model.dir, '--port', '0', '--max-length', length, ...(mode === 'in-process' ? ['--in-process'] : []), ...(threads ? ['--threads', threads] : [])];
        const serve = await startServeProcess(args);
        try {
          await untilHealthy(serve.url);
          const before = load();
          const result = await probeDuringBigRerank(serve.url, Number(values.documents));
          const ms = (value: number): string => `${Math.round(value)} ms`;
          console.log(
            `| ${length} tokens | ${mode === 'in-process' ? 'main thread' : 'worker thread'} | ${threads ?? 'all cores'} | ${(result.bigMs / 1000).toFixed(1)} s (${result.bigStatus}) | ${result.latencies.length} | ${ms(quantile(result.latencies, 0.5))} | ${ms(quantile(result.latencies, 0.99))} | ${ms(result.latencies.at(-1) ?? Number.NaN)} | ${result.smallDoneFirst ? 'yes' : 'no'} (${result.smallStatus}) | ${before} → ${load()} |`,
          );
        } finally {
          await serve.stop();
        }
      }
    }
  }
}
