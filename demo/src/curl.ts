/**
 * "Copy as curl": the page's current request as a command for a `webrerank serve` (or any server
 * speaking the hosted API), so what was tried here can be repeated from a terminal.
 */
import type { RerankRequest } from '../../src/index.js';

/** Where `webrerank serve` listens by default. */
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:8080';

/** One POSIX shell word: single quotes keep everything literal except `'` itself, written `'\''`. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** `curl` posting `request` to `{server}/v1/rerank`. */
export function curlCommand(server: string, request: RerankRequest): string {
  const url = `${server.trim().replace(/\/+$/, '')}/v1/rerank`;
  return [`curl -sS ${shellQuote(url)}`, `-H 'Content-Type: application/json'`, `-d ${shellQuote(JSON.stringify(request))}`].join(' \\\n  ');
}

/**
 * The `webrerank serve` that answers such a request: a local demo model is served from its folder
 * in this repository under the id the page uses; the real model needs no flags.
 */
export function serveCommand(server: string, model: { id: string; demoPath?: string }): string {
  const flags: string[] = [];
  if (model.demoPath !== undefined) flags.push(`--model-path ${shellQuote(`demo/public/${model.demoPath}`)}`, `--model ${shellQuote(model.id)}`);
  const port = portOf(server);
  if (port !== undefined && port !== new URL(DEFAULT_SERVER_URL).port) flags.push(`--port ${port}`);
  return ['npx webrerank serve', ...flags].join(' ');
}

function portOf(server: string): string | undefined {
  try {
    const url = new URL(server);
    return url.port || (url.protocol === 'https:' ? '443' : '80');
  } catch {
    return undefined;
  }
}
