/**
 * The house rules the folders stand for, checked on the source: each layer imports only the layers
 * below it, no files import one another in a circle (type imports included), the browser's page
 * side and worker side meet only in shared types, tooling never reaches into the tests, the engine
 * runs anywhere, and no module grows into a god-file.
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

  it('import one another in no circle, type imports included', () => {
    expect(importCycles(sourceFiles('src'))).toEqual([]);
  });

  it('hold no module over ~300 lines', () => {
    const long = sourceFiles('src')
      .map((file) => ({ file, lines: readFileSync(join(ROOT, file), 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > LONGEST_SOURCE_FILE);
    expect(long).toEqual([]);
  });
});

/**
 * The circles among `files`' imports (each a strongly connected group of more than one file, or a
 * file importing itself), found with Tarjan's algorithm.
 */
function importCycles(files: string[]): string[][] {
  const edges = new Map(files.map((file) => [file, relativeImports(file).map((target) => target.replace(/\.js$/, '.ts'))]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file) as number);
    stack.push(file);
    onStack.add(file);
    for (const target of edges.get(file) ?? []) {
      if (!edges.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file) as number, low.get(target) as number));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file) as number, index.get(target) as number));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      group.push(member);
    } while (member !== file);
    if (group.length > 1 || edges.get(file)?.includes(file)) cycles.push(group.sort());
  };
  for (const file of files) if (!index.has(file)) visit(file);
  return cycles;
}

/**
 * The rooms of src/browser/, one folder each: which side of `postMessage` a file runs on.
 * page/: createReranker and the clients that talk to the model wherever it runs; worker/: what
 * runs where the model runs (the hosts comlink exposes and the engine they drive); cache/: the
 * model cache (OPFS), which the page lists and deletes and the worker reads and fills; shared/:
 * the public types, the error transfer both ends register, the probe and plan (pure data).
 */
const BROWSER_ROOMS = ['page', 'worker', 'cache', 'shared'];

/** Which rooms each room may import from. */
const ROOM_MAY_IMPORT: Record<string, string[]> = {
  page: ['page', 'cache', 'shared'],
  worker: ['worker', 'cache', 'shared'],
  cache: ['cache', 'shared'],
  shared: ['shared'],
};

/** The crossings there are reasons for, each named. */
const ROOM_CROSSINGS: Record<string, string> = {
  // Where there is no Worker (or `inWorker: false`), the page runs the worker side's engine itself.
  'page/in-thread-reranker -> worker/browser-engine': 'the engine in the page',
  // comlink's `Remote<WorkerHost>` is the protocol: a type import, nothing of the worker runs here.
  'page/worker-reranker -> worker/worker-host': 'the protocol, as a type',
};

describe('the rooms of src/browser/', () => {
  const BROWSER = join('src', 'browser') + sep;
  /** `page/create-reranker` for src/browser/page/create-reranker.ts. */
  const placeOf = (path: string) => path.slice(BROWSER.length).split(sep).join('/').replace(/\.(?:ts|js)$/, '');
  const roomOf = (path: string) => placeOf(path).split('/')[0] as string;
  const browserFiles = sourceFiles(join('src', 'browser'));

  it('place every file in one room', () => {
    expect(browserFiles.filter((file) => placeOf(file).split('/').length !== 2 || !BROWSER_ROOMS.includes(roomOf(file)))).toEqual([]);
  });

  it('import only their own room, the cache and the shared types (crossings named)', () => {
    const violations: string[] = [];
    for (const file of browserFiles) {
      for (const target of relativeImports(file).filter((path) => path.startsWith(BROWSER))) {
        const crossing = `${placeOf(file)} -> ${placeOf(target)}`;
        const allowed = ROOM_MAY_IMPORT[roomOf(file)]?.includes(roomOf(target)) || crossing in ROOM_CROSSINGS;
        if (!allowed) violations.push(crossing);
      }
    }
    expect(violations).toEqual([]);
  });

  it('the worker entries import only the worker side and the shared types', () => {
    const violations = sourceFiles('worker').flatMap((file) =>
      relativeImports(file)
        .filter((path) => path.startsWith(BROWSER))
        .filter((path) => !['worker', 'shared'].includes(roomOf(path)))
        .map((path) => `${file} imports ${path}`),
    );
    expect(violations).toEqual([]);
  });
});

describe('tooling and the product', () => {
  it.each(['src', 'tools', 'worker', 'demo'])('%s/ never imports from test/', (dir) => {
    const intoTests = sourceFiles(dir).flatMap((file) => relativeImports(file).filter((target) => target.startsWith(`test${sep}`)).map((target) => `${file} imports ${target}`));
    expect(intoTests).toEqual([]);
  });

  // The test kit (Chromium, servers, documents, memory probes) is what the bench shares with the
  // tests; the tests themselves stay theirs.
  it('bench/ imports from test/ only the test kit', () => {
    const kit = join('test', 'kit', '');
    const intoTests = sourceFiles('bench').flatMap((file) =>
      relativeImports(file)
        .filter((target) => target.startsWith(`test${sep}`) && !target.startsWith(kit))
        .map((target) => `${file} imports ${target}`),
    );
    expect(intoTests).toEqual([]);
  });

  it('the test kit does not import the app’s build config', () => {
    const intoConfig = sourceFiles(join('test', 'kit')).flatMap((file) => relativeImports(file).filter((target) => /^vite\.config\./.test(target)).map((target) => `${file} imports ${target}`));
    expect(intoConfig).toEqual([]);
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

/**
 * The server's edge-safe part: src/server/ but its node/ folder (the Node runner, its decoders,
 * Prometheus metrics and the SQLite and Redis stores). Web standards only, so the app runs on
 * Deno, Bun and edge runtimes.
 */
const NODE_ONLY_SERVER = join('src', 'server', 'node') + sep;
const EDGE_SAFE_SERVER = sourceFiles(join('src', 'server')).filter((file) => !file.startsWith(NODE_ONLY_SERVER));

/** The files of `paths`, each a folder or a file. */
function filesOf(paths: string[]): string[] {
  return paths.flatMap((path) => (/\.ts$/.test(path) ? [path.split('/').join(sep)] : sourceFiles(path)));
}

describe('code that runs anywhere', () => {
  // Words that only exist in Node, on a page or in a worker. The engine and the contract run in all
  // of them, and the server app on edge runtimes, so they may not rely on any (feature probes
  // belong to browser/ and node/).
  const RUNTIME_GLOBALS = /\b(process|Buffer|require|__dirname|window|document|self|navigator|importScripts|localStorage|caches)\b/;

  const parts = [
    { name: 'src/core', paths: ['src/core'] },
    { name: 'src/engine', paths: ['src/engine'] },
    { name: 'src/server (all but node/)', paths: EDGE_SAFE_SERVER },
  ];

  it.each(parts)('$name touches no Node, DOM or worker global and imports no node: module', ({ paths }) => {
    const found: string[] = [];
    for (const file of filesOf(paths)) {
      const code = readFileSync(join(ROOT, file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '')
        .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, "''");
      // A name the file declares itself (a parameter `(document, index) =>`, a `const self`) is not the global.
      const declared = new Set([
        ...[...code.matchAll(/\b(?:const|let|var)\s+(\w+)/g)].map((match) => match[1]),
        ...[...code.matchAll(/\(([^()]*)\)\s*=>|\bfunction\s*\w*\s*\(([^()]*)\)/g)].flatMap((match) => (match[1] ?? match[2] ?? '').split(',').map((parameter) => parameter.trim().match(/^\w+/)?.[0])),
      ]);
      code.split('\n').forEach((line, index) => {
        // A property of the same name (`.document`, `{ document }` as a field) is not the global.
        const bare = line.replace(/\.\s*\w+/g, '').replace(/\b\w+\??\s*:/g, '');
        const global = bare.match(new RegExp(RUNTIME_GLOBALS.source, 'g'))?.filter((name) => !declared.has(name));
        if (global && global.length > 0) found.push(`${file}:${index + 1}: ${line.trim()}`);
      });
      for (const match of readFileSync(join(ROOT, file), 'utf8').matchAll(/from\s+['"]([^'"]+)['"]/g)) {
        const specifier = match[1] as string;
        if (specifier.startsWith('node:') || builtinModules.includes(specifier)) found.push(`${file} imports ${specifier}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('the edge-safe server never imports its node/ folder', () => {
    const intoNode = EDGE_SAFE_SERVER.flatMap((file) => relativeImports(file).filter((target) => target.startsWith(NODE_ONLY_SERVER)).map((target) => `${file} imports ${target}`));
    expect(intoNode).toEqual([]);
  });
});
