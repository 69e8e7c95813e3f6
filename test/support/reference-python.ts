/**
 * Runs the reference pipeline (tools/reference/reference_pipeline.py: Hugging Face `tokenizers`
 * and Python onnxruntime) on one job, in one Python process.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The Python that has `tokenizers` and `onnxruntime`: .ci/run makes this virtual environment. */
export const REFERENCE_PYTHON = process.env.WEBRERANK_REFERENCE_PYTHON ?? resolve('.cache/reference-python/bin/python');
const SCRIPT = resolve('tools/reference/reference_pipeline.py');

export interface ReferenceJob {
  tokenizer: string;
  texts?: readonly string[];
  pairs?: readonly { maxLength: number; query: string; documents: readonly string[] }[];
  scores?: readonly { model: string; maxLength: number; query: string; documents: readonly string[] }[];
}

export interface ReferenceResult {
  ids: number[][];
  /** Each text through the tokenizer's normalizer alone (Rust's `normalize_str`). */
  normalized: string[];
  /** Per pairs request, per document: the model input, or null when the query leaves no room. */
  pairs: (number[] | null)[][];
  scores: number[][];
}

export async function runReference(job: ReferenceJob): Promise<ReferenceResult> {
  if (!existsSync(REFERENCE_PYTHON)) {
    throw new Error(
      `The reference Python (${REFERENCE_PYTHON}) is missing: .ci/run creates it (python3 -m venv .cache/reference-python, then pip install the tokenizers, onnxruntime and numpy versions it pins), or set WEBRERANK_REFERENCE_PYTHON.`,
    );
  }
  const folder = mkdtempSync(join(tmpdir(), 'webrerank-reference-'));
  try {
    const jobPath = join(folder, 'job.json');
    const outPath = join(folder, 'out.json');
    writeFileSync(jobPath, JSON.stringify(job));
    await new Promise<void>((done, fail) => {
      execFile(REFERENCE_PYTHON, [SCRIPT, jobPath, outPath], { maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) =>
        error ? fail(new Error(`The reference pipeline failed: ${stderr || error.message}`)) : done(),
      );
    });
    return JSON.parse(readFileSync(outPath, 'utf8')) as ReferenceResult;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
