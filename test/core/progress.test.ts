import { describe, expect, it } from 'vitest';
import { ProgressTracker, progressLabel, type LoadProgress } from '../../src/core/progress.js';

type Progress = Extract<LoadProgress, { status: 'progress' }>;

function track(): { tracker: ProgressTracker; events: LoadProgress[]; progress: () => Progress[] } {
  const events: LoadProgress[] = [];
  const tracker = new ProgressTracker('m', (event) => events.push(event));
  return { tracker, events, progress: () => events.filter((event): event is Progress => event.status === 'progress') };
}

describe('ProgressTracker', () => {
  it('knows the total of every announced file from the first byte, so the bar only moves forward', () => {
    const { tracker, progress } = track();
    tracker.handle({ status: 'expect', expected: [{ file: 'config.json', total: 1_000 }, { file: 'tokenizer.json', total: 365_000 }, { file: 'onnx/model_quantized.onnx', total: 569_000_000 }] });
    tracker.handle({ status: 'progress', file: 'config.json', loaded: 1_000, total: 1_000 });
    tracker.handle({ status: 'progress', file: 'tokenizer.json', loaded: 200_000, total: 365_000 });
    tracker.handle({ status: 'progress', file: 'tokenizer.json', loaded: 365_000, total: 365_000 });
    tracker.handle({ status: 'progress', file: 'onnx/model_quantized.onnx', loaded: 100_000_000, total: 569_000_000 });
    tracker.ready('wasm', 'q8', 10);

    const events = progress();
    expect(events.every((event) => event.total === 569_366_000)).toBe(true);
    for (let i = 1; i < events.length; i++) expect(events[i]?.progress).toBeGreaterThanOrEqual(events[i - 1]?.progress as number);
    expect(events[1]).toMatchObject({ file: 'tokenizer.json', fileLoaded: 200_000, fileTotal: 365_000, filesDone: 1, fileCount: 3, label: '1 of 3 files, 201.0 kB of 569.4 MB' });
    expect(events[3]).toMatchObject({ filesDone: 2, label: '2 of 3 files, 100.4 MB of 569.4 MB' });
    expect(events.at(-1)).toMatchObject({ progress: 100, filesDone: 3, label: '3 of 3 files, 100.4 MB of 569.4 MB' });
  });

  it('ignores reads of files it was not told about once the files are announced', () => {
    const { tracker, progress } = track();
    tracker.handle({ status: 'expect', expected: [{ file: 'a', total: 10 }] });
    tracker.handle({ status: 'progress', file: 'b', loaded: 1_000, total: 1_000 });
    tracker.handle({ status: 'progress', file: 'a', loaded: 5, total: 10 });
    expect(progress()).toEqual([expect.objectContaining({ loaded: 5, total: 10, progress: 50 })]);
  });

  it('says bytes "so far" instead of a percentage of a wrong total while a size is unknown', () => {
    const { tracker, progress } = track();
    tracker.handle({ status: 'expect', expected: [{ file: 'a', total: 0 }, { file: 'b', total: 10 }] });
    tracker.handle({ status: 'progress', file: 'b', loaded: 10, total: 10 });
    expect(progress()[0]).toMatchObject({ sizeKnown: false, label: '1 of 2 files, 10 B so far' });
  });

  it('holds the bar when transformers.js reveals a new file (no announcement) instead of moving it back', () => {
    const { tracker, progress } = track();
    tracker.handle({ status: 'progress', file: 'a', loaded: 72, total: 100 });
    tracker.handle({ status: 'progress', file: 'b', loaded: 0, total: 100 });
    expect(progress().map((event) => event.progress)).toEqual([72, 72]);
  });

  it('passes on that the model is being built, between the last byte and ready', () => {
    const { tracker, events } = track();
    tracker.handle({ status: 'building', backend: 'wasm', dtype: 'q8' });
    tracker.ready('wasm', 'q8', 1);
    expect(events.map((event) => event.status)).toEqual(['building', 'ready']);
  });
});

describe('progressLabel', () => {
  it('uses one file or many in words', () => {
    expect(progressLabel(0, 1, 0, 2_500_000_000, true)).toBe('0 of 1 file, 0 B of 2.50 GB');
  });
});
