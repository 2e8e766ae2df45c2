/**
 * Command-line option parsing for subcommands, on Node's `util.parseArgs`. A bad option becomes a
 * CUBE0001 diagnostic (exit code 2), never an exception with a stack.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createDiagnostic, DiagnosticError } from '../core/diagnostics/index.js';
import type { MessageValues } from '../core/diagnostics/index.js';
import { cliCodes } from '../core/diagnostics/codes-cli.js';
import { cacheDirectory } from '../core/paths.js';
import type { CommandContext, OptionTable } from './command.js';

/** Parses `args` against `options` for `cube <command>`; unknown options are usage errors. */
export function parseCommandArgs<O extends OptionTable>(command: string, args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(command, 'options', { problem: error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error) });
  }
}

/** Turns repeated `NAME=value` options (`--build-arg`) into a map; a missing `=` is a usage error. */
export function nameValueOptions(command: string, flag: string, values: readonly string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const value of values ?? []) {
    const i = value.indexOf('=');
    if (i <= 0) {
      throw new DiagnosticError(createDiagnostic(cliCodes.usage, 'nameValue', { command, flag, value }));
    }
    out.set(value.slice(0, i), value.slice(i + 1));
  }
  return out;
}

type Usage = typeof cliCodes.usage.messages;

/** A usage error for `cube <command>`: one of CUBE0001's messages, with its values. */
export function usageError<K extends keyof Usage>(command: string, message: K, values: Omit<MessageValues<Usage[K]>, 'command'>): DiagnosticError {
  return new DiagnosticError(createDiagnostic(cliCodes.usage, message, { ...values, command } as MessageValues<Usage[K]>));
}

/** `--cache-dir DIR` (relative to the working directory), else `$CUBE_CACHE_DIR`, else the default. */
export function cacheDirOption(context: CommandContext, value: string | undefined): string {
  return value !== undefined ? resolve(context.cwd, value) : cacheDirectory(context.env);
}
