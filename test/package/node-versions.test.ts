/**
 * The package on the Node versions users run, each with the npm its own installer brings: the
 * declared minimum (engines.node, a Node 22, with npm 10) and the current LTS line (24, with npm
 * 11), Node a binary and npm a package from the npm registry. npm 10 ignores `allowScripts`, npm 11
 * honours it: the README's install steps must work on both. Under each, a fresh app installs the
 * packed tarball by running those steps verbatim, with no network (a network namespace of its own;
 * npm takes everything from its cache), then imports it as an ES module and from CommonJS, runs the
 * `webrerank` command and its server, installs the frameworks with the install lines of
 * docs/frameworks.md (whatever versions npm picks for them today) and runs that page's examples as
 * written — the AI SDK's with ai 7 and with ai 6. Every ranking is compared with the same request
 * ranked in-process.
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
import { nodeBinary, withNpm, type NodeBinary } from './support/node-binaries.js';
import { appBlocks, appInstallBlock } from './support/readme-blocks.js';

const run = promisify(execFile);
const modelDir = inject('tinyModelDir');
const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; engines: { node: string } };
const MINIMUM = manifest.engines.node.replace(/^>=\s*/, '').split('.').concat('0', '0').slice(0, 3).join('.');
/** The declared minimum and the newest of the current LTS line, each with the npm line its installer brings. */
const SETUPS = [
  [MINIMUM, '10'],
  ['24', '11'],
];
/** What a user of the previous AI SDK major runs; the adapter's model works with both. */
const AI_6 = 'npm install ai@6';
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

/** Runs the shell lines `steps` in `app`; offline (a network namespace of its own, npm on its cache) unless `online`. */
function runSteps(app: string, steps: string, env: NodeJS.ProcessEnv, online = false) {
  const script = online ? steps : `ip link set lo up\n${steps}`;
  const [command, args] = online ? ['bash', ['-euo', 'pipefail', '-c', script]] : ['unshare', ['--net', 'bash', '-euo', 'pipefail', '-c', script]];
  return runIn(app, command as string, args as string[], { ...env, npm_config_audit: 'false', npm_config_fund: 'false', ...(online ? { npm_config_prefer_offline: 'true' } : { npm_config_offline: 'true' }) });
}

/**
 * Runs the README's install steps, then docs/frameworks.md's, then `after`, in `app` (a fresh
 * `npm init -y` project); offline unless `online`.
 */
async function followDocs(app: string, env: NodeJS.ProcessEnv, online = false, after: string[] = []) {
  await mkdir(app, { recursive: true });
  await run('npm', ['init', '-y'], { cwd: app, env });
  return runSteps(app, [appInstallBlock(readme), ...appBlocks(frameworksPage, 'docs/frameworks.md'), ...after].join('\n'), env, online);
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
}, SETUP_TIMEOUT);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

it('names in the README the tarball that npm pack makes', () => {
  expect(tarballName).toBe(`webrerank-${manifest.version}.tgz`);
  expect(appInstallBlock(readme)).toContain(`npm install ../webrerank/${tarballName}`);
});

describe.each(SETUPS)('on Node %s with npm %s', (nodeSpec, npmSpec) => {
  let node: NodeBinary & { npmVersion: string };
  let app: string;
  let install: Awaited<ReturnType<typeof runIn>>;
  let inProcess: RerankResponse;
  const request = JSON.stringify(HOSTED_EXAMPLE);

  beforeAll(async () => {
    node = await withNpm(await nodeBinary(nodeSpec), npmSpec);
    // Each npm keys its cache of registry answers its own way: this one fills it once (from the
    // network only where it lacks an answer), so the installs below run offline.
    const warm = await followDocs(join(work, `warm-cache-${node.version}`), node.env, true, [AI_6]);
    if (warm.code !== 0) throw new Error(`installing the tarball to fill npm's cache failed: ${warm.stderr}`);
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
    expect(node.version.split('.')[0]).toBe(nodeSpec.split('.')[0]);
    expect((await runIn(app, 'npm', ['--version'], node.env)).stdout.trim()).toBe(node.npmVersion);
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

  /** Checks an example's last line: the better of its two documents and that one's score, as ranking them here gives. */
  async function expectBestPrinted(stdout: string) {
    const documents = ['The weather today is sunny.', 'Machine learning is a subset of artificial intelligence.'];
    const direct = await nodeRun(join(app, 'esm'), ['rank-default.js', join(app, 'models/bge-reranker-v2-m3'), JSON.stringify({ model: HOSTED_EXAMPLE.model, query: 'What is machine learning?', documents })]);
    const best = (JSON.parse(direct.stdout.trim().split('\n').at(-1) as string) as RerankResponse).results[0];
    const line = stdout.trim().split('\n').at(-1) as string;
    expect(line.slice(0, line.lastIndexOf(' '))).toBe(documents[best?.index as number]);
    expect(Number(line.slice(line.lastIndexOf(' ') + 1))).toBeCloseTo(best?.relevance_score as number, 4);
  }

  it.each(['langchain', 'llamaindex', 'ai-sdk'])('runs the %s example of docs/frameworks.md as written, printing the best document and its score and no warning of a package loaded twice', async (name) => {
    const { code, stdout, stderr } = await nodeRun(app, [`${name}.mjs`]);
    expect(code, stderr).toBe(0);
    expect(stderr).not.toContain('already imported');
    await expectBestPrinted(stdout);
  });

  it('leaves a dependency tree that `npm ls --all` finds valid, peers included', async () => {
    const { code, stdout, stderr } = await runIn(app, 'npm', ['ls', '--all'], node.env);
    expect(code, `${stdout}\n${stderr}`).toBe(0);
  });

  // Last, as it changes the app's AI SDK: ai 6 is still maintained beside ai 7.
  it('runs the ai-sdk example with ai 6 too, which `npm install ai@6` puts beside webrerank with no peer conflict', async () => {
    const installed = await runSteps(app, AI_6, node.env);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stderr).not.toContain('ERESOLVE');
    expect(JSON.parse(await readFile(join(app, 'node_modules/ai/package.json'), 'utf8'))).toMatchObject({ version: expect.stringMatching(/^6\./) });
    const { code, stdout, stderr } = await nodeRun(app, ['ai-sdk.mjs']);
    expect(code, stderr).toBe(0);
    await expectBestPrinted(stdout);
  });
});
