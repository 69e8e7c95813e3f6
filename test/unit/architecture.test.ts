/**
 * The house rules the folders stand for, checked on the source: each layer imports only the layers
 * below it (so there are no cycles between folders), tooling never reaches into the tests, the
 * engine runs anywhere, and no module grows into a god-file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** Which src/ folders each folder may import from. The entry files at src/ root may import any. */
const MAY_IMPORT: Record<string, string[]> = {
  core: [],
  engine: ['core'],
  remote: ['core'],
  browser: ['core', 'engine', 'remote'],
  node: ['core', 'engine'],
  server: ['core', 'node', 'remote'],
  cli: ['core', 'node', 'server', 'remote'],
  // The framework adapters (webrerank/langchain, …) wrap any Reranker: they need the contract only.
  adapters: ['core'],
};

const LONGEST_SOURCE_FILE = 300;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** Relative specifiers a file imports, resolved to repository paths (type-only imports included). */
function relativeImports(file: string): string[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [...source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)].map((match) => (match[1] ?? match[2]) as string);
  return specifiers.map((specifier) => relative(ROOT, resolve(dirname(join(ROOT, file)), specifier)));
}

/** The layer of a src/ file: its folder, or '(entry)' for the files at src/ root. */
function layerOf(path: string): string {
  const parts = path.split(sep);
  return parts.length === 2 ? '(entry)' : (parts[1] as string);
}

describe('the layers of src/', () => {
  it('import only the layers below them', () => {
    const violations: string[] = [];
    for (const file of sourceFiles('src')) {
      const layer = layerOf(file);
      if (layer === '(entry)') continue;
      for (const target of relativeImports(file)) {
        if (!target.startsWith(`src${sep}`)) {
          violations.push(`${file} imports ${target}, outside src/`);
          continue;
        }
        const targetLayer = layerOf(target);
        if (targetLayer !== layer && !MAY_IMPORT[layer]?.includes(targetLayer)) violations.push(`${file} (${layer}) imports ${target} (${targetLayer})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('hold no module over ~300 lines', () => {
    const long = sourceFiles('src')
      .map((file) => ({ file, lines: readFileSync(join(ROOT, file), 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > LONGEST_SOURCE_FILE);
    expect(long).toEqual([]);
  });
});

describe('tooling and the product', () => {
  it.each(['src', 'bench', 'tools', 'worker', 'demo'])('%s/ never imports from test/', (dir) => {
    const intoTests = sourceFiles(dir).flatMap((file) => relativeImports(file).filter((target) => target.startsWith(`test${sep}`)).map((target) => `${file} imports ${target}`));
    expect(intoTests).toEqual([]);
  });
});

describe('the demo', () => {
  // The demo is an app: it uses the package's public entry, like any app would.
  it('reaches into src/ only through the public entry', () => {
    const PUBLIC_ENTRY = join('src', 'index.ts');
    const inward = sourceFiles('demo').flatMap((file) =>
      relativeImports(file)
        .filter((target) => target.startsWith(`src${sep}`) && target.replace(/\.js$/, '.ts') !== PUBLIC_ENTRY)
        .map((target) => `${file} imports ${target}`),
    );
    expect(inward).toEqual([]);
  });
});

describe('the engine', () => {
  // Words that only exist in Node, on a page or in a worker. The engine and the contract run in all
  // of them, so they may not rely on any (feature probes belong to browser/ and node/).
  const RUNTIME_GLOBALS = /\b(process|Buffer|require|__dirname|window|document|self|navigator|importScripts|localStorage|caches)\b/;

  it.each(['src/core', 'src/engine'])('%s touches no Node, DOM or worker global and imports no node: module', (dir) => {
    const found: string[] = [];
    for (const file of sourceFiles(dir)) {
      const code = readFileSync(join(ROOT, file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '')
        .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, "''");
      code.split('\n').forEach((line, index) => {
        // A property of the same name (`.document`, `{ document }` as a field) is not the global.
        const bare = line.replace(/\.\s*\w+/g, '').replace(/\b\w+\??\s*:/g, '');
        if (RUNTIME_GLOBALS.test(bare)) found.push(`${file}:${index + 1}: ${line.trim()}`);
      });
      for (const match of readFileSync(join(ROOT, file), 'utf8').matchAll(/from\s+['"]([^'"]+)['"]/g)) {
        const specifier = match[1] as string;
        if (specifier.startsWith('node:') || builtinModules.includes(specifier)) found.push(`${file} imports ${specifier}`);
      }
    }
    expect(found).toEqual([]);
  });
});
