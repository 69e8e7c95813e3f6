#!/usr/bin/env node
/**
 * The `webrerank` command: `rank` scores requests from stdin, flags or a JSONL file; `serve` runs
 * the HTTP API; `pull` fetches a model into the Hugging Face hub cache; `keys` adds API keys;
 * `models` lists the registry and that cache. A mistake in the command line is one line on stderr
 * and exit code 2; a failed request is the API's JSON error body and exit code 1.
 */
import { toRerankError } from './core/errors.js';
import { USAGE_EXIT_CODE, UsageError } from './cli/usage.js';
import { packageVersion } from './cli/version.js';

const COMMANDS: Record<string, { summary: string; run: (argv: string[]) => Promise<number> }> = {
  rank: {
    summary: 'rank documents for a request (JSON on stdin, --query/--document, or --jsonl FILE) and print the response',
    run: async (argv) => (await import('./cli/rank.js')).rank(argv),
  },
  serve: {
    summary: 'answer POST /v1/rerank over HTTP, like the hosted API',
    run: async (argv) => (await import('./cli/serve.js')).serve(argv),
  },
  pull: {
    summary: 'download a model from the Hugging Face hub into its cache, for offline use later',
    run: async (argv) => (await import('./cli/pull.js')).pull(argv),
  },
  keys: {
    summary: 'add an API key to a keys file (prints the new key once, stores only its hash)',
    run: async (argv) => (await import('./cli/keys.js')).keys(argv),
  },
  models: {
    summary: 'list the models webrerank knows and the ones in the Hugging Face hub cache',
    run: async (argv) => (await import('./cli/models.js')).models(argv),
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(7)} ${command.summary}`);
  return `Usage: webrerank <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nOptions:\n  --version  print the version\n  --help     print this help\n\nRun 'webrerank <command> --help' for a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (name === undefined) {
    process.stderr.write(usage());
    return USAGE_EXIT_CODE;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`webrerank: unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(', ')} (see webrerank --help)\n`);
    return USAGE_EXIT_CODE;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`webrerank ${name}: ${error.message}\n`);
    return USAGE_EXIT_CODE;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${JSON.stringify(toRerankError(error).toJSON())}\n`);
    process.exitCode = 1;
  },
);
