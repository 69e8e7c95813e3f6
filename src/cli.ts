#!/usr/bin/env node
/**
 * The `webrerank` command: `rank` scores one request from stdin or flags; `serve` runs the HTTP API.
 */
import { toRerankError } from './core/errors.js';

const COMMANDS: Record<string, { summary: string; run: (argv: string[]) => Promise<number> }> = {
  rank: {
    summary: 'rank documents for one request (JSON on stdin, or --query/--document) and print the response',
    run: async (argv) => (await import('./cli/rank.js')).rank(argv),
  },
  serve: {
    summary: 'answer POST /v1/rerank over HTTP, like the hosted API',
    run: async (argv) => (await import('./cli/serve.js')).serve(argv),
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(7)} ${command.summary}`);
  return `Usage: webrerank <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'webrerank <command> --help' for a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`Unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  return command.run(rest);
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
