/**
 * The package on the Node versions users run: the declared minimum (engines.node, a Node 22) and
 * the current LTS line (24), each a binary from the npm registry. Under each, a fresh app installs
 * the packed tarball by running the README's install steps verbatim, with no network (a network
 * namespace of its own; npm takes everything from its cache), then imports it as an ES module and
 * from CommonJS, runs the `webrerank` command and its server, installs the frameworks with the
 * install lines of docs/frameworks.md (whatever versions npm picks for them today) and runs that
 * page's examples as written. Every ranking is compared with the same request ranked in-process.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { STANDIN_WARNING } from '../../src/core/standin.js';
import type { RerankResponse } from '../../src/core/contract.js';
import { HOSTED_EXAMPLE } from '../kit/documents.js';
import { startServeProcess, untilHealthy } from '../kit/serve-process.js';
import { REPO_ROOT } from '../kit/servers.js';
import { expectSameRanking } from '../chromium/support/parity.js';
import { runIn, writeProject } from './support/consumers.js';
import { nodeBinary, type NodeBinary } from './support/node-binaries.js';
import { appBlocks, appInstallBlock } from './support/readme-blocks.js';

const run = promisify(execFile);
const modelDir = inject('tinyModelDir');
/** The declared minimum, and the newest of the current LTS line. */
const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; engines: { node: string } };
const MINIMUM = manifest.engines.node.replace(/^>=\s*/, '').split('.').concat('0', '0').slice(0, 3).join('.');
const VERSIONS = [MINIMUM, '24'];
const SETUP_TIMEOUT = 600_000;

const RANK = (load: string, options = ", dtype: 'fp32'") => `${load}
const reranker = await createReranker({ modelPath: process.argv[2]${options} });
console.log(JSON.stringify(await reranker.rerank(JSON.parse(process.argv[3]))));
await reranker.dispose();
`;

let work: string;
let tarballName: string;
let readme: string;
let frameworksPage: string;

/** The ```js example=NAME blocks of docs/frameworks.md. */
const frameworkExamples = () => new Map([...frameworksPage.matchAll(/^```js example=(\S+)\n([\s\S]*?)^```$/gm)].map((match) => [match[1] as string, match[2] as string]));

/**
 * Runs the README's install steps, then docs/frameworks.md's, in `app` (a fresh `npm init -y`
 * project); offline unless `online`.
 */
async function followDocs(app: string, env: NodeJS.ProcessEnv, online = false) {
  await mkdir(app, { recursive: true });
  await run('npm', ['init', '-y'], { cwd: app, env });
  const steps = [appInstallBlock(readme), ...appBlocks(frameworksPage, 'docs/frameworks.md')].join('\n');
  const script = online ? steps : `ip link set lo up\n${steps}`;
  const [command, args] = online ? ['bash', ['-euo', 'pipefail', '-c', script]] : ['unshare', ['--net', 'bash', '-euo', 'pipefail', '-c', script]];
  return runIn(app, command as string, args as string[], { ...env, npm_config_audit: 'false', npm_config_fund: 'false', ...(online ? { npm_config_prefer_offline: 'true' } : { npm_config_offline: 'true' }) });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'webrerank-node-versions-'));
  readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  frameworksPage = await readFile(join(REPO_ROOT, 'docs/frameworks.md'), 'utf8');
  // Where the README leaves the tarball: in a checkout named webrerank, beside the app.
  const checkout = join(work, 'webrerank');
  await mkdir(checkout);
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', checkout], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
  tarballName = (JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string }[])[0]?.filename as string;
  // npm resolves the tarball's dependencies from its cache of registry answers: fill it once
  // (from the network only where it lacks one), so the installs below run offline.
  const warm = await followDocs(join(work, 'warm-cache'), process.env, true);
  if (warm.code !== 0) throw new Error(`installing the tarball to fill npm's cache failed: ${warm.stderr}`);
}, SETUP_TIMEOUT);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

it('names in the README the tarball that npm pack makes', () => {
  expect(tarballName).toBe(`webrerank-${manifest.version}.tgz`);
  expect(appInstallBlock(readme)).toContain(`npm install ../webrerank/${tarballName}`);
});

describe.each(VERSIONS)('on Node %s', (spec) => {
  let node: NodeBinary;
  let app: string;
  let install: Awaited<ReturnType<typeof runIn>>;
  let inProcess: RerankResponse;
  const request = JSON.stringify(HOSTED_EXAMPLE);

  beforeAll(async () => {
    node = await nodeBinary(spec);
    app = join(work, `app-${node.version}`);
    install = await followDocs(app, node.env);
    await writeProject(app, {
      'esm/package.json': JSON.stringify({ type: 'module' }),
      'esm/rank.js': RANK(`import { createReranker } from 'webrerank';`),
      // As the framework examples create theirs: the default dtype.
      'esm/rank-default.js': RANK(`import { createReranker } from 'webrerank';`, ''),
      'cjs/package.json': JSON.stringify({ type: 'commonjs' }),
      'cjs/rank.js': `const { createReranker } = require('webrerank');\n(async () => {\n${RANK('')}})();\n`,
      ...Object.fromEntries([...frameworkExamples()].map(([name, code]) => [`${name}.mjs`, code])),
    });
    await mkdir(join(app, 'models'));
    await symlink(modelDir, join(app, 'models/bge-reranker-v2-m3'), 'dir');
  }, SETUP_TIMEOUT);

  const nodeRun = (cwd: string, args: string[]) => runIn(cwd, node.bin, args, node.env);

  it('installs the tarball, then the frameworks, offline by following the README and docs/frameworks.md verbatim, with no EBADENGINE warning', async () => {
    expect(node.version.split('.')[0]).toBe(spec.split('.')[0]);
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).not.toContain('EBADENGINE');
    expect(JSON.parse(await readFile(join(app, 'node_modules/webrerank/package.json'), 'utf8'))).toMatchObject({ version: manifest.version });
    // What `npm install ai` picks on a supported Node: the AI SDK whose rerank() takes the adapter's model.
    expect(JSON.parse(await readFile(join(app, 'node_modules/ai/package.json'), 'utf8'))).toMatchObject({ version: expect.stringMatching(/^7\./) });
  });

  it('ranks with import from an ES module', async () => {
    const { code, stdout, stderr } = await nodeRun(join(app, 'esm'), ['rank.js', modelDir, request]);
    expect(code, stderr).toBe(0);
    inProcess = JSON.parse(stdout.trim().split('\n').at(-1) as string) as RerankResponse;
    expect(inProcess.meta).toEqual({ backend: 'cpu', dtype: 'fp32', warnings: [STANDIN_WARNING] });
    expect(inProcess.results).toHaveLength(HOSTED_EXAMPLE.documents.length);
  });

  it('ranks the same with require() from CommonJS', async () => {
    const { code, stdout, stderr } = await nodeRun(join(app, 'cjs'), ['rank.js', modelDir, request]);
    expect(code, stderr).toBe(0);
    expectSameRanking(JSON.parse(stdout.trim().split('\n').at(-1) as string) as RerankResponse, inProcess);
  });

  it('runs `npx webrerank --version`', async () => {
    const { code, stdout, stderr } = await runIn(app, 'npx', ['--no-install', 'webrerank', '--version'], node.env);
    expect(code, stderr).toBe(0);
    expect(stdout.trim()).toBe(manifest.version);
  });

  it('answers POST /v1/rerank from `webrerank serve` with the same ranking', async () => {
    const server = await startServeProcess(['--model-path', modelDir, '--dtype', 'fp32', '--port', '0'], { ...node.env, WEBRERANK_API_KEYS: '' }, { command: [node.bin, join(app, 'node_modules/webrerank/dist/src/cli.js')] });
    try {
      await untilHealthy(server.url);
      const response = await fetch(`${server.url}/v1/rerank`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: request });
      expect(response.status).toBe(200);
      expectSameRanking((await response.json()) as RerankResponse, inProcess);
    } finally {
      await server.stop();
    }
  });

  it.each(['langchain', 'llamaindex', 'ai-sdk'])('runs the %s example of docs/frameworks.md as written, printing the best document and its score', async (name) => {
    const { code, stdout, stderr } = await nodeRun(app, [`${name}.mjs`]);
    expect(code, stderr).toBe(0);
    // The examples rank two documents of the hosted example for its query: the same scores as ranking them here.
    const documents = ['The weather today is sunny.', 'Machine learning is a subset of artificial intelligence.'];
    const direct = await nodeRun(join(app, 'esm'), ['rank-default.js', join(app, 'models/bge-reranker-v2-m3'), JSON.stringify({ model: HOSTED_EXAMPLE.model, query: 'What is machine learning?', documents })]);
    const best = (JSON.parse(direct.stdout.trim().split('\n').at(-1) as string) as RerankResponse).results[0];
    const line = stdout.trim().split('\n').at(-1) as string;
    expect(line.slice(0, line.lastIndexOf(' '))).toBe(documents[best?.index as number]);
    expect(Number(line.slice(line.lastIndexOf(' ') + 1))).toBeCloseTo(best?.relevance_score as number, 4);
  });
});
