/**
 * The remote client, the fallback policy and the server app must run in browsers and on edge
 * runtimes: nothing they import, directly or through our other modules, may be a node: module.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Packages these modules may use: each runs on Web APIs alone. zod-openapi turns the zod schemas
 * into `/openapi.json`; the framework adapters import their framework (an optional peer).
 */
const WEB_PACKAGES = new Set(['hono', 'hono/cors', 'hono/streaming', 'zod', 'zod-openapi', '@langchain/core/retrievers/document_compressors', '@llamaindex/core/schema']);
const NODE_BUILTINS = new Set(builtinModules);

/** Every bare specifier the module graph from `entry` imports at runtime (type-only imports erased). */
function runtimeImports(entry: string): Map<string, string> {
  const found = new Map<string, string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const pattern = /^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
    for (const match of source.matchAll(pattern)) {
      const specifier = (match[1] ?? match[2]) as string;
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else found.set(specifier, file);
    }
  };
  visit(resolve(entry));
  return found;
}

describe.each(['src/remote/remote-reranker.ts', 'src/remote/fallback-policy.ts', 'src/server/app.ts', 'src/adapters/langchain.ts', 'src/adapters/llamaindex.ts', 'src/adapters/ai-sdk.ts'])('%s', (entry) => {
  it('imports no node: module, directly or indirectly, and only web-ready packages', () => {
    for (const [specifier, from] of runtimeImports(entry)) {
      expect(specifier.startsWith('node:') || NODE_BUILTINS.has(specifier), `${from} imports ${specifier}`).toBe(false);
      expect(WEB_PACKAGES.has(specifier), `${from} imports ${specifier}`).toBe(true);
    }
  });
});
