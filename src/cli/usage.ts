/**
 * Mistakes in how a command was called — an unknown flag, a missing or bad value — are usage
 * errors: one line on stderr naming the flag and what it accepts, and exit code 2, as command-line
 * tools do. (A bad *request* is different: it gets the API's JSON error body and exit code 1.)
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** The exit code of a usage error. */
export const USAGE_EXIT_CODE = 2;

/** A flag or argument the command can't take. `message` is the one line to print. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type FlagSpec = NonNullable<ParseArgsConfig['options']>;

/**
 * `parseArgs` in strict mode, with its errors turned into usage errors that list the flags the
 * command takes (node's own say "Unknown option '--bogus'" and no more).
 */
export function parseFlags<T extends FlagSpec>(argv: string[], options: T, maxPositionals = 0) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: maxPositionals > 0 });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const accepted = Object.keys(options).map((name) => `--${name}`).join(', ');
    const flag = /'([^']*)'/.exec((error as Error).message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${flag ?? '(unreadable)'}; options: ${accepted}`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`unexpected argument ${flag ?? '(unreadable)'}; options: ${accepted}`);
    throw new UsageError((error as Error).message.replace(/\.$/, ''));
  }
  const extra = parsed.positionals[maxPositionals];
  if (extra !== undefined) throw new UsageError(`unexpected argument ${extra}; options: ${Object.keys(options).map((name) => `--${name}`).join(', ')}`);
  return parsed;
}

/** `value` if it is one of `accepted`, else a usage error naming the flag and the accepted values. */
export function oneOf<T extends string>(flag: string, value: string, accepted: readonly T[]): T {
  if ((accepted as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be ${alternatives(accepted)}, got "${value}"`);
}

/** A flag's value as an integer of at least `minimum` (default 1), or a usage error naming the flag. */
export function integerFlag(flag: string, value: string, minimum = 1): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isInteger(number) || number < minimum) {
    throw new UsageError(minimum === 1 ? `${flag} must be a positive integer, got "${value}"` : `${flag} must be an integer of at least ${minimum}, got "${value}"`);
  }
  return number;
}

/** A flag's value as a number above 0, or a usage error naming the flag. */
export function positiveFlag(flag: string, value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) throw new UsageError(`${flag} must be a positive number, got "${value}"`);
  return number;
}

/** `a`, `a or b`, `a, b or c`. */
export function alternatives(values: readonly string[]): string {
  return values.length <= 1 ? (values[0] ?? '') : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
}
