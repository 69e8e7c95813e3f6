/**
 * The one stderr line a command prints when its answers come from a generated stand-in model, so
 * nobody takes its random scores for the real model's.
 */
import { STANDIN_WARNING } from '../core/standin.js';

/** Prints the stand-in warning to `err` the first time it is called with `standin` true. */
export function standinWarner(err: { write(text: string): unknown } = process.stderr): (standin: boolean | undefined) => void {
  let warned = false;
  return (standin) => {
    if (!standin || warned) return;
    warned = true;
    err.write(`webrerank: warning: ${STANDIN_WARNING}\n`);
  };
}

/** Whether a response says it came from a stand-in (its `meta.warnings` hold the sentence). */
export function fromStandin(response: { meta?: { warnings?: string[] } }): boolean {
  return response.meta?.warnings?.includes(STANDIN_WARNING) ?? false;
}
