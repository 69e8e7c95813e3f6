/**
 * Generates the tiny stand-in model once per test run and hands its folder to every test file.
 * Generation is deterministic and takes well under a second, so it is never stale.
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { generateStandinModel } from '../../tools/standin/index.js';

export const TINY_MODEL_DIR = resolve('.cache/standin/tiny');

export default async function setup(project: TestProject): Promise<void> {
  await mkdir(TINY_MODEL_DIR, { recursive: true });
  await generateStandinModel({ preset: 'tiny', out: TINY_MODEL_DIR });
  project.provide('tinyModelDir', TINY_MODEL_DIR);
}

declare module 'vitest' {
  export interface ProvidedContext {
    tinyModelDir: string;
  }
}
